"""Deal matching: startups short of runway meet sampled investors.

Shapes: n = seekers, C = cities, R = round stages (seed, A, B, C+), I = rows of
the investor table, m = candidates per seeker.

Cost grows with seekers x candidates: each seeker samples ``m`` investors
from an alias table (:func:`alias_tables`: constant time per draw, built once a
month in time linear in I), never scanning them all.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import alias_choice, normal, stream, uniform
from ecosim.vocab import Phase


class Seekers(NamedTuple):
    """Startups seeking a round this month, in the order they meet investors (n rows).

    Attributes:
        uid: Agent ids (random-number keys), int64.
        city: City, int64.
        sector: Sector, int64.
        quality: Latent quality.
        revenue: Monthly revenue (KRW).
        round_stage: Index into ``ROUND_STAGES`` of the round each seeks, int64.
        grown_value: The last post-money grown with revenue since that round,
            ``post_money * exp(traction - round_traction)`` (KRW; 0 if none).
    """

    uid: np.ndarray
    city: np.ndarray
    sector: np.ndarray
    quality: np.ndarray
    revenue: np.ndarray
    round_stage: np.ndarray
    grown_value: np.ndarray


class Investors(NamedTuple):
    """The investor table as the deal market reads it (I rows).

    Attributes:
        accept: (R, I) alias-table acceptance probabilities of the sampling
            weights of each round stage (:func:`alias_tables`).
        alias: (R, I) int64 alias-table aliases.
        total: (R,) total sampling weight of each round stage (0: no investor to sample).
        reach: (C, I) each investor's reach to each city, in [0, 1].
        thesis: (I,) int64 sector bit masks.
        budget: (I,) float64 what each investor's pace allows it to invest now
            (KRW): it invests only while this is positive, and a round may take
            it below zero (the pace is kept on average, not per deal);
            decreased by the rounds it pays.
        dry_powder: (I,) float64 capital not yet invested (KRW), which must
            cover each round; decreased by the rounds it pays.
    """

    accept: np.ndarray
    alias: np.ndarray
    total: np.ndarray
    reach: np.ndarray
    thesis: np.ndarray
    budget: np.ndarray
    dry_powder: np.ndarray


class AliasTables(NamedTuple):
    """Alias tables of R weight vectors over I entries (what :func:`alias_tables` returns).

    Attributes:
        accept: (R, I) probability of keeping column j when j is drawn.
        alias: (R, I) int64 entry taken instead.
        total: (R,) sum of each row's weights.
    """

    accept: np.ndarray
    alias: np.ndarray
    total: np.ndarray


class Deals(NamedTuple):
    """Rounds made by :func:`match_deals` (n rows, one per seeker).

    Attributes:
        lead: int64 investor row that leads the round, -1 if none.
        amount: Round size (KRW), 0 if none.
        pre_money: Pre-money valuation (KRW), 0 if none.
    """

    lead: np.ndarray
    amount: np.ndarray
    pre_money: np.ndarray


class Market(NamedTuple):
    """The capital market's rules (``ecosim.inputs.params.Capital``, by name).

    Attributes:
        log_min: Log smallest round (KRW) by round stage, (R,).
        log_max: Log largest round (KRW) by round stage, (R,).
        bar: Observed quality required by round stage, (R,).
        candidates: Investors approached per seeker.
        screen: Screening probability with a sector fit.
        sector_fit: Fit multiplier (a non-fit is screened with ``screen / sector_fit``).
        observation_sd: Investors' error on quality.
        dilution: Share sold at the round-based valuation.
        arr_multiple: Valuation multiple of yearly revenue.
        valuation_quality: Elasticity of the valuation to observed quality above the bar.
    """

    log_min: object
    log_max: object
    bar: object
    candidates: int
    screen: float
    sector_fit: float
    observation_sd: float
    dilution: float
    arr_multiple: float
    valuation_quality: float


@kernel
def alias_tables(weights):
    """Alias tables (Walker 1977; Vose 1991) of each row of ``weights`` (R, I), weights >= 0.

    Entry j of row r is then drawn with probability ``weights[r, j] / total[r]``
    by :func:`ecosim.kernels.rng.alias_choice` in constant time. Vose's
    construction: scaled weights ``I w / total`` below 1 ("small") are topped up
    from one above 1 ("large"), each small entry once; linear in I. Rows with a
    total of 0 are left empty (nothing to draw). Entries whose weight is 0 are
    never drawn: their acceptance is 0 and their alias has positive weight.

    Args:
        weights: (R, I) non-negative weights.

    Returns:
        :class:`AliasTables`.
    """
    n_rows = weights.shape[0]
    n = weights.shape[1]
    accept = np.zeros((n_rows, n))
    alias = np.zeros((n_rows, n), dtype=np.int64)
    total = np.zeros(n_rows)
    scaled = np.empty(n)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    for r in range(n_rows):
        t = 0.0
        for j in range(n):
            t += weights[r, j]
        total[r] = t
        if t <= 0.0:
            continue
        n_small = 0
        n_large = 0
        for j in range(n):
            scaled[j] = weights[r, j] * n / t
            alias[r, j] = j
            if scaled[j] < 1.0:
                small[n_small] = j
                n_small += 1
            else:
                large[n_large] = j
                n_large += 1
        last = large[0] if n_large > 0 else 0  # an entry of positive weight
        while n_small > 0 and n_large > 0:
            n_small -= 1
            a = small[n_small]
            b = large[n_large - 1]
            last = b
            accept[r, a] = scaled[a]
            alias[r, a] = b
            scaled[b] = (scaled[b] + scaled[a]) - 1.0
            if scaled[b] < 1.0:
                n_large -= 1
                small[n_small] = b
                n_small += 1
        while n_large > 0:
            n_large -= 1
            accept[r, large[n_large]] = 1.0
        while n_small > 0:  # rounding left these a hair below 1: keep them (if not empty)
            n_small -= 1
            a = small[n_small]
            if weights[r, a] > 0.0:
                accept[r, a] = 1.0
            else:
                alias[r, a] = last
    return AliasTables(accept, alias, total)


@kernel
def match_deals(seekers, investors, mk, seed, month):
    """Match seekers with investors, one seeker at a time, in the given order.

    For seeker i raising a round of stage r (draw numbers in brackets):

    1. ``candidates`` investors sampled with the stage's weights (alias table,
       :func:`alias_tables`) [1..m];
    2. each candidate screens the startup with probability ``screen`` (sector
       in its thesis) or ``screen / sector_fit``, times its reach to the
       startup's city (distance decay: nearer startups are screened more often;
       Sorenson & Stuart 2001) [100 + k], then sees quality
       with noise [200 + k] and, if it clears the stage's bar, offers a round
       whose size rises with what it saw: the stage's smallest size times
       (largest / smallest) ** Phi(seen - bar), Phi the standard normal
       distribution function (its logistic approximation 1 / (1 + exp(-1.702 x))),
       provided its pace allows (budget > 0) and its dry powder covers it. The pre-money
       valuation offered is the largest of the round-based one,
       ``size * (1 - dilution) / dilution * exp(valuation_quality * (seen - bar))``,
       ``arr_multiple`` times yearly revenue, and the last post-money grown
       with revenue since (an up round for a growing firm);
    3. the startup takes the offer with the highest pre-money valuation
       (first such candidate on ties); that investor's dry powder pays the
       round, and its budget is charged (it may go below zero).

    Sequential, so an investor's budget is never spent twice.

    Args:
        seekers: :class:`Seekers`.
        investors: :class:`Investors`; its ``budget`` and ``dry_powder`` are
            decreased by the rounds made.
        mk: :class:`Market`.
        seed: Run seed.
        month: Model month.

    Returns:
        :class:`Deals`.
    """
    uid = seekers.uid
    city = seekers.city
    sector = seekers.sector
    quality = seekers.quality
    accept = investors.accept
    alias = investors.alias
    total = investors.total
    reach = investors.reach
    thesis = investors.thesis
    budget = investors.budget
    dry = investors.dry_powder
    n = uid.shape[0]
    lead = np.full(n, -1, dtype=np.int64)
    amount = np.zeros(n)
    pre_money = np.zeros(n)
    s = stream(seed, month, Phase.FUNDRAISING)
    for i in range(n):
        r = seekers.round_stage[i]
        if total[r] <= 0.0:
            continue
        accept_r = accept[r]
        alias_r = alias[r]
        best = -1.0
        best_j = -1
        best_size = 0.0
        for k in range(mk.candidates):
            j = alias_choice(accept_r, alias_r, s, uid[i], 1 + k)
            p = mk.screen * reach[city[i], j]
            if (thesis[j] >> sector[i]) & 1 == 0:
                p = p / mk.sector_fit
            if uniform(s, uid[i], 100 + k) >= p:
                continue
            # float(): a float32 input must not make the reference body compute in float32
            seen = float(quality[i]) + mk.observation_sd * normal(s, uid[i], 200 + k)
            if seen < mk.bar[r]:
                continue
            # logistic approximation of the normal CDF (exp is libm's in both backends)
            phi = 1.0 / (1.0 + math.exp(-1.702 * (seen - mk.bar[r])))
            size = math.exp(mk.log_min[r] + phi * (mk.log_max[r] - mk.log_min[r]))
            if budget[j] <= 0.0 or dry[j] < size:
                continue
            value = (size * (1.0 - mk.dilution) / mk.dilution
                     * math.exp(mk.valuation_quality * (seen - mk.bar[r])))
            value = max(value, mk.arr_multiple * 12.0 * seekers.revenue[i],
                        seekers.grown_value[i])
            if value > best:
                best = value
                best_j = j
                best_size = size
        if best_j >= 0:
            budget[best_j] -= best_size
            dry[best_j] -= best_size
            lead[i] = best_j
            amount[i] = best_size
            pre_money[i] = best
    return Deals(lead, amount, pre_money)
