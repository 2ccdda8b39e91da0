"""Deal matching: startups short of runway meet sampled investors.

Shapes: n = seekers, C = cities, R = round stages (seed, A, B, C+), I = rows of
the investor table, m = candidates per seeker.

Cost grows with seekers x candidates: each seeker samples ``m`` investors
from a cumulative weight table (binary search, log I), never scanning them all.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import Phase, choice, normal, stream, uniform

_FUNDRAISING = int(Phase.FUNDRAISING)


class Market(NamedTuple):
    """The capital market's rules (see ``ecosim.params.Capital``).

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
def match_deals(uid, city, sector, quality, revenue, round_stage, cum_weights, reach, thesis,
                budget, mk, seed, month, lead, amount, pre_money):
    """Match seekers with investors, one seeker at a time, in the given order.

    For seeker i raising a round of stage r (draw numbers in brackets):

    1. ``candidates`` investors sampled from ``cum_weights[city_i, r]`` [1..m];
    2. each candidate screens the startup with probability ``screen`` (sector
       in its thesis) or ``screen / sector_fit``, times its reach to the
       startup's city (distance decay: nearer startups are screened more often;
       Sorenson & Stuart 2001) [100 + k], then sees quality
       with noise [200 + k] and, if it clears the stage's bar, offers a round
       whose size rises with what it saw: the stage's smallest size times
       (largest / smallest) ** Phi(seen - bar), Phi the standard normal
       distribution function (its logistic approximation 1 / (1 + exp(-1.702 x))),
       provided its budget covers it. The pre-money
       valuation offered is the larger of the round-based one,
       ``size * (1 - dilution) / dilution * exp(valuation_quality * (seen - bar))``,
       and ``arr_multiple`` times yearly revenue;
    3. the startup takes the offer with the highest pre-money valuation
       (first such candidate on ties); that investor's budget pays the round.

    Sequential, so an investor's budget is never spent twice.

    Args:
        uid: (n,) int64 seekers' ids.
        city: (n,) seekers' cities.
        sector: (n,) seekers' sectors.
        quality: (n,) seekers' latent quality.
        revenue: (n,) seekers' monthly revenue (KRW).
        round_stage: (n,) index into ROUND_STAGES of the round each seeks.
        cum_weights: (C, R, I) cumulative sampling weights over investor rows.
        reach: (C, I) each investor's reach to each city, in [0, 1].
        thesis: (I,) int64 sector bit masks.
        budget: (I,) float64 what each investor may invest now (KRW), decreased
            by the rounds it pays.
        mk: :class:`Market`.
        seed: Run seed.
        month: Model month.
        lead: (n,) int64 output: investor row that leads the round, -1 if none.
        amount: (n,) float64 output: round size (KRW), 0 if none.
        pre_money: (n,) float64 output: pre-money valuation (KRW), 0 if none.
    """
    s = stream(seed, month, _FUNDRAISING)
    for i in range(uid.shape[0]):
        lead[i] = -1
        amount[i] = 0.0
        pre_money[i] = 0.0
        r = round_stage[i]
        w = cum_weights[city[i], r]
        if w[w.shape[0] - 1] <= 0.0:
            continue
        best = -1.0
        best_j = -1
        best_size = 0.0
        for k in range(mk.candidates):
            j = choice(w, s, uid[i], 1 + k)
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
            if budget[j] < size:
                continue
            value = (size * (1.0 - mk.dilution) / mk.dilution
                     * math.exp(mk.valuation_quality * (seen - mk.bar[r])))
            value = max(value, mk.arr_multiple * 12.0 * revenue[i])
            if value > best:
                best = value
                best_j = j
                best_size = size
        if best_j >= 0:
            budget[best_j] -= best_size
            lead[i] = best_j
            amount[i] = best_size
            pre_money[i] = best
