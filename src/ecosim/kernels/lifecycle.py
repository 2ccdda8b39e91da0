"""Ageing and departures of people.

Shapes: N = rows of the founder table.
"""

from __future__ import annotations

from numba import prange

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import Phase, stream, uniform

_AGEING = int(Phase.AGEING)

#: Departure codes written by :func:`age_and_depart`.
STAYS, RETIRES, EMIGRATES, EXITS = 0, 1, 2, 3


@kernel(parallel=True)
def age_and_depart(age_months, months_in_city, experience_months, alive, searching, uid, seed,
                   month, retirement_age_months, retire_p, emigrate_p, exit_p, departure):
    """Age every live person one month and decide who leaves the model.

    In this order, with draws 0, 1, 2 of the AGEING stream: a person past
    ``retirement_age_months`` retires with probability ``retire_p``; anyone
    emigrates with probability ``emigrate_p``; a searcher without a position
    leaves technical work with probability ``exit_p``. Each row is written only
    by the iteration that owns it.

    Args:
        age_months: (N,) int ages in months, incremented for live rows.
        months_in_city: (N,) int, incremented for live rows.
        experience_months: (N,) int, incremented for live rows not searching.
        alive: (N,) bool.
        searching: (N,) bool: without a position after this month's matching.
        uid: (N,) int64 agent ids (random-number keys).
        seed: Run seed.
        month: Model month.
        retirement_age_months: Age (months) from which retirement is possible.
        retire_p: Monthly probability of retiring once eligible.
        emigrate_p: Monthly probability of emigrating.
        exit_p: Monthly probability that a searcher leaves technical work.
        departure: (N,) int8 output: STAYS, RETIRES, EMIGRATES or EXITS.
    """
    s = stream(seed, month, _AGEING)
    for i in prange(age_months.shape[0]):
        departure[i] = STAYS
        if not alive[i]:
            continue
        age_months[i] += 1
        months_in_city[i] += 1
        if not searching[i]:
            experience_months[i] += 1
        if age_months[i] >= retirement_age_months and uniform(s, uid[i], 0) < retire_p:
            departure[i] = RETIRES
        elif uniform(s, uid[i], 1) < emigrate_p:
            departure[i] = EMIGRATES
        elif searching[i] and uniform(s, uid[i], 2) < exit_p:
            departure[i] = EXITS
