"""Talent kernels: ties, career and location choice, job matching.

Shapes: N = rows of the founder table, K = tie slots, n = searchers,
C = cities, A = actions (startup job, corporate job, research, found),
S = sectors, M = markets (C * A), P = open positions.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import prange

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import gumbel, stream, uniform
from ecosim.vocab import Action, Phase, Role

_NEG_INF = -np.inf


class Network(NamedTuple):
    """The founder table's tie columns (N rows each; views, so writes reach the table).

    Attributes:
        ties: (N, K) int64 uids of each person's ties (-1: empty slot).
        ties_added: (N,) int ties ever added (the next ring slot is this mod K).
        uid: (N,) int64 each row's uid.
        row_of_uid: (U,) int64 row of each uid (-1: not a live person).
        alive: (N,) bool.
        city: (N,) int city of each row.
    """

    ties: np.ndarray
    ties_added: np.ndarray
    uid: np.ndarray
    row_of_uid: np.ndarray
    alive: np.ndarray
    city: np.ndarray


class Searchers(NamedTuple):
    """The people choosing this month (n rows each).

    Attributes:
        uid: Agent ids (random-number keys), int64.
        city: Current city, int.
        home: Home city, int.
        alma: City of the alma mater (-1: none), int.
        sector: Sector of expertise, int.
        current: Index of the current alternative, ``city * A + action``
            (-1: no position, so no status quo), int64.
        research_ok: May take a research post (a graduate degree or a researcher), bool.
        found_ok: May found a company (enough experience, a PhD, or a researcher), bool.
        serial: Has founded a company that exited, bool.
        ties: Ties living in each city, float64 (n, C).
    """

    uid: np.ndarray
    city: np.ndarray
    home: np.ndarray
    alma: np.ndarray
    sector: np.ndarray
    current: np.ndarray
    research_ok: np.ndarray
    found_ok: np.ndarray
    serial: np.ndarray
    ties: np.ndarray


class Places(NamedTuple):
    """What each (city, action) offers this month.

    Attributes:
        log_wage: Log monthly wage (KRW), float64 (C, S, A).
        log_open: Log(1 + open positions at full scale), float64 (C, A).
        log_investor: Log investor access relative to the mean city, float64 (C,).
        amenity: Amenity index, float64 (C,).
        log_cost: Log cost of living, float64 (C,).
        travel: Travel time between cities (hours), float64 (C, C).
        incentive: Policy incentive (utility), float64 (C, A).
        constant: Alternative-specific constant by action, float64 (A,).
    """

    log_wage: np.ndarray
    log_open: np.ndarray
    log_investor: np.ndarray
    amenity: np.ndarray
    log_cost: np.ndarray
    travel: np.ndarray
    incentive: np.ndarray
    constant: np.ndarray


class Applicants(NamedTuple):
    """This month's searchers as the job market sees them (n rows each).

    Attributes:
        choice: Chosen market ``city * A + action``, int64.
        current: Current alternative (-1: no position), int64.
        skill: Skill (applicants are ranked by it).
    """

    choice: np.ndarray
    current: np.ndarray
    skill: np.ndarray


class Openings(NamedTuple):
    """Open positions as slots, grouped by market (M markets, P positions).

    Attributes:
        market_start: (M + 1,) int64 offsets into ``employer``: market m's
            slots are ``employer[market_start[m]:market_start[m + 1]]``, in the
            order employers fill them.
        employer: (P,) int64 employer uid of each open position.
    """

    market_start: np.ndarray
    employer: np.ndarray


@kernel
def pick_searchers(role, alive, uid, on_the_job, seed, month):
    """Rows of this month's searchers, ascending.

    Everyone live without a position (``Role.SEARCHING``) searches; so does an
    employed person other than a founder whose draw 0 of the SEARCH stream is
    below ``on_the_job`` (drawn only for them).

    Args:
        role: (N,) int :class:`~ecosim.vocab.Role`.
        alive: (N,) bool.
        uid: (N,) int64 uids (random-number keys).
        on_the_job: Monthly probability that an employed person searches.
        seed: Run seed.
        month: Model month.

    Returns:
        (n,) int64 rows.
    """
    s = stream(seed, month, Phase.SEARCH)
    out = np.empty(role.shape[0], dtype=np.int64)
    n = 0
    for i in range(role.shape[0]):
        if not alive[i]:
            continue
        r = role[i]
        if r == Role.SEARCHING or (r != Role.FOUNDER and uniform(s, uid[i], 0) < on_the_job):
            out[n] = i
            n += 1
    return out[:n].copy()


@kernel
def add_ties(net, a_rows, b_rows):
    """Add a symmetric tie for each pair (a_rows[j], b_rows[j]).

    Each side writes the other's uid into its ring of K slots, replacing the
    oldest tie when full. Sequential: a row may appear in several pairs.

    Args:
        net: :class:`Network`; ``ties`` and ``ties_added`` are modified in place.
        a_rows: (E,) int rows.
        b_rows: (E,) int rows.
    """
    ties = net.ties
    added = net.ties_added
    uid = net.uid
    k = ties.shape[1]
    for j in range(a_rows.shape[0]):
        a = a_rows[j]
        b = b_rows[j]
        if a == b:
            continue
        ties[a, added[a] % k] = uid[b]
        added[a] += 1
        ties[b, added[b] % k] = uid[a]
        added[b] += 1


@kernel(parallel=True)
def count_ties_by_city(net, rows, n_cities):
    """For each person in ``rows``, count their living ties in each city.

    Args:
        net: :class:`Network`.
        rows: (n,) founder rows.
        n_cities: C.

    Returns:
        (n, C) float64: ties of each person living in each city.
    """
    out = np.zeros((rows.shape[0], n_cities))
    ties = net.ties
    row_of_uid = net.row_of_uid
    alive = net.alive
    city = net.city
    for j in prange(rows.shape[0]):
        r = rows[j]
        for k in range(ties.shape[1]):
            u = ties[r, k]
            if u < 0 or u >= row_of_uid.shape[0]:
                continue
            q = row_of_uid[u]
            if q >= 0 and alive[q]:
                out[j, city[q]] += 1.0
    return out


@kernel(parallel=True)
def choose_careers(who, where, w, seed, month):
    """Random-utility choice of (city, action) for every searcher.

    Utility of alternative (c, a) for searcher i::

        w.wage * log_wage[c, sector_i, a] + w.open * log_open[c, a]  (w.scene for founding)
        + w.ties * log(1 + ties_i[c]) + w.investor * log_investor[c]  (founding)
        + w.amenity * amenity[c] - w.cost * log_cost[c] + constant[a] + incentive[c, a]
        - (w.move + w.travel * travel[city_i, c])  if c != city_i
        + w.home [c == home_i] + w.alma [c == alma_i] + w.stay [(c, a) is the current position]
        + w.serial [a is founding and i is a serial founder]
        + Gumbel noise (draw c * A + a of the CAREER stream)

    Research posts are open only to searchers with ``research_ok``; founding
    only to those with ``found_ok``.

    Args:
        who: :class:`Searchers`.
        where: :class:`Places`.
        w: The choice weights, a named tuple with one field per ``w_*`` field
            of the scenario's behaviour section, named without the prefix
            (``ecosim.phases.labour.choice_weights``).
        seed: Run seed.
        month: Model month.

    Returns:
        (n,) int64: the chosen ``c * A + a`` of each searcher.
    """
    s = stream(seed, month, Phase.CAREER)
    n_cities = where.log_open.shape[0]
    n_actions = where.log_open.shape[1]
    choice = np.empty(who.uid.shape[0], dtype=np.int64)
    for i in prange(who.uid.shape[0]):
        here = who.city[i]
        sector = who.sector[i]
        best = _NEG_INF
        best_alt = -1
        for c in range(n_cities):
            base = (w.ties * math.log(1.0 + who.ties[i, c]) + w.amenity * where.amenity[c]
                    - w.cost * where.log_cost[c])
            if c != here:
                base -= w.move + w.travel * where.travel[here, c]
            if c == who.home[i]:
                base += w.home
            if c == who.alma[i]:
                base += w.alma
            for a in range(n_actions):
                if a == Action.RESEARCH and not who.research_ok[i]:
                    continue
                if a == Action.FOUND and not who.found_ok[i]:
                    continue
                alt = c * n_actions + a
                w_open = w.scene if a == Action.FOUND else w.open
                u = (base + w.wage * where.log_wage[c, sector, a] + w_open * where.log_open[c, a]
                     + where.constant[a] + where.incentive[c, a])
                if a == Action.FOUND:
                    u += w.investor * where.log_investor[c]
                    if who.serial[i]:
                        u += w.serial
                if alt == who.current[i]:
                    u += w.stay
                u += gumbel(s, who.uid[i], alt)
                if u > best:
                    best = u
                    best_alt = alt
        choice[i] = best_alt
    return choice


@kernel
def match_jobs(applicants, openings):
    """Fill open positions, market by market; the most skilled applicants first.

    A market is one (city, action). Applicants to market m are those whose
    ``choice`` is m and differs from their ``current`` alternative. They are
    ranked by skill, highest first (equal skills: lower row first); the first
    ones take the market's slots in order; the rest stay unmatched.

    Only the ``k = min(slots, applicants)`` who are hired are sorted: a
    selection (``np.partition``) finds the k-th highest skill, one pass picks
    those above it and, in row order, as many of those equal to it as fit, and
    a stable sort orders the k. Cost per market: linear in its applicants plus
    k log k, instead of a sort of all of them.

    Args:
        applicants: :class:`Applicants`.
        openings: :class:`Openings`.

    Returns:
        (n,) int64: employer uid of each applicant's new position, -1 when not hired.
    """
    choice = applicants.choice
    current = applicants.current
    skill = applicants.skill
    market_start = openings.market_start
    slot_employer = openings.employer
    n = choice.shape[0]
    n_markets = market_start.shape[0] - 1
    hired = np.full(n, -1, dtype=np.int64)
    # Applicants grouped by market (counting sort), each group in row order.
    counts = np.zeros(n_markets + 1, dtype=np.int64)
    for i in range(n):
        m = choice[i]
        if m >= 0 and m != current[i]:
            counts[m + 1] += 1
    for m in range(n_markets):
        counts[m + 1] += counts[m]
    order = np.empty(counts[n_markets], dtype=np.int64)
    fill = counts[:n_markets].copy()
    for i in range(n):
        m = choice[i]
        if m >= 0 and m != current[i]:
            order[fill[m]] = i
            fill[m] += 1
    for m in range(n_markets):
        lo = counts[m]
        hi = counts[m + 1]
        slots = market_start[m + 1] - market_start[m]
        if hi == lo or slots == 0:
            continue
        g = hi - lo
        k = min(slots, g)
        rank_key = np.empty(g)  # minus skill: ascending key = descending skill
        for t in range(g):
            rank_key[t] = -float(skill[order[lo + t]])
        if k < g:
            cut = np.partition(rank_key, k - 1)[k - 1]  # the k-th highest skill
            ties = k
            for t in range(g):
                if rank_key[t] < cut:
                    ties -= 1
            chosen = np.empty(k, dtype=np.int64)
            c = 0
            for t in range(g):
                v = rank_key[t]
                if v < cut or (v == cut and ties > 0):
                    if v == cut:
                        ties -= 1
                    chosen[c] = t
                    c += 1
        else:
            chosen = np.arange(g)
        ranked = chosen[np.argsort(rank_key[chosen], kind="mergesort")]
        for r in range(k):
            hired[order[lo + ranked[r]]] = slot_employer[market_start[m] + r]
    return hired
