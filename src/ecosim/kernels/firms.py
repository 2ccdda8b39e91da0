"""Startup kernels: monthly progress, settlement, head-office relocation, demonstrations.

Shapes: F = rows of the startup table, n = candidates, C = cities, S = sectors,
P = rows of the factory table.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import prange

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import choice, gumbel, laplace, stream, uniform
from ecosim.vocab import Outcome, Phase, Stage


class Startups(NamedTuple):
    """The startup table's columns as the kernels read and write them (F rows each).

    Views over the table: a kernel's writes (traction, revenue, cash, months
    since the last round) reach the table.

    Attributes:
        alive: Live rows, bool.
        uid: Agent ids (random-number keys), int64.
        stage: :class:`~ecosim.vocab.Stage`.
        rounds: Funding rounds raised so far.
        founded_month: Model month of founding (<= 0: before the run).
        quality: Latent quality.
        traction: Market traction (log scale).
        revenue: Monthly revenue (KRW).
        cash: Cash (KRW).
        valuation: Valuation (KRW): max(last post-money, ``arr_multiple`` x yearly revenue).
        post_money: Post-money valuation of the last round (KRW).
        demos: Demonstrations completed.
        months_since_round: Months since the last round (or founding).
    """

    alive: np.ndarray
    uid: np.ndarray
    stage: np.ndarray
    rounds: np.ndarray
    founded_month: np.ndarray
    quality: np.ndarray
    traction: np.ndarray
    revenue: np.ndarray
    cash: np.ndarray
    valuation: np.ndarray
    post_money: np.ndarray
    demos: np.ndarray
    months_since_round: np.ndarray


class Candidates(NamedTuple):
    """Startups taking part in a matching or choice this month (n rows each).

    Attributes:
        uid: Agent ids (random-number keys), int64.
        city: Current city, int64.
        sector: Sector, int64.
    """

    uid: np.ndarray
    city: np.ndarray
    sector: np.ndarray


class Growth(NamedTuple):
    """Parameters of :func:`progress` (``ecosim.inputs.params.Firms``, by name).

    Attributes:
        traction_target: Traction a pre-seed startup of zero quality tends to.
        traction_quality: Rise of the target per unit of quality.
        traction_fit: Rise of the target per unit of local research fit.
        traction_stage: Rise of the target per funding round raised.
        traction_speed: Share of the gap to the target closed each month.
        traction_sd: Standard deviation of monthly traction shocks.
        revenue_krw: Monthly revenue at traction 0 (KRW).
        margin: Share of revenue that adds to cash (after the costs of sales).
        arr_multiple: Valuation as a multiple of yearly revenue.
        burn_per_head_krw: Monthly cash spent per paid head (KRW).
    """

    traction_target: float
    traction_quality: float
    traction_fit: float
    traction_stage: float
    traction_speed: float
    traction_sd: float
    revenue_krw: float
    margin: float
    arr_multiple: float
    burn_per_head_krw: float


class Exits(NamedTuple):
    """Parameters of :func:`settle` (``ecosim.inputs.params.Firms``, by name)."""

    acquisition_hazard: float
    demo_acquisition: float
    acquisition_premium: float
    ipo_valuation_krw: float
    ipo_hazard: float
    arr_multiple: float
    maturity_months: int
    margin: float


class Settlement(NamedTuple):
    """What :func:`settle` decides (F rows each).

    Attributes:
        outcome: int8 :class:`~ecosim.vocab.Outcome`.
        value: Exit value (KRW), 0 unless exiting.
    """

    outcome: np.ndarray
    value: np.ndarray


class Relocation(NamedTuple):
    """What each city offers a firm, and the weights, for :func:`relocate`.

    Attributes:
        log_investor: Log investor access, (C,).
        log_factories: Log(1 + factories buying from each sector), (C, S).
        log_talent: Log(1 + workers of each sector), (C, S).
        log_cost: Log cost of living, (C,).
        travel: Travel hours between cities, (C, C).
        incentive: Policy support for a head office in each city (utility), (C,).
    """

    log_investor: np.ndarray
    log_factories: np.ndarray
    log_talent: np.ndarray
    log_cost: np.ndarray
    travel: np.ndarray
    incentive: np.ndarray


class Hosts(NamedTuple):
    """Factories offering demonstration slots (P rows of the factory table).

    Attributes:
        cum_weights: (C, S, P) cumulative sampling weights over factory rows
            (proximity times relevance to the sector).
        slots: (P,) int slots left, decremented as they are taken.
        uid: (P,) int64 factory ids.
    """

    cum_weights: np.ndarray
    slots: np.ndarray
    uid: np.ndarray


@kernel(parallel=True)
def progress(su, fit, paid_heads, g, seed, month):
    """One month of a startup's life: traction moves, revenue comes in, cash burns.

    Traction moves a share ``traction_speed`` of the way to its target
    ``traction_target + traction_quality * quality + traction_fit * fit +
    traction_stage * rounds`` plus a heavy-tailed shock ``traction_sd *
    Laplace(0, 1)`` (unit variance; draw 0 of the PROGRESS stream): each round
    raises what the firm can grow to. Monthly revenue is ``revenue_krw *
    exp(traction)``, of which ``margin`` adds to cash; burn is paid heads
    times the burn per head. The valuation
    is the larger of the last round's post-money and ``arr_multiple`` times
    yearly revenue, so it rises between rounds as the business grows.

    Args:
        su: :class:`Startups`; traction, revenue, cash, valuation and months
            since the last round are updated.
        fit: (F,) research fit of each startup's sector in its city.
        paid_heads: (F,) staff on full pay (founders count at their share).
        g: :class:`Growth`.
        seed: Run seed.
        month: Model month.

    Returns:
        (F,) float64: cash spent this month (KRW), 0 for dead rows.
    """
    s = stream(seed, month, Phase.PROGRESS)
    # One field per line, before the parallel loop: Numba's parfors lose writes
    # made through a tuple's attribute inside prange, or to an array unpacked
    # from a tuple together with others (``a, b = t.a, t.b``).
    alive = su.alive
    uid = su.uid
    rounds = su.rounds
    quality = su.quality
    traction = su.traction
    revenue = su.revenue
    cash = su.cash
    valuation = su.valuation
    post_money = su.post_money
    since = su.months_since_round
    burn_out = np.zeros(alive.shape[0])
    for i in prange(alive.shape[0]):
        if not alive[i]:
            continue
        target = (g.traction_target + g.traction_quality * float(quality[i])
                  + g.traction_fit * float(fit[i]) + g.traction_stage * float(rounds[i]))
        step = (g.traction_speed * (target - traction[i])
                + g.traction_sd * laplace(s, uid[i], 0))
        traction[i] += step
        revenue[i] = g.revenue_krw * math.exp(traction[i])
        valuation[i] = max(post_money[i], g.arr_multiple * 12.0 * revenue[i])
        burn = paid_heads[i] * g.burn_per_head_krw
        burn_out[i] = burn
        cash[i] += g.margin * revenue[i] - burn
        since[i] += 1
    return burn_out


@kernel(parallel=True)
def settle(su, burn, x, seed, month):
    """Decide each startup's fate this month: continue, die, be acquired, go public or mature.

    A startup whose cash is negative dies. Otherwise, at Series A or later with
    positive traction, it is acquired with probability ``acquisition_hazard``
    (times ``demo_acquisition`` after a demonstration; draw 0); at Series C+
    with a value of at least ``ipo_valuation_krw`` it goes public with
    probability ``ipo_hazard`` (draw 1). The exit value is the larger of the
    last valuation and ``arr_multiple`` times yearly revenue; an acquirer pays
    ``acquisition_premium`` on it. A startup older than ``maturity_months``
    whose earnings (``margin`` x revenue) cover its burn and that is valued
    below the IPO threshold matures: it is an established firm now, no longer
    a startup.

    Args:
        su: :class:`Startups` (read only).
        burn: (F,) monthly cash spent (KRW) at the current headcount.
        x: :class:`Exits`.
        seed: Run seed.
        month: Model month.

    Returns:
        :class:`Settlement`.
    """
    s = stream(seed, month, Phase.SETTLEMENT)
    alive = su.alive
    uid = su.uid
    stage = su.stage
    founded = su.founded_month
    cash = su.cash
    traction = su.traction
    revenue = su.revenue
    valuation = su.valuation
    demos = su.demos
    n = alive.shape[0]
    outcome = np.empty(n, dtype=np.int8)
    value = np.zeros(n)
    for i in prange(n):
        outcome[i] = Outcome.CONTINUES
        if not alive[i]:
            continue
        if cash[i] < 0.0:
            outcome[i] = Outcome.DIES
            continue
        worth = max(valuation[i], x.arr_multiple * 12.0 * revenue[i])
        if stage[i] >= Stage.SERIES_A and traction[i] > 0.0:
            p = x.acquisition_hazard * (x.demo_acquisition if demos[i] > 0 else 1.0)
            if uniform(s, uid[i], 0) < p:
                outcome[i] = Outcome.ACQUIRED
                value[i] = worth * x.acquisition_premium
                continue
        if stage[i] >= Stage.SERIES_C_PLUS and worth >= x.ipo_valuation_krw:
            if uniform(s, uid[i], 1) < x.ipo_hazard:
                outcome[i] = Outcome.IPO
                value[i] = worth
                continue
        if (month - founded[i] >= x.maturity_months and x.margin * revenue[i] >= burn[i]
                and worth < x.ipo_valuation_krw):
            outcome[i] = Outcome.MATURES
    return Settlement(outcome, value)


@kernel(parallel=True)
def relocate(firms, r, w, seed, month):
    """Firm-level random-utility choice of a head-office city for each candidate.

    Utility of city c for a firm of sector s now in city h::

        w.investor * log_investor[c] + w.factories * log_factories[c, s]
        + w.talent * log_talent[c, s] - w.cost * log_cost[c] + incentive[c]
        - (w.move + w.travel * travel[h, c]) [c != h]
        + Gumbel noise (draw c of the RELOCATION stream)

    Args:
        firms: :class:`Candidates`.
        r: :class:`Relocation`.
        w: The relocation weights, a named tuple with one field per
            ``w_reloc_*`` field of the scenario's firms section, named without
            the prefix (``ecosim.phases.firms.relocation_weights``).
        seed: Run seed.
        month: Model month.

    Returns:
        (n,) int64: the chosen city of each firm (its current city to stay).
    """
    s = stream(seed, month, Phase.RELOCATION)
    uid = firms.uid
    city = firms.city
    sectors = firms.sector
    new_city = np.empty(uid.shape[0], dtype=np.int64)
    for i in prange(uid.shape[0]):
        h = city[i]
        sector = sectors[i]
        best = -math.inf
        best_c = h
        for c in range(r.log_cost.shape[0]):
            u = (w.investor * r.log_investor[c] + w.factories * r.log_factories[c, sector]
                 + w.talent * r.log_talent[c, sector] - w.cost * r.log_cost[c] + r.incentive[c])
            if c != h:
                u -= w.move + w.travel * r.travel[h, c]
            u += gumbel(s, uid[i], c)
            if u > best:
                best = u
                best_c = c
        new_city[i] = best_c
    return new_city


@kernel
def match_demonstrations(applicants, hosts, seed, month):
    """Each applicant asks one factory for a demonstration slot; first come, first served.

    Applicants are taken in the order given; each samples one factory from
    ``hosts.cum_weights[city, sector]`` (draw 0 of the DEMONSTRATION stream)
    and takes a slot if one is left.

    Args:
        applicants: :class:`Candidates`.
        hosts: :class:`Hosts`; its ``slots`` are decremented.
        seed: Run seed.
        month: Model month.

    Returns:
        (n,) int64: the hosting factory's uid, -1 if none.
    """
    s = stream(seed, month, Phase.DEMONSTRATION)
    partner = np.full(applicants.uid.shape[0], -1, dtype=np.int64)
    for i in range(applicants.uid.shape[0]):
        w = hosts.cum_weights[applicants.city[i], applicants.sector[i]]
        if w[w.shape[0] - 1] <= 0.0:
            continue
        j = choice(w, s, applicants.uid[i], 0)
        if hosts.slots[j] > 0:
            hosts.slots[j] -= 1
            partner[i] = hosts.uid[j]
    return partner
