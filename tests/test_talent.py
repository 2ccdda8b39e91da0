"""Talent: ties, career and location choice, job matching, and what emerges from them."""

import math

import numpy as np
import pytest

from ecosim import EcosystemModel
from ecosim.inputs.worlds import symmetric_world
from ecosim.kernels import talent
from ecosim.kernels.talent import Applicants, Network, Openings, Places, Searchers
from ecosim.phases.labour import ChoiceWeights
from ecosim.state.agents import TIE_SLOTS, Founder
from ecosim.state.network import ring_ties
from ecosim.testing import assert_backends_agree
from ecosim.vocab import Action

C, A, S = 5, 4, 3


def random_choice_inputs(seed, n=400):
    g = np.random.default_rng(seed)
    city = g.integers(0, C, n)
    current = np.where(g.random(n) < 0.5, city * A + g.integers(0, A, n), -1)
    who = Searchers(
        uid=g.permutation(n).astype(np.int64) * 7 + 3,
        city=city,
        home=g.integers(0, C, n),
        alma=np.where(g.random(n) < 0.5, g.integers(0, C, n), -1),
        sector=g.integers(0, S, n),
        current=current.astype(np.int64),
        research_ok=g.random(n) < 0.4,
        found_ok=g.random(n) < 0.6,
        serial=g.random(n) < 0.1,
        ties=g.integers(0, 5, (n, C)).astype(np.float64),
    )
    travel = g.random((C, C)) * 3
    travel = travel + travel.T
    np.fill_diagonal(travel, 0)
    where = Places(
        log_wage=np.log(4e6) + g.normal(0, 0.1, (C, S, A)),
        log_open=g.random((C, A)) * 8,
        log_investor=g.random(C) * 5,
        amenity=g.random(C),
        log_cost=np.log(0.6 + 0.4 * g.random(C)),
        travel=travel,
        incentive=g.normal(0, 0.2, (C, A)),
        constant=g.normal(0, 1, A),
    )
    w = ChoiceWeights(*(g.random(len(ChoiceWeights._fields)) + 0.1))
    return who, where, w


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_choice_kernel_agrees_across_backends(seed):
    who, where, w = random_choice_inputs(seed)
    choice, _ = assert_backends_agree(talent.choose_careers, who, where, w, seed, 9)
    assert np.all((choice >= 0) & (choice < C * A))
    # research posts and founding only for those allowed to take them
    assert not np.any((choice % A == Action.RESEARCH) & ~who.research_ok)
    assert not np.any((choice % A == Action.FOUND) & ~who.found_ok)


def test_choice_follows_the_utility():
    who, where, w = random_choice_inputs(5, n=20_000)
    w = w._replace(amenity=1.0)
    base = talent.choose_careers(who, where, w, 1, 1)
    # raise one city's amenity: more searchers choose it, and nothing else changes
    richer = where._replace(amenity=where.amenity + np.eye(C)[2] * 1.0)
    more = talent.choose_careers(who, richer, w, 1, 1)
    assert np.count_nonzero(more // A == 2) > np.count_nonzero(base // A == 2) * 1.5
    # with the same noise, a searcher who chose city 2 before still does
    assert np.all(more[base // A == 2] // A == 2)


def test_matching_hires_the_most_skilled_into_the_open_positions():
    # market 0 has 2 positions (employers 100, 101), market 1 none, market 2 one
    choice = np.array([0, 0, 0, 1, 2, 2, 0], dtype=np.int64)
    current = np.array([-1, -1, -1, -1, -1, 2, 0], dtype=np.int64)  # row 5, 6 already there
    skill = np.array([0.1, 2.0, 1.0, 5.0, -1.0, 9.0, 9.0], dtype=np.float32)
    market_start = np.array([0, 2, 2, 3], dtype=np.int64)
    slots = np.array([100, 101, 102], dtype=np.int64)
    hired, _ = assert_backends_agree(talent.match_jobs, Applicants(choice, current, skill),
                                     Openings(market_start, slots))
    assert hired.tolist() == [-1, 100, 101, -1, 102, -1, -1]


@pytest.mark.parametrize("seed", [0, 1])
def test_matching_agrees_across_backends_on_random_markets(seed):
    g = np.random.default_rng(seed)
    n, markets = 3000, C * A
    choice = g.integers(0, markets, n).astype(np.int64)
    current = np.where(g.random(n) < 0.2, choice, -1).astype(np.int64)
    skill = g.normal(size=n).astype(np.float32)
    open_n = g.integers(0, 60, markets)
    start = np.r_[0, np.cumsum(open_n)].astype(np.int64)
    slots = g.integers(0, 10**6, start[-1]).astype(np.int64)
    hired, _ = assert_backends_agree(talent.match_jobs, Applicants(choice, current, skill),
                                     Openings(start, slots))
    for m in range(markets):
        applicants = (choice == m) & (choice != current)
        got = hired[applicants] >= 0
        assert got.sum() == min(open_n[m], applicants.sum())
        if got.any() and (~got).any():  # everyone hired is at least as skilled as the rest
            assert skill[applicants][got].min() >= skill[applicants][~got].max()


def test_ties_kernels_agree_and_count_only_the_living():
    g = np.random.default_rng(4)
    n = 500
    ties = np.full((n, TIE_SLOTS), -1, np.int64)
    added = np.zeros(n, np.int32)
    uid = np.arange(n, dtype=np.int64) + 1000
    a, b = g.integers(0, n, 3000), g.integers(0, n, 3000)
    row_of_uid = np.full(n + 1000, -1, np.int64)
    row_of_uid[uid] = np.arange(n)
    alive = g.random(n) < 0.7
    city = g.integers(0, C, n)
    net = Network(ties, added, uid, row_of_uid, alive, city)
    _, (net, *_) = assert_backends_agree(talent.add_ties, net, a, b)
    ties, added = net.ties, net.ties_added
    assert added.sum() == 2 * np.count_nonzero(a != b)
    rows = np.flatnonzero(alive)
    counts, _ = assert_backends_agree(talent.count_ties_by_city, net, rows, C)
    for j, r in enumerate(rows[:50]):
        known = [row_of_uid[u] for u in ties[r] if u >= 0]
        want = np.bincount([city[q] for q in known if alive[q]], minlength=C)
        np.testing.assert_array_equal(counts[j], want)


def test_ring_ties_give_everyone_their_ties_within_the_group():
    m = EcosystemModel(rng=0, scale=0.001)
    people = m.population[Founder]
    rows = people.add(40, city=0)
    people["ties"][rows] = -1
    people["ties_added"][rows] = 0
    groups = np.repeat([0, 1], 20)
    ring_ties(m.world, rows, groups, 4)
    assert np.all(people["ties_added"][rows] == 4)
    for r, grp in zip(rows, groups, strict=True):
        friends = people.rows_of(people["ties"][r][people["ties"][r] >= 0])
        assert set(groups[np.searchsorted(rows, friends)]) == {grp}
        assert r not in friends


# ------------------------------------------------------------------ emergence

def _talent_share_bound(total, n_cities, sigmas=5.0):
    """Largest deviation of a city's talent share from 1/C we call noise.

    If every person's city were an independent draw with p = 1/C (the most
    mixing any symmetric dynamics can produce), a city's share would have
    standard deviation sqrt(p (1 - p) / N). Migration moves only a fraction of
    people, so real noise is smaller; feedback (ties, density wages) that
    amplified it into a pull would show as a larger deviation. Five standard
    deviations: a false alarm has probability below 1e-6 per city.
    """
    p = 1.0 / n_cities
    return sigmas * math.sqrt(p * (1 - p) / total)


@pytest.mark.parametrize("seed", [1, 2])
def test_symmetric_world_shows_no_pull(seed):
    n = 4
    m = EcosystemModel(symmetric_world(n), rng=seed, scale=0.05, months=60).run()
    talent_now = m.last_metrics["talent"].astype(float)
    bound = _talent_share_bound(talent_now.sum(), n)
    assert bound < 0.02  # the test is sharp enough to mean something
    assert np.abs(talent_now / talent_now.sum() - 1 / n).max() < bound
    assert m.flow_frame()["movers"].sum() > 100  # people did move


KOREA = {"scale": 0.02, "months": 36}
AGGLOMERATION_OFF = {
    "behaviour__w_open": 0.0,
    "behaviour__w_ties": 0.0,
    "behaviour__w_investor": 0.0,
    "behaviour__density_wage_elasticity": 0.0,
}


@pytest.fixture(scope="module")
def korea_runs():
    runs = {}
    for seed in (1, 2):
        runs[("default", seed)] = EcosystemModel(rng=seed, **KOREA).run()
        runs[("ablated", seed)] = EcosystemModel(rng=seed, **KOREA, **AGGLOMERATION_OFF).run()
    return runs


@pytest.mark.parametrize("seed", [1, 2])
def test_capital_region_draws_net_inflow_from_every_region(korea_runs, seed):
    m = korea_runs[("default", seed)]
    net = m.capital_net_inflow()
    assert set(net.index) == set(m.cities.names) - set(m.spec.capital_region)
    assert (net > 0).all(), net.to_dict()


@pytest.mark.parametrize("seed", [1, 2])
def test_switching_off_agglomeration_halves_the_capital_pull(korea_runs, seed):
    default = korea_runs[("default", seed)].capital_net_inflow().sum()
    ablated = korea_runs[("ablated", seed)].capital_net_inflow().sum()
    assert default > 0
    assert ablated <= 0.5 * default, (default, ablated)


def test_retention_is_measured_one_year_after_graduation(korea_runs):
    r = korea_runs[("default", 1)].retention_frame()
    assert set(r["horizon_months"]) == {12}  # 36 months: only 1-year horizons complete
    assert (r["retained"] <= r["present"]).all() and (r["present"] <= r["cohort"]).all()
    assert (r["employed_in_capital"] <= r["employed"]).all()
    kaist = r[r["institute"] == "KAIST"]
    assert len(kaist) == 2 and kaist["cohort"].gt(0).all()  # February 2020 and 2021 cohorts
