"""Startup City policy: each lever sets agents' inputs, never an outcome.

Each January from ``policy.start_year`` every package renews its levers
(:func:`new_year`); each month the choice incentives follow from them
(:func:`update_incentives`) and the month's new startup workers and founders
may win fellowships (:func:`award_fellowships`). What the levers set lives in
:class:`~ecosim.state.levers.PolicyLevers` (``world.levers``).

Budgets are spent at the model's scale (a tenth of the money at scale 0.1),
each grant, fellowship and payment at its real size; expected values in the
choices are the payment times the chance of getting it, which people estimate
from last year's claimants in the city, and a one-off sum counts as spread
over ``behaviour.horizon_months`` of pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.state.agents import Founder, Investor, Startup
from ecosim.state.build import scaled_count
from ecosim.vocab import ACTIONS, ROUND_STAGES, Action, InvestorKind

if TYPE_CHECKING:
    from ecosim.inputs.params import PolicyPackage
    from ecosim.state.world import World

__all__ = ["apply_package", "award_fellowships", "new_year", "pay_stay_support",
           "update_incentives"]

#: Months of claimants people look back on to judge their chance of a grant or fellowship.
_LOOKBACK = 12
#: Largest share of a firm's costs that support can be counted to cover in its choice.
_MAX_COVER = 0.9


def new_year(world: World) -> None:
    """Each January from ``policy.start_year``: renew every package's yearly levers."""
    p = world.spec.policy
    if (not p.packages or world.clock.calendar_month != 1
            or world.clock.calendar_year < p.start_year):
        return
    for pkg in p.packages:
        apply_package(world, pkg)
    pay_stay_support(world)


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


def _talent(world: World, c: int, budget: float) -> None:
    s, lv = world.spec, world.levers
    p = s.policy
    here = [i for i, inst in enumerate(s.institutes)
            if s.city_index(inst.city) == c and sum(inst.graduates.values()) > 0]
    training = budget * (1.0 - p.fellowship_share)
    value = p.fellowship_monthly_krw * p.fellowship_months
    slots = scaled_count(budget * p.fellowship_share / value, s.scale, world.rng)
    lv.fellowship_value_krw[c] = value if slots else 0.0
    lv.fellowship_slots[c] = slots
    lv.allot("talent", slots * value)
    if not here:
        return
    # The science and technology institute first; else spread over universities.
    lead = [i for i in here if s.institutes[i].kind == "institute"] or here
    for i in lead:
        lv.extra_graduates[i] = training / p.graduate_krw / len(lead)
    lv.allot("talent", training * s.scale)
    lv.pay("talent", training * s.scale)


def _commercialization(world: World, c: int, budget: float) -> None:
    s, lv = world.spec, world.levers
    p = s.policy
    # Whole grants and payments, their number rounded stochastically (as people are).
    grants = scaled_count(budget * (1.0 - p.stay_support_share) / p.grant_krw, s.scale,
                          world.rng)
    supports = scaled_count(budget * p.stay_support_share / p.stay_support_krw, s.scale,
                            world.rng)
    lv.grant_krw[c] = p.grant_krw if grants else 0.0
    lv.grant_budget_krw[c] = grants * p.grant_krw
    lv.stay_krw[c] = p.stay_support_krw if supports else 0.0
    lv.stay_budget_krw[c] = supports * p.stay_support_krw
    lv.allot("commercialization", grants * p.grant_krw + supports * p.stay_support_krw)


def _investment(world: World, c: int, pkg: PolicyPackage, budget: float) -> None:
    """New local-mandate funds of ``fund_unit_krw`` each: budget / unit of them, at scale."""
    s, lv = world.spec, world.levers
    if budget <= 0:
        return
    unit = s.policy.fund_unit_krw
    n = scaled_count(budget / unit, s.scale, world.rng)
    if n == 0:
        return
    sectors = pkg.focus_sectors or s.sectors
    thesis = sum(1 << s.sectors.index(x) for x in sectors)
    stages = sum(1 << ROUND_STAGES.index(x) for x in ("seed", "series_a"))
    world.population[Investor].add(
        n, city=c, kind=int(InvestorKind.REGIONAL_FUND), thesis=thesis, stages=stages,
        local=True, represents=1.0 / s.scale, fund_size_krw=unit, dry_powder_krw=unit)
    world.ledger.add("commitments", n * unit)
    lv.allot("investment", n * unit)
    lv.pay("investment", n * unit)


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
    lv.allot("infrastructure", budget * s.scale)
    lv.pay("infrastructure", budget * s.scale)  # city-wide services: the budget is the cost


def pay_stay_support(world: World) -> None:
    """Pay this year's stay support to funded startups headquartered in each city.

    Funded startups (they have raised a round) in a random order each get
    ``stay_krw`` of their city into their cash while the year's money lasts.
    """
    lv = world.levers
    if not lv.stay_krw.any():
        return
    su = world.population[Startup]
    rows = np.flatnonzero(su.alive & (su["total_raised_krw"] > 0) & (lv.stay_krw[su["city"]] > 0))
    rows = rows[world.rng.permutation(rows.size)]
    city = su["city"][rows].astype(np.int64)
    affordable = np.divide(lv.stay_budget_krw, lv.stay_krw, out=np.zeros_like(lv.stay_krw),
                           where=lv.stay_krw > 0)
    paid = np.where(lv.first_served(city, affordable), lv.stay_krw[city], 0.0)
    su["cash_krw"][rows] += paid
    np.subtract.at(lv.stay_budget_krw, city, paid)
    world.ledger.add("grants", paid.sum())
    lv.pay("commercialization", paid.sum())


def award_fellowships(world: World, rows: np.ndarray) -> None:
    """Fellowships to this month's new startup workers and founders in ``rows``, while slots last.

    A fellow receives ``fellowship_monthly_krw`` for ``fellowship_months``;
    the sum goes to their savings (it is pay, not the firm's cash).
    """
    lv = world.levers
    if rows.size == 0 or not lv.fellowship_slots.any():
        return
    people = world.population[Founder]
    city = people["city"][rows].astype(np.int64)
    won = lv.first_served(city, lv.fellowship_slots)
    rows, city = rows[won], city[won]
    people["savings_krw"][rows] += lv.fellowship_value_krw[city]
    np.subtract.at(lv.fellowship_slots, city, 1.0)
    lv.pay("talent", lv.fellowship_value_krw[city].sum())


def _recent(records: list[np.ndarray], n_cities: int) -> np.ndarray:
    """Sum of the last ``_LOOKBACK`` monthly per-city records (zeros if none yet)."""
    if not records:
        return np.zeros(n_cities)
    return np.sum(records[-_LOOKBACK:], axis=0).astype(np.float64) * _LOOKBACK / min(
        len(records), _LOOKBACK)


def _chance(available: np.ndarray, claimants_per_year: np.ndarray, months_left: int) -> np.ndarray:
    """Chance of being served: what is left over the claimants expected for the rest of the year."""
    expected = claimants_per_year * months_left / 12.0
    return np.where(available > 0, np.minimum(1.0, available / np.maximum(expected, 1.0)), 0.0)


def update_incentives(world: World) -> None:
    """Set the choice incentives from the expected grants, fellowships and stay support.

    * Founding in city c: the expected grant (``grant_krw`` times the chance
      of one: grants left over the founders expected for the rest of the
      year, from the city's foundings over the last year) and the expected
      stay support of a funded startup (times the city's share of funded
      startups), as one-off sums spread over ``horizon_months``;
    * a startup job or founding in city c: the expected fellowship (its value
      times the chance of a slot, from last year's new startup workers and
      founders in the city), spread likewise;

    each valued as pay: ``w_wage * log(1 + monthly equivalent / pay)``.
    Firms choosing a head office value the expected stay support as a cut in
    their costs: ``-w_reloc_cost * log(1 - support / yearly burn)``, the burn
    of the city's average funded startup.
    """
    s, lv = world.spec, world.levers
    if not s.policy.packages:
        return
    b, n = s.behaviour, world.n_cities
    months_left = 13 - world.clock.calendar_month
    founders_per_year = _recent(world.log.new_startups, n)
    entrants_per_year = _recent(world.log.startup_entrants, n)
    grant_chance = _chance(lv.grant_budget_krw / np.maximum(lv.grant_krw, 1.0),
                           founders_per_year, months_left)
    fellow_chance = _chance(lv.fellowship_slots, entrants_per_year, months_left)
    su = world.population[Startup]
    funded = su.alive & (su["total_raised_krw"] > 0)
    n_funded = np.bincount(su["city"][funded], minlength=n).astype(np.float64)
    n_all = np.bincount(su["city"][su.alive], minlength=n).astype(np.float64)
    stay_chance = np.where(lv.stay_krw > 0, np.minimum(
        1.0, lv.stay_budget_krw / np.maximum(lv.stay_krw * n_funded, 1.0)), 0.0)
    stay = lv.stay_krw * stay_chance
    horizon = float(b.horizon_months)
    fellowship = lv.fellowship_value_krw * fellow_chance / horizon
    founding = (lv.grant_krw * grant_chance + stay * n_funded / np.maximum(n_all, 1.0)
                * b.horizon_months / 12.0) / horizon
    pay = {a: s.labour.monthly_wage_krw[ACTIONS[a]] for a in Action}
    lv.incentives[:, Action.STARTUP_JOB] = b.w_wage * np.log1p(fellowship / pay[Action.STARTUP_JOB])
    lv.incentives[:, Action.FOUND] = b.w_wage * np.log1p((fellowship + founding)
                                                         / pay[Action.FOUND])
    burn = world.paid_heads()[funded] * world.static.burn_per_head_krw * 12.0
    typical = float(np.mean(burn)) if burn.size else 1.0
    cover = np.minimum(stay / max(typical, 1.0), _MAX_COVER)
    lv.headquarters_incentives[:] = -s.firms.w_reloc_cost * np.log1p(-cover)
