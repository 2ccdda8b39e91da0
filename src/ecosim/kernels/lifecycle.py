"""Ageing and retirement of people.

Shapes: n = rows of the founder table.
"""

from __future__ import annotations

from numba import prange

from ecosim.kernels._jit import kernel
from ecosim.kernels.rng import Phase, stream, uniform

_AGEING = int(Phase.AGEING)


@kernel(parallel=True)
def age_and_retire(age_months, alive, uid, seed, month, retirement_age_months, monthly_hazard,
                   retired):
    """Age every live person one month; mark who retires this month.

    A person past ``retirement_age_months`` retires with probability
    ``monthly_hazard`` (draw 0 of the AGEING stream). Each row is written only
    by the iteration that owns it.

    Args:
        age_months: (n,) int ages in months, incremented in place for live rows.
        alive: (n,) bool mask of live rows.
        uid: (n,) int64 agent ids (random-number keys).
        seed: Run seed (random-number key).
        month: Model month (random-number key).
        retirement_age_months: Age (months) from which retirement is possible.
        monthly_hazard: Probability of retiring in a month once eligible.
        retired: (n,) bool output; True where the person retires.
    """
    s = stream(seed, month, _AGEING)
    for i in prange(age_months.shape[0]):
        retired[i] = False
        if alive[i]:
            age_months[i] += 1
            if age_months[i] >= retirement_age_months:
                if uniform(s, uid[i], 0) < monthly_hazard:
                    retired[i] = True
