"""People entering and leaving: yearly graduation, monthly ageing and retirement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Degree, Founder, Role
from ecosim.build import scaled_count, shares_to_probabilities
from ecosim.scenario import DEGREES

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel


def graduate(model: EcosystemModel) -> np.ndarray:
    """Add this month's graduates of every institute holding a ceremony.

    Each institute awards its yearly degrees evenly over its ceremony months.
    Graduates start searching in the institute's city, aged their degree's
    graduation age, with a sector drawn from the institute's sector shares.

    Returns:
        Graduates added per city this month, shape (C,).
    """
    s = model.spec
    rng = model.rng
    people = model.population[Founder]
    added = np.zeros(len(model.cities), dtype=np.int64)
    for row, inst in enumerate(s.institutes):
        if model.calendar_month not in inst.ceremony_months:
            continue
        c = s.city_index(inst.city)
        p = shares_to_probabilities(inst.sector_shares, s.sectors)
        per_ceremony = 1.0 / len(inst.ceremony_months)
        for d, degree in enumerate(DEGREES):
            n = scaled_count(inst.graduates.get(degree, 0) * per_ceremony, s.scale, rng)
            if n == 0:
                continue
            people.add(
                n, city=c, home_city=c, alma_mater=row, degree=int(Degree(d)),
                sector=rng.choice(len(s.sectors), size=n, p=p),
                skill=rng.standard_normal(n).astype(np.float32),
                age_months=round(s.behaviour.graduation_age[degree] * 12),
                role=int(Role.SEARCHING), graduated_month=model.month,
            )
            added[c] += n
    return added


def age_and_retire(model: EcosystemModel) -> np.ndarray:
    """Age everyone a month and remove those who retire.

    The yearly retirement hazard is turned into a monthly one,
    ``1 - (1 - h) ** (1/12)``, so twelve months compound to ``h``.

    Returns:
        Retirements per city this month, shape (C,).
    """
    b = model.spec.behaviour
    people = model.population[Founder]
    retired = np.empty(people.size, dtype=np.bool_)
    model.kernels.age_and_retire(
        people["age_months"], people.alive, people["uid"],
        model.kernel_seed, model.month,
        round(b.retirement_age * 12), 1.0 - (1.0 - b.retirement_hazard) ** (1.0 / 12.0),
        retired,
    )
    rows = np.flatnonzero(retired)
    by_city = np.bincount(people["city"][rows], minlength=len(model.cities))
    people.remove(rows)
    return by_city
