"""Build a model's tables from its scenario (month 0).

Python-side draws use the model's ``rng`` (NumPy Generator), so a seed fixes the
world whatever the backend.

Scaling: people (talent, graduates, researchers) and startups are counted as
``count * scale`` with unbiased stochastic rounding; institutes are never scaled
(one agent each); factory and investor groups keep at least one agent at any
scale so every city keeps its firms, each with its real size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Factory, Founder, Institute, Investor, Role, Startup
from ecosim.scenario import INSTITUTE_KINDS, INVESTOR_KINDS, STAGES

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel
    from ecosim.scenario import Scenario


def scaled_count(count: float, scale: float, rng: np.random.Generator) -> int:
    """``count * scale`` rounded stochastically: unbiased, and exact when integral."""
    x = count * scale
    base = int(np.floor(x))
    return base + int(rng.random() < x - base)


def firm_count(count: int, scale: float) -> int:
    """Agents for a group of ``count`` firms: ``round(count * scale)``, at least 1 if any."""
    return 0 if count == 0 else max(1, round(count * scale))


def shares_to_probabilities(shares: dict[str, float], keys: tuple[str, ...]) -> np.ndarray:
    """Probability vector over ``keys`` from a (validated) share table."""
    p = np.array([shares.get(k, 0.0) for k in keys], dtype=np.float64)
    return p / p.sum()


def build_world(model: EcosystemModel) -> None:
    """Create every institute, factory, investor, startup and person at month 0."""
    s: Scenario = model.spec
    rng = model.rng
    pop = model.population
    city = {name: i for i, name in enumerate(s.city_names)}

    inst = pop[Institute]
    inst.add(
        len(s.institutes),
        city=[city[i.city] for i in s.institutes],
        kind=[INSTITUTE_KINDS.index(i.kind) for i in s.institutes],
        index=np.arange(len(s.institutes)),
        researchers=[i.researchers for i in s.institutes],
        graduates_per_year=[sum(i.graduates.values()) for i in s.institutes],
    )

    for g, fg in enumerate(s.factories):
        n = firm_count(fg.count, s.scale)
        pop[Factory].add(n, city=city[fg.city], group=g, employees=fg.employees,
                         engineers=fg.engineers)

    for ig in s.investors:
        n = firm_count(ig.count, s.scale)
        pop[Investor].add(n, city=city[ig.city], kind=INVESTOR_KINDS.index(ig.kind),
                          fund_size_krw=ig.fund_size_krw, dry_powder_krw=ig.fund_size_krw)

    stage_p = shares_to_probabilities(s.startup_stage_shares, STAGES)
    beh = s.behaviour
    age_lo, age_hi = beh.initial_age_min * 12, beh.initial_age_max * 12
    people = pop[Founder]
    for c_idx, c in enumerate(s.cities):
        sector_p = shares_to_probabilities(c.sector_shares, s.sectors)

        # Startups, each with one founder living in its city.
        n_startups = scaled_count(c.venture_firms, s.scale, rng)
        sectors = rng.choice(len(s.sectors), size=n_startups, p=sector_p)
        rows = pop[Startup].add(
            n_startups, city=c_idx, origin_city=c_idx, sector=sectors,
            stage=rng.choice(len(STAGES), size=n_startups, p=stage_p), headcount=1,
        )
        _add_people(people, rng, n_startups, c_idx, sectors, Role.FOUNDER,
                    employer=pop[Startup]["uid"][rows], age_lo=age_lo, age_hi=age_hi)
        placed = n_startups

        # Researchers of the city's institutes.
        for i_row, i in enumerate(s.institutes):
            if i.city != c.name:
                continue
            n = scaled_count(i.researchers, s.scale, rng)
            p = shares_to_probabilities(i.sector_shares, s.sectors)
            _add_people(people, rng, n, c_idx, rng.choice(len(s.sectors), size=n, p=p),
                        Role.RESEARCHER, employer=inst["uid"][i_row], age_lo=age_lo, age_hi=age_hi)
            placed += n

        # Everyone else works for an established firm (outside the firm tables).
        n = max(scaled_count(c.talent_stock, s.scale, rng) - placed, 0)
        _add_people(people, rng, n, c_idx, rng.choice(len(s.sectors), size=n, p=sector_p),
                    Role.CORPORATE_EMPLOYEE, employer=-1, age_lo=age_lo, age_hi=age_hi)


def _add_people(table, rng, n, city, sectors, role, employer, age_lo, age_hi) -> None:
    age = rng.integers(int(age_lo), int(age_hi) + 1, size=n)
    table.add(
        n, city=city, home_city=city, sector=sectors, role=int(role), employer=employer,
        skill=rng.standard_normal(n).astype(np.float32), age_months=age,
        experience_months=np.maximum(age - int(age_lo), 0),
    )
