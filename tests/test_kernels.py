"""Kernels against their reference bodies; the counter-based generator."""

import math

import numpy as np
import pytest
from scipy import stats

from ecosim.kernels import KERNELS, bind, capital, counts, lifecycle, rng
from ecosim.kernels._jit import reference, select
from ecosim.testing import assert_backends_agree
from ecosim.vocab import Departure, Role

SEEDS = [0, 1, 2**63 - 1]


def _ids(n, seed):
    return np.random.default_rng(seed).integers(0, 2**62, size=n)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["fill_uniform", "fill_normal", "fill_gumbel", "fill_laplace"])
def test_rng_fills_agree_across_backends(name, seed):
    k = getattr(rng, name)
    ids = _ids(500, seed % 1000)
    out, _ = np.empty(500), None
    _, (_, _, _, _, _, out) = assert_backends_agree(k, seed, 7, 3, ids, 2, np.empty(500))
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_choice_agrees_across_backends_and_skips_zero_weights(seed):
    w = np.array([0.0, 2.0, 0.0, 1.0, 5.0, 0.0])
    ids = _ids(3000, 5)
    _, args = assert_backends_agree(rng.fill_choice, np.cumsum(w), seed, 1, 2, ids, 0,
                                    np.empty(3000, np.int64))
    picks = args[-1]
    assert set(np.unique(picks)) <= {1, 3, 4}
    counts = np.bincount(picks, minlength=6)[[1, 3, 4]]
    # chi-square goodness of fit against 2:1:5 (fails with probability 1e-4 if correct)
    assert stats.chisquare(counts, 3000 * np.array([2, 1, 5]) / 8).pvalue > 1e-4


def test_uniform_is_open_interval_and_uniform():
    out = np.empty(200_000)
    rng.fill_uniform(42, 1, 2, np.arange(200_000), 0, out)
    assert out.min() > 0.0 and out.max() < 1.0
    assert stats.kstest(out, "uniform").pvalue > 1e-4


def test_normal_and_gumbel_have_their_distributions():
    ids = np.arange(100_000)
    n, g = np.empty(100_000), np.empty(100_000)
    rng.fill_normal(3, 4, 5, ids, 0, n)
    rng.fill_gumbel(3, 4, 5, ids, 0, g)
    lap = np.empty(100_000)
    rng.fill_laplace(3, 4, 5, ids, 0, lap)
    assert stats.kstest(n, "norm").pvalue > 1e-4
    assert stats.kstest(g, "gumbel_r").pvalue > 1e-4
    assert stats.kstest(lap, "laplace", args=(0.0, 1.0 / math.sqrt(2.0))).pvalue > 1e-4


@pytest.mark.parametrize("field", ["seed", "month", "phase", "agent", "draw"])
def test_every_key_component_changes_the_draw(field):
    key = {"seed": 11, "month": 3, "phase": 2, "agent": 99, "draw": 0}
    base = reference(rng.uniform)(reference(rng.stream)(key["seed"], key["month"], key["phase"]),
                                  key["agent"], key["draw"])
    key[field] += 1
    s = reference(rng.stream)(key["seed"], key["month"], key["phase"])
    assert reference(rng.uniform)(s, key["agent"], key["draw"]) != base


def test_draws_do_not_depend_on_order():
    ids = np.arange(1000)
    a, b = np.empty(1000), np.empty(1000)
    rng.fill_uniform(5, 6, 7, ids, 0, a)
    rng.fill_uniform(5, 6, 7, ids[::-1].copy(), 0, b)
    np.testing.assert_array_equal(a, b[::-1])


def test_neighbouring_keys_are_uncorrelated():
    ids = np.arange(50_000)
    a, b = np.empty(50_000), np.empty(50_000)
    rng.fill_uniform(1, 1, 1, ids, 0, a)
    rng.fill_uniform(1, 1, 1, ids, 1, b)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.02
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.02


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_age_and_depart_agrees_across_backends(seed):
    g = np.random.default_rng(seed)
    n = 4000
    people = lifecycle.Ageing(
        age_months=g.integers(20 * 12, 70 * 12, size=n).astype(np.int32),
        months_in_city=g.integers(0, 100, size=n).astype(np.int32),
        experience_months=g.integers(0, 100, size=n).astype(np.int32),
        alive=g.random(n) < 0.8, searching=g.random(n) < 0.3,
        uid=g.permutation(n).astype(np.int64) + 1)
    departure, (after, *_) = assert_backends_agree(
        lifecycle.age_and_depart, people, lifecycle.Hazards(720, 0.3, 0.05, 0.2), seed, 5)
    alive, searching = people.alive, people.searching
    np.testing.assert_array_equal(after.age_months, np.where(alive, people.age_months + 1,
                                                             people.age_months))
    np.testing.assert_array_equal(after.months_in_city,
                                  people.months_in_city + alive.astype(np.int32))
    np.testing.assert_array_equal(after.experience_months,
                                  np.where(alive & ~searching, people.experience_months + 1,
                                           people.experience_months))
    assert not departure[~alive].any()
    assert not (departure[after.age_months < 720] == Departure.RETIRES).any()
    assert not (departure[~searching] == Departure.EXITS).any()
    eligible = alive & (after.age_months >= 720)
    # retirement share among the eligible is near the hazard (4 sigma)
    share = (departure[eligible] == Departure.RETIRES).mean()
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / eligible.sum())


def test_every_registered_kernel_has_a_reference_body():
    assert KERNELS, "no kernels registered"
    for name, k in KERNELS.items():
        assert callable(getattr(k, "py_func", None)), name
    ns = bind("python")
    assert set(vars(ns)) == {n.rsplit(".", 1)[1] for n in KERNELS}


def test_unknown_backend_is_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match=r"backend = 'cuda'.*numba, python"):
        select(rng.fill_uniform, "cuda")


# --------------------------------------------------------------------------- alias tables


def _alias_probabilities(accept, alias):
    """The exact probability of each entry that an alias table draws it with."""
    n = accept.size
    p = accept.copy()
    np.add.at(p, alias, 1.0 - accept)
    return p / n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alias_tables_agree_across_backends_and_encode_the_weights_exactly(seed):
    g = np.random.default_rng(seed)
    weights = g.lognormal(0.0, 2.0, size=(5, 300)) * (g.random((5, 300)) < 0.5)
    weights[1] = 0.0  # nothing to draw
    weights[2, :] = 0.0
    weights[2, 17] = 3.0  # a single entry
    weights[3, :] = 1.0  # all equal
    tables, _ = assert_backends_agree(capital.alias_tables, weights)
    np.testing.assert_allclose(tables.total, weights.sum(axis=1), rtol=1e-12)
    assert not tables.accept[1].any()
    for r in (0, 2, 3, 4):
        p = _alias_probabilities(tables.accept[r], tables.alias[r])
        np.testing.assert_allclose(p, weights[r] / weights[r].sum(), rtol=1e-9, atol=1e-15)
        zero = weights[r] == 0
        assert not tables.accept[r][zero].any()  # an empty entry always passes to its alias
        assert not zero[tables.alias[r]][tables.accept[r] < 1].any()  # ... which is not empty


def test_the_alias_draw_samples_the_weights():
    w = np.array([0.0, 2.0, 0.0, 1.0, 5.0, 0.0, 0.25, 7.75])
    accept, alias, total = (a[0] for a in capital.alias_tables(w[None, :]))
    n = 200_000
    picks = np.array([rng.alias_choice(accept, alias, 12345, agent, 3) for agent in range(n)])
    counts = np.bincount(picks, minlength=w.size)
    assert not counts[w == 0].any()
    # chi-square goodness of fit (fails with probability 1e-4 if the draw is right)
    keep = w > 0
    assert stats.chisquare(counts[keep], n * w[keep] / total).pvalue > 1e-4
    # the same as the cumulative-weight draw it replaced, in distribution
    cum = np.empty(n, np.int64)
    rng.fill_choice(np.cumsum(w), 12345, 1, 2, np.arange(n), 3, cum)
    old = np.bincount(cum, minlength=w.size)
    assert stats.chi2_contingency(np.stack([counts[keep], old[keep]])).pvalue > 1e-4


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize("seed", [0, 1])
def test_staff_counts_agree_across_backends_and_with_a_count_per_table(seed):
    g = np.random.default_rng(seed)
    n, tables = 5000, {"factory": 30, "institute": 8, "startup": 400}
    uids = g.permutation(4 * sum(tables.values()))
    maps, start = {}, 0
    for name, size in tables.items():
        row_of_uid = np.full(uids.size + 5, -1, np.int64)
        rows = np.flatnonzero(g.random(size) < 0.9)  # some rows removed
        row_of_uid[uids[start + rows]] = rows
        maps[name], start = row_of_uid, start + size
    employer = np.where(g.random(n) < 0.1, -1, g.choice(uids[: start + 50], n))  # some gone
    role = g.integers(0, max(Role) + 1, n).astype(np.int8)
    alive = g.random(n) < 0.9
    employers = counts.Employers(maps["factory"], maps["institute"], maps["startup"],
                                 *tables.values())
    staff, _ = assert_backends_agree(counts.count_staff, employer, role, alive, employers)

    def count(row_of_uid, size, mask):
        u = employer[mask]
        rows = np.where((u >= 0) & (u < row_of_uid.size), row_of_uid[np.maximum(u, 0)], -1)
        return np.bincount(rows[rows >= 0], minlength=size)

    np.testing.assert_array_equal(staff.factory_staff, count(maps["factory"], 30, alive))
    np.testing.assert_array_equal(staff.institute_staff, count(maps["institute"], 8, alive))
    np.testing.assert_array_equal(staff.startup_headcount, count(maps["startup"], 400, alive))
    np.testing.assert_array_equal(staff.startup_founders,
                                  count(maps["startup"], 400, alive & (role == Role.FOUNDER)))
    assert staff.startup_headcount.sum() > staff.startup_founders.sum() > 0


def test_census_agrees_across_backends_and_with_bincount():
    g = np.random.default_rng(3)
    n = 4000
    city = g.integers(0, 7, n).astype(np.int16)
    category = g.integers(-1, 7, n).astype(np.int8)  # -1 and 6 are outside [0, 6)
    alive = g.random(n) < 0.8
    out, _ = assert_backends_agree(counts.census, city, category, alive, 7, 6)
    keep = alive & (category >= 0) & (category < 6)
    want = np.bincount(city[keep].astype(np.int64) * 6 + category[keep], minlength=42)
    np.testing.assert_array_equal(out, want.reshape(7, 6))


def test_group_rows_is_a_stable_sort_of_the_live_rows_by_key():
    g = np.random.default_rng(5)
    key = g.integers(0, 7, 3000).astype(np.int16)
    alive = g.random(3000) < 0.8
    groups, _ = assert_backends_agree(counts.group_rows, key, alive, 7)
    live = np.flatnonzero(alive)
    np.testing.assert_array_equal(groups.rows, live[np.argsort(key[live], kind="stable")])
    np.testing.assert_array_equal(np.diff(groups.start), np.bincount(key[live], minlength=7))


def test_members_are_the_live_staff_of_the_chosen_employers():
    g = np.random.default_rng(6)
    uid = g.permutation(500)
    row_of_uid = np.full(600, -1, np.int64)
    row_of_uid[uid[:200]] = np.arange(200)  # 200 startups; the other uids are elsewhere
    employer = np.where(g.random(4000) < 0.1, -1, g.choice(uid, 4000))
    alive = g.random(4000) < 0.9
    chosen = g.random(200) < 0.1
    rows, _ = assert_backends_agree(counts.members, employer, alive, row_of_uid, chosen)
    want = np.flatnonzero(alive & np.isin(employer, uid[:200][chosen]))
    np.testing.assert_array_equal(rows, want)
    assert rows.size > 0


def test_savings_accrue_for_the_living_from_their_pay():
    g = np.random.default_rng(7)
    savings = g.random(1000) * 1e7
    pay = np.where(g.random(1000) < 0.2, 0.0, g.uniform(2e6, 6e6, 1000))  # 0: no position
    alive = g.random(1000) < 0.9
    _, (after, *_) = assert_backends_agree(lifecycle.accrue_savings, savings, pay, alive, 0.1)
    want = savings.copy()
    want[alive] += pay[alive] * 0.1
    np.testing.assert_array_equal(after, want)
