"""Checkpoints: a run saved and resumed is bit-identical to the same run uninterrupted;
checkpoints from other model code, damaged files and wrong files are refused clearly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from golden import tables

from ecosim import EcosystemModel
from ecosim.state.agents import AGENT_CLASSES, Founder, Startup
from ecosim.state.checkpoint import CheckpointError, read_header

SRC = Path(__file__).resolve().parents[1] / "src"
#: A policy scenario whose packages start within the run (January 2021, month 13), small.
CASE = {"scenario": "startup_city", "rng": 2, "scale": 0.005, "months": 18,
        "policy__start_year": 2021}


def build() -> EcosystemModel:
    case = dict(CASE)
    return EcosystemModel(case.pop("scenario"), **case)


def state_of(model: EcosystemModel) -> dict:
    """Everything that must survive a checkpoint, as plain values and arrays."""
    w = model.world
    out = {
        "steps": model.steps, "time": model.time, "running": model.running,
        "agent_id_counter": model.agent_id_counter,
        "agents": [(type(a).__name__, a.unique_id, a.row) for a in model.agents],
        "agent_types": [t.__name__ for t in model.agent_types],
        "by_type": {t.__name__: [a.unique_id for a in s] for t, s in model.agents_by_type.items()},
        "rng": json.dumps(model.rng.bit_generator.state, default=str),
        "random": model.random.getstate(),
        "kernel_seed": w.kernel_seed, "clock": w.clock.month,
        "ledger": (w.ledger.opening_stock, dict(w.ledger.totals)),
        "levers": {k: v for k, v in vars(w.levers).items()},
        "established_row": w.established_row,
        "cohorts": w.log.cohorts, "moves": w.log.moves, "funding": w.log.funding,
        "retention": w.log.retention, "foundings": w.log.foundings, "endings": w.log.endings,
        "last_metrics": model.last_metrics,
        "collected": model.datacollector.get_model_vars_dataframe(),
        "deals": _table(w.cap_table.deals),
    }
    for cls in AGENT_CLASSES:
        out[cls.__name__] = _table(w.population[cls])
    return out


def _table(t) -> dict:
    return {"size": t.size, "capacity": t.capacity, "alive": t.alive.copy(),
            "free": t._free.copy(), **{c: t[c].copy() for c in t.dtypes}}


def assert_same(a, b, where="state"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where, strict=True)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=where)
    else:
        assert a == b or (a != a and b != b), f"{where}: {a!r} != {b!r}"


def assert_same_results(a: EcosystemModel, b: EcosystemModel) -> None:
    for name, frame in tables(a).items():
        pd.testing.assert_frame_equal(frame, tables(b)[name], check_exact=True, obj=name)
    assert_same(state_of(a), state_of(b))


def test_a_run_resumed_at_two_points_is_bit_identical_to_the_uninterrupted_run(tmp_path):
    whole = build().run()

    part = build().run(7)
    before = state_of(part)
    first = EcosystemModel.load(part.save(tmp_path / "month7.ckpt"))
    assert_same(state_of(first), before)  # nothing lost in the file
    first.run(7)  # past the first policy January (month 13)
    assert sum(first.world.levers.allotted_krw.values()) > 0  # the packages are in force
    second = EcosystemModel.load(first.save(tmp_path / "month14.ckpt"))
    assert second.month == 14
    second.run()

    assert second.month == whole.month == 18 and not second.running
    assert_same_results(whole, second)


def test_loaded_agents_are_mesa_agents_of_the_loaded_model(tmp_path):
    model = build().run(5)
    loaded = EcosystemModel.load(model.save(tmp_path / "m.ckpt"))
    assert len(loaded.agents) == len(model.agents)
    people = loaded.population[Founder]
    for agent in list(loaded.agents_by_type[Founder])[:50]:
        assert isinstance(agent, mesa.Agent) and agent in loaded.agents
        assert agent.model is loaded and agent.table is people
        assert people.agent(agent.row) is agent and agent.uid == agent.unique_id
    # the views read and write the loaded tables, not the original ones
    agent = next(iter(loaded.agents_by_type[Startup]))
    agent.cash_krw = 123.0
    assert loaded.population[Startup]["cash_krw"][agent.row] == 123.0
    assert model.population[Startup]["cash_krw"][agent.row] != 123.0
    # Mesa's own tools work on them
    ages = loaded.agents_by_type[Founder].agg("age_months", max)
    assert ages == model.agents_by_type[Founder].agg("age_months", max)
    # new agents continue the id sequence, as they would have in the original
    assert loaded.agent_id_counter == model.agent_id_counter
    loaded.step()
    model.step()
    assert loaded.agent_id_counter == model.agent_id_counter


def test_run_saves_a_checkpoint_every_n_months(tmp_path):
    path = tmp_path / "ck" / "run.ckpt"
    model = build().run(10, checkpoint=path, checkpoint_every=4)
    header = read_header(path)
    assert header["month"] == 8 and header["scenario"] == "startup_city"
    assert header["code"] and header["versions"]["mesa"] == mesa.__version__
    assert not list(path.parent.glob(".*.tmp"))  # written atomically, nothing left over
    resumed = EcosystemModel.load(path).run(2)
    assert_same(state_of(resumed), state_of(model))


def test_the_python_backend_continues_a_numba_checkpoint_identically(tmp_path):
    model = EcosystemModel("korea", rng=3, scale=0.002, months=6).run(4)
    path = model.save(tmp_path / "m.ckpt")
    on_python = EcosystemModel.load(path, backend="python")
    assert on_python.backend == "python"
    on_python.run()
    model.run()
    assert_same_results(model, on_python)


def _wait_for_checkpoint(proc, path: Path, deadline_s: float = 240) -> dict:
    deadline = time.monotonic() + deadline_s
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.01)
    return read_header(path)


def test_a_killed_simulate_resumes_in_a_new_process_to_the_same_results(tmp_path):
    """`ecosim simulate --checkpoint-every` killed mid-run, resumed with --resume in a fresh
    process: the city frame equals the uninterrupted run's, month for month."""
    out, resumed = tmp_path / "killed", tmp_path / "resumed"
    cmd = [sys.executable, "-m", "ecosim", "simulate", "--scenario", "startup_city",
           "--scale", "0.005", "--months", "24", "--seed", "5", "--no-progress",
           "--set", "policy.start_year=2021"]
    proc = subprocess.Popen([*cmd, "--out", str(out), "--checkpoint-every", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _wait_for_checkpoint(proc, out / "checkpoint.ecosim")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    month = read_header(out / "checkpoint.ecosim")["month"]
    assert 2 <= month < 24, "the run was not interrupted"
    done = subprocess.run([sys.executable, "-m", "ecosim", "simulate", "--resume",
                           str(out / "checkpoint.ecosim"), "--out", str(resumed),
                           "--no-progress"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"resumed from {out / 'checkpoint.ecosim'} at month {month}" in done.stdout
    frame = pd.read_parquet(resumed / "city_frame.parquet")
    whole = EcosystemModel("startup_city", rng=5, scale=0.005, months=24,
                           policy__start_year=2021).run().city_frame()
    pd.testing.assert_frame_equal(frame, whole.astype({"city": str}), check_exact=True,
                                  check_dtype=False, check_categorical=False)


def _changed_code_copy(tmp_path: Path) -> Path:
    """A copy of the ecosim package whose model code differs by one statement.

    (A comment or docstring would not do: the digest reads code, not documentation.)
    """
    root = tmp_path / "changed_src"
    shutil.copytree(SRC / "ecosim", root / "ecosim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    social = root / "ecosim" / "phases" / "social.py"
    social.write_text(social.read_text() + "\n_A_CHANGE_TO_THE_MODEL_CODE = 1\n")
    return root


def test_a_checkpoint_is_refused_under_changed_model_code(tmp_path):
    path = build().run(3).save(tmp_path / "m.ckpt")
    script = ("import sys\nfrom ecosim import EcosystemModel\n"
              "from ecosim.state.checkpoint import CheckpointError\n"
              "try:\n    m = EcosystemModel.load(sys.argv[1])\n"
              "except CheckpointError as err:\n    print('REFUSED', err)\n"
              "else:\n    print('LOADED', m.month)\n")
    env = {**os.environ, "PYTHONPATH": str(_changed_code_copy(tmp_path))}
    changed = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                             text=True, timeout=300, env=env, cwd=tmp_path)
    assert changed.stdout.startswith("REFUSED"), changed.stdout + changed.stderr
    assert "model code" in changed.stdout and "start the run again" in changed.stdout
    # the command line says the same in one line, exit status 2
    cli = subprocess.run([sys.executable, "-m", "ecosim", "simulate", "--resume", str(path),
                          "--no-progress"], capture_output=True, text=True, timeout=300,
                         env=env, cwd=tmp_path)
    assert cli.returncode == 2 and "Traceback" not in cli.stderr
    assert cli.stderr.count("\n") == 1 and "model code" in cli.stderr
    # the same file under the code that wrote it loads
    same = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert same.stdout.startswith("LOADED 3"), same.stdout + same.stderr


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "not a checkpoint",
                                    "header cut"])
def test_damaged_or_foreign_files_are_refused_with_the_reason(tmp_path, damage):
    path = build().run(2).save(tmp_path / "m.ckpt")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped byte":
        i = len(data) // 2
        path.write_bytes(data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1:])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "not a checkpoint":
        path.write_text("name = 'a scenario, not a checkpoint'\n")
    elif damage == "header cut":
        path.write_bytes(data[:40])
    with pytest.raises(CheckpointError) as info:
        EcosystemModel.load(path)
    text = str(info.value)
    assert str(path) in text and "\n" not in text
    expected = {"truncated": "truncated", "flipped byte": "checksum",
                "empty": "an ecosim checkpoint", "not a checkpoint": "an ecosim checkpoint",
                "header cut": "header"}[damage]
    assert expected in text


def test_missing_files_folders_and_bad_backends_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint file not found"):
        EcosystemModel.load(tmp_path / "nothing.ckpt")
    with pytest.raises(CheckpointError, match="a checkpoint file"):
        EcosystemModel.load(tmp_path)
    model = build()
    with pytest.raises(CheckpointError, match="a file path"):
        model.save(tmp_path)
    path = model.save(tmp_path / "m.ckpt")
    from ecosim.inputs.validation import ArgumentError

    with pytest.raises(ArgumentError, match="numba, python"):
        EcosystemModel.load(path, backend="cuda")
    with pytest.raises(ArgumentError, match="checkpoint_every"):
        model.run(2, checkpoint=path, checkpoint_every=0)


def test_code_digest_ignores_documentation_but_not_code(tmp_path):
    from ecosim.state.checkpoint import _code_text

    def text(source: str) -> bytes:
        path = tmp_path / "m.py"
        path.write_text(source)
        return _code_text(path)

    base = text('"""Module."""\n\ndef f(x):\n    """Twice x."""\n    return 2 * x\n')
    documented = text('"""Module, described again."""\n\n\ndef f(x):  # a comment\n'
                      '    """Twice x, in other words."""\n\n    return 2 * x\n')
    assert documented == base
    assert text('"""Module."""\n\ndef f(x):\n    """Twice x."""\n    return 3 * x\n') != base
    assert text('def f(x):\n    return 2 * x\n') == base
