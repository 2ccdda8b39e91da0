"""Startup City policy levers."""

import numpy as np
import pandas as pd
import pytest

from ecosim import EcosystemModel, ScenarioError, load_scenario
from ecosim.inputs.params import PolicyPackage
from ecosim.phases import policy
from ecosim.state.agents import Investor
from ecosim.vocab import LEVERS, Action


def snapshot(m):
    p = m.world.levers
    policy.update_incentives(m.world)
    inv = m.population[Investor]
    return {
        "extra_graduates": p.extra_graduates.copy(),
        "fellowship": p.fellowship_krw.copy(),
        "grants": np.r_[p.grant_krw, p.grant_budget_krw],
        "funds": np.r_[inv.n_alive, inv["dry_powder_krw"][inv.alive].sum()],
        "fit_bonus": p.fit_bonus.copy(),
        "demo_slots": p.demo_slots.copy(),
        "amenity": p.amenity.copy(),
        "incentive_startup_job": p.incentives[:, Action.STARTUP_JOB].copy(),
        "incentive_found": p.incentives[:, Action.FOUND].copy(),
    }


CLAIMS = {
    "talent": {"extra_graduates", "fellowship", "incentive_startup_job", "incentive_found"},
    "commercialization": {"grants", "incentive_found"},
    "investment": {"funds"},
    "infrastructure": {"fit_bonus", "demo_slots", "amenity"},
}


@pytest.mark.parametrize("lever", LEVERS)
def test_each_lever_changes_the_inputs_it_claims_and_nothing_else(lever):
    m = EcosystemModel("startup_city", rng=0, scale=0.005)
    before = snapshot(m)
    pkg = PolicyPackage(city="daegu", budget_krw=30e9,
                        levers={k: float(k == lever) for k in LEVERS},
                        focus_sectors=("robotics_mobility", "bio_medical"))
    policy.apply_package(m.world, pkg)
    after = snapshot(m)
    changed = {k for k in before if not np.array_equal(before[k], after[k])}
    assert changed == CLAIMS[lever]
    daegu = m.cities.index("daegu")
    for k in changed & {"extra_graduates", "funds"}:
        assert after[k].sum() > before[k].sum()
    for k in changed - {"funds", "extra_graduates", "grants"}:
        # only Daegu's entries move
        diff = np.atleast_2d(np.abs(after[k] - before[k]))
        moved_cities = np.flatnonzero(diff.reshape(len(m.cities), -1).sum(axis=1))
        assert moved_cities.tolist() == [daegu], k


def test_a_zero_budget_policy_reproduces_the_baseline_exactly():
    a = EcosystemModel("baseline", rng=3, scale=0.005, months=16).run()
    zero = {f"policy.packages.{i}.budget_krw": 0.0 for i in range(4)}
    b = EcosystemModel("startup_city", rng=3, scale=0.005, months=16, overrides=zero).run()
    pd.testing.assert_frame_equal(a.city_frame(), b.city_frame())
    pd.testing.assert_frame_equal(a.flow_frame(), b.flow_frame())


def test_policy_starts_in_its_start_year_and_spends_its_budget():
    m = EcosystemModel("startup_city", rng=1, scale=0.005, months=14).run(12)
    assert sum(m.world.levers.spent_krw.values()) == 0  # nothing in 2025
    m.step()  # January 2026
    assert sum(m.world.levers.spent_krw.values()) == pytest.approx(4 * 30e9)


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
