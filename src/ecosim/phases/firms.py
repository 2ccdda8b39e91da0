"""Startups: founding, progress, demonstration, settlement and relocation.

DESIGN.md section 3, steps 4, 5, 7 and 8. Fundraising (6) and reinvestment (9)
are in :mod:`ecosim.phases.capital`. Money moves through the world's
:class:`~ecosim.state.books.Ledger`, so that investors' dry powder plus
startups' cash always equals what came in minus what went out.
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from ecosim.inputs.params import Firms
from ecosim.kernels.firms import Candidates, Exits, Growth, Hosts, Relocation, Startups
from ecosim.state.agents import Factory, Founder, Institute, Investor, Startup
from ecosim.state.books import Foundings, Relocations, Settlements
from ecosim.state.tables import index_of
from ecosim.vocab import Outcome, Role, Stage

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario
    from ecosim.state.books import Careers
    from ecosim.state.world import World

__all__ = ["RelocationWeights", "demonstrate", "exit_now", "exit_rules", "found", "growth",
           "progress", "relocate", "relocation_weights", "settle", "startups"]

#: The relocation kernel's weights: one field per ``w_reloc_*`` field of
#: :class:`~ecosim.inputs.params.Firms`, named without the prefix.
RelocationWeights = namedtuple(
    "RelocationWeights",
    [f.name.removeprefix("w_reloc_") for f in dataclasses.fields(Firms)
     if f.name.startswith("w_reloc_")])


def relocation_weights(f: Firms) -> RelocationWeights:
    """The relocation weights of a firms section, by name."""
    return RelocationWeights(**{k: float(getattr(f, f"w_reloc_{k}"))
                                for k in RelocationWeights._fields})


def growth(s: Scenario) -> Growth:
    """The progress kernel's parameters, from the firms section by name."""
    f = s.firms
    burn = s.labour.monthly_wage_krw["startup_job"] * f.overhead
    return Growth(**{k: getattr(f, k) for k in Growth._fields if k != "burn_per_head_krw"},
                  burn_per_head_krw=burn)


def exit_rules(f: Firms) -> Exits:
    """The settlement kernel's parameters, from the firms section by name."""
    return Exits(**{k: getattr(f, k) for k in Exits._fields})


def startups(world: World) -> Startups:
    """The startup table's columns as the kernels take them (views)."""
    su = world.population[Startup]
    return Startups(alive=su.alive, uid=su["uid"], stage=su["stage"], rounds=su["rounds"],
                    founded_month=su["founded_month"], quality=su["quality"],
                    traction=su["traction"], revenue=su["revenue_krw"], cash=su["cash_krw"],
                    valuation=su["valuation_krw"], post_money=su["post_money_krw"],
                    demos=su["demos"],
                    months_since_round=su["months_since_round"])


def staff_of(world: World, startup_uids: np.ndarray) -> np.ndarray:
    """Rows of the people who work for (or founded) the startups with these uids, ascending."""
    people, su = world.population[Founder], world.population[Startup]
    chosen = np.zeros(su.size, dtype=np.bool_)
    rows = su.rows_of(startup_uids)
    chosen[rows[rows >= 0]] = True
    return world.kernels.members(people["employer"], people.alive, su.row_of_uid, chosen)


# --------------------------------------------------------------------------- founding


def found(world: World, careers: Careers) -> Foundings:
    """Create a startup for each founder, in the city they chose (step 4).

    The team is the founder plus co-founders: each of the founder's ties who
    lives in that city and is not founding joins with probability
    ``cofounder_join``, up to ``max_cofounders``. Latent quality is
    ``quality_skill * mean team skill + quality_research * research strength of
    the founder's alma mater (or institute, for a researcher's spin-off) in the
    sector + quality_sd * N(0, 1)``. Starting cash is the team's savings times
    ``founder_savings_share`` plus ``founding_grant_krw``, plus the
    commercialization lever's grant while its budget lasts.
    """
    rng, f = world.rng, world.spec.firms
    people = world.population[Founder]
    n_cities = world.n_cities
    founder_rows, cities = careers.founder_rows, careers.founder_city
    n = founder_rows.size
    if n == 0:
        return Foundings(np.zeros(n_cities, np.int64), np.zeros((n_cities, n_cities), np.int64),
                         np.empty(0, np.int64))
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
    inst = world.population[Institute]
    spinoff = np.where((people["role"][founder_rows] == Role.RESEARCHER),
                       inst.rows_of(people["employer"][founder_rows]), -1)
    origin_inst = np.where(spinoff >= 0, spinoff, people["alma_mater"][founder_rows])
    strength = np.where(origin_inst >= 0,
                        world.static.research_strength[np.maximum(origin_inst, 0), sector], 0.0)
    quality = (f.quality_skill * skill / size + f.quality_research * strength
               + f.quality_sd * rng.standard_normal(n))
    savings = people["savings_krw"][members] * f.founder_savings_share
    capital = np.bincount(team, weights=savings, minlength=n)
    people["savings_krw"][members] -= savings
    policy_grant = world.levers.draw_grants(cities)  # commercialization lever
    world.ledger.add("founder_capital", capital.sum())
    world.ledger.add("grants", f.founding_grant_krw * n + policy_grant.sum())

    rows = world.population[Startup].add(
        n, city=cities, origin_city=cities, sector=sector, stage=int(Stage.PRE_SEED),
        founded_month=world.month, cash_krw=capital + f.founding_grant_krw + policy_grant,
        quality=quality,
        traction=f.initial_traction, spinoff_of=spinoff,
    )
    uids = world.population[Startup]["uid"][rows]
    origin = people["city"][members].astype(np.int64)
    dest = cities[team]
    world.log.founders.extend(zip(
        [world.month] * members.size, uids[team].tolist(), people["uid"][members].tolist(),
        people["home_city"][members].tolist(), origin.tolist(), dest.tolist(),
        people["alma_mater"][members].tolist(), strict=True))
    world.assign(members, int(Role.FOUNDER), uids[team])
    people["city"][members] = dest
    people["months_in_city"][members[origin != dest]] = 0
    moves = np.zeros((n_cities, n_cities), np.int64)
    np.add.at(moves, (origin[origin != dest], dest[origin != dest]), 1)
    world.record_first_jobs(members)
    world.log.record_foundings(uids, cities, spinoff, world.month)
    return Foundings(np.bincount(cities, minlength=n_cities), moves, members)


# --------------------------------------------------------------------------- progress


def progress(world: World) -> None:
    """Traction, revenue and burn for every startup this month (step 5)."""
    su = world.population[Startup]
    fit = (world.static.research_fit + world.levers.fit_bonus)[su["city"], su["sector"]]
    burn = world.kernels.progress(startups(world), fit, world.paid_heads(), growth(world.spec),
                                  world.kernel_seed, world.month)
    world.ledger.add("revenue", world.spec.firms.margin * su["revenue_krw"][su.alive].sum())
    world.ledger.add("spent", burn.sum())


# --------------------------------------------------------------------------- demonstration


def demonstrate(world: World) -> np.ndarray:
    """Factories host proof-of-concept demonstrations, once a year (step 7).

    Each factory opens ``demo_slots_per_1000`` slots per 1,000 employees
    (stochastic rounding). Startups at seed stage or later apply, in a random
    order, each to one factory sampled by relevance (its industry buys from the
    startup's sector) and proximity (distance decay as for investors). A
    demonstration adds ``demo_traction`` and makes an acquisition likelier.

    Returns:
        Demonstrations per city (startup's city) this month, shape (C,).
    """
    s, f = world.spec, world.spec.firms
    n_cities = world.n_cities
    if world.clock.calendar_month != f.demo_month:
        return np.zeros(n_cities, np.int64)
    fac, su = world.population[Factory], world.population[Startup]
    real = fac.alive & (fac["group"] >= 0)
    expected = np.where(real, fac["employees"] * f.demo_slots_per_1000 / 1000.0, 0.0)
    # infrastructure lever: extra slots in the city, shared by its factories by size
    city_employees = np.bincount(fac["city"][real], weights=fac["employees"][real],
                                 minlength=n_cities)
    share = np.where(real, fac["employees"] / np.maximum(city_employees[fac["city"]], 1.0), 0.0)
    expected += share * world.levers.demo_slots[fac["city"]] * s.scale
    slots = np.floor(expected + world.rng.random(fac.size)).astype(np.int64)
    relevance = np.zeros((fac.size, len(s.sectors)))
    groups = fac["group"]
    for g, fg in enumerate(s.factories):
        for sector in fg.sectors:
            relevance[groups == g, s.sectors.index(sector)] = 1.0
    decay = (1.0 + world.cities.distance_km[:, fac["city"]]) ** (
        -s.behaviour.investor_distance_exponent)
    weights = decay[:, None, :] * relevance.T[None, :, :] * (slots > 0)[None, None, :]
    cum = np.ascontiguousarray(np.cumsum(weights, axis=2))
    applicants = np.flatnonzero(su.alive & (su["stage"] >= Stage.SEED))
    applicants = applicants[world.rng.permutation(applicants.size)]
    partner = world.kernels.match_demonstrations(
        Candidates(su["uid"][applicants], su["city"][applicants].astype(np.int64),
                   su["sector"][applicants].astype(np.int64)),
        Hosts(cum, slots, fac["uid"]), world.kernel_seed, world.month)
    done = applicants[partner >= 0]
    su["traction"][done] += f.demo_traction
    su["demos"][done] += 1
    su["partner"][done] = partner[partner >= 0]
    return np.bincount(su["city"][done], minlength=n_cities)


# --------------------------------------------------------------------------- settlement


def settle(world: World) -> Settlements:
    """Deaths, acquisitions, IPOs, maturity and new unicorns (step 8).

    A startup out of cash dies and its team searches again. An exit pays the
    founders ``value * founder_equity`` (shared equally; it becomes their
    wealth), pays each investor in the model its equity share (back into its
    dry powder), and the rest goes to holders outside the model (initial cap
    tables are not modelled). The staff join the acquirer (the demonstration
    partner, else the city's other established firms) and stay where they
    work; after an IPO they count as employees of the city's established
    firms. Founders search again, now serial founders. A startup that matures
    (self-sustaining past ``maturity_months``) becomes part of the city's
    established firms with its whole team, founders included; nothing is paid
    out (no one sells). A startup valued at
    ``unicorn_krw`` or more for the first time is counted as a new unicorn
    where its head office is (before any exit this month).
    """
    su = world.population[Startup]
    n_cities = world.n_cities
    crossed = np.flatnonzero(su.alive & (su["unicorn_month"] < 0)
                             & (su["valuation_krw"] >= world.spec.firms.unicorn_krw))
    su["unicorn_month"][crossed] = world.month
    fate = world.kernels.settle(startups(world),
                                world.paid_heads() * world.static.burn_per_head_krw,
                                exit_rules(world.spec.firms), world.kernel_seed, world.month)
    outcome, value = fate.outcome, fate.value
    dead = np.flatnonzero(outcome == Outcome.DIES)
    exits = np.flatnonzero((outcome == Outcome.ACQUIRED) | (outcome == Outcome.IPO))
    city = su["city"]
    out = Settlements(
        deaths=np.bincount(city[dead], minlength=n_cities),
        acquisitions=np.bincount(city[outcome == Outcome.ACQUIRED], minlength=n_cities),
        ipos=np.bincount(city[outcome == Outcome.IPO], minlength=n_cities),
        exit_value_krw=np.bincount(city[exits], weights=value[exits], minlength=n_cities),
        new_unicorns=np.bincount(city[crossed], minlength=n_cities),
        matured=np.bincount(city[outcome == Outcome.MATURES], minlength=n_cities),
    )
    _mature(world, np.flatnonzero(outcome == Outcome.MATURES))
    _end(world, dead, exits, value[exits], outcome[exits])
    return out


def _mature(world: World, rows: np.ndarray) -> None:
    """Startups in ``rows`` become part of their city's established firms, team and all."""
    if rows.size == 0:
        return
    su, people, fac = (world.population[Startup], world.population[Founder],
                       world.population[Factory])
    uids = su["uid"][rows]
    team = staff_of(world, uids)
    employer_row = world.established_firms_row(people["city"][team])
    world.assign(team, int(Role.CORPORATE_EMPLOYEE), fac["uid"][employer_row])
    np.add.at(fac["positions"], employer_row, 1.0)
    world.ledger.add("cash_removed", su["cash_krw"][rows].sum())
    world.log.record_endings(uids, np.full(rows.size, Outcome.MATURES, np.int8), world.month)
    world.cap_table.forget(uids)
    su.remove(rows)


def _end(world: World, dead: np.ndarray, exits: np.ndarray, value: np.ndarray,
         outcome: np.ndarray) -> None:
    """Remove startups that died or exited, paying out the exits first."""
    su = world.population[Startup]
    if exits.size:
        _pay_out(world, exits, value, outcome)
    ended = np.concatenate([dead, exits])
    if ended.size == 0:
        return
    staff = staff_of(world, su["uid"][dead])
    world.assign(staff, int(Role.SEARCHING), -1)
    world.ledger.add("cash_removed", su["cash_krw"][ended].sum())
    world.log.record_endings(su["uid"][ended],
                             np.concatenate([np.full(dead.size, Outcome.DIES, np.int8), outcome]),
                             world.month)
    world.cap_table.forget(su["uid"][ended])
    su.remove(ended)


def exit_now(world: World, city: str, value_krw: float) -> int:
    """Make the most valuable startup of ``city`` (with founders) be acquired now for ``value_krw``.

    The exit is paid out like any acquisition (founders' wealth, investors'
    returns, staff to the city's established firms). See
    :meth:`ecosim.model.EcosystemModel.inject_exit`, which also runs the
    reinvestment step.

    Returns:
        The uid of the startup that exited.

    Raises:
        ValueError: The city has no startup with founders.
    """
    su = world.population[Startup]
    c = world.cities.index(city)
    rows = np.flatnonzero(su.alive & (su["city"] == c) & (su["founders"] > 0))
    if rows.size == 0:
        raise ValueError(f"city = {city!r} has no startup with founders to exit; allowed is a "
                         "city with one")
    row = rows[np.argmax(su["valuation_krw"][rows])]
    uid = int(su["uid"][row])
    su["partner"][row] = -1
    _end(world, np.empty(0, np.int64), np.array([row]), np.array([float(value_krw)]),
         np.array([Outcome.ACQUIRED], np.int8))
    return uid


def _pay_investors(world: World, startup_uids: np.ndarray, value: np.ndarray) -> None:
    """Pay each in-model investor its equity share of the exit value (into dry powder)."""
    inv = world.population[Investor]
    investors, paid = world.cap_table.claims(startup_uids, value)
    investor_rows = inv.rows_of(investors)
    live = investor_rows >= 0
    np.add.at(inv["dry_powder_krw"], investor_rows[live], paid[live])
    np.add.at(inv["returned_krw"], investor_rows[live], paid[live])
    world.ledger.add("exit_returns", paid[live].sum())


def _pay_out(world: World, rows: np.ndarray, value: np.ndarray, outcome: np.ndarray) -> None:
    su = world.population[Startup]
    people = world.population[Founder]
    fac = world.population[Factory]
    uids = su["uid"][rows]
    _pay_investors(world, uids, value)
    team = staff_of(world, uids)
    founders = team[people["role"][team] == Role.FOUNDER]
    firm = index_of(uids, people["employer"][founders])
    n_founders = np.bincount(firm, minlength=rows.size)
    share = value * su["founder_equity"][rows] / np.maximum(n_founders, 1)
    people["wealth_krw"][founders] += share[firm]
    people["exits"][founders] += 1
    world.ledger.add("paid_to_founders", float((share * n_founders).sum()))
    # Staff (not founders) join the acquirer or the city's established firms.
    staff = team[people["role"][team] != Role.FOUNDER]
    firm_of_staff = index_of(uids, people["employer"][staff])
    partner = su["partner"][rows]
    partner_row = fac.rows_of(partner)
    aggregate = world.established_firms_row(su["city"][rows])
    employer_row = np.where((outcome == Outcome.ACQUIRED) & (partner_row >= 0), partner_row,
                            aggregate)
    new_employer = employer_row[firm_of_staff]
    world.assign(staff, int(Role.CORPORATE_EMPLOYEE), fac["uid"][new_employer])  # stays put
    np.add.at(fac["positions"], new_employer, 1.0)
    world.assign(founders, int(Role.SEARCHING), -1)


# --------------------------------------------------------------------------- relocation


def relocate(world: World) -> Relocations:
    """Funded startups reconsider their head-office city (step 8).

    Each startup that has raised capital searches with probability
    ``relocation_search`` and chooses a city by random utility
    (``kernels.firms.relocate``): investor access, factories that buy from its
    sector, the local talent pool of its sector, cost of living, policy support
    for staying, and a moving cost. Its staff move with it.
    """
    s, f = world.spec, world.spec.firms
    su, people = world.population[Startup], world.population[Founder]
    n_cities, n_sectors = world.n_cities, len(s.sectors)
    relocations = np.zeros((n_cities, n_cities), np.int64)
    moves = np.zeros((n_cities, n_cities), np.int64)
    log_investor = world.log_investor_access()
    funded = su.alive & (su["total_raised_krw"] > 0)
    rows = np.flatnonzero(funded & (world.rng.random(su.size) < f.relocation_search))
    if rows.size == 0:
        return Relocations(relocations, moves)
    talent = world.kernels.census(people["city"], people["sector"], people.alive, n_cities,
                                  n_sectors)
    r = Relocation(
        log_investor=log_investor,
        log_factories=np.log1p(world.static.buyers),
        log_talent=np.log1p(talent / s.scale),
        log_cost=world.static.log_cost,
        travel=world.cities.travel_time_hours,
        incentive=world.levers.headquarters_incentives,
    )
    new_city = world.kernels.relocate(
        Candidates(su["uid"][rows], su["city"][rows].astype(np.int64),
                   su["sector"][rows].astype(np.int64)),
        r, relocation_weights(f), world.kernel_seed, world.month)
    old = su["city"][rows].astype(np.int64)
    moved = new_city != old
    rows, old, new_city = rows[moved], old[moved], new_city[moved]
    np.add.at(relocations, (old, new_city), 1)
    su["city"][rows] = new_city
    su["moves"][rows] += 1
    staff = staff_of(world, su["uid"][rows])
    firm = index_of(su["uid"][rows], people["employer"][staff])
    from_city = people["city"][staff].astype(np.int64)
    people["city"][staff] = new_city[firm]
    people["months_in_city"][staff] = 0
    np.add.at(moves, (from_city, new_city[firm]), 1)
    np.fill_diagonal(moves, 0)
    return Relocations(relocations, moves)
