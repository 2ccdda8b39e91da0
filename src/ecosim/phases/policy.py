"""Startup City policy: each lever sets agents' inputs, never an outcome.

Each January from ``policy.start_year`` every package renews its levers
(:func:`new_year`); each month the career-choice incentives follow from them
(:func:`update_incentives`). What the levers set lives in
:class:`~ecosim.state.levers.PolicyLevers` (``world.levers``): extra graduates
per institute, grants for new startups, research fit of focus sectors, extra
demonstration slots, amenity, pay top-ups (as incentives in the career
choice) and local-mandate policy funds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.state.agents import Founder, Investor
from ecosim.vocab import ACTIONS, ROUND_STAGES, Action, InvestorKind, Role

if TYPE_CHECKING:
    from ecosim.inputs.params import PolicyPackage
    from ecosim.state.world import World

__all__ = ["apply_package", "new_year", "update_incentives"]


def new_year(world: World) -> None:
    """Each January from ``policy.start_year``: renew every package's yearly levers."""
    p = world.spec.policy
    if (not p.packages or world.clock.calendar_month != 1
            or world.clock.calendar_year < p.start_year):
        return
    for pkg in p.packages:
        apply_package(world, pkg)


def apply_package(world: World, pkg: PolicyPackage) -> None:
    """Renew one package's levers for a year (what each January does)."""
    if pkg.budget_krw <= 0:
        return
    c = world.spec.city_index(pkg.city)
    budget = {k: pkg.budget_krw * v for k, v in pkg.levers.items()}
    _talent(world, c, budget["talent"])
    _commercialization(world, c, budget["commercialization"])
    _investment(world, c, pkg, budget["investment"])
    _infrastructure(world, c, pkg, budget["infrastructure"])
    for k, v in budget.items():
        world.levers.spent_krw[k] += v


def _talent(world: World, c: int, budget: float) -> None:
    s, lv = world.spec, world.levers
    p = s.policy
    here = [i for i, inst in enumerate(s.institutes)
            if s.city_index(inst.city) == c and sum(inst.graduates.values()) > 0]
    cohorts = budget * (1.0 - p.fellowship_share) / p.graduate_krw
    lv.fellowship_krw[c] = budget * p.fellowship_share / 12.0
    if not here:
        return
    # The science and technology institute first; else spread over universities.
    lead = [i for i in here if s.institutes[i].kind == "institute"] or here
    for i in lead:
        lv.extra_graduates[i] = cohorts / len(lead)


def _commercialization(world: World, c: int, budget: float) -> None:
    lv = world.levers
    lv.grant_krw[c] = world.spec.policy.grant_krw if budget > 0 else 0.0
    lv.grant_budget_krw[c] = budget


def _investment(world: World, c: int, pkg: PolicyPackage, budget: float) -> None:
    s, lv = world.spec, world.levers
    inv = world.population[Investor]
    if budget <= 0:
        return
    if lv.fund_row[c] < 0:
        sectors = pkg.focus_sectors or s.sectors
        thesis = sum(1 << s.sectors.index(x) for x in sectors)
        stages = sum(1 << ROUND_STAGES.index(x) for x in ("seed", "series_a"))
        lv.fund_row[c] = inv.add(1, city=c, kind=int(InvestorKind.REGIONAL_FUND),
                                 thesis=thesis, stages=stages, local=True,
                                 represents=1.0 / s.scale)[0]
    row = lv.fund_row[c]
    amount = budget * s.scale  # the fund's money at the model's scale
    inv["fund_size_krw"][row] += amount
    inv["dry_powder_krw"][row] += amount
    world.ledger.add("commitments", amount)


def _infrastructure(world: World, c: int, pkg: PolicyPackage, budget: float) -> None:
    s, lv = world.spec, world.levers
    p = s.policy
    third = budget / 3.0
    for sector in pkg.focus_sectors:
        lv.fit_bonus[c, s.sectors.index(sector)] = third / p.testbed_krw / len(
            pkg.focus_sectors)
    slot_cost = p.demo_slot_krw / (3.0 if pkg.open_factories else 1.0)
    lv.demo_slots[c] = third / slot_cost
    base = s.cities[c].amenity
    lv.amenity[c] = base + 0.01 * third / p.amenity_krw


def update_incentives(world: World) -> None:
    """Set the career-choice incentives from fellowships and expected grants.

    A fellowship tops up the pay of the city's startup workers and founders;
    its value in the choice is the wage utility of the top-up,
    ``w_wage * log(1 + top_up / pay)``. The expected grant enters the value
    of founding the same way, spread over a year of founder pay.
    """
    s, lv = world.spec, world.levers
    if not s.policy.packages:
        return
    b = s.behaviour
    people = world.population[Founder]
    startup_roles = np.isin(people["role"], [Role.STARTUP_EMPLOYEE, Role.FOUNDER])
    workers = np.bincount(people["city"][people.alive & startup_roles],
                          minlength=world.n_cities) / s.scale
    top_up = np.where(lv.fellowship_krw > 0,
                      lv.fellowship_krw / np.maximum(workers, 1.0), 0.0)
    pay = {a: s.labour.monthly_wage_krw[ACTIONS[a]] for a in Action}
    lv.incentives[:, Action.STARTUP_JOB] = b.w_wage * np.log1p(top_up / pay[Action.STARTUP_JOB])
    grant_month = np.where(lv.grant_budget_krw >= lv.grant_krw, lv.grant_krw, 0.0) / 12
    lv.incentives[:, Action.FOUND] = b.w_wage * np.log1p(
        (top_up + grant_month) / pay[Action.FOUND])
