"""Results folders: damaged runs are found and run again on resume, nothing complete is
lost, and two drivers on one folder never corrupt it (an exclusive driver lock)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from ecosim.experiments import Experiment, load_results, run_experiment
from ecosim.experiments.integrity import HOLDER_FILE, ResultsFolderBusy, driver_lock
from ecosim.experiments.store import ResultsError

OUTPUTS = ("city", "summary")


def experiment(**changes) -> Experiment:
    fields = {"name": "integrity", "parameters": {"behaviour.w_ties": [0.25, 0.75]},
              "replicates": 2, "root_seed": 3, "months": 3, "scale": 0.003,
              "outputs": list(OUTPUTS), **changes}
    return Experiment(**fields)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The experiment run once, start to end, in its own folder."""
    out = tmp_path_factory.mktemp("uninterrupted")
    assert run_experiment(experiment(), out, progress=False).ok
    return {name: load_results(out, name) for name in OUTPUTS}


def test_damaged_runs_are_run_again_and_the_results_equal_an_uninterrupted_experiment(
        tmp_path, uninterrupted):
    e = experiment()
    first = run_experiment(e, tmp_path, progress=False)
    assert first.executed == 4 and first.ok
    ids = [t.run_id for t in e.plan[0]]
    truncated, bad_marker, bad_schema, intact = ids
    # a Parquet file cut short (a full disk)
    city = tmp_path / "city" / f"{truncated}.parquet"
    city.write_bytes(city.read_bytes()[: city.stat().st_size // 2])
    cut = city.stat().st_size
    # a completion marker that is not JSON
    (tmp_path / "runs" / f"{bad_marker}.json").write_text('{"run_id": "' + bad_marker)
    # a readable Parquet file with another schema, under a marker from before checksums
    pd.DataFrame({"x": [1, 2]}).to_parquet(tmp_path / "summary" / f"{bad_schema}.parquet")
    marker = tmp_path / "runs" / f"{bad_schema}.json"
    record = json.loads(marker.read_text())
    del record["files"]
    marker.write_text(json.dumps(record))
    untouched = {p: p.stat().st_mtime_ns for p in tmp_path.glob(f"*/{intact}.*")}
    assert len(untouched) == 3

    resumed = run_experiment(e, tmp_path, progress=False)

    assert resumed.ok and resumed.executed == 3 and resumed.skipped == 1
    reasons = {d["run_id"]: d["reason"] for d in resumed.damaged}
    assert set(reasons) == {truncated, bad_marker, bad_schema}
    assert "truncated" in reasons[truncated] and f"city/{truncated}.parquet" in reasons[truncated]
    assert "unreadable" in reasons[bad_marker] and f"runs/{bad_marker}.json" in reasons[bad_marker]
    assert "wrong schema" in reasons[bad_schema]
    text = str(resumed)
    assert "3 runs on disk could not be read and ran again" in text and truncated in text
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert {d["run_id"] for d in saved["damaged"]} == set(reasons)
    # the damaged files are kept aside, not deleted; the intact run was not rewritten
    moved = Path(resumed.damaged[0]["moved_to"])
    assert moved.parent == tmp_path / "damaged"
    assert (moved / "city" / f"{truncated}.parquet").stat().st_size == cut
    assert (moved / "runs" / f"{bad_marker}.json").read_text().startswith('{"run_id"')
    assert {p: p.stat().st_mtime_ns for p in untouched} == untouched
    for name in OUTPUTS:
        pd.testing.assert_frame_equal(load_results(tmp_path, name), uninterrupted[name])
    # and a third call finds everything intact
    again = run_experiment(e, tmp_path, progress=False)
    assert again.executed == 0 and again.skipped == 4 and not again.damaged


def test_a_changed_byte_is_caught_by_the_checksum(tmp_path):
    e = experiment(parameters={}, replicates=1)
    run_experiment(e, tmp_path, progress=False)
    [run_id] = [t.run_id for t in e.plan[0]]
    path = tmp_path / "city" / f"{run_id}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x01  # same size, same footer: only the checksum sees it
    path.write_bytes(bytes(data))
    resumed = run_experiment(e, tmp_path, progress=False)
    assert [d["run_id"] for d in resumed.damaged] == [run_id]
    assert "SHA-256" in resumed.damaged[0]["reason"] and resumed.executed == 1


def test_loading_an_unreadable_file_names_it_and_the_way_out(tmp_path):
    e = experiment(parameters={}, replicates=1)
    run_experiment(e, tmp_path, progress=False)
    [path] = (tmp_path / "city").glob("*.parquet")
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(ResultsError) as info:
        load_results(tmp_path, "city")
    assert str(path) in str(info.value) and "run the experiment again" in str(info.value)
    (tmp_path / "experiment.json").write_text("{")
    with pytest.raises(ResultsError, match=r"experiment\.json"):
        load_results(tmp_path, "summary")


# --------------------------------------------------------------------------- two drivers


EXPERIMENT_FILE = """
    name = "two_drivers"
    replicates = 2
    root_seed = 9
    months = 4
    scale = 0.003
    outputs = ["city", "summary", "gate"]
    imports = ["gate_output"]
    [parameters]
    "behaviour.w_ties" = [0.2, 0.4, 0.6, 0.8]
"""
#: A plug-in output that holds each run until the test opens the gate (a file), so that
#: the drivers overlap for as long as the test needs, on any machine.
GATE_MODULE = """
import os, time
from pathlib import Path
from ecosim.experiments.registry import register_output

@register_output("gate")
def gate(model):
    while not Path(os.environ["ECOSIM_TEST_GATE"]).exists():
        time.sleep(0.02)
    return {"open": 1}
"""


def _sweep(path: Path, out: Path, env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ecosim", "sweep", str(path), "--executor", "serial",
         "--out", str(out), "--no-progress", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_two_drivers_on_one_folder_one_waits_or_stops_and_the_folder_stays_whole(
        tmp_path, monkeypatch):
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(EXPERIMENT_FILE))
    (tmp_path / "gate_output.py").write_text(GATE_MODULE)
    gate = tmp_path / "gate_open"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path),
                                                        os.environ.get("PYTHONPATH", "")]),
           "ECOSIM_TEST_GATE": str(gate)}
    out = tmp_path / "out"
    first = _sweep(path, out, env)
    deadline = time.monotonic() + 240
    while not (out / HOLDER_FILE).exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first driver never took the folder"
        time.sleep(0.01)
    holder = json.loads((out / HOLDER_FILE).read_text())
    assert holder["pid"] == first.pid and holder["experiment"] == "two_drivers"

    # While the first driver holds the folder (its first run waits at the gate): a second
    # driver that will not wait stops at once, naming the holder; one that waits runs
    # after the first and finds every run done.
    patient = _sweep(path, out, env, "--wait", "-1")
    impatient = _sweep(path, out, env)
    stdout, stderr = impatient.communicate(timeout=240)
    assert impatient.returncode == 2, stdout + stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert f"in use by pid {first.pid}" in stderr and "--wait" in stderr
    assert first.poll() is None and patient.poll() is None
    gate.touch()

    out1, err1 = first.communicate(timeout=600)
    out2, err2 = patient.communicate(timeout=600)
    assert first.returncode == 0, err1
    assert patient.returncode == 0, err2
    assert "8 runs; 0 already on disk, 8 executed" in out1
    assert "8 runs; 8 already on disk, 0 executed" in out2

    # The folder: every run once, complete, no temporaries, no lock holder left, and the
    # same results as the experiment run alone.
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("ECOSIM_TEST_GATE", str(gate))
    e = Experiment.from_toml(path)
    ids = {t.run_id for t in e.plan[0]}
    assert {p.stem for p in (out / "runs").glob("*.json")} == ids
    for name in ("city", "summary", "gate"):
        assert {p.stem for p in (out / name).glob("*.parquet")} == ids
    assert not list(out.rglob("*.tmp")) and not (out / HOLDER_FILE).exists()
    reference = tmp_path / "reference"
    run_experiment(e, reference, executor="serial", progress=False)
    for name in ("city", "summary"):
        pd.testing.assert_frame_equal(load_results(out, name), load_results(reference, name))


def test_a_driver_in_this_process_is_refused_while_another_process_holds_the_folder(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from ecosim.experiments.integrity import driver_lock
        with driver_lock(Path({str(tmp_path)!r}), describe={{"experiment": "holder"}}):
            print("held", flush=True)
            sys.stdin.readline()
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ResultsFolderBusy) as info:
            run_experiment(experiment(parameters={}, replicates=1), tmp_path, progress=False)
        assert f"pid {holder.pid}" in str(info.value) and "(holder)" in str(info.value)
        t0 = time.monotonic()
        with pytest.raises(ResultsFolderBusy), driver_lock(tmp_path, timeout=0.5):
            pass
        assert time.monotonic() - t0 >= 0.5
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    # released when the holder exits: now it runs
    assert run_experiment(experiment(parameters={}, replicates=1), tmp_path,
                          progress=False).ok


def test_a_killed_holder_releases_the_folder(tmp_path):
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from ecosim.experiments.integrity import driver_lock
        with driver_lock(Path({str(tmp_path)!r})):
            print("held", flush=True)
            time.sleep(600)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait()
    with driver_lock(tmp_path, timeout=5):  # the operating system released it
        assert os.getpid() == json.loads((tmp_path / HOLDER_FILE).read_text())["pid"]
