"""Startups: founding, progress, demonstration, settlement and relocation.

DESIGN.md section 3, steps 4, 5, 7 and 8. Fundraising (6) and reinvestment (9)
are in :mod:`ecosim.capital`. Money moves through the model's
:class:`~ecosim.capital.Ledger`, so that investors' dry powder plus startups'
cash always equals what came in minus what went out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Factory, Founder, Institute, Role, Stage, Startup
from ecosim.kernels.firms import ACQUIRED, DIES, IPO, Exits, Growth, Relocation
from ecosim.population import index_of

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel


def burn_per_head(model: EcosystemModel) -> float:
    """Monthly cash a startup spends per person (KRW): startup pay times overhead."""
    s = model.spec
    return s.labour.monthly_wage_krw["startup_job"] * s.firms.overhead


def paid_heads(model: EcosystemModel) -> np.ndarray:
    """Staff on full pay per startup row: founders count at ``founder_pay`` before Series A."""
    su = model.population[Startup]
    early = su["stage"] < Stage.SERIES_A
    share = np.where(early, model.spec.firms.founder_pay, 1.0)
    return (su["headcount"] - su["founders"]) + share * su["founders"]


def research_strength(model: EcosystemModel) -> np.ndarray:
    """Research strength of each institute in each sector, shape (institutes, S).

    ``log(1 + researchers * sector share / 100)``, researchers at full scale.
    """
    s = model.spec
    shares = np.array([[i.sector_shares.get(k, 0.0) for k in s.sectors] for i in s.institutes])
    researchers = np.array([i.researchers for i in s.institutes], dtype=np.float64)
    return np.log1p(researchers[:, None] * shares / 100.0)


def research_fit(model: EcosystemModel) -> np.ndarray:
    """Research strength of each city's institutes in each sector, shape (C, S)."""
    strength = research_strength(model)
    cities = np.array([model.spec.city_index(i.city) for i in model.spec.institutes])
    fit = np.zeros((len(model.cities), strength.shape[1]))
    np.add.at(fit, cities, strength)
    return fit


def staff_of(model: EcosystemModel, startup_uids: np.ndarray) -> np.ndarray:
    """Rows of the people who work for (or founded) the startups with these uids."""
    people = model.population[Founder]
    return np.flatnonzero(people.alive & np.isin(people["employer"], startup_uids))


# --------------------------------------------------------------------------- founding


def found(model: EcosystemModel, founder_rows: np.ndarray, cities: np.ndarray) -> dict:
    """Create a startup for each founder, in the city they chose (step 4).

    The team is the founder plus co-founders: each of the founder's ties who
    lives in that city and is not founding joins with probability
    ``cofounder_join``, up to ``max_cofounders``. Latent quality is
    ``quality_skill * mean team skill + quality_research * research strength of
    the founder's alma mater (or institute, for a researcher's spin-off) in the
    sector + quality_sd * N(0, 1)``. Starting cash is the team's savings times
    ``founder_savings_share`` plus ``founding_grant_krw``.

    Returns:
        ``foundings`` per city and ``moves``, the (C, C) people who changed city.
    """
    rng, f = model.rng, model.spec.firms
    people = model.population[Founder]
    n_cities = len(model.cities)
    out = {"foundings": np.zeros(n_cities, np.int64), "moves": np.zeros((n_cities, n_cities),
                                                                         np.int64)}
    n = founder_rows.size
    if n == 0:
        return out
    # Co-founders among the founders' ties living in the chosen city.
    tie_rows = people.rows_of(people["ties"][founder_rows])  # (n, K)
    ok = tie_rows >= 0
    safe = np.where(ok, tie_rows, 0)
    ok &= people.alive[safe] & (people["city"][safe] == cities[:, None])
    ok &= people["role"][safe] != Role.FOUNDER
    ok &= ~np.isin(safe, founder_rows)
    ok &= rng.random(ok.shape) < f.cofounder_join
    ok &= np.cumsum(ok, axis=1) <= f.max_cofounders
    team_of = np.repeat(np.arange(n), ok.sum(axis=1))
    cofounders = safe[ok]
    cofounders, first = np.unique(cofounders, return_index=True)  # one startup each
    team_of = team_of[first]
    members = np.concatenate([founder_rows, cofounders])
    team = np.concatenate([np.arange(n), team_of])

    skill = np.bincount(team, weights=people["skill"][members], minlength=n)
    size = np.bincount(team, minlength=n)
    sector = people["sector"][founder_rows].astype(np.int64)
    inst = model.population[Institute]
    spinoff = np.where((people["role"][founder_rows] == Role.RESEARCHER),
                       inst.rows_of(people["employer"][founder_rows]), -1)
    origin_inst = np.where(spinoff >= 0, spinoff, people["alma_mater"][founder_rows])
    strength = np.where(origin_inst >= 0,
                        research_strength(model)[np.maximum(origin_inst, 0), sector], 0.0)
    quality = (f.quality_skill * skill / size + f.quality_research * strength
               + f.quality_sd * rng.standard_normal(n))
    savings = people["savings_krw"][members] * f.founder_savings_share
    capital = np.bincount(team, weights=savings, minlength=n)
    people["savings_krw"][members] -= savings
    policy_grant = model.policy.grants_for(cities)  # commercialization lever
    model.ledger.add("founder_capital", capital.sum())
    model.ledger.add("grants", f.founding_grant_krw * n + policy_grant.sum())

    rows = model.population[Startup].add(
        n, city=cities, origin_city=cities, sector=sector, stage=int(Stage.PRE_SEED),
        founded_month=model.month, cash_krw=capital + f.founding_grant_krw + policy_grant,
        quality=quality,
        traction=f.initial_traction, spinoff_of=spinoff,
    )
    uids = model.population[Startup]["uid"][rows]
    origin = people["city"][members].astype(np.int64)
    dest = cities[team]
    people["role"][members] = int(Role.FOUNDER)
    people["employer"][members] = uids[team]
    people["city"][members] = dest
    people["months_in_city"][members[origin != dest]] = 0
    np.add.at(out["moves"], (origin[origin != dest], dest[origin != dest]), 1)
    out["foundings"] = np.bincount(cities, minlength=n_cities)
    model.record_foundings(uids, cities)
    return out


# --------------------------------------------------------------------------- progress


def progress(model: EcosystemModel) -> None:
    """Traction, revenue and burn for every startup this month (step 5)."""
    f = model.spec.firms
    su = model.population[Startup]
    fit = (research_fit(model) + model.policy.fit_bonus)[su["city"], su["sector"]]
    burn = np.empty(su.size)
    model.kernels.progress(
        su.alive, su["uid"], su["quality"], fit, su["traction"], su["revenue_krw"],
        su["cash_krw"], paid_heads(model), su["months_since_round"],
        Growth(f.traction_target, f.traction_quality, f.traction_fit, f.traction_speed,
               f.traction_sd, f.revenue_krw, burn_per_head(model)),
        model.kernel_seed, model.month, burn,
    )
    model.ledger.add("revenue", su["revenue_krw"][su.alive].sum())
    model.ledger.add("spent", burn.sum())


# --------------------------------------------------------------------------- demonstration


def demonstrate(model: EcosystemModel) -> np.ndarray:
    """Factories host proof-of-concept demonstrations, once a year (step 7).

    Each factory opens ``demo_slots_per_1000`` slots per 1,000 employees
    (stochastic rounding). Startups at seed stage or later apply, in a random
    order, each to one factory sampled by relevance (its industry buys from the
    startup's sector) and proximity (distance decay as for investors). A
    demonstration adds ``demo_traction`` and makes an acquisition likelier.

    Returns:
        Demonstrations per city (startup's city) this month, shape (C,).
    """
    s, f = model.spec, model.spec.firms
    n_cities = len(model.cities)
    if model.calendar_month != f.demo_month:
        return np.zeros(n_cities, np.int64)
    fac, su = model.population[Factory], model.population[Startup]
    real = fac.alive & (fac["group"] >= 0)
    expected = np.where(real, fac["employees"] * f.demo_slots_per_1000 / 1000.0, 0.0)
    # infrastructure lever: extra slots in the city, shared by its factories by size
    city_employees = np.bincount(fac["city"][real], weights=fac["employees"][real],
                                 minlength=n_cities)
    share = np.where(real, fac["employees"] / np.maximum(city_employees[fac["city"]], 1.0), 0.0)
    expected += share * model.policy.demo_slots[fac["city"]] * s.scale
    slots = np.floor(expected + model.rng.random(fac.size)).astype(np.int64)
    relevance = np.zeros((fac.size, len(s.sectors)))
    groups = fac["group"]
    for g, fg in enumerate(s.factories):
        for sector in fg.sectors:
            relevance[groups == g, s.sectors.index(sector)] = 1.0
    decay = (1.0 + model.cities.distance_km[:, fac["city"]]) ** (
        -s.behaviour.investor_distance_exponent)
    weights = decay[:, None, :] * relevance.T[None, :, :] * (slots > 0)[None, None, :]
    cum = np.ascontiguousarray(np.cumsum(weights, axis=2))
    applicants = np.flatnonzero(su.alive & (su["stage"] >= Stage.SEED))
    applicants = applicants[model.rng.permutation(applicants.size)]
    partner = np.empty(applicants.size, np.int64)
    model.kernels.match_demonstrations(
        su["uid"][applicants], su["city"][applicants].astype(np.int64),
        su["sector"][applicants].astype(np.int64), cum, slots, fac["uid"], model.kernel_seed,
        model.month, partner)
    done = applicants[partner >= 0]
    su["traction"][done] += f.demo_traction
    su["demos"][done] += 1
    su["partner"][done] = partner[partner >= 0]
    return np.bincount(su["city"][done], minlength=n_cities)


# --------------------------------------------------------------------------- settlement


def settle(model: EcosystemModel) -> dict[str, np.ndarray]:
    """Deaths, acquisitions and IPOs (step 8).

    A startup out of cash dies and its team searches again. An exit pays the
    founders ``value * founder_equity`` (shared equally; it becomes their
    wealth), pays each investor in the model its equity share (back into its
    dry powder), and the rest goes to holders outside the model (initial cap
    tables are not modelled). The staff join the acquirer (the demonstration
    partner, else the city's other established firms) and stay where they
    work; after an IPO they count as employees of the city's established
    firms. Founders search again, now serial founders.

    Returns:
        Per city: ``deaths``, ``exits``, ``exit_value_krw``.
    """
    x = model.spec.firms
    su = model.population[Startup]
    n_cities = len(model.cities)
    outcome = np.empty(su.size, np.int8)
    value = np.empty(su.size)
    model.kernels.settle(
        su.alive, su["uid"], su["stage"], su["cash_krw"], su["traction"], su["revenue_krw"],
        su["valuation_krw"], su["demos"],
        Exits(x.acquisition_hazard, x.demo_acquisition, x.acquisition_premium,
              x.ipo_valuation_krw, x.ipo_hazard, x.arr_multiple),
        model.kernel_seed, model.month, outcome, value,
    )
    dead = np.flatnonzero(outcome == DIES)
    exits = np.flatnonzero((outcome == ACQUIRED) | (outcome == IPO))
    out = {
        "deaths": np.bincount(su["city"][dead], minlength=n_cities),
        "exits": np.bincount(su["city"][exits], minlength=n_cities),
        "exit_value_krw": np.bincount(su["city"][exits], weights=value[exits],
                                      minlength=n_cities),
    }
    _end(model, dead, exits, value[exits], outcome[exits])
    return out


def _end(model: EcosystemModel, dead: np.ndarray, exits: np.ndarray, value: np.ndarray,
         outcome: np.ndarray) -> None:
    """Remove startups that died or exited, paying out the exits first."""
    su = model.population[Startup]
    if exits.size:
        _pay_out(model, exits, value, outcome)
    ended = np.concatenate([dead, exits])
    if ended.size == 0:
        return
    people = model.population[Founder]
    staff = staff_of(model, su["uid"][dead])
    people["role"][staff] = int(Role.SEARCHING)
    people["employer"][staff] = -1
    model.ledger.add("cash_removed", su["cash_krw"][ended].sum())
    model.record_endings(su["uid"][ended],
                         np.concatenate([np.full(dead.size, DIES, np.int8), outcome]))
    model.capital.forget(su["uid"][ended])
    su.remove(ended)


def inject_exit(model: EcosystemModel, city: str, value_krw: float) -> int:
    """Make the most valuable startup of ``city`` (with founders) be acquired now for ``value_krw``.

    For experiments on the reinvestment loop ("what if one large exit happened
    here?"): the exit is paid out like any acquisition (founders' wealth,
    investors' returns, staff to the city's established firms), and the
    reinvestment step follows at once, as it does after settlement within a
    month: founders past the angel threshold become angels where they live.

    Returns:
        The uid of the startup that exited.

    Raises:
        ValueError: The city has no startup.
    """
    su = model.population[Startup]
    c = model.cities.index(city)
    rows = np.flatnonzero(su.alive & (su["city"] == c) & (su["founders"] > 0))
    if rows.size == 0:
        raise ValueError(f"city = {city!r} has no startup with founders to exit; allowed is a "
                         "city with one")
    row = rows[np.argmax(su["valuation_krw"][rows])]
    uid = int(su["uid"][row])
    su["partner"][row] = -1
    _end(model, np.empty(0, np.int64), np.array([row]), np.array([float(value_krw)]),
         np.array([ACQUIRED], np.int8))
    model.capital.reinvest(model)
    return uid


def _pay_out(model: EcosystemModel, rows: np.ndarray, value: np.ndarray,
             outcome: np.ndarray) -> None:
    su = model.population[Startup]
    people = model.population[Founder]
    fac = model.population[Factory]
    uids = su["uid"][rows]
    model.capital.pay_investors(uids, value)
    founders = np.flatnonzero(people.alive & np.isin(people["employer"], uids)
                              & (people["role"] == Role.FOUNDER))
    firm = index_of(uids, people["employer"][founders])
    n_founders = np.bincount(firm, minlength=rows.size)
    share = value * su["founder_equity"][rows] / np.maximum(n_founders, 1)
    people["wealth_krw"][founders] += share[firm]
    people["exits"][founders] += 1
    model.ledger.add("paid_to_founders", float((share * n_founders).sum()))
    # Staff (not founders) join the acquirer or the city's established firms.
    staff = np.flatnonzero(people.alive & np.isin(people["employer"], uids)
                           & (people["role"] != Role.FOUNDER))
    firm_of_staff = index_of(uids, people["employer"][staff])
    partner = su["partner"][rows]
    partner_row = fac.rows_of(partner)
    aggregate = model.established_firms_row(su["city"][rows])
    employer_row = np.where((outcome == ACQUIRED) & (partner_row >= 0), partner_row, aggregate)
    new_employer = employer_row[firm_of_staff]
    people["role"][staff] = int(Role.CORPORATE_EMPLOYEE)
    people["employer"][staff] = fac["uid"][new_employer]  # the team stays where it works
    np.add.at(fac["positions"], new_employer, 1.0)
    people["role"][founders] = int(Role.SEARCHING)
    people["employer"][founders] = -1


# --------------------------------------------------------------------------- relocation


def relocate(model: EcosystemModel, log_investor: np.ndarray) -> dict[str, np.ndarray]:
    """Funded startups reconsider their head-office city (step 8).

    Each startup that has raised capital searches with probability
    ``relocation_search`` and chooses a city by random utility
    (``kernels.firms.relocate``): investor access, factories that buy from its
    sector, the local talent pool of its sector, cost of living, policy support
    for staying, and a moving cost. Its staff move with it.

    Returns:
        ``relocations`` (C, C) head offices moved (origin x destination), and
        ``moves`` (C, C) people who moved with them.
    """
    s, f = model.spec, model.spec.firms
    su, people = model.population[Startup], model.population[Founder]
    n_cities, n_sectors = len(model.cities), len(s.sectors)
    out = {"relocations": np.zeros((n_cities, n_cities), np.int64),
           "moves": np.zeros((n_cities, n_cities), np.int64)}
    funded = su.alive & (su["total_raised_krw"] > 0)
    rows = np.flatnonzero(funded & (model.rng.random(su.size) < f.relocation_search))
    if rows.size == 0:
        return out
    fac = model.population[Factory]
    buyers = np.zeros((n_cities, n_sectors))
    for g, fg in enumerate(s.factories):
        here = np.bincount(fac["city"][fac.alive & (fac["group"] == g)], minlength=n_cities)
        for sector in fg.sectors:
            buyers[:, s.sectors.index(sector)] += here
    talent = np.bincount(people["city"][people.alive].astype(np.int64) * n_sectors
                         + people["sector"][people.alive], minlength=n_cities * n_sectors)
    r = Relocation(
        log_investor=log_investor,
        log_factories=np.log1p(buyers / s.scale),
        log_talent=np.log1p(talent.reshape(n_cities, n_sectors) / s.scale),
        log_cost=np.log([c.cost_of_living for c in s.cities]),
        travel=model.cities.travel_time_hours,
        incentive=model.headquarters_incentives,
        w=np.array([f.w_reloc_investor, f.w_reloc_factories, f.w_reloc_talent, f.w_reloc_cost,
                    f.w_reloc_move, f.w_reloc_travel]),
    )
    new_city = np.empty(rows.size, np.int64)
    model.kernels.relocate(su["uid"][rows], su["city"][rows].astype(np.int64),
                           su["sector"][rows].astype(np.int64), r, model.kernel_seed,
                           model.month, new_city)
    old = su["city"][rows].astype(np.int64)
    moved = new_city != old
    rows, old, new_city = rows[moved], old[moved], new_city[moved]
    np.add.at(out["relocations"], (old, new_city), 1)
    su["city"][rows] = new_city
    su["moves"][rows] += 1
    staff = staff_of(model, su["uid"][rows])
    firm = index_of(su["uid"][rows], people["employer"][staff])
    from_city = people["city"][staff].astype(np.int64)
    people["city"][staff] = new_city[firm]
    people["months_in_city"][staff] = 0
    np.add.at(out["moves"], (from_city, new_city[firm]), 1)
    np.fill_diagonal(out["moves"], 0)
    return out
