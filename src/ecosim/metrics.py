"""Per-city indicators recorded each month."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Factory, Founder, Investor, Role, Startup

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

#: Metrics recorded per city and month, with their meaning.
CITY_METRICS: dict[str, str] = {
    "talent": "technical workers living in the city (persons, at model scale)",
    "searching": "of whom searching for a position",
    "researchers": "of whom researchers",
    "founders": "of whom founders",
    "graduates": "degrees awarded this month by the city's institutes",
    "retirements": "people who retired this month",
    "startups": "startups with their head office in the city",
    "investors": "investors based in the city",
    "factories": "factories in the city",
}


def count_by_city(table, mask: np.ndarray | None, n_cities: int) -> np.ndarray:
    """Live rows of ``table`` per city, optionally restricted to ``mask``."""
    keep = table.alive if mask is None else table.alive & mask
    return np.bincount(table["city"][keep], minlength=n_cities)


def city_snapshot(model: EcosystemModel, flows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All :data:`CITY_METRICS` for this month, each of shape (C,).

    Args:
        model: The model.
        flows: Metrics that count events of the month (graduates, retirements),
            as the phases returned them.
    """
    n = len(model.cities)
    pop = model.population
    people = pop[Founder]
    role = people["role"]
    out = {
        "talent": count_by_city(people, None, n),
        "searching": count_by_city(people, role == Role.SEARCHING, n),
        "researchers": count_by_city(people, role == Role.RESEARCHER, n),
        "founders": count_by_city(people, role == Role.FOUNDER, n),
        "startups": count_by_city(pop[Startup], None, n),
        "investors": count_by_city(pop[Investor], None, n),
        "factories": count_by_city(pop[Factory], None, n),
    }
    for name in ("graduates", "retirements"):
        out[name] = flows.get(name, np.zeros(n, dtype=np.int64))
    return {k: out[k] for k in CITY_METRICS}
