"""Startup City policy levers and the ecosystem ranking."""

import numpy as np
import pandas as pd
import pytest

from ecosim import EcosystemModel, ScenarioError, load_scenario
from ecosim.inputs.params import PolicyPackage
from ecosim.outputs.ranking import city_scores, fit_curve
from ecosim.phases import policy
from ecosim.state.agents import Investor
from ecosim.vocab import LEVERS, Action


def snapshot(m):
    p = m.world.levers
    policy.update_incentives(m.world)
    inv = m.population[Investor]
    return {
        "extra_graduates": p.extra_graduates.copy(),
        "fellowships": np.r_[p.fellowship_value_krw, p.fellowship_slots],
        "grants": np.r_[p.grant_krw, p.grant_budget_krw],
        "stay_support": np.r_[p.stay_krw, p.stay_budget_krw],
        "funds": np.r_[inv.n_alive, inv["dry_powder_krw"][inv.alive].sum()],
        "fit_bonus": p.fit_bonus.copy(),
        "demo_slots": p.demo_slots.copy(),
        "amenity": p.amenity.copy(),
        "incentive_startup_job": p.incentives[:, Action.STARTUP_JOB].copy(),
        "incentive_found": p.incentives[:, Action.FOUND].copy(),
        "incentive_headquarters": p.headquarters_incentives.copy(),
    }


CLAIMS = {
    "talent": {"extra_graduates", "fellowships", "incentive_startup_job", "incentive_found"},
    "commercialization": {"grants", "stay_support", "incentive_found",
                          "incentive_headquarters"},
    "investment": {"funds"},
    "infrastructure": {"fit_bonus", "demo_slots", "amenity"},
}


@pytest.mark.parametrize("lever", LEVERS)
def test_each_lever_changes_the_inputs_it_claims_and_nothing_else(lever):
    m = EcosystemModel("startup_city", rng=0, scale=0.005)
    before = snapshot(m)
    # a budget large enough that even the investment lever buys whole funds at this scale
    pkg = PolicyPackage(city="daegu", budget_krw=4000e9,
                        levers={k: float(k == lever) for k in LEVERS},
                        focus_sectors=("robotics_mobility", "bio_medical"))
    policy.apply_package(m.world, pkg)
    after = snapshot(m)
    changed = {k for k in before if not np.array_equal(before[k], after[k])}
    assert changed == CLAIMS[lever]
    daegu = m.cities.index("daegu")
    for k in changed & {"extra_graduates", "funds"}:
        assert after[k].sum() > before[k].sum()
    for k in changed - {"funds", "extra_graduates", "grants", "fellowships", "stay_support"}:
        # only Daegu's entries move
        diff = np.atleast_2d(np.abs(after[k] - before[k]))
        moved_cities = np.flatnonzero(diff.reshape(len(m.cities), -1).sum(axis=1))
        assert moved_cities.tolist() == [daegu], k


# The packaged world starts in January 2020 and the packages in 2026; short runs
# move the start of the packages to 2021 so that they act within the run.
EARLY = {"policy.start_year": 2021}


def test_a_zero_budget_policy_reproduces_the_baseline_exactly():
    baseline = load_scenario(load_scenario("baseline"), overrides=EARLY)  # it has no [policy]
    a = EcosystemModel(baseline, rng=3, scale=0.005, months=16).run()
    zero = {f"policy.packages.{i}.budget_krw": 0.0 for i in range(4)}
    b = EcosystemModel("startup_city", rng=3, scale=0.005, months=16,
                       overrides={**EARLY, **zero}).run()
    pd.testing.assert_frame_equal(a.city_frame(), b.city_frame())
    pd.testing.assert_frame_equal(a.flow_frame(), b.flow_frame())


def _budgets(spec, lever):
    return sum(p.budget_krw * p.levers[lever] for p in spec.policy.packages)


def test_policy_starts_in_its_start_year_and_pays_at_full_scale_equivalents():
    m = EcosystemModel("startup_city", rng=1, scale=0.02, overrides=EARLY)
    start = m.spec.policy.start_year
    months_before = 12 * (start - m.spec.start_year) + 1 - m.spec.start_month
    m.run(months_before)
    paid = m.world.levers.paid_krw
    assert sum(paid.values()) == 0  # nothing before the start year
    m.step()  # January of the start year
    s = m.spec
    assert paid["infrastructure"] == pytest.approx(_budgets(s, "infrastructure"))
    training = _budgets(s, "talent") * (1 - s.policy.fellowship_share)
    # training is paid in January; fellowships as fellows are found, within their share
    assert training <= paid["talent"] <= _budgets(s, "talent") * (1 + 1e-9)
    lv = m.world.levers
    allotted = dict(lv.allotted_krw)
    # what was allotted is the budget in whole grants, payments and funds (their number
    # rounded stochastically at this scale: its expectation is the budget, see test_world)
    assert allotted["infrastructure"] == pytest.approx(_budgets(s, "infrastructure"))
    assert allotted["talent"] >= training and allotted["commercialization"] > 0
    assert allotted["investment"] % (s.policy.fund_unit_krw / s.scale) == pytest.approx(0)
    m.run(11)
    # over the year nothing is paid beyond what was allotted
    for lever in LEVERS:
        assert paid[lever] <= allotted[lever] * (1 + 1e-9), lever
    assert np.all(lv.grant_budget_krw >= 0) and np.all(lv.fellowship_slots >= 0)
    assert np.all(lv.stay_budget_krw >= 0)


@pytest.mark.parametrize(("override", "field"), [
    ({"policy.packages.0.city": "atlantis"}, "policy.packages.atlantis.city"),
    ({"policy.packages.0.levers.talent": 0.9}, "policy.packages.daegu.levers"),
    ({"policy.packages.0.budget_krw": -1.0}, "policy.packages.daegu.budget_krw"),
    ({"policy.packages.0.focus_sectors": ["quantum"]}, "policy.packages.daegu.focus_sectors"),
    ({"policy.grant_krw": 0.0}, "policy.grant_krw"),
])
def test_bad_policy_values_name_the_field(override, field):
    with pytest.raises(ScenarioError) as err:
        load_scenario("startup_city", overrides=override)
    assert err.value.field.startswith(field.rsplit(".", 1)[0])


# ------------------------------------------------------------------ ranking

def test_rank_curve_reproduces_the_published_points_within_the_stated_error():
    s = load_scenario()
    curve = fit_curve(s.ranking)
    res = curve.residuals(s.ranking.points)
    edition = res[res["rank"] >= 24]  # the 2022-edition points (ranks 1-2 are 2021)
    # stated error: every 2022 point within a factor 1.4 of the curve, most within 10%
    assert (edition["ratio"].between(1 / 1.4, 1.4)).all(), edition
    assert (edition["ratio"].between(0.9, 1.1)).mean() >= 0.5


def test_rank_is_monotone_in_score():
    curve = fit_curve(load_scenario().ranking)
    scores = np.geomspace(0.05, 500, 400)
    ranks = curve.rank_of(scores, 2026)
    assert np.all(np.diff(ranks) <= 0)
    assert ranks[-1] == 1
    # the world grows: the same score ranks lower a year later
    assert curve.rank_of(10.0, 2027) > curve.rank_of(10.0, 2026)


@pytest.fixture(scope="module")
def first_year_ranks():
    """World ranks in the baseline's first simulated year (2020 in the packaged world)."""
    m = EcosystemModel("baseline", rng=0, scale=0.05, months=12).run()
    return city_scores(m.city_frame(), m.spec).set_index("city")["rank"]


def test_first_year_puts_seoul_at_its_anchor_rank(first_year_ranks):
    assert first_year_ranks["seoul"] == pytest.approx(20, abs=0.5)  # the anchor
    assert set(first_year_ranks.index) == set(load_scenario().ranking.ranked_cities)


@pytest.mark.xfail(strict=True, reason=(
    "since the world starts in 2020, the anchor fixes Seoul's 2020 score, and Daejeon's 2020 "
    "rank at this scale (about 120-175 over seeds 0-1) is better than its published ranks "
    "near 2020 (557 in 2021, inferred; 421 in 2022) by more than the stated factor; the "
    "ranking is being rewritten (issue 11)"))
def test_first_year_puts_daejeon_near_its_published_rank(first_year_ranks):
    # emerges from Daejeon's activity; stated nearness: within a factor 2.5 of 421 (GSEI 2022,
    # the first edition that prints Daejeon's rank)
    assert 421 / 2.5 < first_year_ranks["daejeon"] < 421 * 2.5


# ------------------------------------------------------------------ the main job

def test_main_job_runs_end_to_end_at_a_tiny_scale(tmp_path, capsys):
    from ecosim.cli import main

    out = tmp_path / "study"
    assert main(["run", "--replicates", "2", "--scale", "0.004", "--executor", "serial",
                 "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "P(at least 5 Korean cities in the top 100 in 2030) under startup_city" in text
    for name in ("summary_table.csv", "headline.csv", "rank_fan.png",
                 "retention_capital_share.png", "migration_flows.png"):
        assert (out / name).stat().st_size > 0, name
    table = pd.read_csv(out / "summary_table.csv", index_col=[0, 1])
    assert set(table.index.get_level_values(0)) == {"baseline", "startup_city"}
    assert table["P(top 100) 2030"].between(0, 1).all()


def test_headline_counts_runs_with_five_cities_in_the_top_100():
    from ecosim.study import summarise

    rows = []
    for rep, ranks in enumerate([[5, 50, 60, 70, 80, 500], [5, 50, 60, 70, 300, 500]]):
        for city, rank in zip("abcdef", ranks, strict=True):
            rows += [{"scenario": "s", "replicate": rep, "year": y, "city": city, "rank": rank}
                     for y in (2025, 2030)]
    yearly = pd.DataFrame({"scenario": ["s"], "year": [2030], "capital_share_funding": [0.7]})
    retention = pd.DataFrame(columns=["scenario", "city", "horizon_months", "retained",
                                      "cohort"])
    table, headline = summarise(pd.DataFrame(rows), yearly, retention)
    assert headline["s"] == 0.5
    assert table.loc[("s", "e"), "P(top 100) 2030"] == 0.5
