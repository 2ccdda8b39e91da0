"""People entering and leaving (steps 1 and 10): yearly graduation; ageing, departures, saving."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.kernels.lifecycle import Ageing, Hazards
from ecosim.state.agents import Founder
from ecosim.state.books import Departures
from ecosim.state.build import scaled_count, shares_to_probabilities
from ecosim.state.network import ring_ties
from ecosim.vocab import DEGREES, Degree, Departure, Role

if TYPE_CHECKING:
    from ecosim.inputs.params import Behaviour
    from ecosim.state.world import World

__all__ = ["age_and_depart", "graduate", "hazards", "save"]


def graduate(world: World) -> np.ndarray:
    """Add this month's graduates of every institute holding a ceremony.

    Each institute awards its yearly degrees evenly over its ceremony months,
    plus the policy's extra graduates (same mix of degrees).
    Graduates start searching in the institute's city, aged their degree's
    graduation age, with a sector drawn from the institute's sector shares,
    and form ``alumni_ties`` ties within their graduating cohort.

    Returns:
        Graduates per institute this month, shape (institutes,).
    """
    s = world.spec
    rng = world.rng
    half = s.behaviour.alumni_ties // 2
    added = np.zeros(len(s.institutes), dtype=np.int64)
    # The draws are made in the order of one add per (institute, degree) followed
    # by the cohort's ring of ties; the rows are then added, and tied, all at once.
    parts: list[dict] = []
    ring_keys = []
    for row, inst in enumerate(s.institutes):
        if world.clock.calendar_month not in inst.ceremony_months:
            continue
        c = s.city_index(inst.city)
        p = shares_to_probabilities(inst.sector_shares, s.sectors)
        per_ceremony = 1.0 / len(inst.ceremony_months)
        total = sum(inst.graduates.values())
        extra = world.levers.extra_graduates[row]  # talent lever: larger cohorts
        size = 0
        for d, degree in enumerate(DEGREES):
            yearly = inst.graduates.get(degree, 0)
            if extra > 0 and total > 0:
                yearly = yearly + extra * yearly / total
            n = scaled_count(yearly * per_ceremony, s.scale, rng)
            if n == 0:
                continue
            parts.append({
                "n": n, "city": c, "alma_mater": row, "degree": int(Degree(d)),
                "sector": rng.choice(len(s.sectors), size=n, p=p),
                "skill": rng.standard_normal(n).astype(np.float32),
                "age_months": round(s.behaviour.graduation_age[degree] * 12),
            })
            size += n
        added[row] = size
        if size:  # ring_ties' order within the cohort (drawn only if it ties anyone)
            ring_keys.append(rng.random(size) if half and size >= 2 else np.zeros(size))
    if not parts:
        return added
    counts = [part["n"] for part in parts]
    rows = world.population[Founder].add(
        sum(counts), role=int(Role.SEARCHING), graduated_month=world.month,
        **{k: np.repeat([part[k] for part in parts], counts)
           for k in ("city", "alma_mater", "degree", "age_months")},
        home_city=np.repeat([part["city"] for part in parts], counts),
        sector=np.concatenate([part["sector"] for part in parts]),
        skill=np.concatenate([part["skill"] for part in parts]),
    )
    cohort = np.repeat([part["alma_mater"] for part in parts], counts)
    ring_ties(world, rows, cohort, s.behaviour.alumni_ties, np.concatenate(ring_keys))
    return added


def hazards(b: Behaviour) -> Hazards:
    """The monthly departure hazards of the behaviour section.

    Yearly hazards are turned into monthly ones, ``1 - (1 - h) ** (1/12)``, so
    twelve months compound to ``h``; ``exit_hazard`` is monthly already.
    """
    return Hazards(retirement_age_months=round(b.retirement_age * 12),
                   retire=_monthly(b.retirement_hazard), emigrate=_monthly(b.emigration_hazard),
                   exit=b.exit_hazard)


def age_and_depart(world: World) -> Departures:
    """Age everyone a month and remove those who retire, emigrate or leave technical work."""
    people = world.population[Founder]
    departure = world.kernels.age_and_depart(
        Ageing(age_months=people["age_months"], months_in_city=people["months_in_city"],
               experience_months=people["experience_months"], alive=people.alive,
               searching=people["role"] == Role.SEARCHING, uid=people["uid"]),
        hazards(world.spec.behaviour), world.kernel_seed, world.month)
    by_reason = world.kernels.census(people["city"], departure, people.alive, world.n_cities,
                                     len(Departure))
    out = Departures(retirements=by_reason[:, Departure.RETIRES].copy(),
                     emigrations=by_reason[:, Departure.EMIGRATES].copy(),
                     career_exits=by_reason[:, Departure.EXITS].copy())
    people.remove(np.flatnonzero(departure))
    return out


def save(world: World) -> None:
    """Everyone with a position saves ``firms.savings_rate`` of their monthly pay."""
    people = world.population[Founder]
    world.kernels.accrue_savings(people["savings_krw"], people["pay_krw"], people.alive,
                                 world.spec.firms.savings_rate)


def _monthly(yearly: float) -> float:
    return 1.0 - (1.0 - yearly) ** (1.0 / 12.0)
