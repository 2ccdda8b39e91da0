"""Ageing and departures of people.

Shapes: N = rows of the founder table.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import stream, uniform
from ecosim.vocab import Departure, Phase


class Ageing(NamedTuple):
    """The founder table's columns that ageing reads and writes (N rows each).

    Attributes:
        age_months: Ages (months), incremented for live rows.
        months_in_city: Months in the current city, incremented for live rows.
        experience_months: Work experience (months), incremented for live rows
            not searching.
        alive: Live rows.
        searching: Without a position after this month's matching.
        uid: Agent ids (random-number keys), int64.
    """

    age_months: np.ndarray
    months_in_city: np.ndarray
    experience_months: np.ndarray
    alive: np.ndarray
    searching: np.ndarray
    uid: np.ndarray


class Hazards(NamedTuple):
    """Monthly departure hazards (see ``ecosim.inputs.params.Behaviour``).

    Attributes:
        retirement_age_months: Age (months) from which retirement is possible.
        retire: Monthly probability of retiring once eligible.
        emigrate: Monthly probability of emigrating.
        exit: Monthly probability that a searcher leaves technical work.
    """

    retirement_age_months: int
    retire: float
    emigrate: float
    exit: float


@kernel(parallel=True)
def age_and_depart(people, h, seed, month):
    """Age every live person one month and decide who leaves the model.

    In this order, with draws 0, 1, 2 of the AGEING stream: a person past
    ``h.retirement_age_months`` retires with probability ``h.retire``; anyone
    emigrates with probability ``h.emigrate``; a searcher without a position
    leaves technical work with probability ``h.exit``. Each row is written only
    by the iteration that owns it.

    Args:
        people: :class:`Ageing`; ages, months in city and experience are updated.
        h: :class:`Hazards`.
        seed: Run seed.
        month: Model month.

    Returns:
        (N,) int8 :class:`~ecosim.vocab.Departure` of each row.
    """
    s = stream(seed, month, Phase.AGEING)
    # One field per line, before the parallel loop: Numba's parfors lose writes
    # made through a tuple's attribute inside prange, or to an array unpacked
    # from a tuple together with others (``a, b = t.a, t.b``).
    age = people.age_months
    in_city = people.months_in_city
    experience = people.experience_months
    alive = people.alive
    searching = people.searching
    uid = people.uid
    departure = np.empty(age.shape[0], dtype=np.int8)
    for i in prange(age.shape[0]):
        departure[i] = Departure.STAYS
        if not alive[i]:
            continue
        age[i] += 1
        in_city[i] += 1
        if not searching[i]:
            experience[i] += 1
        if age[i] >= h.retirement_age_months and uniform(s, uid[i], 0) < h.retire:
            departure[i] = Departure.RETIRES
        elif uniform(s, uid[i], 1) < h.emigrate:
            departure[i] = Departure.EMIGRATES
        elif searching[i] and uniform(s, uid[i], 2) < h.exit:
            departure[i] = Departure.EXITS
    return departure


@kernel
def accrue_savings(savings, pay, alive, rate):
    """Every live person saves ``rate`` of their monthly pay (in place).

    Args:
        savings: (N,) float64 savings (KRW), increased in place.
        pay: (N,) float64 monthly pay of each person's position (KRW; 0 without one).
        alive: (N,) bool.
        rate: Share of pay saved.
    """
    for i in range(savings.shape[0]):
        if alive[i]:
            savings[i] += pay[i] * rate
