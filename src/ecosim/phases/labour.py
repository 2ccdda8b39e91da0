"""Career and location choice, and job matching (DESIGN.md section 3, steps 2-3).

Each month:

1. **Who searches**: everyone without a position (new graduates, people whose
   employer closed) and, with the hazard ``on_the_job_search``, employed people
   other than founders.
2. **Choice**: each searcher values every (city, action) by random utility
   (``kernels.talent.choose_careers``); the inputs are local quantities computed
   here: wages rising with the local density of one's sector, open positions,
   ties in each city, investor access, amenity, cost of living, travel time,
   attachment to home and alma mater, and the policy's incentives.
3. **Matching** (``kernels.talent.match_jobs``): in each (city, action) market
   the most skilled applicants take the open positions; employers fill theirs in
   a random order drawn each month. The unmatched keep searching (the employed
   keep their position). Those who chose to found a company are returned to
   the founding phase (:func:`ecosim.phases.firms.found`).
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from ecosim.inputs.params import Behaviour
from ecosim.kernels.talent import Applicants, Openings, Places, Searchers
from ecosim.state.agents import Factory, Founder, Institute, Startup
from ecosim.state.books import Careers
from ecosim.state.network import network
from ecosim.vocab import ACTIONS, ROLE_OF_ACTION, Action, Degree, Role

if TYPE_CHECKING:
    from ecosim.state.world import World

__all__ = ["ChoiceWeights", "choice_weights", "choose_and_match", "grow_corporate_positions",
           "open_positions", "places", "searcher_inputs", "searchers"]

N_ACTIONS = len(Action)
#: Action of each role's position (-1: no position).
_ACTION_OF_ROLE = np.full(max(Role) + 1, -1, dtype=np.int64)
_ROLE_OF_ACTION = np.array([ROLE_OF_ACTION[a] for a in Action], dtype=np.int8)
for _action, _role in ROLE_OF_ACTION.items():
    _ACTION_OF_ROLE[_role] = _action

#: The choice kernel's weights: one field per ``w_*`` field of :class:`Behaviour`,
#: named without the prefix. A weight added to Behaviour reaches the kernel by name.
ChoiceWeights = namedtuple(
    "ChoiceWeights",
    [f.name.removeprefix("w_") for f in dataclasses.fields(Behaviour) if f.name.startswith("w_")])


def choice_weights(b: Behaviour) -> ChoiceWeights:
    """The utility weights of a behaviour section, by name."""
    return ChoiceWeights(**{f: float(getattr(b, f"w_{f}")) for f in ChoiceWeights._fields})


def open_positions(world: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open positions by employer: (employer uid, market = city * A + action, count)."""
    uids, markets, counts = [], [], []
    targets = world.static.target_headcount
    su = world.population[Startup]
    for table, action, want in (
        (world.population[Factory], Action.CORPORATE_JOB, None),
        (world.population[Institute], Action.RESEARCH, None),
        (su, Action.STARTUP_JOB, targets[su["stage"]]),
    ):
        have = table["headcount"] if table is su else table["staff"]
        want = table["positions"] if want is None else want
        n = np.where(table.alive, np.floor(want - have), 0).astype(np.int64).clip(min=0)
        keep = np.flatnonzero(n)
        uids.append(table["uid"][keep])
        markets.append(table["city"][keep].astype(np.int64) * N_ACTIONS + int(action))
        counts.append(n[keep])
    return np.concatenate(uids), np.concatenate(markets), np.concatenate(counts)


def openings(world: World, vacancies_by_market: np.ndarray) -> np.ndarray:
    """What each (city, action) has open, shape (C, A).

    For the job actions, unfilled positions. A founder fills no position; what
    plays that role for founding is the local startup scene the founder joins
    (peers, customers, later hires): the number of startups in the city.
    """
    n_cities = world.n_cities
    out = vacancies_by_market.reshape(n_cities, N_ACTIONS).astype(np.float64)
    su = world.population[Startup]
    out[:, Action.FOUND] = np.bincount(su["city"][su.alive], minlength=n_cities)
    return out


def places(world: World, vacancies_by_market: np.ndarray) -> Places:
    """What each (city, action) offers this month, as the choice kernel reads it."""
    s = world.spec
    n_cities, n_sectors = world.n_cities, len(s.sectors)
    people = world.population[Founder]
    # Density wage premium: workers of one's sector in the city relative to the
    # average city, to the power of the elasticity (scale-free).
    density = world.kernels.census(people["city"], people["sector"], people.alive, n_cities,
                                   n_sectors).astype(np.float64) + 1.0
    relative = density / density.mean(axis=0, keepdims=True)
    base = np.log([s.labour.monthly_wage_krw[a] for a in ACTIONS])
    log_wage = (base[None, None, :]
                + s.behaviour.density_wage_elasticity * np.log(relative)[:, :, None])
    return Places(
        log_wage=np.ascontiguousarray(log_wage),
        log_open=np.log1p(openings(world, vacancies_by_market) / s.scale),
        log_investor=_centred(world.log_investor_access()),
        amenity=world.levers.amenity,
        log_cost=world.static.log_cost,
        travel=world.cities.travel_time_hours,
        incentive=world.levers.incentives,
        constant=np.array([s.behaviour.action_constants[a] for a in ACTIONS]),
    )


def _centred(x: np.ndarray) -> np.ndarray:
    """``x`` minus its mean over cities: a locational term that adds no action constant."""
    return x - x.mean()


def searchers(world: World) -> np.ndarray:
    """Rows of this month's searchers, ascending (``kernels.talent.pick_searchers``)."""
    people = world.population[Founder]
    return world.kernels.pick_searchers(people["role"], people.alive, people["uid"],
                                        world.spec.behaviour.on_the_job_search,
                                        world.kernel_seed, world.month)


def searcher_inputs(world: World, rows: np.ndarray) -> Searchers:
    """The searchers in ``rows`` as the choice kernel reads them."""
    people = world.population[Founder]
    role = people["role"][rows]
    city = people["city"][rows].astype(np.int64)
    alma = people["alma_mater"][rows]
    inst_city = world.population[Institute]["city"]
    return Searchers(
        uid=people["uid"][rows],
        city=city,
        home=people["home_city"][rows].astype(np.int64),
        alma=np.where(alma >= 0, inst_city[np.maximum(alma, 0)], -1).astype(np.int64),
        sector=people["sector"][rows].astype(np.int64),
        current=_current(role, city),
        research_ok=(people["degree"][rows] >= Degree.MS) | (role == Role.RESEARCHER),
        found_ok=((people["experience_months"][rows] >= world.spec.behaviour.founding_experience)
                  | (people["degree"][rows] == Degree.PHD) | (role == Role.RESEARCHER)),
        serial=people["exits"][rows] > 0,
        ties=world.kernels.count_ties_by_city(network(people), rows, world.n_cities),
    )


def _current(role: np.ndarray, city: np.ndarray) -> np.ndarray:
    """Each person's current alternative ``city * A + action`` (-1: no position)."""
    return np.where(_ACTION_OF_ROLE[role] >= 0, city * N_ACTIONS + _ACTION_OF_ROLE[role], -1)


def choose_and_match(world: World) -> Careers:
    """Steps 2-3 of the month: career and location choice, then job matching."""
    people = world.population[Founder]
    n_cities = world.n_cities
    rows = searchers(world)
    who = searcher_inputs(world, rows)
    uids, markets, counts = open_positions(world)
    vacancies = np.bincount(markets, weights=counts, minlength=n_cities * N_ACTIONS)
    offer = places(world, vacancies)
    choice = world.kernels.choose_careers(who, offer, choice_weights(world.spec.behaviour),
                                          world.kernel_seed, world.month)

    # Open positions as slots, employers in a random order within each market.
    order = np.lexsort((world.rng.random(uids.size), markets))
    slot_employer = np.repeat(uids[order], counts[order])
    market_start = np.r_[0, np.cumsum(np.bincount(markets, weights=counts,
                                                  minlength=n_cities * N_ACTIONS))].astype(np.int64)
    hired = world.kernels.match_jobs(Applicants(choice, who.current, people["skill"][rows]),
                                     Openings(market_start, slot_employer))

    ok = hired >= 0
    new_rows = rows[ok]
    dest = choice[ok] // N_ACTIONS
    origin = who.city[ok]
    moved = dest != origin
    people["city"][new_rows] = dest
    world.assign(new_rows, _ROLE_OF_ACTION[choice[ok] % N_ACTIONS], hired[ok],
                 pay_krw=np.exp(offer.log_wage[dest, who.sector[ok], choice[ok] % N_ACTIONS]))
    people["months_in_city"][new_rows[moved]] = 0
    world.record_first_jobs(new_rows)
    # staff counts are recounted by the model after founding, before they are read

    moves = np.bincount(origin[moved] * n_cities + dest[moved],
                        minlength=n_cities * n_cities).reshape(n_cities, n_cities)
    founding = ((choice % N_ACTIONS) == Action.FOUND) & (choice != who.current)
    return Careers(
        hires=np.bincount(dest, minlength=n_cities),
        would_found=np.bincount(choice[founding] // N_ACTIONS, minlength=n_cities),
        moves=moves,
        hired_rows=new_rows,
        startup_hire_rows=new_rows[(choice[ok] % N_ACTIONS) == Action.STARTUP_JOB],
        founder_rows=rows[founding],
        founder_city=choice[founding] // N_ACTIONS,
    )


def grow_corporate_positions(world: World) -> None:
    """Established firms' technical positions grow at ``labour.corporate_growth`` a year."""
    fac = world.population[Factory]
    monthly = (1.0 + world.spec.labour.corporate_growth) ** (1.0 / 12.0)
    fac["positions"][fac.alive & (fac["group"] < 0)] *= monthly
