"""Startup kernels: monthly progress, settlement, head-office relocation, demonstrations.

Shapes: F = rows of the startup table, n = candidates, C = cities, S = sectors,
P = rows of the factory table.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from numba import prange

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import Phase, choice, gumbel, normal, stream, uniform

_PROGRESS = int(Phase.PROGRESS)
_SETTLEMENT = int(Phase.SETTLEMENT)
_RELOCATION = int(Phase.RELOCATION)
_DEMONSTRATION = int(Phase.DEMONSTRATION)

#: Outcomes written by :func:`settle`.
CONTINUES, DIES, ACQUIRED, IPO = 0, 1, 2, 3
_SERIES_A = 2
_SERIES_C_PLUS = 4


class Growth(NamedTuple):
    """Parameters of :func:`progress` (see ``ecosim.params.Firms``)."""

    target: float
    quality: float
    fit: float
    speed: float
    sd: float
    revenue_krw: float
    burn_per_head_krw: float


class Exits(NamedTuple):
    """Parameters of :func:`settle` (see ``ecosim.params.Firms``)."""

    acquisition_hazard: float
    demo_factor: float
    premium: float
    ipo_valuation_krw: float
    ipo_hazard: float
    arr_multiple: float


class Relocation(NamedTuple):
    """Weights and what each city offers a firm, for :func:`relocate`.

    Attributes:
        log_investor: Log investor access, (C,).
        log_factories: Log(1 + factories buying from each sector), (C, S).
        log_talent: Log(1 + workers of each sector), (C, S).
        log_cost: Log cost of living, (C,).
        travel: Travel hours between cities, (C, C).
        incentive: Policy support for a head office in each city (utility), (C,).
        w: Weights (investor, factories, talent, cost, move, travel), float64 (6,).
    """

    log_investor: object
    log_factories: object
    log_talent: object
    log_cost: object
    travel: object
    incentive: object
    w: object


@kernel(parallel=True)
def progress(alive, uid, quality, fit, traction, revenue, cash, paid_heads, months_since_round,
             g, seed, month, burn_out):
    """One month of a startup's life: traction moves, revenue comes in, cash burns.

    Traction moves a share ``g.speed`` of the way to its target
    ``g.target + g.quality * quality + g.fit * fit`` plus a shock ``g.sd * N(0, 1)``
    (draw 0 of the PROGRESS stream), so revenue is bounded by quality; monthly revenue is
    ``revenue_krw * exp(traction)``; burn is paid heads times the burn per head.

    Args:
        alive: (F,) bool.
        uid: (F,) int64 ids.
        quality: (F,) latent quality.
        fit: (F,) research fit of the startup's sector in its city.
        traction: (F,) float64, updated.
        revenue: (F,) float64 monthly revenue (KRW), overwritten.
        cash: (F,) float64 (KRW), updated.
        paid_heads: (F,) float staff on full pay (founders count at their share).
        months_since_round: (F,) int, incremented.
        g: :class:`Growth`.
        seed: Run seed.
        month: Model month.
        burn_out: (F,) float64 output: cash spent this month (KRW).
    """
    s = stream(seed, month, _PROGRESS)
    for i in prange(alive.shape[0]):
        burn_out[i] = 0.0
        if not alive[i]:
            continue
        target = g.target + g.quality * float(quality[i]) + g.fit * float(fit[i])
        traction[i] += g.speed * (target - traction[i]) + g.sd * normal(s, uid[i], 0)
        revenue[i] = g.revenue_krw * math.exp(traction[i])
        burn = paid_heads[i] * g.burn_per_head_krw
        burn_out[i] = burn
        cash[i] += revenue[i] - burn
        months_since_round[i] += 1


@kernel(parallel=True)
def settle(alive, uid, stage, cash, traction, revenue, valuation, demos, x, seed, month,
           outcome, value):
    """Decide each startup's fate this month: continue, die, be acquired or go public.

    A startup whose cash is negative dies. Otherwise, at Series A or later with
    positive traction, it is acquired with probability ``acquisition_hazard``
    (times ``demo_factor`` after a demonstration; draw 0); at Series C+ with a
    value of at least ``ipo_valuation_krw`` it goes public with probability
    ``ipo_hazard`` (draw 1). The exit value is the larger of the last valuation
    and ``arr_multiple`` times yearly revenue; an acquirer pays ``premium`` on it.

    Args:
        alive: (F,) bool.
        uid: (F,) int64 ids.
        stage: (F,) stage.
        cash: (F,) cash (KRW).
        traction: (F,) traction.
        revenue: (F,) monthly revenue (KRW).
        valuation: (F,) last post-money valuation (KRW).
        demos: (F,) demonstrations completed.
        x: :class:`Exits`.
        seed: Run seed.
        month: Model month.
        outcome: (F,) int8 output: CONTINUES, DIES, ACQUIRED or IPO.
        value: (F,) float64 output: exit value (KRW), 0 unless exiting.
    """
    s = stream(seed, month, _SETTLEMENT)
    for i in prange(alive.shape[0]):
        outcome[i] = CONTINUES
        value[i] = 0.0
        if not alive[i]:
            continue
        if cash[i] < 0.0:
            outcome[i] = DIES
            continue
        worth = max(valuation[i], x.arr_multiple * 12.0 * revenue[i])
        if stage[i] >= _SERIES_A and traction[i] > 0.0:
            p = x.acquisition_hazard * (x.demo_factor if demos[i] > 0 else 1.0)
            if uniform(s, uid[i], 0) < p:
                outcome[i] = ACQUIRED
                value[i] = worth * x.premium
                continue
        if stage[i] >= _SERIES_C_PLUS and worth >= x.ipo_valuation_krw:
            if uniform(s, uid[i], 1) < x.ipo_hazard:
                outcome[i] = IPO
                value[i] = worth


@kernel(parallel=True)
def relocate(uid, city, sector, r, seed, month, new_city):
    """Firm-level random-utility choice of a head-office city for each candidate.

    Utility of city c for a firm of sector s now in city h::

        w0 * log_investor[c] + w1 * log_factories[c, s] + w2 * log_talent[c, s]
        - w3 * log_cost[c] + incentive[c] - (w4 + w5 * travel[h, c]) [c != h]
        + Gumbel noise (draw c of the RELOCATION stream)

    Args:
        uid: (n,) int64 ids.
        city: (n,) current city.
        sector: (n,) sector.
        r: :class:`Relocation`.
        seed: Run seed.
        month: Model month.
        new_city: (n,) int64 output: the chosen city (== city to stay).
    """
    s = stream(seed, month, _RELOCATION)
    w = r.w
    for i in prange(uid.shape[0]):
        h = city[i]
        best = -math.inf
        best_c = h
        for c in range(r.log_cost.shape[0]):
            u = (w[0] * r.log_investor[c] + w[1] * r.log_factories[c, sector[i]]
                 + w[2] * r.log_talent[c, sector[i]] - w[3] * r.log_cost[c] + r.incentive[c])
            if c != h:
                u -= w[4] + w[5] * r.travel[h, c]
            u += gumbel(s, uid[i], c)
            if u > best:
                best = u
                best_c = c
        new_city[i] = best_c


@kernel
def match_demonstrations(uid, city, sector, cum_weights, slots, factory_uid, seed, month,
                         partner):
    """Each applicant asks one factory for a demonstration slot; first come, first served.

    Applicants are taken in the order given; each samples one factory from
    ``cum_weights[city, sector]`` (proximity times relevance of the factory's
    industry to the sector; draw 0) and takes a slot if one is left.

    Args:
        uid: (n,) int64 applicants' ids.
        city: (n,) applicants' cities.
        sector: (n,) applicants' sectors.
        cum_weights: (C, S, P) cumulative sampling weights over factory rows.
        slots: (P,) int slots left, decremented.
        factory_uid: (P,) int64 factory ids.
        seed: Run seed.
        month: Model month.
        partner: (n,) int64 output: the hosting factory's uid, -1 if none.
    """
    s = stream(seed, month, _DEMONSTRATION)
    for i in range(uid.shape[0]):
        partner[i] = -1
        w = cum_weights[city[i], sector[i]]
        if w[w.shape[0] - 1] <= 0.0:
            continue
        j = choice(w, s, uid[i], 0)
        if slots[j] > 0:
            slots[j] -= 1
            partner[i] = factory_uid[j]
