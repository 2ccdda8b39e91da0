"""ecosim.explore without the model: declarations, levers, sampling, search, frontier, PRIM.

The search and the inverse question run against a toy world whose optimum is
known (:class:`ecosim.explore.ToyWorld`); PRIM runs on synthetic data with a
planted box. The model itself is exercised in tests/test_explore_model.py.
"""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from ecosim.explore import (
    Discovery,
    ExploreError,
    ExploreSpec,
    Levers,
    LeverSpace,
    Outcomes,
    PolicySearch,
    Search,
    ToyWorld,
    Uncertainties,
    explore,
    find_boxes,
)
from ecosim.explore.discovery import choose_k
from ecosim.explore.levers import REFERENCE
from ecosim.explore.sampling import policy_sample, uncertainty_points, unit_sample
from ecosim.explore.stats import kth_rank, objective, ordinal, p_interval, policy_table
from ecosim.inputs.scenario import load_scenario, to_dict
from ecosim.vocab import LEVERS

# --------------------------------------------------------------------------- declarations

TOML = """
name = "small"
base = "startup_city"
scale = 0.002
root_seed = 7
stages = ["search", "discover"]

[uncertainties]
replicates = 1
ranking_draws = 5
points = 4
[uncertainties.ranges]
"behaviour.w_ties" = [0.3, 0.7]

[levers]
cities = ["daegu", "daejeon"]
extra_cities = ["busan", "pohang"]
budget_krw = [10e9, 400e9]
budget_log = true
start_year = [2026, 2027]

[outcomes]
year = 2028
k = 3

[search]
budget_krw = 60e9
trials = 3
frontier_krw = [60e9, 240e9]

[discovery]
policies = 8
sampling = "sobol"

[execution]
executor = "serial"
"""


def small_spec(**changes) -> ExploreSpec:
    fields = dict(
        name="small", base="startup_city", scale=0.002, root_seed=7, stages=("search", "discover"),
        uncertainties=Uncertainties(replicates=1, ranking_draws=5, points=4,
                                    ranges={"behaviour__w_ties": (0.3, 0.7)}),
        levers=Levers(cities=["daegu", "daejeon"], extra_cities=["busan", "pohang"],
                      budget_krw=[10e9, 400e9], budget_log=True, start_year=[2026, 2027]),
        outcomes=Outcomes(year=2028, k=3),
        search=Search(budget_krw=60e9, trials=3, frontier_krw=[60e9, 240e9]),
        discovery=Discovery(policies=8, sampling="sobol"), execution={"executor": "serial"})
    fields.update(changes)
    return ExploreSpec(**fields)


def test_toml_and_python_declarations_agree(tmp_path):
    path = tmp_path / "explore.toml"
    path.write_text(TOML)
    from_file = ExploreSpec.from_toml(path)
    in_code = small_spec().validate()
    assert from_file.to_dict() == in_code.to_dict()
    assert from_file.stages == ("discover", "search")  # canonical order
    assert from_file.uncertainties.ranges == {"behaviour.w_ties": (0.3, 0.7)}
    assert from_file.levers.budget_krw == (10e9, 400e9)
    assert from_file.months == 9 * 12  # January 2020 to December 2028
    assert from_file.search_budget == 60e9 and from_file.ceiling == 240e9
    # the search budget defaults to the announced packages' total
    assert small_spec(search=Search()).search_budget == 4 * 30e9


def test_the_example_file_is_valid():
    from pathlib import Path

    spec = ExploreSpec.from_toml(Path(__file__).parents[1] / "experiments/explore_korea.toml")
    space = LeverSpace.from_spec(spec)
    assert spec.levers.cities == ("daegu", "daejeon", "gwangju", "ulsan")
    assert len(space.cities) == 9 and spec.months == 132
    assert space.extra_focus == ("robotics_mobility", "ai_software")


INVALID = {
    "unknown city": (dict(levers=Levers(cities=["daegu", "mars"])), "levers.cities", "mars",
                     "a city of the base scenario"),
    "unknown split": (dict(levers=Levers(split="random")), "levers.split", "random",
                      "per_city, shared, announced"),
    "reversed budget": (dict(levers=Levers(budget_krw=[5e9, 1e9])), "levers.budget_krw",
                        [5e9, 1e9], "low < high"),
    "log budget from zero": (dict(levers=Levers(budget_krw=[0, 1e9], budget_log=True)),
                             "levers.budget_krw", [0.0, 1e9], "low > 0"),
    "extra city twice": (dict(levers=Levers(extra_cities=["daegu"])), "levers.extra_cities",
                         ["daegu"], "not already in levers.cities"),
    "start after the outcome": (dict(levers=Levers(start_year=2031)), "levers.start_year", 2031,
                                "2020..2030"),
    "k above the ranked cities": (dict(outcomes=Outcomes(k=20)), "outcomes.k", 20, "at most 11"),
    "outcome year before the world": (dict(outcomes=Outcomes(year=2019)), "outcomes.year", 2019,
                                      "from 2020 on"),
    "target outside (0, 1]": (dict(outcomes=Outcomes(target=1.5)), "outcomes.target", 1.5,
                              "(0, 1]"),
    "unknown parameter path": (
        dict(uncertainties=Uncertainties(ranges={"behaviour.w_tie": [0.1, 0.2]})),
        "uncertainties.ranges.behaviour.w_tie", 0.1, "w_ties"),
    "parameter out of range": (
        dict(uncertainties=Uncertainties(ranges={"behaviour.retirement_hazard": [0.5, 1.5]})),
        "uncertainties.ranges.behaviour.retirement_hazard", 1.5, "[0, 1]"),
    "points without anything to sample": (dict(uncertainties=Uncertainties(points=4)),
                                          "uncertainties.points", 4, "point estimate"),
    "frontier not ascending": (dict(search=Search(frontier_krw=[2e11, 1e11])),
                               "search.frontier_krw", [2e11, 1e11], "ascending"),
    "sobol sample size": (dict(discovery=Discovery(policies=30, sampling="sobol")),
                          "discovery.policies", 30, "power of two"),
    "unknown executor": (dict(execution={"executor": "gpu"}), "execution.executor", "gpu",
                         "serial, processes, dask"),
    "missing parameter table": (
        dict(uncertainties=Uncertainties(parameter_sets="nowhere.parquet", points=2)),
        "uncertainties.parameter_sets", "nowhere.parquet", "an existing CSV or Parquet"),
    "unknown stage": (dict(stages=["optimise"]), "stages", "optimise",
                      "discover, search, frontier"),
}


@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_invalid_declarations_name_the_field_the_value_and_what_is_allowed(case):
    changes, field, value, allowed = INVALID[case]
    with pytest.raises(ExploreError) as info:
        ExploreSpec(name="bad", **changes).validate()
    err = info.value
    assert err.field == field
    assert err.value == value or str(value) in str(err.value)
    assert allowed in err.allowed
    assert str(err).startswith(f"explore field '{field}' = ")


def test_unknown_keys_in_a_file_are_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[levers]\ncolour = "red"\n')
    with pytest.raises(ExploreError, match=r"'levers.colour' = 'red' .* a known key: cities"):
        ExploreSpec.from_toml(path)
    path.write_text('name = "x"\nbudget = 1\n')
    with pytest.raises(ExploreError, match=r"'budget' = 1 .* a known key: name, base"):
        ExploreSpec.from_toml(path)


def test_a_table_of_parameter_sets_plugs_in_as_uncertainty_points(tmp_path):
    table = pd.DataFrame({"behaviour.w_ties": [0.2, 0.4, 0.6], "behaviour.w_open": [0.5, 0.6,
                                                                                    0.7]})
    table.to_parquet(tmp_path / "posterior.parquet")
    path = str(tmp_path / "posterior.parquet")
    spec = small_spec(uncertainties=Uncertainties(parameter_sets=path, points=2)).validate()
    points = uncertainty_points(spec)
    assert len(points) == 2 and all(set(p) == set(table.columns) for p in points)
    rows = {tuple(r) for r in table.itertuples(index=False)}
    assert {(p["behaviour.w_ties"], p["behaviour.w_open"]) for p in points} <= rows
    assert len({p["behaviour.w_ties"] for p in points}) == 2  # without replacement
    assert uncertainty_points(spec) == points  # seeded
    # ranges sampled on top of the table's rows
    both = small_spec(uncertainties=Uncertainties(
        parameter_sets=table, points=3, ranges={"behaviour.w_home": (0.5, 1.0)})).validate()
    pts = uncertainty_points(both)
    assert all(0.5 <= p["behaviour.w_home"] <= 1.0 and "behaviour.w_ties" in p for p in pts)
    # a row the scenario rejects is named
    bad = table.assign(**{"behaviour.retirement_hazard": 2.0})
    with pytest.raises(ExploreError, match=r"retirement_hazard.*probability"):
        small_spec(uncertainties=Uncertainties(parameter_sets=bad, points=2)).validate()
    assert small_spec(uncertainties=Uncertainties()).validate() and uncertainty_points(
        small_spec(uncertainties=Uncertainties())) == [{}]


# --------------------------------------------------------------------------- levers


def test_the_announced_setting_reproduces_the_packaged_policy():
    spec = small_spec(levers=Levers(extra_cities=["busan"], budget_krw=120e9)).validate()
    space = LeverSpace.from_spec(spec)
    values = space.announced()
    policy = space.policy(values, label="announced")
    base = spec.base_scenario
    assert policy.budget_krw == 120e9 and policy.start_year == base.policy.start_year
    scenario = to_dict(policy.scenario(base))
    packaged = to_dict(base)
    for pkg in (*scenario["policy"]["packages"], *packaged["policy"]["packages"]):
        pkg.pop("source")
    assert scenario["policy"] == packaged["policy"]
    assert {k: v for k, v in scenario.items() if k not in ("name", "description", "policy")} == \
        {k: v for k, v in packaged.items() if k not in ("name", "description", "policy")}


def test_a_setting_gives_packages_that_spend_the_budget_as_split():
    spec = small_spec().validate()
    space = LeverSpace.from_spec(spec)
    names = [v.name for v in space.variables()]
    assert names[:4] == ["budget_krw", "start_year", "designate:busan", "designate:pohang"]
    assert "weight:extra" in names and "split:extra:talent" in names
    assert "budget_krw" not in [v.name for v in space.variables(budget=50e9)]
    rng = np.random.default_rng(0)
    for _ in range(50):
        values = space.from_unit(rng.uniform(size=len(names)))
        policy = space.policy(values)
        assert policy.budget_krw == pytest.approx(values["budget_krw"], abs=4e6)
        cities = [p.city for p in policy.packages]
        assert cities[:2] == ["daegu", "daejeon"]
        assert set(cities[2:]) == {c for c in ("busan", "pohang") if values[f"designate:{c}"]}
        extras = [p for p in policy.packages if p.city in ("busan", "pohang")]
        for p in policy.packages:
            assert math.isclose(sum(p.shares.values()), 1.0, abs_tol=1e-9)
            assert p.budget_krw >= 0 and p.budget_krw % 1e6 == 0
        # every extra city gets the same package, with the sectors the packages share
        assert len({(p.budget_krw, tuple(p.shares.values())) for p in extras}) <= 1
        assert all(p.focus_sectors == space.extra_focus for p in extras)
        assert 2026 <= policy.start_year <= 2027
        load_scenario(policy.scenario(spec.base_scenario))  # valid
        row = space.row(policy)
        assert row["designated"] == len(cities)
        assert sum(row[f"budget:{c}"] for c in space.cities) == pytest.approx(policy.budget_krw)
        # a line of policies.csv gives the policy back
        assert space.policy_from_row(row) == policy
        assert space.policy_from_row(row).id == policy.id
    same = space.policy(values)
    assert same.id == policy.id and same == policy
    assert space.policy(values, budget=99e9).id != policy.id
    assert space.reference().id == REFERENCE and space.reference().packages == ()
    assert space.policy_from_row(space.row(space.reference())).id == REFERENCE
    written = pd.DataFrame([space.row(policy)]).to_csv(index=False)
    from io import StringIO

    assert space.policy_from_row(pd.read_csv(StringIO(written)).iloc[0]).id == policy.id


def test_variables_map_the_unit_interval_onto_their_ranges():
    space = LeverSpace.from_spec(small_spec().validate())
    v = {x.name: x for x in space.variables()}
    assert v["budget_krw"].from_unit(0) == pytest.approx(10e9)
    assert v["budget_krw"].from_unit(1) == pytest.approx(400e9)
    assert v["budget_krw"].from_unit(0.5) == pytest.approx(math.sqrt(10e9 * 400e9))  # log
    assert {v["start_year"].from_unit(u) for u in np.linspace(0, 1, 11)} == {2026, 2027}
    assert {v["designate:busan"].from_unit(u) for u in (0.1, 0.9)} == {0, 1}


# --------------------------------------------------------------------------- sampling


def test_latin_hypercube_and_sobol_samples_cover_the_space():
    lhs = unit_sample(3, 10, "lhs", seed=1)
    for column in lhs.T:  # one point in each of the 10 strata of every variable
        assert sorted(np.floor(column * 10).astype(int)) == list(range(10))
    assert np.array_equal(lhs, unit_sample(3, 10, "lhs", seed=1))
    sobol = unit_sample(3, 16, "sobol", seed=1)
    assert sobol.shape == (16, 3) and sobol.min() >= 0 and sobol.max() < 1
    with pytest.raises(ValueError, match="power of two"):
        unit_sample(3, 10, "sobol")
    space = LeverSpace.from_spec(small_spec().validate())
    policies = policy_sample(space, 8, "lhs", seed=3)
    budgets = sorted(p.budget_krw for p in policies)
    assert budgets[0] < 40e9 and budgets[-1] > 150e9  # spread over the log range
    assert [p.id for p in policies] == [p.id for p in policy_sample(space, 8, "lhs", seed=3)]


# --------------------------------------------------------------------------- statistics


def cases_frame(n_top_by_run: dict[str, list[int]], ranks: list[float] | None = None):
    rows = []
    for run, values in n_top_by_run.items():
        for d, n in enumerate(values):
            rows.append({"policy": "p", "run_id": run, "replicate": 0, "draw": d, "n_top": n,
                         "rank:a": 10.0, "rank:b": (ranks or [150.0])[d % len(ranks or [1])]})
    return pd.DataFrame(rows)


def test_probabilities_intervals_and_the_lexicographic_objective():
    assert [ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]
    cases = cases_frame({"r1": [2, 2, 1, 1], "r2": [1, 1, 1, 1]}, ranks=[50, 80, 150, 300])
    assert list(kth_rank(cases, 2, ["a", "b"])) == [50, 80, 150, 300] * 2
    lo, hi = p_interval(cases, 2)
    assert 0 <= lo <= 0.25 <= hi <= 0.5
    assert p_interval(cases_frame({"r": [2, 2]}), 2) == (1.0, 1.0)
    # P dominates; with equal P, the policy whose 2nd city is nearer the top wins
    near = cases_frame({"r": [1, 1]}, ranks=[120.0])
    far = cases_frame({"r": [1, 1]}, ranks=[900.0])
    one_hit = cases_frame({"r": [2, 1]}, ranks=[50.0, 5000.0])
    assert objective(near, 2, ["a", "b"], 100) > objective(far, 2, ["a", "b"], 100)
    assert objective(one_hit, 2, ["a", "b"], 100) > objective(near, 2, ["a", "b"], 100)
    table = policy_table(cases, k=2, top=100, cities=["a", "b"])
    assert table.loc[0, "p_at_least_2"] == 0.25 and table.loc[0, "p_at_least_1"] == 1.0
    assert table.loc[0, "runs"] == 2 and table.loc[0, "p_top:a"] == 1.0


# --------------------------------------------------------------------------- toy world

TOY = {"a": 40, "b": 70, "c": 130, "d": 300, "e": 900}


def toy_space(**levers) -> LeverSpace:
    return LeverSpace(Levers(**{"cities": ("c", "d", "e"), "budget_krw": 12e9, **levers}),
                      start_year=2026)


def test_the_search_finds_the_known_optimum_of_a_toy_world():
    # a and b are in the top 100; a third city needs the investment lever in c, the
    # nearest: 6.9 bn a year brings c to rank 100. Splitting 12 bn evenly gives P = 0.
    toy = ToyWorld(TOY, draws=10, replicates=2)
    needed = toy.spend_needed("c", 100)
    assert needed == pytest.approx(6.9e9)
    search = PolicySearch(toy, toy_space(), top=100, seed=0, log=lambda line: None)
    space = search.space
    even = space.policy({**{f"weight:{c}": 1.0 for c in "cde"},
                         **{f"split:{c}:{k}": 1.0 for c in "cde" for k in LEVERS}}, budget=12e9)
    assert search.score(search.evaluate([even])[even.id], 3)[1] == 0.0
    result = search.search(budget=12e9, k=3, trials=60, batch=4, name="toy")
    assert len(result.trials) == 60
    best = {p.city: p for p in result.best.packages}
    assert result.trials["p"].max() >= 0.9
    assert best["c"].budget_krw * best["c"].shares["investment"] > needed
    assert best["c"].budget_krw == max(p.budget_krw for p in best.values())


def test_a_search_resumes_from_its_study(tmp_path):
    storage = f"sqlite:///{tmp_path / 'search.db'}"
    toy = ToyWorld(TOY, draws=4, replicates=1)
    first = PolicySearch(toy, toy_space(), top=100, seed=0, storage=storage, log=lambda s: None)
    r1 = first.search(budget=12e9, k=3, trials=8, batch=4, name="resume")
    again = PolicySearch(toy, toy_space(), top=100, seed=0, storage=storage, log=lambda s: None)
    r2 = again.search(budget=12e9, k=3, trials=8, batch=4, name="resume")
    pd.testing.assert_frame_equal(r1.trials, r2.trials)
    assert toy.evaluations == 8 + 8  # the resumed study re-reads its 8, runs none new
    more = again.search(budget=12e9, k=3, trials=12, batch=4, name="resume")
    assert len(more.trials) == 12 and list(more.trials["trial"][:8]) == list(r1.trials["trial"])


def test_the_inverse_question_finds_the_smallest_budget_of_a_toy_world():
    toy = ToyWorld(TOY, draws=10, replicates=2)
    search = PolicySearch(toy, toy_space(), top=100, seed=1, log=lambda line: None)
    first = [{**{f"weight:{c}": w for c, w in zip("cde", (1.0, 0.01, 0.01), strict=True)},
              **{f"split:{c}:{k}": (1.0 if k == "investment" else 0.01)
                 for c in "cde" for k in LEVERS}}]
    frontier, searches = search.frontier([3e9, 6e9, 12e9, 24e9], k=3, trials=6, batch=3,
                                         confirm=2, name="toy-frontier", first=first)
    assert list(frontier["budget_krw"]) == [0.0, 3e9, 6e9, 12e9, 24e9]
    assert frontier["p"].iloc[0] == 0.0 and frontier["p"].iloc[-1] == 1.0
    assert (frontier["runs"] == 4).all()  # two search seeds and two fresh ones
    answer = search.smallest_budget(frontier, searches, k=3, target=0.5, steps=5, confirm=2)
    assert answer.found and answer.p[0] >= 0.5
    # no budget below the noise-free optimum (all of it on c's investment) can reach it
    needed = toy.spend_needed("c", 100)
    assert 0.9 * needed <= answer.budget_krw <= 12e9
    c = next(p for p in answer.policy.packages if p.city == "c")
    assert c.budget_krw * c.shares["investment"] >= 0.9 * needed
    assert len(answer.steps) == 5
    # five cities would need d and e too: unreachable under a ceiling of 24 bn
    answer5 = search.smallest_budget(*search.frontier([12e9, 24e9], k=5, trials=3, batch=3,
                                                      confirm=0, name="toy-5"),
                                     k=5, target=0.5, steps=3, confirm=0)
    assert not answer5.found and math.isnan(answer5.budget_krw)
    assert answer5.statement.startswith("No yearly budget up to the ceiling of KRW 24 bn")
    assert "P = 0.000" in answer5.statement


# --------------------------------------------------------------------------- PRIM


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(0)
    n = 3000
    x = pd.DataFrame({"budget:daegu": rng.uniform(0, 300e9, n),
                      "share:daegu:investment": rng.uniform(0, 1, n),
                      "ranking:growth": rng.normal(0, 0.05, n),
                      "designate:busan": rng.integers(0, 2, n),
                      "start_year": np.full(n, 2026)})
    planted = (x["budget:daegu"].between(150e9, 300e9) & x["share:daegu:investment"].between(
        0.4, 0.8) & (x["designate:busan"] == 1))
    y = (planted & (rng.uniform(size=n) < 0.95)).to_numpy()
    boxes = find_boxes(x, y, boxes=1, min_density=0.8)
    assert len(boxes) == 1
    box = boxes[0]
    assert box.coverage >= 0.85 and box.density >= 0.85
    lim = box.limits
    assert set(lim.index) == {"budget:daegu", "share:daegu:investment", "designate:busan"}
    assert lim.loc["budget:daegu", "min"] == pytest.approx(150e9, rel=0.05)
    assert lim.loc["share:daegu:investment", "min"] == pytest.approx(0.4, abs=0.03)
    assert lim.loc["share:daegu:investment", "max"] == pytest.approx(0.8, abs=0.03)
    assert lim.loc["designate:busan", "min"] > 0
    rules = box.rules()
    assert rules[0].startswith("budget:daegu >= KRW 1")  # the upper edge is the data's
    assert "designate:busan = 1" in rules
    assert any(r.startswith("0.") and "<= share:daegu:investment <= 0." in r for r in rules)
    text = str(box)
    assert text.startswith(f"Box 1: coverage {box.coverage:.2f}, density {box.density:.2f}")


def test_prim_falls_back_to_the_best_k_enough_cases_reach():
    n_top = np.array([1] * 50 + [2] * 30 + [3] * 5)
    assert choose_k(n_top, 3, 5)[0] == 3
    k, note = choose_k(n_top, 3, 20)
    assert k == 2 and "only 5 of 85 cases reach 3" in note
    assert choose_k(n_top, 3, 5, min_share=0.5)[0] == 1  # 35 of 85 reach 2: under half
    with pytest.raises(ValueError, match="no case of interest"):
        find_boxes(pd.DataFrame({"a": [1.0, 2.0]}), np.array([False, False]))


def test_the_toy_world_answers_like_the_model():
    toy = ToyWorld(TOY, draws=3, replicates=2)
    space = toy_space()
    policy = space.policy(space.from_unit([0.5] * len(space.variables())))
    cases = toy.evaluate([policy, policy])
    assert len(cases) == 2 * 3 and set(cases["policy"]) == {policy.id}
    assert {"policy", "point", "replicate", "seed", "run_id", "draw", "n_top"} <= set(cases)
    assert (cases["n_top"] == (cases[[f"rank:{c}" for c in TOY]] <= 100).sum(axis=1)).all()


def test_replace_keeps_validation():
    spec = small_spec()
    with pytest.raises(ExploreError, match=r"outcomes\.k"):
        dataclasses.replace(spec, outcomes=Outcomes(k=0))


def test_the_whole_job_runs_on_a_toy_world_and_writes_its_outputs(tmp_path):
    toy = ToyWorld({"seoul": 20, "daejeon": 130, "daegu": 250, "busan": 400}, draws=5,
                   replicates=2, seed=4)
    spec = ExploreSpec(
        name="toy", scale=0.01, root_seed=1,
        uncertainties=Uncertainties(replicates=2, ranking_draws=5),
        levers=Levers(cities=["daegu", "daejeon"], extra_cities=["busan"],
                      budget_krw=[1e9, 60e9], budget_log=True),
        outcomes=Outcomes(k=2),
        search=Search(budget_krw=24e9, trials=12, batch=4, best_k_trials=4,
                      frontier_krw=[4e9, 12e9, 24e9], frontier_trials=4, confirm_replicates=1,
                      bisect_steps=2),
        discovery=Discovery(policies=64, rank_threshold=100, k=2))
    lines = []
    result = explore(spec, tmp_path, evaluator=toy, log=lines.append)
    assert result.report == lines[-1] and (tmp_path / "report.txt").exists()
    for name in ("policies.csv", "frontier.csv", "best_splits.csv", "splits.png",
                 "frontier.png", "prim_rules.txt", "prim_boxes.png", "search_trials.csv"):
        assert (tmp_path / name).exists(), name
    # daejeon needs its investment budget to join seoul: 2 cities reached, 3 never
    assert result.answer.found and 4e9 < result.answer.budget_krw <= 24e9
    assert result.best_k[0] == 2
    assert "cases whose 2nd best Korean city ranks 100 or better" in result.prim_note
    first = result.boxes[0]
    base = int(result.prim_note.split("(")[1].split(" of")[0]) / 640
    assert first.density > 3 * base and any("budget" in r for r in first.rules())
    policies = result.policies
    assert {"announced", "sample", "search"} <= set(policies["label"])
    assert (policies["p_at_least_1"] == 1.0).all()


def test_a_posterior_plugs_in_as_uncertainty_points_drawn_by_weight(tmp_path):
    from ecosim.calibration.posterior import Posterior

    particles = pd.DataFrame({"behaviour.w_ties": [0.2, 0.4, 0.6]})
    post = Posterior(particles, np.array([0.0, 0.0, 1.0]), {"kind": "test"})
    path = post.write(tmp_path / "posterior.parquet")
    for source in (post, str(path)):
        spec = small_spec(uncertainties=Uncertainties(parameter_sets=source, points=2))
        points = uncertainty_points(spec.validate())
        # every particle but the weighted one has no weight: never drawn; no weight column
        assert points == [{"behaviour.w_ties": 0.6}] * 2


def test_the_korea_exploration_file_draws_from_the_packaged_posterior():
    from pathlib import Path

    spec = ExploreSpec.from_toml(Path(__file__).parents[1] / "experiments" / "explore_korea.toml")
    assert spec.uncertainties.parameter_sets == "packaged"
    points = uncertainty_points(spec)
    assert len(points) == spec.uncertainties.points and all(points)
