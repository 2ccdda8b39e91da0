"""Startups, investors and factories: kernels, money, roles, and what emerges."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ecosim import EcosystemModel
from ecosim.inputs.scenario import load_scenario
from ecosim.kernels import capital, firms
from ecosim.kernels.capital import Investors, Market, Seekers
from ecosim.kernels.firms import Candidates, Exits, Growth, Hosts, Relocation, Startups
from ecosim.phases.firms import relocation_weights
from ecosim.state.agents import Factory, Founder, Investor, Startup
from ecosim.testing import assert_backends_agree
from ecosim.vocab import InvestorKind, Outcome, Role

C, S, R = 5, 4, 4


# ------------------------------------------------------------------ kernels vs reference

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deal_matching_agrees_across_backends_and_conserves_budgets(seed):
    g = np.random.default_rng(seed)
    n, n_inv = 600, 40
    inv_city = g.integers(0, C, n_inv)
    represents = g.random(n_inv) * 5
    able = g.random((R, n_inv)) < 0.7
    cum = np.ascontiguousarray(np.broadcast_to(np.cumsum(represents * able, axis=1), (C, R, n_inv)))
    dist = g.random((C, C)) * 300
    dist = dist + dist.T
    np.fill_diagonal(dist, 0)
    reach = np.ascontiguousarray((1 + dist[:, inv_city]) ** -0.3)
    budget = g.random(n_inv) * 30e9
    mk = Market(np.log([50e6, 0.3e9, 8e9, 30e9]), np.log([300e6, 8e9, 30e9, 100e9]),
                np.array([0.0, 0.5, 1.0, 1.5]), 8, 0.5, 6.0, 0.5, 0.2, 8.0, 0.3)
    seekers = Seekers(uid=g.permutation(n).astype(np.int64) + 1, city=g.integers(0, C, n),
                      sector=g.integers(0, 7, n), quality=g.normal(0.5, 1, n).astype(np.float32),
                      revenue=g.random(n) * 1e7, round_stage=g.integers(0, R, n),
                      grown_value=np.where(g.random(n) < 0.3, g.random(n) * 1e11, 0.0))
    dry = budget * g.uniform(1.0, 3.0, n_inv)
    investors = Investors(cum, reach, g.integers(0, 2**7, n_inv), budget, dry)
    deals, out = assert_backends_agree(capital.match_deals, seekers, investors, mk, seed, 4)
    lead, amount, pre = deals.lead, deals.amount, deals.pre_money
    left, dry_left = out[1].budget, out[1].dry_powder
    assert (lead >= 0).sum() > 10
    # every won leaving dry powder arrives as a round, and the budget is charged the same
    np.testing.assert_allclose(dry.sum() - dry_left.sum(), amount.sum(), rtol=1e-12)
    np.testing.assert_allclose(budget.sum() - left.sum(), amount.sum(), rtol=1e-12)
    assert np.all(dry_left >= -1e-3)
    # a fund deals only while its pace budget is positive: it overshoots by at most one round
    assert np.all(left >= -np.exp(mk.log_max).max() * (1 + 1e-12))
    # an up round: the offer is at least the grown value of the last round
    won = lead >= 0
    assert np.all(pre[won] >= seekers.grown_value[won] * (1 - 1e-12))
    # rounds lie within their stage's range; no round without a lead
    stage = seekers.round_stage[won]
    assert np.all(amount[won] >= np.exp(mk.log_min[stage]) * (1 - 1e-9))
    assert np.all(amount[won] <= np.exp(mk.log_max[stage]) * (1 + 1e-9))
    assert np.all(amount[~won] == 0) and np.all(pre[won] > 0)


def _startups(g, n):
    stage = g.integers(0, 5, n).astype(np.int8)
    return Startups(alive=g.random(n) < 0.8, uid=g.permutation(n).astype(np.int64) + 1,
                    stage=stage, rounds=(stage + g.integers(0, 2, n)).astype(np.int16),
                    founded_month=g.integers(-150, 30, n).astype(np.int32),
                    quality=g.normal(size=n).astype(np.float32), traction=g.normal(-1, 1, n),
                    revenue=g.random(n) * 1e8, cash=g.normal(5e7, 5e7, n),
                    valuation=g.random(n) * 3e11, post_money=g.random(n) * 2e11,
                    demos=g.integers(0, 2, n).astype(np.int16),
                    months_since_round=np.zeros(n, np.int32))


@pytest.mark.parametrize("seed", [0, 1])
def test_progress_settle_relocate_and_demonstrations_agree_across_backends(seed):
    g = np.random.default_rng(seed)
    n = 800
    su = _startups(g, n)
    growth = Growth(traction_target=-1.0, traction_quality=1.0, traction_fit=0.2,
                    traction_stage=1.2, traction_speed=0.05, traction_sd=0.15, revenue_krw=1e7,
                    margin=0.5, arr_multiple=3.0, burn_per_head_krw=6e6)
    burn, (after, *_) = assert_backends_agree(firms.progress, su, g.random(n),
                                              g.integers(1, 10, n).astype(float), growth, seed, 3)
    # live rows age a month and burn cash; dead rows are untouched
    np.testing.assert_array_equal(after.months_since_round, su.alive.astype(np.int32))
    assert np.all(burn[~su.alive] == 0) and np.all(burn[su.alive] > 0)
    live = su.alive
    np.testing.assert_allclose(after.cash[live], su.cash[live] + 0.5 * after.revenue[live]
                               - burn[live])
    # the valuation is the larger of the last post-money and the revenue multiple
    np.testing.assert_allclose(after.valuation[live], np.maximum(
        su.post_money[live], 3.0 * 12 * after.revenue[live]))
    exits = Exits(acquisition_hazard=0.05, demo_acquisition=2.0, acquisition_premium=1.3,
                  ipo_valuation_krw=150e9, ipo_hazard=0.2, arr_multiple=8.0,
                  maturity_months=120, margin=0.5)
    burn_now = g.random(n) * 5e7
    fate, _ = assert_backends_agree(firms.settle, su, burn_now, exits, seed, 3)
    assert set(np.unique(fate.outcome[~su.alive])) == {Outcome.CONTINUES}
    exiting = (fate.outcome == Outcome.ACQUIRED) | (fate.outcome == Outcome.IPO)
    assert np.all((fate.value > 0) == exiting)
    assert np.all(fate.outcome[su.alive & (su.cash < 0)] == Outcome.DIES)
    matured = fate.outcome == Outcome.MATURES
    assert matured.any()
    assert np.all(3 - su.founded_month[matured] >= 120)
    assert np.all(0.5 * su.revenue[matured] >= burn_now[matured])
    r = Relocation(g.random(C), g.random((C, S)), g.random((C, S)), g.random(C),
                   g.random((C, C)), g.random(C))
    movers = Candidates(su.uid[:200], g.integers(0, C, 200), g.integers(0, S, 200))
    new_city, _ = assert_backends_agree(firms.relocate, movers, r,
                                        relocation_weights(load_scenario().firms), seed, 2)
    assert np.all((new_city >= 0) & (new_city < C))
    n_fac = 30
    hosts = Hosts(np.cumsum(g.random((C, S, n_fac)), axis=2), g.integers(0, 3, n_fac),
                  np.arange(n_fac) + 500)
    applicants = Candidates(su.uid[:300], g.integers(0, C, 300), g.integers(0, S, 300))
    partner, (_, left, *_) = assert_backends_agree(firms.match_demonstrations, applicants, hosts,
                                                   seed, 3)
    hosted = partner[partner >= 0] - 500
    assert np.all(np.bincount(hosted, minlength=n_fac) == hosts.slots - left.slots)


# ------------------------------------------------------------------ money and roles

overrides = st.fixed_dictionaries({
    "firms__acquisition_hazard": st.floats(0.0, 0.05),
    "firms__traction_target": st.floats(-3.0, 2.0),
    "firms__founding_grant_krw": st.floats(0.0, 2e8),
    "capital__screen": st.floats(0.05, 1.0),
    "capital__commitments": st.floats(0.0, 0.5),
    "capital__deployment": st.floats(0.05, 1.0),
    "behaviour__action_constants__found": st.floats(-4.0, 0.0),
    "firms__relocation_search": st.floats(0.0, 0.2),
})


@settings(max_examples=8, deadline=None)
@given(overrides, st.integers(0, 2**31 - 1))
def test_money_is_conserved_and_everyone_has_one_role_every_month(kw, seed):
    m = EcosystemModel(rng=seed, scale=0.003, **kw)
    people = m.population[Founder]
    for _ in range(14):  # covers a January (commitments) and a March (demonstrations)
        m.step()
        stock = m.world.money_stock()
        assert stock == pytest.approx(m.world.ledger.expected_stock(), rel=1e-9, abs=1.0)
        role = people["role"][people.alive]
        employer = people["employer"][people.alive]
        assert np.all((employer >= 0) == (role != Role.SEARCHING))
        for r, cls in ((Role.FOUNDER, Startup), (Role.STARTUP_EMPLOYEE, Startup),
                       (Role.CORPORATE_EMPLOYEE, Factory)):
            assert np.all(m.population[cls].rows_of(employer[role == r]) >= 0)
        inv = m.population[Investor]
        assert np.all(inv["dry_powder_krw"][inv.alive] >= -1e-3)


def test_a_round_moves_money_from_an_investor_to_a_startup():
    m = EcosystemModel(rng=3, scale=0.05)
    for _ in range(3):
        m.step()
    deals = m.world.cap_table.deals
    assert deals.n_alive > 0
    inv, su = m.population[Investor], m.population[Startup]
    invested = inv["invested_krw"][inv.alive].sum()
    assert invested == pytest.approx(m.city_frame()["funding_krw"].sum(), rel=1e-9)
    # equity held by investors plus founders never exceeds the whole company
    held = np.bincount(su.rows_of(deals["startup"][deals.alive]),
                       weights=deals["equity"][deals.alive], minlength=su.size)
    assert np.all(held[su.alive] + su["founder_equity"][su.alive] <= 1 + 1e-9)


# ------------------------------------------------------------------ emergence

KOREA = {"scale": 0.02, "months": 36}


@pytest.mark.parametrize("seed", [1, 2])
def test_capital_region_gets_more_funding_than_its_share_of_startups(seed):
    m = EcosystemModel(rng=seed, **KOREA).run()
    capital = m.spec.capital_region
    startup_share = m.city_frame().groupby("month").apply(
        lambda f: f.loc[f["city"].isin(capital), "startups"].sum() / f["startups"].sum())
    assert m.capital_share_of_funding() > startup_share.mean() + 0.02


SEEDS = range(12)


@pytest.fixture(scope="module")
def reinvestment_runs():
    """Control and treatment (a KRW 500B exit in Daegu at month 12) for each seed."""
    out = []
    for seed in SEEDS:
        pair = []
        for treat in (False, True):
            m = EcosystemModel(rng=seed, scale=0.02, months=48)
            m.run(12)
            inv = m.population[Investor]
            before = np.count_nonzero(inv.alive & (inv["kind"] == InvestorKind.ANGEL)
                                      & (inv["city"] == m.cities.index("daegu")))
            if treat:
                m.inject_exit("daegu", 500e9)
            m.run(36)
            f = m.city_frame()
            daegu = f[(f["city"] == "daegu") & (f["month"] > 12)]
            angels = np.count_nonzero(inv.alive & (inv["kind"] == InvestorKind.ANGEL)
                                      & (inv["city"] == m.cities.index("daegu")))
            pair.append((daegu["angel_funding_krw"].sum(), daegu["foundings"].sum(),
                         angels - before))
        out.append(pair)
    # seeds x (control, treatment) x (angel KRW, foundings, Daegu angels added)
    return np.array(out)


def test_a_large_exit_creates_angels_where_its_founders_live(reinvestment_runs):
    assert np.all(reinvestment_runs[:, 1, 2] >= 1)
    assert reinvestment_runs[:, 1, 2].sum() > reinvestment_runs[:, 0, 2].sum()


@pytest.mark.parametrize(("metric", "column"), [("angel investment", 0), ("foundings", 1)])
def test_a_large_exit_raises_local_angel_investment_and_founding(reinvestment_runs, metric,
                                                                column):
    """Paired over 12 seeds: treatment minus control over the 36 months after the exit.

    Statistic: one-sided Wilcoxon signed-rank test on the paired differences
    (control and treatment share their seed); we require p < 0.05 and a
    positive mean difference.
    """
    diff = reinvestment_runs[:, 1, column] - reinvestment_runs[:, 0, column]
    assert diff.mean() > 0, metric
    assert stats.wilcoxon(diff, alternative="greater").pvalue < 0.05, (metric, diff)


def test_injecting_an_exit_in_a_city_without_startups_fails_clearly():
    m = EcosystemModel(rng=0, scale=0.001)
    su = m.population[Startup]
    su.remove(su.live_rows()[su["city"][su.alive] == m.cities.index("ulsan")])
    with pytest.raises(ValueError, match="'ulsan' has no startup with founders"):
        m.inject_exit("ulsan", 1e9)


def test_angels_invest_near_home():
    m = EcosystemModel(rng=4, scale=0.02, months=24)
    m.run(12)
    m.inject_exit("daegu", 500e9)
    m.run(12)
    inv = m.population[Investor]
    daegu = m.cities.index("daegu")
    angels = inv.alive & (inv["kind"] == InvestorKind.ANGEL) & (inv["city"] == daegu)
    assert angels.any() and inv["invested_krw"][angels].sum() > 0
