"""Calibration: targets, parameters, runs keyed by (parameters, seed), ABC-SMC, posterior."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from ecosim.calibration import (
    NOT_PRODUCED,
    TARGETS,
    Posterior,
    RunConfig,
    distance,
    estimated_parameters,
    load_posterior,
    parameter_table,
    simulated_statistics,
    targets_for,
)
from ecosim.calibration.parameters import EXCLUDED, Parameter, bounds_rule
from ecosim.calibration.runs import simulate
from ecosim.calibration.targets import PENALTY, Target, discrepancies
from ecosim.experiments import Experiment, ExperimentError
from ecosim.inputs.scenario import load_scenario
from ecosim.model import EcosystemModel


@pytest.fixture(autouse=True, scope="module")
def _plugin_unregistered_after_this_module():
    """The calibration plugin registers its output and metrics in this process; later modules'
    in-process experiments (whose summaries hold every registered metric) must not see them."""
    yield
    import sys

    from ecosim.experiments import registry

    registry.OUTPUTS.pop("targets", None)
    for name in ("calibration_distance", "discrepancy"):
        registry.METRICS.pop(name, None)
    sys.modules.pop("ecosim.calibration.plugin", None)  # a later import registers them again

pyabc = pytest.importorskip("pyabc")

#: A cheap run: the packaged world for 12 months at a tiny scale.
TINY = RunConfig("baseline", scale=0.002, months=12)


# --------------------------------------------------------------------------- targets


def test_every_target_states_its_fact_tolerance_and_source():
    names = [t.name for t in TARGETS]
    assert len(names) == len(set(names))
    for t in TARGETS:
        assert t.tolerance > 0 and t.scale in ("absolute", "log")
        assert "korea_facts" in t.source and t.observed and t.tolerance_reason
        assert t.produced or "not produced" in t.note
    assert {"capital_share_vc_investment", "venture_investment", "companies_funded",
            "venture_firm_capital_share", "five_year_survival", "unicorns",
            "investment_per_company", "graduate_mobility_southeast",
            "youth_net_outflow_shares", "ranks"} <= {t.name for t in TARGETS if t.produced}
    # The series are series; what the model cannot produce says so.
    assert list(TARGETS[0].observed) == ["2020", "2021", "2022", "2023", "2025H1"]
    assert not next(t for t in TARGETS if t.name == "early_stage_share").produced
    assert all(NOT_PRODUCED.values())


def test_discrepancy_is_in_tolerances_and_each_target_counts_once():
    a = Target("a", "", {"x": 0.5, "y": 0.5}, 0.1, "absolute", "s", lambda r: {})
    b = Target("b", "", {"z": 100.0}, math.log(2.0), "log", "s", lambda r: {})
    observed = {"a:x": 0.5, "a:y": 0.5, "b:z": 100.0}
    sim = {"a:x": 0.6, "a:y": 0.3, "b:z": 400.0}
    d = discrepancies(sim, observed, [a, b])
    two = 1.0 + math.log(2.0)                                # a miss of 2 tolerances
    assert d["a"] == pytest.approx((1.0 + two) / 2)          # mean over the series
    assert d["b"] == pytest.approx(two)                      # a factor 4 is two factors of 2
    assert distance(sim, observed, [a, b]) == pytest.approx(((1.0 + two) / 2 + two) / 2)
    # NaN, a missing value and a non-positive amount cost the penalty; beyond one
    # tolerance a miss grows as 1 + ln(miss), so it still orders, and never passes the penalty.
    assert discrepancies({"a:x": math.nan, "b:z": -1.0}, observed, [a, b]) == {
        "a": PENALTY, "b": PENALTY}
    assert discrepancies({"a:x": 1.5, "a:y": 0.5}, observed, [a])["a"] == pytest.approx(
        (1 + math.log(10.0)) / 2)
    assert discrepancies({"a:x": None, "a:y": 0.5}, observed, [a])["a"] == PENALTY / 2
    far = [discrepancies({"a:x": x}, {"a:x": 0.5}, [a])["a"] for x in (1.0, 10.0, 1e9)]
    assert far[0] < far[1] < far[2] == PENALTY
    with pytest.raises(ValueError, match="tolerance"):
        Target("c", "", {"x": 1.0}, 0.0, "absolute", "s", None)


def test_targets_for_keeps_what_the_scenario_can_give():
    spec = load_scenario("baseline")
    ranks = next(t for t in targets_for(spec) if t.name == "ranks")
    assert {k.split(":")[0] for k in ranks.observed} <= set(spec.ranking.ranked_cities)
    fewer = spec.with_overrides({"ranking.ranked_cities": ["seoul", "busan"]})
    ranks = next(t for t in targets_for(fewer) if t.name == "ranks")
    assert {k.split(":")[0] for k in ranks.observed} == {"seoul", "busan"}
    assert [t.name for t in targets_for(spec, ["unicorns", "early_stage_share"])] == ["unicorns"]
    with pytest.raises(KeyError, match="known"):
        targets_for(spec, ["no_such_target"])


def test_simulated_statistics_of_a_short_run():
    model = EcosystemModel("baseline", rng=3, scale=0.002, months=14).run()
    sim = simulated_statistics(model, targets_for(model.spec))
    assert set(sim) == {k for t in targets_for(model.spec) for k in t.keys()}
    assert 0.0 <= sim["capital_share_vc_investment:2020"] <= 1.0
    assert sim["venture_investment:2022"] != sim["venture_investment:2022"]  # beyond the run
    assert math.isnan(sim["five_year_survival:2020"])
    jobs = sim["graduate_mobility_southeast:own_region"] + sim[
        "graduate_mobility_southeast:capital_region"]
    assert 0.0 < jobs <= 1.0


# --------------------------------------------------------------------------- parameters


def test_estimated_parameters_and_their_bounds():
    spec = load_scenario("baseline")
    table = parameter_table(spec)
    params = estimated_parameters(table=table)
    paths = {p.path for p in params}
    assert len(params) == int(table["calibrated"].sum()) >= 40
    assert not paths & set(EXCLUDED) and "capital.round_min_krw" not in paths  # sourced
    assert "behaviour.founding_experience" not in paths                      # an integer
    assert "behaviour.action_constants.found" in paths                       # dict entries
    for p in params:
        assert p.source == "" or "est." in p.source
        assert p.low <= p.value <= p.high and p.low < p.high
        spec.with_overrides({p.path: p.low})                                  # valid both ends
        spec.with_overrides({p.path: p.high})
    w = {p.path: p for p in params}
    assert (w["behaviour.w_ties"].low, w["behaviour.w_ties"].high) == (0.0, spec.behaviour.w_ties
                                                                       + 1.0)
    screen = w["capital.screen"]
    assert screen.high <= 1.0 and screen.low == pytest.approx(spec.capital.screen / 2)
    assert bounds_rule("firms.initial_traction", -2.0)[:2] == (-3.0, -1.0)


# --------------------------------------------------------------------------- runs


def test_sample_rows_with_seeds_are_one_run_each():
    rows = [{"behaviour.w_ties": 0.3, "seed": 5}, {"behaviour.w_ties": 0.4, "seed": 5},
            {"behaviour.w_ties": 0.3, "seed": 5}]
    e = Experiment(samples=rows, scenarios=["baseline"], months=2, scale=0.002)
    tasks, design = e.plan
    assert len(tasks) == 2 and list(design["replicate"]) == [0, 1, 2]
    assert design["run_id"][0] == design["run_id"][2] and list(design["seed"]) == [5, 5, 5]
    again = Experiment(samples=rows[::-1], scenarios=["baseline"], months=2, scale=0.002)
    assert set(again.plan[1]["run_id"]) == set(design["run_id"])   # keyed by (params, seed)
    two = Experiment(samples=rows, scenarios=["baseline", "startup_city"], months=2)
    tasks, design = two.plan                                      # the same pairs in each
    assert len(tasks) == 4 and list(design["seed"]) == [5] * 6
    per = design.groupby("scenario")["behaviour__w_ties"].apply(tuple)
    assert per["baseline"] == per["startup_city"] == (0.3, 0.4, 0.3)
    with pytest.raises(ExperimentError, match=r"samples\.1\.seed"):
        Experiment(samples=[{"seed": 1}, {"seed": -1}])
    with pytest.raises(ExperimentError, match="replicates"):
        Experiment(samples=rows, replicates=2)


def test_simulate_reads_back_what_is_on_disk(tmp_path):
    rows = [{"behaviour.w_travel": v, "seed": s} for v, s in ((0.2, 1), (0.6, 2))]
    first = simulate(rows, TINY, tmp_path, progress=False)
    assert json.loads((tmp_path / "summary.json").read_text())["executed"] == 2
    again = simulate(rows[::-1], TINY, tmp_path, progress=False)
    assert json.loads((tmp_path / "summary.json").read_text())["executed"] == 0
    pd.testing.assert_frame_equal(pd.DataFrame(again), pd.DataFrame(first[::-1]))
    assert first[0] != first[1] and set(first[0]) == set(first[1])


# --------------------------------------------------------------------------- ABC-SMC


def _observed_at(truth: dict, config: RunConfig, folder, keys: str, seeds=(11, 12, 13, 14)):
    """Synthetic data: the mean of a few runs at the true parameters."""
    runs = simulate([{**truth, "seed": s} for s in seeds], config, folder, progress=False)
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0] if k.startswith(keys)}


def test_abc_recovers_a_known_parameter_of_a_synthetic_run(tmp_path):
    """Synthetic facts from the model at w_travel = 0.4; ABC-SMC from a flat prior on [0, 1.4].

    The Southeast graduates' first jobs (own region, capital region) respond
    to the cost of travel, most steeply at low values (measured, 6 seeds: the
    capital region's share 0.26 at 0.2, 0.17 at 0.7, 0.09 at 1.2; one run's
    standard deviation 0.02-0.08); 12 months at scale 0.004 keep it cheap.
    The posterior mean must be within 0.25 of the truth, and closer to it than
    the prior mean (0.7).
    """
    from ecosim.calibration.abc import AbcSettings, infer

    config = RunConfig("baseline", scale=0.004, months=12)
    truth = 0.4
    observed = _observed_at({"behaviour.w_travel": truth}, config, tmp_path / "truth",
                            "graduate_mobility")
    prior = Parameter("behaviour.w_travel", 0.4, 0.0, 1.4, "utility", "est.")
    result = infer([prior], config, tmp_path / "abc", observed=observed,
                   settings=AbcSettings(population=12, generations=2, seed=3), progress=False)
    post = result.posterior
    mean = float(post.mean().iloc[0])
    assert abs(mean - truth) < 0.25
    assert abs(mean - truth) < abs((prior.low + prior.high) / 2 - truth)
    q = post.quantiles((0.05, 0.95)).iloc[0]
    assert q[0.95] - q[0.05] < 0.75 * (prior.high - prior.low)
    info = post.provenance
    assert info["generations"] == 2 and info["population"] == 12
    assert info["simulations"] >= 12 * 3 and 0 < info["acceptance_rate"] <= 1
    assert info["targets"][0]["name"] == "graduate_mobility_southeast"


def test_abc_resumes_and_is_the_same_on_every_executor(tmp_path):
    from ecosim.calibration.abc import AbcSettings, infer

    observed = _observed_at({"behaviour.w_travel": 1.0}, TINY, tmp_path / "truth",
                            "graduate_mobility", seeds=(1,))
    prior = [Parameter("behaviour.w_travel", 0.4, 0.0, 1.4, "utility", "est.")]
    settings = AbcSettings(population=6, generations=1, seed=9)
    one = infer(prior, TINY, tmp_path / "a", observed=observed, settings=settings,
                progress=False)
    # A second generation continues the stored run; the first is not simulated again.
    two = infer(prior, TINY, tmp_path / "a", observed=observed,
                settings=AbcSettings(population=6, generations=2, seed=9), progress=False)
    assert two.abc_id == one.abc_id and two.posterior.provenance["generations"] == 2
    gens = two.populations[two.populations["t"] >= 0]
    assert list(gens["t"]) == [0, 1]
    first = one.populations[one.populations["t"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(gens[gens["t"] == 0].reset_index(drop=True), first)
    # Asked again, a finished calibration simulates nothing more.
    three = infer(prior, TINY, tmp_path / "a", observed=observed,
                  settings=AbcSettings(population=6, generations=2, seed=9), progress=False)
    pd.testing.assert_frame_equal(three.populations, two.populations)
    # The same calibration in fresh folders on a process pool and on a local Dask
    # cluster (127.0.0.1): the same posterior.
    for executor, folder in (("processes", "b"), ("dask", "c")):
        other = infer(prior, TINY, tmp_path / folder, observed=observed, settings=settings,
                      executor=executor, workers=2, progress=False)
        pd.testing.assert_frame_equal(other.posterior.particles, one.posterior.particles)
        np.testing.assert_array_equal(other.posterior.weights, one.posterior.weights)


# --------------------------------------------------------------------------- posterior


def test_posterior_file_round_trip_and_draws(tmp_path):
    post = Posterior(pd.DataFrame({"behaviour.w_ties": [0.1, 0.2, 0.9],
                                   "capital.screen": [0.3, 0.4, 0.5]}),
                     np.array([1.0, 3.0, 0.0]), {"model_code_digest": "x", "simulations": 7})
    assert post.weights.sum() == pytest.approx(1.0)
    back = Posterior.read(post.write(tmp_path / "p.parquet"))
    pd.testing.assert_frame_equal(back.particles, post.particles)
    np.testing.assert_allclose(back.weights, post.weights)
    assert back.provenance == post.provenance
    rows = post.draw(200, root_seed=4)
    assert rows == post.draw(200, root_seed=4)
    assert {r["behaviour.w_ties"] for r in rows} == {0.1, 0.2}          # weight 0: never
    seeds = [r["seed"] for r in rows]
    assert seeds == Experiment(replicates=200, root_seed=4).seeds()      # replicate r's seed
    with pytest.raises(ValueError, match="weights"):
        Posterior(post.particles, np.array([-1.0, 1.0, 1.0]))
    with pytest.warns(UserWarning, match="make calibrate"):
        post.check("baseline")
    assert load_posterior(None) is None and load_posterior("none") is None
    with pytest.raises(FileNotFoundError, match="posterior"):
        load_posterior(tmp_path / "missing.parquet")


def test_the_packaged_posterior_applies_to_the_packaged_scenarios():
    post = load_posterior("packaged")
    info = post.provenance
    for key in ("created", "model_code_digest", "targets", "simulations", "acceptance_rate",
                "generations", "config", "parameters", "kind"):
        assert key in info, key
    assert 1 <= len(post.parameters) <= 20
    for scenario in ("baseline", "startup_city"):
        spec = load_scenario(scenario)
        for row in post.draw(3, 0):
            spec.with_overrides({k: v for k, v in row.items() if k != "seed"})


@pytest.fixture
def one_numba_thread():
    """Serial runs on one Numba thread: small runs are fastest so on a shared machine."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def test_main_job_draws_parameter_sets_and_seeds_from_the_posterior(tmp_path, one_numba_thread):
    from ecosim.experiments.store import load_results
    from ecosim.study import startup_cities_2030

    post = Posterior(pd.DataFrame({"behaviour.w_ties": [0.2, 0.7]}), np.array([0.5, 0.5]))
    kwargs = {"scenarios": ("baseline",), "replicates": 2, "scale": 0.002, "executor": "serial",
              "progress": False, "plots": False}
    result = startup_cities_2030(out=tmp_path / "post", posterior=post, **kwargs)
    scores = load_results(tmp_path / "post", "indicators")
    drawn = post.draw(2, 2025)
    runs = scores.drop_duplicates("replicate").sort_values("replicate")
    assert list(runs["behaviour__w_ties"]) == [r["behaviour.w_ties"] for r in drawn]
    assert list(runs["seed"]) == [r["seed"] for r in drawn]
    assert result.headline.notna().all()
    point = startup_cities_2030(out=tmp_path / "point", posterior=None, **kwargs)
    plain = load_results(tmp_path / "point", "indicators")
    assert "behaviour__w_ties" not in plain and set(plain["seed"]) == set(runs["seed"])
    assert point.table.index.equals(result.table.index)


# --------------------------------------------------------------------------- screening


def test_screening_ranks_parameters_and_selection_keeps_each_targets_lever(tmp_path):
    from ecosim.calibration.screening import screen, select

    params = [p for p in estimated_parameters("baseline")
              if p.path in ("behaviour.w_travel", "behaviour.w_open", "firms.traction_sd")]
    result = screen(params, TINY, tmp_path, trajectories=2, progress=False)
    assert result.runs == 2 * (len(params) + 1)
    assert set(result.ranking["parameter"]) == {p.path for p in params}
    assert result.ranking["mu_star"].is_monotonic_decreasing
    wide = result.by_target()
    assert "graduate_mobility_southeast" in wide.columns
    from ecosim.calibration.report import levers

    table = levers(result.indices).set_index("target")
    assert table.loc["graduate_mobility_southeast", "max_mu_star"] == pytest.approx(
        wide["graduate_mobility_southeast"].max())
    chosen = select(result, params, top=1, minimum=1, maximum=3)
    assert chosen[0].path == result.ranking["parameter"][0]
    best = wide["graduate_mobility_southeast"].idxmax()
    assert best in {p.path for p in chosen}
    with pytest.raises(ValueError, match="top"):
        select(result, params, top=30)


def test_budget_plan_splits_runs_and_refuses_too_small_a_budget():
    from ecosim.calibration.pipeline import budget_plan

    trajectories, abc = budget_plan(300, 40)
    assert trajectories == 2 and abc.max_simulations == 300 - 2 * 41
    assert 10 <= abc.population <= abc.max_simulations // 6 + 10
    assert budget_plan(20_000, 40)[0] == 10
    with pytest.raises(ValueError, match="at least 122"):
        budget_plan(100, 40)


# --------------------------------------------------------------------------- bias, report


def test_scale_bias_compares_the_same_seeds_at_two_scales(tmp_path):
    from ecosim.calibration.bias import scale_bias, summarise_bias

    frame = scale_bias(TINY, tmp_path, scales=(0.002, 0.004), replicates=2, progress=False)
    row = frame[(frame["target"] == "graduate_mobility_southeast")
                & (frame["key"] == "own_region")]
    assert row["n_small"].item() == 2 and row["n_large"].item() == 2
    assert np.isfinite(row["bias"].item())
    late = frame[frame["key"] == "2024"]
    assert (late["n_small"] == 0).all() and late["bias"].isna().all()
    assert set(summarise_bias(frame).index) == set(frame["target"])


def test_target_table_and_plots(tmp_path):
    from ecosim.calibration.report import plot_marginals, plot_pairs, target_table

    t = Target("a", "", {"x": 0.5}, 0.1, "absolute", "s", lambda r: {})
    pred = pd.DataFrame({"a:x": np.linspace(0.4, 0.76, 37)})
    row = target_table(pred, [t]).iloc[0]
    assert row["median"] == pytest.approx(0.58) and row["miss"] == pytest.approx(0.8)
    assert row["covered"] and row["within_tolerance"]
    far = target_table(pred + 0.5, [t]).iloc[0]
    assert not far["covered"] and not far["within_tolerance"] and far["miss"] == pytest.approx(
        5.8)
    post = Posterior(pd.DataFrame({"a.b": [0.1, 0.5], "c.d": [1.0, 2.0]}), np.ones(2),
                     {"parameters": [{"path": "a.b", "low": 0, "high": 1},
                                     {"path": "c.d", "low": 0, "high": 3}]})
    assert plot_marginals(post, tmp_path / "m.png").stat().st_size > 0
    assert plot_pairs(post, tmp_path / "p.png").stat().st_size > 0
