"""People entering and leaving: yearly graduation; ageing, retirement, emigration, exit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Degree, Founder, Role
from ecosim.build import scaled_count, shares_to_probabilities
from ecosim.kernels.lifecycle import EMIGRATES, EXITS, RETIRES
from ecosim.labour import role_pay
from ecosim.scenario import DEGREES
from ecosim.social import ring_ties

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel


def graduate(model: EcosystemModel) -> np.ndarray:
    """Add this month's graduates of every institute holding a ceremony.

    Each institute awards its yearly degrees evenly over its ceremony months,
    plus the policy's extra graduates (same mix of degrees).
    Graduates start searching in the institute's city, aged their degree's
    graduation age, with a sector drawn from the institute's sector shares,
    and form ``alumni_ties`` ties within their graduating cohort.

    Returns:
        Graduates per institute this month, shape (institutes,).
    """
    s = model.spec
    rng = model.rng
    people = model.population[Founder]
    added = np.zeros(len(s.institutes), dtype=np.int64)
    for row, inst in enumerate(s.institutes):
        if model.calendar_month not in inst.ceremony_months:
            continue
        c = s.city_index(inst.city)
        p = shares_to_probabilities(inst.sector_shares, s.sectors)
        per_ceremony = 1.0 / len(inst.ceremony_months)
        total = sum(inst.graduates.values())
        extra = model.policy.extra_graduates[row]  # talent lever: larger cohorts
        cohort = []
        for d, degree in enumerate(DEGREES):
            yearly = inst.graduates.get(degree, 0)
            if extra > 0 and total > 0:
                yearly = yearly + extra * yearly / total
            n = scaled_count(yearly * per_ceremony, s.scale, rng)
            if n == 0:
                continue
            cohort.append(people.add(
                n, city=c, home_city=c, alma_mater=row, degree=int(Degree(d)),
                sector=rng.choice(len(s.sectors), size=n, p=p),
                skill=rng.standard_normal(n).astype(np.float32),
                age_months=round(s.behaviour.graduation_age[degree] * 12),
                role=int(Role.SEARCHING), graduated_month=model.month,
            ))
        if cohort:
            rows = np.concatenate(cohort)
            added[row] = rows.size
            ring_ties(model, rows, np.zeros(rows.size, dtype=np.int64), s.behaviour.alumni_ties)
    return added


def age_and_depart(model: EcosystemModel) -> dict[str, np.ndarray]:
    """Age everyone a month and remove those who retire, emigrate or leave technical work.

    Yearly hazards are turned into monthly ones, ``1 - (1 - h) ** (1/12)``, so
    twelve months compound to ``h``.

    Returns:
        ``retirements``, ``emigrations`` and ``career_exits`` per city this month, each (C,).
    """
    b = model.spec.behaviour
    people = model.population[Founder]
    departure = np.empty(people.size, dtype=np.int8)
    model.kernels.age_and_depart(
        people["age_months"], people["months_in_city"], people["experience_months"],
        people.alive, people["role"] == Role.SEARCHING, people["uid"],
        model.kernel_seed, model.month, round(b.retirement_age * 12),
        _monthly(b.retirement_hazard), _monthly(b.emigration_hazard), b.exit_hazard,
        departure,
    )
    n = len(model.cities)
    city = people["city"]
    out = {
        name: np.bincount(city[departure == code], minlength=n)
        for name, code in (("retirements", RETIRES), ("emigrations", EMIGRATES),
                           ("career_exits", EXITS))
    }
    people.remove(np.flatnonzero(departure))
    return out


def save(model: EcosystemModel) -> None:
    """Everyone with a position saves ``firms.savings_rate`` of their base monthly pay."""
    people = model.population[Founder]
    pay = role_pay(model)[people["role"]]
    people["savings_krw"][people.alive] += pay[people.alive] * model.spec.firms.savings_rate


def _monthly(yearly: float) -> float:
    return 1.0 - (1.0 - yearly) ** (1.0 / 12.0)
