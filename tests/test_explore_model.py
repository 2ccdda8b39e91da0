"""ecosim.explore on the model: tiny runs through the executors, resume, the command line.

Runs are tiny (scale 0.002, 24 months to December 2021, the policy from
January 2021, one seed, five ranking draws): enough to exercise every stage,
not to say anything about Korea.
"""

import json
import textwrap

import pandas as pd
import pytest

from ecosim.cli import main
from ecosim.experiments import load_results
from ecosim.explore import (
    Discovery,
    ExploreSpec,
    Levers,
    LeverSpace,
    ModelEvaluator,
    Outcomes,
    Search,
    Uncertainties,
    explore,
)

TINY = textwrap.dedent("""
    name = "tiny"
    base = "startup_city"
    scale = 0.002
    root_seed = 3

    [uncertainties]
    parameter_sets = "sets.csv"      # two parameter sets, as a posterior's draws would be
    points = 2
    replicates = 1
    ranking_draws = 5

    [levers]
    cities = ["daegu", "daejeon"]
    extra_cities = ["busan"]
    budget_krw = [20e9, 400e9]
    budget_log = true
    start_year = 2021

    [outcomes]
    year = 2021
    k = 2

    [search]
    budget_krw = 60e9
    trials = 2
    batch = 2
    frontier_krw = [60e9]
    frontier_trials = 1
    confirm_replicates = 1
    bisect_steps = 1

    [discovery]
    policies = 3
    min_cases = 2
    boxes = 1

    [execution]
    executor = "serial"
""")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explore")
    pd.DataFrame({"behaviour.w_ties": [0.4, 0.6]}).to_csv(folder / "sets.csv", index=False)
    (folder / "tiny.toml").write_text(TINY)
    result = explore(folder / "tiny.toml", folder / "out", progress=False, log=lambda s: None)
    return folder, result


def test_every_stage_runs_on_the_model_and_writes_its_outputs(tiny):
    folder, result = tiny
    out = folder / "out"
    for name in ("explore.json", "report.txt", "policies.csv", "cases.parquet",
                 "discovery_cases.parquet", "search_trials.csv", "frontier.csv",
                 "best_splits.csv", "prim_boxes.csv", "prim_rules.txt", "frontier.png",
                 "splits.png", "prim_boxes.png", "search.db"):
        assert (out / name).exists(), name
    cases = pd.read_parquet(out / "cases.parquet")
    # two uncertainty points (the table's rows), one seed, five draws per run
    assert set(cases["point"]) == {0, 1} and set(cases["behaviour.w_ties"]) == {0.4, 0.6}
    assert cases.groupby("run_id")["draw"].nunique().eq(5).all()
    ranked = [c for c in cases.columns if c.startswith("rank:")]
    assert len(ranked) == 11 and (cases["n_top"] == (cases[ranked] <= 100).sum(axis=1)).all()
    for column in ("capital_share_funding", "retention_36m", "cost_krw", "ranking:growth"):
        assert column in cases.columns
    # the policy pays what it allots (at most), nothing before it starts, nothing for none
    policies = result.policies
    ref = policies[policies["policy"] == "reference"]
    assert ref.empty or ref["cost_krw"].iloc[0] == 0
    paid = policies[policies["budget_krw"] > 0]
    assert (paid["cost_krw"] > 0).all() and (paid["cost_krw"] <= paid["allotted_krw"] + 1).all()
    # one ranking fit per uncertainty point, on that point's reference runs
    assert result.frontier is not None and result.frontier["budget_krw"].iloc[0] == 0
    assert result.answer is not None and result.answer.statement
    assert "Which policy gets closest: tiny" in result.report
    assert "Inverse question:" in result.report and "PRIM over levers" in result.report
    assert result.search is not None and len(result.search.trials) == 2
    announced = policies[policies["label"] == "announced"]
    assert len(announced) == 1 and announced["budget_krw"].iloc[0] == 60e9
    saved = json.loads((out / "explore.json").read_text())
    assert saved["levers"]["cities"] == ["daegu", "daejeon"]


def test_a_second_call_resumes_everything_from_disk(tiny, capsys):
    folder, result = tiny
    before = {p.name for p in (folder / "out" / "store" / "runs").glob("*.json")}
    policies = pd.read_csv(folder / "out" / "policies.csv")
    code = main(["explore", str(folder / "tiny.toml"), "--out", str(folder / "out"),
                 "--no-progress", "--no-plots"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "of which 0 executed now" in printed
    after = {p.name for p in (folder / "out" / "store" / "runs").glob("*.json")}
    assert after == before
    again = pd.read_csv(folder / "out" / "policies.csv")
    pd.testing.assert_frame_equal(again, policies)
    frontier = pd.read_csv(folder / "out" / "frontier.csv")
    assert list(frontier["p"]) == list(result.frontier["p"])


def test_an_invalid_file_is_reported_before_anything_runs(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[levers]\ncities = ["daegu", "atlantis"]\n')
    assert main(["explore", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "explore field 'levers.cities' = 'atlantis' is invalid" in err
    assert not (tmp_path / "out").exists()


def tiny_spec() -> ExploreSpec:
    return ExploreSpec(name="tiny_exec", scale=0.002, root_seed=5,
                       uncertainties=Uncertainties(replicates=1, ranking_draws=3),
                       levers=Levers(cities=["daejeon"], budget_krw=50e9, start_year=2021),
                       outcomes=Outcomes(year=2021, k=1), search=Search(frontier_krw=[50e9]),
                       discovery=Discovery(policies=2))


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_processes_and_dask_give_the_cases_serial_gives(tmp_path, executor):
    spec = tiny_spec().validate()
    space = LeverSpace.from_spec(spec)
    first = space.policy({"weight:daejeon": 1.0, **{f"split:daejeon:{k}": 1.0 for k in (
        "talent", "commercialization", "investment", "infrastructure")}})
    second = space.policy({**first.values, "split:daejeon:investment": 0.01})
    frames = {}
    for name in ("serial", executor):
        with ModelEvaluator(spec, tmp_path / name, executor=name, workers=1,
                            progress=False) as ev:
            # two evaluations: the executor's workers stay up between them
            frames[name] = pd.concat([ev.evaluate([first]), ev.evaluate([second])],
                                     ignore_index=True)
            assert ev.executed == 3 and len(ev.used) == 3  # reference + two policies
    pd.testing.assert_frame_equal(frames["serial"], frames[executor])
    runs = load_results(tmp_path / executor / "store", "policy_outcomes")
    assert set(runs["scenario"]) == {second.id}  # the store's last experiment
