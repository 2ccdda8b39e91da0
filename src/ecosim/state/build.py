"""Build a model's tables from its scenario (month 0).

Python-side draws use the model's ``rng`` (NumPy Generator), so a seed fixes the
world whatever the backend.

Scaling: people (talent, graduates, researchers), startups and investors
(whole funds) are counted as ``count * scale`` with unbiased stochastic
rounding; institutes are never scaled (one agent each); each factory group
keeps at least one agent at any scale, and its agents share the group's scaled
total (positions, employees), so totals scale exactly and every city keeps its
factories.

Who works where at the start: each startup has a founder and is staffed to its
stage's headcount; institutes employ their researchers; factories fill their
technical positions; everyone else works for the city's other established
firms, one aggregate Factory row per city (``group == -1``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from ecosim.state.agents import AGENT_CLASSES, Factory, Founder, Institute, Investor, Startup
from ecosim.state.books import Ledger
from ecosim.state.cities import Cities
from ecosim.state.levers import PolicyLevers
from ecosim.state.network import ring_ties
from ecosim.state.tables import Population
from ecosim.state.world import Clock, Statics, World
from ecosim.vocab import INSTITUTE_KINDS, INVESTOR_KINDS, ROUND_STAGES, STAGES, Role

if TYPE_CHECKING:
    import mesa

    from ecosim.inputs.scenario import Scenario

__all__ = ["build_world", "firm_count", "scaled_count", "shares_to_probabilities"]


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


def initial_startup_state(s: Scenario, static: Statics, stage: np.ndarray,
                          rng: np.random.Generator) -> dict:
    """Quality, traction, cash, valuation and equity of the startups alive at the start (est.).

    Their cap tables and histories are unknown, so: a startup past pre-seed has
    passed its last round's bar (quality = bar + ``quality_sd`` x |N(0, 1)|,
    others N(0, ``quality_sd``)); traction is what progress tends to at its
    quality and stage (``traction_target + traction_quality * quality +
    traction_stage * rounds``, one round per stage passed) plus its
    stationary spread; cash covers 6 to 24 months of burn at the stage's headcount;
    valuation is the post-money of a mid-sized last round, spread log-normally
    by ``initial_valuation_sd`` (or their revenue multiple, if larger); their
    age is uniform up to ``maturity_months``, at least a year per round passed;
    they have raised a mid-sized round at each
    stage passed; founders have been diluted by ``dilution`` per round.
    """
    k, f = s.capital, s.firms
    n = stage.size
    last_round = np.clip(stage - 1, 0, len(ROUND_STAGES) - 1)
    quality_draw = rng.standard_normal(n)
    bar = np.array([k.bar[r] for r in ROUND_STAGES])[last_round]
    quality = np.where(stage > 0, bar + f.quality_sd * np.abs(quality_draw),
                       f.quality_sd * quality_draw)
    mid = np.sqrt(np.array([k.round_min_krw[r] * k.round_max_krw[r] for r in ROUND_STAGES]))
    burn = static.target_headcount[stage] * s.labour.monthly_wage_krw["startup_job"]
    traction = (f.traction_target + f.traction_quality * quality + f.traction_stage * stage
                + f.traction_sd / np.sqrt(2.0 * max(f.traction_speed, 1e-9))
                * rng.standard_normal(n))
    cash = burn * f.overhead * rng.uniform(6, 24, n)
    post = np.where(stage > 0, mid[last_round] / k.dilution
                    * np.exp(k.initial_valuation_sd * rng.standard_normal(n)), 0.0)
    # Age unknown: uniform up to the maturity age (est.); a later stage needs a year per round.
    age = np.maximum(rng.integers(0, f.maturity_months, n), 12 * stage)
    return {
        "rounds": stage,
        "founded_month": 1 - age,
        "quality": quality,
        "traction": traction,
        "cash_krw": cash,
        "post_money_krw": post,
        "round_traction": traction,
        "valuation_krw": np.maximum(post, s.firms.arr_multiple * 12 * f.revenue_krw
                                    * np.exp(traction)),
        "founder_equity": (1.0 - k.dilution) ** stage,
        "total_raised_krw": np.concatenate([[0.0], np.cumsum(mid)])[np.minimum(stage, mid.size)],
    }


def build_world(spec: Scenario, model: mesa.Model, kernels: SimpleNamespace) -> World:
    """Create every institute, factory, investor, startup and person at month 0.

    Args:
        spec: The validated scenario.
        model: The Mesa model the agents belong to; its ``rng`` makes every
            Python-side draw of the run.
        kernels: The kernels of the run's backend (``ecosim.kernels.bind``).

    Returns:
        The world as built: tables filled, staff counted, the ledger opened.
    """
    rng = model.rng
    kernel_seed = int(rng.integers(0, 2**63))  # one key for every in-kernel draw of the run
    world = World(spec=spec, cities=Cities.from_scenario(spec),
                  population=Population(model, list(AGENT_CLASSES)), static=Statics.of(spec),
                  levers=PolicyLevers.none(spec),
                  clock=Clock(spec.start_year, spec.start_month), rng=rng, kernels=kernels,
                  kernel_seed=kernel_seed)
    s, pop = spec, world.population
    city = {name: i for i, name in enumerate(s.city_names)}

    pop[Institute].add(
        len(s.institutes),
        city=[city[i.city] for i in s.institutes],
        kind=[INSTITUTE_KINDS.index(i.kind) for i in s.institutes],
        index=np.arange(len(s.institutes)),
        graduates_per_year=[sum(i.graduates.values()) for i in s.institutes],
        positions=[i.researchers * s.scale for i in s.institutes],
    )
    for g, fg in enumerate(s.factories):
        n = firm_count(fg.count, s.scale)
        share = fg.count * s.scale / n if n else 0.0
        pop[Factory].add(n, city=city[fg.city], group=g, employees=fg.employees * share,
                         positions=fg.engineers * share)
    for ig in s.investors:
        # Whole funds, their number rounded stochastically (as people are): a
        # round is the same size at any scale, so an agent must hold a real
        # fund's money, not a sliver of a group's.
        n = scaled_count(ig.count, s.scale, world.rng)
        pop[Investor].add(n, city=city[ig.city], kind=INVESTOR_KINDS.index(ig.kind),
                          fund_size_krw=ig.fund_size_krw,
                          dry_powder_krw=ig.fund_size_krw * s.capital.initial_dry_powder,
                          represents=1.0 / s.scale)

    for c_idx, c in enumerate(s.cities):
        _populate_city(world, c_idx, c)
    people = pop[Founder]
    ring_ties(world, people.live_rows(), people["city"][people.alive], s.behaviour.initial_ties)
    _investment_mandates(world)
    world.recount_staff()
    fac = pop[Factory]
    aggregate = np.flatnonzero(fac.alive & (fac["group"] < 0))
    world.established_row = aggregate[np.argsort(fac["city"][aggregate])]
    world.ledger = Ledger(world.money_stock())
    return world


def _investment_mandates(world: World) -> None:
    """Each investor's stages (by kind) and thesis (``thesis_sectors`` sectors drawn at random)."""
    k, inv = world.spec.capital, world.population[Investor]
    rows = inv.live_rows()
    inv["stages"][rows] = world.static.stage_mask[inv["kind"][rows]]
    n_sectors = len(world.spec.sectors)
    for r in rows.tolist():
        picks = world.rng.choice(n_sectors, size=k.thesis_sectors, replace=False)
        inv["thesis"][r] = int(sum(1 << int(p) for p in picks))


def _populate_city(world: World, c_idx: int, c) -> None:
    s, rng, pop = world.spec, world.rng, world.population
    beh = s.behaviour
    age_lo, age_hi = round(beh.initial_age_min * 12), round(beh.initial_age_max * 12)
    sector_p = shares_to_probabilities(c.sector_shares, s.sectors)
    pool = scaled_count(c.talent_stock, s.scale, rng)

    def add(n, role, employer, sectors=None):
        n = int(min(n, pool - add.placed))
        if n <= 0:
            return
        if sectors is None:
            sectors = rng.choice(len(s.sectors), size=n, p=sector_p)
        age = rng.integers(age_lo, age_hi + 1, size=n)
        pop[Founder].add(
            n, city=c_idx, home_city=c_idx, sector=np.asarray(sectors)[:n], role=int(role),
            pay_krw=world.static.role_pay[int(role)],
            employer=employer[:n] if np.ndim(employer) else employer,
            skill=rng.standard_normal(n).astype(np.float32), age_months=age,
            experience_months=age - age_lo,
            # savings from the years worked before the start (est.: corporate pay)
            savings_krw=(age - age_lo) * s.labour.monthly_wage_krw["corporate_job"]
            * s.firms.savings_rate,
        )
        add.placed += n

    add.placed = 0

    # Startups: a founder each, then staff up to the stage's headcount.
    startups = pop[Startup]
    n_startups = scaled_count(c.venture_firms, s.scale, rng)
    stage_p = shares_to_probabilities(s.startup_stage_shares, STAGES)
    sectors = rng.choice(len(s.sectors), size=n_startups, p=sector_p)
    stage = rng.choice(len(STAGES), size=n_startups, p=stage_p)
    rows = startups.add(n_startups, city=c_idx, origin_city=c_idx, sector=sectors, stage=stage,
                        **initial_startup_state(s, world.static, stage, rng))
    uids = startups["uid"][rows]
    add(n_startups, Role.FOUNDER, uids, sectors)

    # Researchers of the city's institutes.
    inst = pop[Institute]
    for i_row, i in enumerate(s.institutes):
        if i.city == c.name:
            n = scaled_count(i.researchers, s.scale, rng)
            p = shares_to_probabilities(i.sector_shares, s.sectors)
            add(n, Role.RESEARCHER, inst["uid"][i_row], rng.choice(len(s.sectors), size=n, p=p))

    target = world.static.target_headcount[startups["stage"][rows]]
    staff = _within(np.maximum(np.round(target).astype(np.int64) - 1, 0), pool - add.placed)
    add(int(staff.sum()), Role.STARTUP_EMPLOYEE, np.repeat(uids, staff),
        np.repeat(sectors, staff))

    # Factories fill their technical positions; the rest work for other firms.
    fac = pop[Factory]
    here = np.flatnonzero(fac.alive & (fac["city"] == c_idx))
    seats = _within(np.floor(np.minimum(fac["positions"][here], pool)).astype(np.int64),
                    pool - add.placed)
    add(int(seats.sum()), Role.CORPORATE_EMPLOYEE, np.repeat(fac["uid"][here], seats))
    rest = pool - add.placed
    other = fac.add(1, city=c_idx, group=-1, employees=float(rest),
                    positions=rest * (1.0 + s.labour.corporate_openings))
    add(rest, Role.CORPORATE_EMPLOYEE, fac["uid"][other[0]])


def _within(counts: np.ndarray, room: int) -> np.ndarray:
    """``counts`` cut so that their running total stays within ``room`` (the people left).

    Only the first ``room`` seats are ever filled, so the seats beyond them are
    not allocated (a scenario with absurd headcounts fails validation or fits,
    never exhausts memory here).
    """
    room = max(int(room), 0)
    total = np.cumsum(np.minimum(counts, room))
    return np.diff(np.minimum(total, room), prepend=0)
