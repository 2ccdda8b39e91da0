"""The World: everything a phase may read or write, in one place.

A :class:`World` holds the scenario, the cities, the agent tables, the books
(ledger, cap table, run log), the policy levers, the clock, the random streams
and the per-run static arrays. Phases are functions of a World; the model owns
one and steps it. Nothing here imports a phase, the model or the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from ecosim.kernels.counts import Employers
from ecosim.state.agents import Factory, Founder, Institute, Investor, Startup
from ecosim.state.books import CapTable, Ledger, RunLog
from ecosim.vocab import (
    ACTIONS,
    INVESTOR_KINDS,
    ROLE_OF_ACTION,
    ROUND_STAGES,
    STAGES,
    InvestorKind,
    Role,
    Stage,
)

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario
    from ecosim.state.cities import Cities
    from ecosim.state.levers import PolicyLevers
    from ecosim.state.tables import Population

__all__ = ["Clock", "Statics", "World"]


@dataclass
class Clock:
    """Model time.

    Attributes:
        start_year: Calendar year of month 1.
        start_month: Calendar month (1-12) of month 1.
        month: Months simulated so far; while a month is stepped, its number (1-based).
    """

    start_year: int
    start_month: int
    month: int = 0

    @property
    def calendar_month(self) -> int:
        """Calendar month (1-12) of the current model month (the one being stepped)."""
        return (self.start_month - 1 + max(self.month - 1, 0)) % 12 + 1

    @property
    def calendar_year(self) -> int:
        """Calendar year of the current model month."""
        return self.start_year + (self.start_month - 1 + max(self.month - 1, 0)) // 12


@dataclass(frozen=True)
class Statics:
    """Arrays that depend only on the scenario, computed once per run.

    Attributes:
        institute_city: City of each institute, (I,) int64.
        research_strength: Research strength of each institute in each sector,
            ``log(1 + researchers * sector share / 100)``, researchers at full
            scale, (I, S).
        research_fit: Research strength of each city's institutes in each sector, (C, S).
        target_headcount: Positions (founder included) a startup seeks at each stage, (stages,).
        role_pay: Base monthly pay (KRW) by role; zero for those without a position, (roles,).
        burn_per_head_krw: Monthly cash a startup spends per person (startup pay x overhead).
        log_cost: Log cost of living of each city, (C,).
        stage_mask: Bit mask of the round stages each investor kind funds
            (bit r = ``ROUND_STAGES[r]``), (kinds,) int64.
        buyers: Real factories (full scale) in each city whose industry buys
            from each sector, (C, S).
    """

    institute_city: np.ndarray
    research_strength: np.ndarray
    research_fit: np.ndarray
    target_headcount: np.ndarray
    role_pay: np.ndarray
    burn_per_head_krw: float
    log_cost: np.ndarray
    stage_mask: np.ndarray
    buyers: np.ndarray

    @classmethod
    def of(cls, s: Scenario) -> Statics:
        """The static arrays of scenario ``s``."""
        institute_city = np.array([s.city_index(i.city) for i in s.institutes], dtype=np.int64)
        shares = np.array([[i.sector_shares.get(k, 0.0) for k in s.sectors]
                           for i in s.institutes])
        researchers = np.array([i.researchers for i in s.institutes], dtype=np.float64)
        strength = np.log1p(researchers[:, None] * shares / 100.0)
        fit = np.zeros((len(s.cities), strength.shape[1]))
        np.add.at(fit, institute_city, strength)
        role_pay = np.zeros(max(Role) + 1)
        for action, role in ROLE_OF_ACTION.items():
            role_pay[role] = s.labour.monthly_wage_krw[ACTIONS[action]]
        stage_mask = np.array([sum(1 << ROUND_STAGES.index(st) for st in s.capital.stages[kind])
                               for kind in INVESTOR_KINDS], dtype=np.int64)
        buyers = np.zeros((len(s.cities), len(s.sectors)))
        for fg in s.factories:
            for sector in fg.sectors:
                buyers[s.city_index(fg.city), s.sectors.index(sector)] += fg.count
        return cls(
            institute_city=institute_city,
            research_strength=strength,
            research_fit=fit,
            target_headcount=np.array([s.labour.startup_headcount[st] for st in STAGES],
                                      dtype=np.float64),
            role_pay=role_pay,
            burn_per_head_krw=s.labour.monthly_wage_krw["startup_job"] * s.firms.overhead,
            log_cost=np.log([c.cost_of_living for c in s.cities]),
            stage_mask=stage_mask,
            buyers=buyers,
        )


@dataclass
class World:
    """Everything a phase may read or write.

    Attributes:
        spec: The validated scenario.
        cities: The city registry.
        population: The agent tables, keyed by agent class.
        static: Per-run static arrays.
        levers: What the policy sets.
        clock: Model time.
        rng: Python-side random draws (the model's ``rng``).
        kernels: The kernels of the run's backend, by name.
        kernel_seed: One uint64 key for every in-kernel draw of the run.
        ledger: Money flows (set once the world is built).
        cap_table: Who holds what in which startup.
        log: Records kept for the outputs.
        established_row: Factory-table row of each city's aggregate of other
            established firms, (C,) (set once the world is built).
    """

    spec: Scenario
    cities: Cities
    population: Population
    static: Statics
    levers: PolicyLevers
    clock: Clock
    rng: np.random.Generator
    kernels: SimpleNamespace
    kernel_seed: int
    ledger: Ledger = field(default_factory=lambda: Ledger(0.0))
    cap_table: CapTable = field(default_factory=CapTable)
    log: RunLog = field(default_factory=RunLog)
    established_row: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def month(self) -> int:
        """Months simulated so far (the month being stepped, while it is)."""
        return self.clock.month

    @property
    def n_cities(self) -> int:
        """Number of cities."""
        return len(self.cities)

    def money_stock(self) -> float:
        """Investors' dry powder plus startups' cash now (KRW)."""
        inv, su = self.population[Investor], self.population[Startup]
        return float(inv["dry_powder_krw"][inv.alive].sum() + su["cash_krw"][su.alive].sum())

    def paid_heads(self) -> np.ndarray:
        """Staff on full pay per startup row: founders count at ``founder_pay`` before Series A."""
        su = self.population[Startup]
        early = su["stage"] < Stage.SERIES_A
        share = np.where(early, self.spec.firms.founder_pay, 1.0)
        return (su["headcount"] - su["founders"]) + share * su["founders"]

    def investor_reach(self) -> np.ndarray:
        """How strongly each investor row reaches each city, shape (C, I).

        ``(1 + distance km) ** -exponent``: the behaviour section's
        ``investor_distance_exponent`` for funds, ``capital.angel_distance_exponent``
        for angels and local-mandate policy funds.
        """
        s = self.spec
        inv = self.population[Investor]
        near = (inv["kind"] == InvestorKind.ANGEL) | inv["local"]
        exponent = np.where(near, s.capital.angel_distance_exponent,
                            s.behaviour.investor_distance_exponent)
        return (1.0 + self.cities.distance_km[:, inv["city"]]) ** -exponent[None, :]

    def log_investor_access(self) -> np.ndarray:
        """Log(1 + dry powder reachable from each city, decayed by distance), shape (C,).

        Dry powder is counted in KRW billions at full scale, each investor weighted
        by its reach (:meth:`investor_reach`); only investors that fund startups
        count (the fund of funds invests through other funds).
        """
        inv = self.population[Investor]
        live = inv.alive & (inv["stages"] != 0)
        reach = self.investor_reach()[:, live]
        return np.log1p(reach @ inv["dry_powder_krw"][live] / self.spec.scale / 1e9)

    def assign(self, rows: np.ndarray, role: int | np.ndarray, employer: int | np.ndarray,
               pay_krw: float | np.ndarray | None = None) -> None:
        """Give the people in ``rows`` a role and employer (uid, -1: none) and its pay.

        Pay defaults to the role's base monthly pay (0 for searchers). Every
        change of position goes through here, so role, employer and pay never
        disagree.
        """
        people = self.population[Founder]
        people["role"][rows] = role
        people["employer"][rows] = employer
        people["pay_krw"][rows] = (self.static.role_pay[people["role"][rows]] if pay_krw is None
                                   else pay_krw)

    def record_first_jobs(self, rows: np.ndarray) -> None:
        """Log the graduates among ``rows`` who have just taken their first position."""
        people = self.population[Founder]
        first = rows[(people["graduated_month"][rows] >= 0)
                     & (people["first_job_month"][rows] < 0)]
        people["first_job_month"][first] = self.month
        self.log.record_first_jobs(people["uid"][first], people["alma_mater"][first],
                                   people["graduated_month"][first], people["city"][first],
                                   people["role"][first], self.month)

    def recount_staff(self) -> None:
        """Recount every employer's technical staff (and startups' founders) from ``employer``.

        One pass over the people (``kernels.counts.count_staff``).
        """
        people, pop = self.population[Founder], self.population
        fac, inst, su = pop[Factory], pop[Institute], pop[Startup]
        staff = self.kernels.count_staff(
            people["employer"], people["role"], people.alive,
            Employers(fac.row_of_uid, inst.row_of_uid, su.row_of_uid, fac.size, inst.size,
                      su.size))
        fac["staff"][:] = staff.factory_staff
        inst["staff"][:] = staff.institute_staff
        su["headcount"][:] = staff.startup_headcount
        su["founders"][:] = staff.startup_founders

    def established_firms_row(self, cities: np.ndarray) -> np.ndarray:
        """Factory-table row of each city's aggregate of other established firms."""
        return self.established_row[np.asarray(cities, dtype=np.int64)]
