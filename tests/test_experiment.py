"""Experiments: declaration, seeds, executors, streaming to disk, resume, failures, sensitivity."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosim.cli import main
from ecosim.experiments import (
    Experiment,
    ExperimentError,
    Sampling,
    load_failures,
    load_results,
    run_experiment,
)
from ecosim.experiments.registry import METRICS, OUTPUTS
from ecosim.inputs.scenario import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"months": 3, "scale": 0.003}


def small_experiment(**changes) -> Experiment:
    fields = {"name": "small", "parameters": {"behaviour.w_ties": [0.25, 0.75],
                                              "behaviour__w_open": [0.3, 0.9]},
              "replicates": 2, "root_seed": 11, "outputs": ["city", "summary", "flows"],
              **SMALL, **changes}
    return Experiment(**fields)


# --------------------------------------------------------------------------- declaration


def test_toml_and_python_declarations_agree_and_every_path_form_is_accepted(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent("""
        name = "small"
        replicates = 2
        root_seed = 11
        months = 3
        scale = 0.003
        outputs = ["city", "summary", "flows"]
        [parameters]
        "behaviour.w_ties" = [0.25, 0.75]
        [parameters.behaviour]
        w_open = [0.3, 0.9]
    """))
    from_file = Experiment.from_toml(path)
    in_code = small_experiment()
    assert from_file.parameters == in_code.parameters == {
        "behaviour.w_ties": (0.25, 0.75), "behaviour.w_open": (0.3, 0.9)}
    tasks_file, design = from_file.plan
    tasks_code, _ = in_code.plan
    assert [t.run_id for t in tasks_file] == [t.run_id for t in tasks_code]
    assert len(tasks_file) == 4 * 2 and len({t.run_id for t in tasks_file}) == 8
    assert list(design.columns) == ["scenario", "point", "replicate", "seed", "run_id",
                                    "behaviour__w_ties", "behaviour__w_open"]


def test_seeds_come_from_one_root_and_are_shared_by_every_point():
    e = small_experiment(replicates=3)
    children = np.random.SeedSequence(11).spawn(3)
    expected = [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    assert e.seeds() == expected
    assert len(set(expected)) == 3 and all(0 <= s < 2**63 for s in expected)
    tasks, _ = e.plan
    for point in range(4):  # common random numbers: replicate r has one seed everywhere
        assert [t.seed for t in tasks[point * 3:(point + 1) * 3]] == expected
    # more replicates keep the existing ones (and their runs): an experiment can grow
    grown = small_experiment(replicates=5)
    assert {t.run_id for t in tasks} < {t.run_id for t in grown.plan[0]}
    assert small_experiment(root_seed=12).seeds() != expected


def test_run_ids_depend_on_what_the_run_is():
    base = {t.run_id for t in small_experiment().plan[0]}
    assert base == {t.run_id for t in small_experiment().plan[0]}  # stable
    assert base.isdisjoint({t.run_id for t in small_experiment(months=4).plan[0]})
    assert base.isdisjoint({t.run_id for t in small_experiment(scale=0.004).plan[0]})
    fixed = small_experiment(fixed={"behaviour.w_home": 0.7})
    assert base.isdisjoint({t.run_id for t in fixed.plan[0]})


# --------------------------------------------------------------------------- invalid files

INVALID = {
    "unknown parameter": ('[parameters]\n"behaviour.w_tie" = [0.1, 0.2]\n',
                          "parameters.behaviour.w_tie", "w_ties"),
    "unknown section": ('[parameters]\n"behavior.w_ties" = [0.1]\n',
                        "parameters.behavior.w_ties", "behaviour"),
    "value out of range": ('[parameters]\n"behaviour.retirement_hazard" = [0.2, 1.5]\n',
                           "parameters.behaviour.retirement_hazard", "[0, 1]"),
    "empty grid": ('[parameters]\n"behaviour.w_ties" = []\n',
                   "parameters.behaviour.w_ties", "non-empty list"),
    "reversed bounds": ('[sensitivity]\nmethod = "morris"\nn = 4\n'
                        '[sensitivity.bounds]\n"behaviour.w_ties" = [1.0, 0.5]\n',
                        "sensitivity.bounds.behaviour.w_ties", "low < high"),
    "bound outside the scenario's range": (
        '[sensitivity]\nmethod = "morris"\nn = 4\n'
        '[sensitivity.bounds]\n"behaviour.exit_hazard" = [0.1, 1.2]\n',
        "sensitivity.bounds.behaviour.exit_hazard", "[0, 1]"),
    "sobol n not a power of two": ('[sensitivity]\nmethod = "sobol"\nn = 100\n'
                                   '[sensitivity.bounds]\n"behaviour.w_ties" = [0.0, 1.0]\n',
                                   "sensitivity.n", "power of two"),
    "unknown method": ('[sensitivity]\nmethod = "fast"\nn = 8\n'
                       '[sensitivity.bounds]\n"behaviour.w_ties" = [0.0, 1.0]\n',
                       "sensitivity.method", "morris, sobol"),
    "unknown sensitivity output": ('[sensitivity]\nmethod = "morris"\nn = 4\n'
                                   'outputs = ["happiness"]\n'
                                   '[sensitivity.bounds]\n"behaviour.w_ties" = [0.0, 1.0]\n',
                                   "sensitivity.outputs", "capital_share_talent"),
    "zero replicates": ("replicates = 0\n", "replicates", "integer >= 1"),
    "unknown key": ('colour = "red"\n', "colour", "scenarios"),
    "unknown output": ('outputs = ["city", "gdp"]\n', "outputs", "summary"),
    "unknown scenario": ('scenarios = ["atlantis"]\n', "scenarios", "packaged scenario"),
    "bad months": ("months = 0\n", "months", ">= 1"),
    "bad fixed value": ('[fixed]\n"behaviour.w_tiez" = 0.3\n', "fixed.behaviour.w_tiez",
                        "w_ties"),
    "grid and design": ('[parameters]\n"behaviour.w_ties" = [0.1]\n'
                        '[sensitivity]\nmethod = "morris"\nn = 4\n'
                        '[sensitivity.bounds]\n"behaviour.w_open" = [0.0, 1.0]\n',
                        "sampling", "only one of"),
    "bad executor": ('[execution]\nexecutor = "spark"\n', "execution.executor", "dask"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_experiment_files_fail_clearly_before_any_run(case, tmp_path, capsys):
    body, field, allowed = INVALID[case]
    path = tmp_path / "bad.toml"
    head = 'name = "bad"\nscale = 0.002\n' + ("" if "months" in body else "months = 2\n")
    path.write_text(head + body)
    with pytest.raises(ExperimentError) as info:
        Experiment.from_toml(path)
    err = info.value
    assert isinstance(err, ScenarioError)  # one family of input errors
    assert err.field == field, str(err)
    assert allowed in str(err)
    # the command line reports it and runs nothing
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 2
    assert field in capsys.readouterr().err
    assert not out.exists()


def test_python_declarations_are_checked_too():
    with pytest.raises(ExperimentError, match="replicates"):
        Experiment(replicates=0)
    with pytest.raises(ExperimentError, match="power of two"):
        Experiment(sampling=Sampling("sobol", {"behaviour.w_ties": (0, 1)}, n=48))
    with pytest.raises(ExperimentError) as info:
        small_experiment(parameters={"behaviour.w_ties": [0.1, 0.2, 3.0],
                                     "cities.daejeon.amenity": [0.5, 7.0]}).validate()
    assert info.value.field == "parameters.cities.daejeon.amenity"


# --------------------------------------------------------------------------- executors


def test_serial_processes_and_dask_give_identical_results(tmp_path, capsys):
    pl = pytest.importorskip("polars")
    e = small_experiment()
    frames = {}
    for executor in ("serial", "processes", "dask"):
        summary = run_experiment(e, tmp_path / executor, executor=executor, workers=2,
                                 progress=False)
        assert summary.ok and summary.executed == 8 and summary.failures == []
        assert summary.worker_startup, "each worker reports its warm-up time"
        frames[executor] = {o: load_results(tmp_path / executor, o) for o in e.outputs}
    assert "Dask dashboard: http://127.0.0.1:" in capsys.readouterr().out
    for output in e.outputs:
        serial = frames["serial"][output]
        for other in ("processes", "dask"):
            pd.testing.assert_frame_equal(serial, frames[other][output])
    city = frames["serial"]["city"]
    # every row carries scenario, parameters, replicate and seed
    assert list(city.columns[:8]) == ["run_id", "scenario", "replicate", "seed", "scale",
                                      "months", "behaviour__w_ties", "behaviour__w_open"]
    assert city["run_id"].nunique() == 8
    assert city.groupby("run_id").size().eq(4 * len(city["city"].unique())).all()
    assert set(city["seed"]) == set(e.seeds())
    assert set(zip(city["behaviour__w_ties"], city["behaviour__w_open"], strict=True)) == {
        (0.25, 0.3), (0.25, 0.9), (0.75, 0.3), (0.75, 0.9)}
    # a replicate's run at one point is the same model as a direct run with its seed
    row = city.iloc[0]
    from ecosim import EcosystemModel

    direct = EcosystemModel(rng=int(row["seed"]), behaviour__w_ties=row["behaviour__w_ties"],
                            behaviour__w_open=row["behaviour__w_open"], **SMALL).run()
    mine = city[city["run_id"] == row["run_id"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[direct.city_frame().columns].astype({"city": str}),
                                  direct.city_frame().astype({"city": str}), check_dtype=False)
    # polars reads the same files
    lazy = pl.read_parquet(str(tmp_path / "serial" / "city" / "*.parquet"))
    assert lazy.height == len(city) and set(lazy.columns) == set(city.columns)
    summary_rows = frames["serial"]["summary"]
    assert len(summary_rows) == 8 and summary_rows["capital_share_talent"].between(0, 1).all()


def test_results_stream_to_disk_and_a_second_call_runs_nothing(tmp_path):
    e = small_experiment(parameters={"behaviour.w_ties": [0.25, 0.75]}, replicates=1)
    seen = []

    def callback(record, done, total):
        seen.append((record.run_id, done, total))
        # the run's files are on disk when the driver hears of it
        assert (tmp_path / "runs" / f"{record.run_id}.json").exists()
        assert (tmp_path / "city" / f"{record.run_id}.parquet").exists()

    first = run_experiment(e, tmp_path, progress=False, callback=callback)
    assert [d for _, d, _ in seen] == [1, 2] and first.executed == 2
    again = run_experiment(e, tmp_path, progress=False, callback=callback)
    assert again.executed == 0 and again.skipped == 2 and again.ok and len(seen) == 2
    # a grown experiment runs only the new runs
    grown = run_experiment(dataclasses.replace(e, replicates=2), tmp_path,
                           progress=False)
    assert grown.skipped == 2 and grown.executed == 2
    assert load_results(tmp_path, "summary")["run_id"].nunique() == 4
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["total"] == 4 and saved["skipped"] == 2
    # a run that other model code produced is not trusted: it runs again
    marker = next((tmp_path / "runs").glob("*.json"))
    record = json.loads(marker.read_text())
    marker.write_text(json.dumps({**record, "code": "older-model"}))
    after_edit = run_experiment(dataclasses.replace(e, replicates=2), tmp_path,
                                progress=False)
    assert after_edit.executed == 1 and after_edit.stale == 1 and after_edit.ok
    assert json.loads(marker.read_text())["code"] == record["code"]


def test_a_failing_run_is_recorded_the_others_continue_and_resume_retries_it(tmp_path,
                                                                            monkeypatch):
    def fragile(model):
        if model.spec.behaviour.w_ties == 0.75 and model.spec.behaviour.w_open == 0.9:
            raise RuntimeError("boom at w_ties 0.75")
        return {"talent": float(model.last_metrics["talent"].sum())}

    monkeypatch.setitem(OUTPUTS, "fragile", fragile)
    e = small_experiment(outputs=["summary", "fragile"], replicates=1)
    summary = run_experiment(e, tmp_path, progress=False)
    assert summary.executed == 4 and summary.succeeded == 3 and not summary.ok
    [failure] = summary.failures
    assert failure["error"] == "RuntimeError: boom at w_ties 0.75"
    assert failure["overrides"]["behaviour.w_ties"] == 0.75 and "Traceback" in failure["traceback"]
    assert "boom at w_ties 0.75" in str(summary) and "1 failed runs" in str(summary)
    assert len(load_results(tmp_path, "fragile")) == 3
    assert failure["run_id"] not in set(load_results(tmp_path, "summary")["run_id"])
    # fixed: the resumed experiment runs only the failed run
    monkeypatch.setitem(OUTPUTS, "fragile",
                        lambda m: {"talent": float(m.last_metrics["talent"].sum())})
    resumed = run_experiment(e, tmp_path, progress=False)
    assert resumed.executed == 1 and resumed.skipped == 3 and resumed.ok
    assert load_failures(tmp_path) == [] and len(load_results(tmp_path, "fragile")) == 4


def test_numba_compiles_once_per_worker_not_per_run(tmp_path):
    script = textwrap.dedent("""
        import json, time
        from ecosim.experiments.worker import warm_up
        from ecosim.kernels import KERNELS
        from ecosim import EcosystemModel
        start = warm_up()
        before = {k: len(v.signatures) for k, v in KERNELS.items()}
        t = time.perf_counter()
        for seed in (1, 2):
            EcosystemModel(rng=seed, scale=0.003, months=6, behaviour__w_ties=0.1 * seed).run()
        after = {k: len(v.signatures) for k, v in KERNELS.items()}
        print(json.dumps({"start": start, "runs": time.perf_counter() - t,
                          "before": before, "after": after}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=True)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["after"] == report["before"], "a run after warm-up compiled a kernel"
    assert sum(report["before"].values()) >= 4  # the phases' kernels were compiled or loaded


# --------------------------------------------------------------------------- resume


def test_an_interrupted_driver_resumes_with_only_the_missing_runs(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent("""
        name = "interrupted"
        replicates = 4
        root_seed = 5
        months = 6
        scale = 0.004
        outputs = ["city", "summary"]
        [parameters]
        "behaviour.w_ties" = [0.2, 0.4, 0.6, 0.8]
    """))
    out = tmp_path / "out"
    driver = subprocess.Popen(
        [sys.executable, "-m", "ecosim", "sweep", str(path), "--executor", "serial",
         "--out", str(out), "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while len(list((out / "runs").glob("*.json"))) < 4:
            assert driver.poll() is None, driver.stderr.read().decode()
            assert time.monotonic() < deadline, "the driver never got going"
            time.sleep(0.02)
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait()
    done = {p.stem for p in (out / "runs").glob("*.json")}
    assert 4 <= len(done) < 16, "the driver was not interrupted half-way"
    stamps = {p: p.stat().st_mtime_ns for p in (out / "city").glob("*.parquet")
              if p.stem in done}

    executed = []
    e = Experiment.from_toml(path)
    resumed = run_experiment(e, out, executor="serial", progress=False,
                             callback=lambda record, *_: executed.append(record.run_id))
    all_ids = {t.run_id for t in e.plan[0]}
    assert set(executed) == all_ids - done and len(executed) == len(set(executed))
    assert resumed.skipped == len(done) and resumed.executed == 16 - len(done) and resumed.ok
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # finished runs untouched

    reference = run_experiment(e, tmp_path / "uninterrupted", executor="serial", progress=False)
    assert reference.executed == 16
    for output in ("city", "summary"):
        pd.testing.assert_frame_equal(load_results(out, output),
                                      load_results(tmp_path / "uninterrupted", output))


# --------------------------------------------------------------------------- sensitivity


@pytest.fixture
def known_metric(monkeypatch):
    """A summary metric with a known dependence on two parameters: 3 w_ties + 0 w_open."""
    monkeypatch.setitem(METRICS, "known", lambda m: 3.0 * m.spec.behaviour.w_ties
                        + 0.0 * m.spec.behaviour.w_open)


def test_morris_recovers_a_known_dependence_and_runs_the_model(tmp_path, known_metric):
    from ecosim.experiments.sensitivity import morris

    bounds = {"behaviour.w_ties": (0.0, 1.0), "behaviour.w_open": (0.0, 1.2)}
    indices = morris(bounds, ["known", "capital_share_talent"], trajectories=4, months=2,
                     scale=0.002, root_seed=3, out=tmp_path, progress=False)
    assert list(indices.columns) == ["scenario", "output", "parameter", "mu", "mu_star",
                                     "mu_star_conf", "sigma"]
    known = indices[indices["output"] == "known"].set_index("parameter")
    # elementary effects of 3 w_ties over a unit-scaled range of 1: exactly 3, no spread
    assert known.loc["behaviour.w_ties", "mu_star"] == pytest.approx(3.0)
    assert known.loc["behaviour.w_ties", "sigma"] == pytest.approx(0.0, abs=1e-12)
    assert known.loc["behaviour.w_open", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    real = indices[indices["output"] == "capital_share_talent"]
    assert np.isfinite(real["mu_star"]).all() and (real["mu_star"] >= 0).all()


def test_sobol_indices_are_salibs_on_the_models_outputs(tmp_path, known_metric):
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    from ecosim.experiments.sensitivity import sobol

    bounds = {"behaviour.w_ties": (0.0, 1.0), "behaviour.w_open": (0.0, 1.2)}
    indices = sobol(bounds, ["known"], n=8, months=1, scale=0.002, root_seed=3,
                    out=tmp_path, executor="serial", progress=False)
    assert len(load_results(tmp_path, "summary")) == 8 * (2 + 2)
    # the same indices as SALib on the known function of its own sample: every
    # run's output went back to its own point
    problem = {"num_vars": 2, "names": list(bounds), "bounds": [[0.0, 1.0], [0.0, 1.2]]}
    x = sobol_sample.sample(problem, 8, calc_second_order=False, seed=3)
    expected = sobol_analyze.analyze(problem, 3.0 * x[:, 0], calc_second_order=False, seed=3)
    by = indices.set_index("parameter")
    np.testing.assert_allclose(by["S1"], expected["S1"], atol=1e-12)
    np.testing.assert_allclose(by["ST"], expected["ST"], atol=1e-12)
    assert by.loc["behaviour.w_open", "ST"] == 0.0 and by.loc["behaviour.w_ties", "S1"] > 0.5


# --------------------------------------------------------------------------- command line


def test_sweep_command_runs_a_file_and_reports(tmp_path, capsys):
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent("""
        name = "cli"
        months = 2
        scale = 0.002
        replicates = 2
        outputs = ["summary"]
        [[samples]]
        "behaviour.w_ties" = 0.2
        "behaviour.w_open" = 0.5
        [[samples]]
        "behaviour.w_ties" = 0.6
        "behaviour.w_open" = 0.1
    """))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--executor", "serial", "--out", str(out),
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "1 scenarios x 2 points x 2 replicates = 4 runs" in text
    assert "4 executed (4 ok, 0 failed)" in text and "worker warm-up" in text
    frame = load_results(out, "summary")
    assert sorted(set(frame["behaviour__w_ties"])) == [0.2, 0.6]
    assert main(["sweep", str(path), "--executor", "serial",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--executor' = 'serial'" in capsys.readouterr().err


def test_shipped_experiment_files_are_valid():
    sweep = Experiment.from_toml(ROOT / "experiments" / "example_sweep.toml")
    assert len(sweep.plan[0]) == 18


def test_sweep_command_runs_a_sensitivity_design_and_writes_its_indices(tmp_path, capsys):
    path = tmp_path / "morris.toml"
    path.write_text(textwrap.dedent("""
        name = "cli_morris"
        months = 1
        scale = 0.002
        [sensitivity]
        method = "morris"
        n = 2
        outputs = ["capital_share_talent", "talent"]
        [sensitivity.bounds]
        behaviour.w_ties = [0.0, 1.0]
        behaviour__w_open = [0.0, 1.2]
    """))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 0
    assert "morris indices" in capsys.readouterr().out
    indices = pd.read_csv(out / "sensitivity.csv")
    assert len(indices) == 2 * 2
    assert set(indices["parameter"]) == {"behaviour.w_ties", "behaviour.w_open"}
    assert np.isfinite(indices["mu_star"]).all()


def test_plug_in_metrics_reach_worker_processes_through_imports(tmp_path, monkeypatch):
    (tmp_path / "plugged_metrics.py").write_text(textwrap.dedent("""
        from ecosim.experiments.registry import register_metric

        @register_metric("plugged")
        def _plugged(model):
            return {"ties": model.spec.behaviour.w_ties, "pid_free": 1.0}
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        e = small_experiment(parameters={"behaviour.w_ties": [0.25, 0.75]}, replicates=1,
                             outputs=["summary"], imports=["plugged_metrics"])
        summary = run_experiment(e, tmp_path / "out", executor="processes", workers=2,
                                 progress=False)
        assert summary.ok
        frame = load_results(tmp_path / "out", "summary")
        assert list(frame["plugged:ties"]) == [0.25, 0.75]
        assert (frame["plugged:pid_free"] == 1.0).all()
    finally:
        METRICS.pop("plugged", None)
        sys.modules.pop("plugged_metrics", None)
    with pytest.raises(ExperimentError, match="importable module"):
        small_experiment(imports=["no_such_module_here"])
