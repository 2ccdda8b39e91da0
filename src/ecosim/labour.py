"""Career and location choice, and job matching (DESIGN.md section 3, steps 2-3).

Each month:

1. **Who searches**: everyone without a position (new graduates, people whose
   employer closed) and, with the hazard ``on_the_job_search``, employed people
   other than founders.
2. **Choice**: each searcher values every (city, action) by random utility
   (``kernels.talent.choose_careers``); the inputs are local quantities computed
   here: wages rising with the local density of one's sector, open positions,
   ties in each city, investor access, amenity, cost of living, travel time,
   attachment to home and alma mater, and a policy incentive (zero until the
   policy issue).
3. **Matching** (``kernels.talent.match_jobs``): in each (city, action) market
   the most skilled applicants take the open positions; employers fill theirs in
   a random order drawn each month. The unmatched keep searching (the employed
   keep their position). Founding is valued but not carried out yet: the
   startups issue does it; until then ``would_found`` counts who chose it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import (
    ROLE_OF_ACTION,
    Action,
    Degree,
    Factory,
    Founder,
    Institute,
    Investor,
    InvestorKind,
    Role,
    Startup,
)
from ecosim.build import startup_target_headcount
from ecosim.kernels.rng import Phase
from ecosim.kernels.talent import Places, Searchers, Weights
from ecosim.scenario import ACTIONS
from ecosim.social import colleague_ties

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

N_ACTIONS = len(Action)
#: Action of each role's position (-1: no position).
_ACTION_OF_ROLE = np.full(max(Role) + 1, -1, dtype=np.int64)
_ROLE_OF_ACTION = np.array([ROLE_OF_ACTION[a] for a in Action], dtype=np.int8)
for _action, _role in ROLE_OF_ACTION.items():
    _ACTION_OF_ROLE[_role] = _action


def role_pay(model: EcosystemModel) -> np.ndarray:
    """Base monthly pay (KRW) by role; zero for those without a position."""
    pay = np.zeros(max(Role) + 1)
    for action, role in ROLE_OF_ACTION.items():
        pay[role] = model.spec.labour.monthly_wage_krw[ACTIONS[action]]
    return pay


def weights(model: EcosystemModel) -> Weights:
    """The utility weights of the scenario's behaviour section."""
    b = model.spec.behaviour
    return Weights(b.w_wage, b.w_open, b.w_ties, b.w_investor, b.w_amenity, b.w_cost, b.w_move,
                   b.w_travel, b.w_home, b.w_alma, b.w_stay, b.w_serial, b.w_scene)


def update_staff(model: EcosystemModel) -> None:
    """Recount every employer's technical staff from people's ``employer``."""
    people = model.population[Founder]
    employer = people["employer"][people.alive]
    for cls, column in ((Factory, "staff"), (Institute, "staff"), (Startup, "headcount")):
        table = model.population[cls]
        rows = table.rows_of(employer)
        table[column][:] = np.bincount(rows[rows >= 0], minlength=table.size)
    su = model.population[Startup]
    founders = people["employer"][people.alive & (people["role"] == Role.FOUNDER)]
    rows = su.rows_of(founders)
    su["founders"][:] = np.bincount(rows[rows >= 0], minlength=su.size)


def open_positions(model: EcosystemModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open positions by employer: (employer uid, market = city * A + action, count)."""
    uids, markets, counts = [], [], []
    targets = startup_target_headcount(model.spec)
    su = model.population[Startup]
    for table, action, want in (
        (model.population[Factory], Action.CORPORATE_JOB, None),
        (model.population[Institute], Action.RESEARCH, None),
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


def openings(model: EcosystemModel, vacancies_by_market: np.ndarray) -> np.ndarray:
    """What each (city, action) has open, shape (C, A).

    For the job actions, unfilled positions. A founder fills no position; what
    plays that role for founding is the local startup scene the founder joins
    (peers, customers, later hires): the number of startups in the city.
    """
    n_cities = len(model.cities)
    out = vacancies_by_market.reshape(n_cities, N_ACTIONS).astype(np.float64)
    su = model.population[Startup]
    out[:, Action.FOUND] = np.bincount(su["city"][su.alive], minlength=n_cities)
    return out


def places(model: EcosystemModel, vacancies_by_market: np.ndarray) -> Places:
    """What each (city, action) offers this month, as the choice kernel reads it."""
    s = model.spec
    n_cities, n_sectors = len(model.cities), len(s.sectors)
    people = model.population[Founder]
    alive = people.alive
    # Density wage premium: workers of one's sector in the city relative to the
    # average city, to the power of the elasticity (scale-free).
    density = np.bincount(people["city"][alive].astype(np.int64) * n_sectors
                          + people["sector"][alive], minlength=n_cities * n_sectors)
    density = density.reshape(n_cities, n_sectors).astype(np.float64) + 1.0
    relative = density / density.mean(axis=0, keepdims=True)
    base = np.log([s.labour.monthly_wage_krw[a] for a in ACTIONS])
    log_wage = (base[None, None, :]
                + s.behaviour.density_wage_elasticity * np.log(relative)[:, :, None])
    return Places(
        log_wage=np.ascontiguousarray(log_wage),
        log_open=np.log1p(openings(model, vacancies_by_market) / s.scale),
        log_investor=_centred(log_investor_access(model)),
        amenity=model.policy.amenity,
        log_cost=np.log([c.cost_of_living for c in s.cities]),
        travel=model.cities.travel_time_hours,
        incentive=model.incentives,
        constant=np.array([s.behaviour.action_constants[a] for a in ACTIONS]),
    )


def log_investor_access(model: EcosystemModel) -> np.ndarray:
    """Log(1 + dry powder reachable from each city, decayed by distance), shape (C,).

    Dry powder is counted in KRW billions at full scale, each investor weighted
    by its reach (:func:`investor_reach`).
    """
    inv = model.population[Investor]
    live = inv.alive
    reach = investor_reach(model)[:, live]
    return np.log1p(reach @ inv["dry_powder_krw"][live] / model.spec.scale / 1e9)


def investor_reach(model: EcosystemModel) -> np.ndarray:
    """How strongly each investor row reaches each city, shape (C, I).

    ``(1 + distance km) ** -exponent``: the behaviour section's
    ``investor_distance_exponent`` for funds, ``capital.angel_distance_exponent``
    for angels and local-mandate policy funds.
    """
    s = model.spec
    inv = model.population[Investor]
    near = (inv["kind"] == InvestorKind.ANGEL) | inv["local"]
    exponent = np.where(near, s.capital.angel_distance_exponent,
                        s.behaviour.investor_distance_exponent)
    return (1.0 + model.cities.distance_km[:, inv["city"]]) ** -exponent[None, :]


def _centred(x: np.ndarray) -> np.ndarray:
    """``x`` minus its mean over cities: a locational term that adds no action constant."""
    return x - x.mean()


def searchers(model: EcosystemModel) -> np.ndarray:
    """Rows of this month's searchers, ascending."""
    people = model.population[Founder]
    alive = people.alive
    role = people["role"]
    u = np.empty(people.size)
    model.kernels.fill_uniform(model.kernel_seed, model.month, int(Phase.SEARCH),
                               people["uid"], 0, u)
    on_the_job = ((role != Role.SEARCHING) & (role != Role.FOUNDER)
                  & (u < model.spec.behaviour.on_the_job_search))
    return np.flatnonzero(alive & ((role == Role.SEARCHING) | on_the_job))


def choose_and_match(model: EcosystemModel) -> dict[str, np.ndarray]:
    """Steps 2-3 of the month: career and location choice, then job matching.

    Returns:
        This month's flows per city: ``hires`` (by destination), ``inflow``,
        ``outflow``, ``would_found``, and ``moves``, the (C, C) matrix of people
        who changed city, origin by destination.
    """
    people = model.population[Founder]
    n_cities = len(model.cities)
    rows = searchers(model)
    role = people["role"][rows]
    city = people["city"][rows].astype(np.int64)
    current = np.where(_ACTION_OF_ROLE[role] >= 0, city * N_ACTIONS + _ACTION_OF_ROLE[role], -1)
    alma = people["alma_mater"][rows]
    inst_city = model.population[Institute]["city"]
    ties = np.empty((rows.size, n_cities))
    model.kernels.count_ties_by_city(rows, people["ties"], people.row_of_uid, people.alive,
                                     people["city"], ties)
    who = Searchers(
        uid=people["uid"][rows],
        city=city,
        home=people["home_city"][rows].astype(np.int64),
        alma=np.where(alma >= 0, inst_city[np.maximum(alma, 0)], -1).astype(np.int64),
        sector=people["sector"][rows].astype(np.int64),
        current=current,
        research_ok=(people["degree"][rows] >= Degree.MS) | (role == Role.RESEARCHER),
        found_ok=((people["experience_months"][rows] >= model.spec.behaviour.founding_experience)
                  | (people["degree"][rows] == Degree.PHD) | (role == Role.RESEARCHER)),
        serial=people["exits"][rows] > 0,
        ties=ties,
    )
    uids, markets, counts = open_positions(model)
    vacancies = np.bincount(markets, weights=counts, minlength=n_cities * N_ACTIONS)
    choice = np.empty(rows.size, dtype=np.int64)
    model.kernels.choose_careers(who, places(model, vacancies), weights(model),
                                 model.kernel_seed, model.month, choice)

    # Open positions as slots, employers in a random order within each market.
    order = np.lexsort((model.rng.random(uids.size), markets))
    slot_employer = np.repeat(uids[order], counts[order])
    market_start = np.r_[0, np.cumsum(np.bincount(markets, weights=counts,
                                                  minlength=n_cities * N_ACTIONS))].astype(np.int64)
    hired = np.empty(rows.size, dtype=np.int64)
    model.kernels.match_jobs(choice, current, people["skill"][rows], market_start, slot_employer,
                             hired)

    ok = hired >= 0
    new_rows = rows[ok]
    dest = choice[ok] // N_ACTIONS
    origin = city[ok]
    moved = dest != origin
    people["city"][new_rows] = dest
    people["role"][new_rows] = _ROLE_OF_ACTION[choice[ok] % N_ACTIONS]
    people["employer"][new_rows] = hired[ok]
    people["months_in_city"][new_rows[moved]] = 0
    colleague_ties(model, new_rows, model.spec.behaviour.colleague_ties)
    # staff counts are recounted by the model after founding, before they are read

    moves = np.bincount(origin[moved] * n_cities + dest[moved],
                        minlength=n_cities * n_cities).reshape(n_cities, n_cities)
    founding = ((choice % N_ACTIONS) == Action.FOUND) & (choice != current)
    return {
        "hires": np.bincount(dest, minlength=n_cities),
        "would_found": np.bincount(choice[founding] // N_ACTIONS, minlength=n_cities),
        "moves": moves,
        "founder_rows": rows[founding],
        "founder_city": choice[founding] // N_ACTIONS,
    }


def grow_corporate_positions(model: EcosystemModel) -> None:
    """Established firms' technical positions grow at ``labour.corporate_growth`` a year."""
    fac = model.population[Factory]
    monthly = (1.0 + model.spec.labour.corporate_growth) ** (1.0 / 12.0)
    fac["positions"][fac.alive & (fac["group"] < 0)] *= monthly
