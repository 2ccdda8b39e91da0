"""Build a model's tables from its scenario (month 0).

Python-side draws use the model's ``rng`` (NumPy Generator), so a seed fixes the
world whatever the backend.

Scaling: people (talent, graduates, researchers) and startups are counted as
``count * scale`` with unbiased stochastic rounding; institutes are never scaled
(one agent each); each factory and investor group keeps at least one agent at
any scale, and its agents share the group's scaled total (positions, employees,
capital), so totals scale exactly and every city keeps its firms.

Who works where at the start: each startup has a founder and is staffed to its
stage's headcount; institutes employ their researchers; factories fill their
technical positions; everyone else works for the city's other established
firms, one aggregate Factory row per city (``group == -1``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Factory, Founder, Institute, Investor, Role, Startup
from ecosim.scenario import INSTITUTE_KINDS, INVESTOR_KINDS, ROUND_STAGES, STAGES
from ecosim.social import ring_ties

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


def startup_target_headcount(scenario: Scenario) -> np.ndarray:
    """Positions (founder included) a startup seeks at each stage, shape (stages,)."""
    return np.array([scenario.labour.startup_headcount[s] for s in STAGES], dtype=np.float64)


def initial_startup_state(s: Scenario, stage: np.ndarray, rng: np.random.Generator) -> dict:
    """Quality, traction, cash, valuation and equity of the startups alive at the start (est.).

    Their cap tables and histories are unknown, so: a startup past pre-seed has
    passed its last round's bar (quality = bar + ``quality_sd`` x |N(0, 1)|,
    others N(0, ``quality_sd``)); traction is ``initial_traction`` plus one per
    stage; cash covers 6 to 24 months of burn at the stage's headcount;
    valuation is the post-money of a mid-sized last round, spread log-normally
    by ``initial_valuation_sd``; they have raised a mid-sized round at each
    stage passed; founders have been diluted by ``dilution`` per round.
    """
    k, f = s.capital, s.firms
    n = stage.size
    last_round = np.clip(stage - 1, 0, len(ROUND_STAGES) - 1)
    bar = np.array([k.bar[r] for r in ROUND_STAGES])[last_round]
    noise = rng.standard_normal(n)
    quality = np.where(stage > 0, bar + f.quality_sd * np.abs(noise), f.quality_sd * noise)
    mid = np.sqrt(np.array([k.round_min_krw[r] * k.round_max_krw[r] for r in ROUND_STAGES]))
    burn = startup_target_headcount(s)[stage] * s.labour.monthly_wage_krw["startup_job"]
    return {
        "quality": quality,
        "traction": f.initial_traction + stage,
        "cash_krw": burn * f.overhead * rng.uniform(6, 24, n),
        "valuation_krw": np.where(
            stage > 0,
            mid[last_round] / k.dilution * np.exp(k.initial_valuation_sd * rng.standard_normal(n)),
            0.0),
        "founder_equity": (1.0 - k.dilution) ** stage,
        "total_raised_krw": np.concatenate([[0.0], np.cumsum(mid)])[np.minimum(stage, mid.size)],
    }


def build_world(model: EcosystemModel) -> None:
    """Create every institute, factory, investor, startup and person at month 0."""
    s: Scenario = model.spec
    pop = model.population
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
        n = firm_count(ig.count, s.scale)
        fund = ig.fund_size_krw * ig.count * s.scale / n if n else 0.0
        pop[Investor].add(n, city=city[ig.city], kind=INVESTOR_KINDS.index(ig.kind),
                          fund_size_krw=fund, dry_powder_krw=fund * s.capital.initial_dry_powder,
                          represents=ig.count / n if n else 0.0)

    for c_idx, c in enumerate(s.cities):
        _populate_city(model, c_idx, c)
    people = pop[Founder]
    ring_ties(model, people.live_rows(), people["city"][people.alive], s.behaviour.initial_ties)


def _populate_city(model: EcosystemModel, c_idx: int, c) -> None:
    s, rng, pop = model.spec, model.rng, model.population
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
                        **initial_startup_state(s, stage, rng))
    uids = startups["uid"][rows]
    add(n_startups, Role.FOUNDER, uids, sectors)

    # Researchers of the city's institutes.
    inst = pop[Institute]
    for i_row, i in enumerate(s.institutes):
        if i.city == c.name:
            n = scaled_count(i.researchers, s.scale, rng)
            p = shares_to_probabilities(i.sector_shares, s.sectors)
            add(n, Role.RESEARCHER, inst["uid"][i_row], rng.choice(len(s.sectors), size=n, p=p))

    target = startup_target_headcount(s)[startups["stage"][rows]]
    staff = np.maximum(np.round(target).astype(np.int64) - 1, 0)
    add(int(staff.sum()), Role.STARTUP_EMPLOYEE, np.repeat(uids, staff),
        np.repeat(sectors, staff))

    # Factories fill their technical positions; the rest work for other firms.
    fac = pop[Factory]
    here = np.flatnonzero(fac.alive & (fac["city"] == c_idx))
    seats = np.floor(fac["positions"][here]).astype(np.int64)
    add(int(seats.sum()), Role.CORPORATE_EMPLOYEE, np.repeat(fac["uid"][here], seats))
    rest = pool - add.placed
    other = fac.add(1, city=c_idx, group=-1, employees=float(rest),
                    positions=rest * (1.0 + s.labour.corporate_openings))
    add(rest, Role.CORPORATE_EMPLOYEE, fac["uid"][other[0]])
