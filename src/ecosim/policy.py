"""Startup City policy: each lever sets agents' inputs, never an outcome.

:class:`PolicyInputs` holds what the packages change, as arrays the phases
read: extra graduates per institute, grants for new startups, research fit of
focus sectors, extra demonstration slots, amenity, pay top-ups (as the
incentives in the career choice) and local-mandate policy funds. Without a
package every array is zero (amenity is the scenario's), so a model with a
zero-budget policy runs exactly as the baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Action, Founder, Investor, InvestorKind, Role
from ecosim.scenario import ACTIONS, ROUND_STAGES

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

__all__ = ["PolicyInputs"]


class PolicyInputs:
    """The model inputs the policy sets, updated each January and each month."""

    def __init__(self, model: EcosystemModel):
        """All zero (no policy) for ``model``'s cities, sectors and institutes."""
        s = model.spec
        n_cities, n_sectors = len(model.cities), len(s.sectors)
        self.model = model
        #: Extra graduates per institute per year.
        self.extra_graduates = np.zeros(len(s.institutes))
        #: Grant (KRW) each new startup in the city receives while the budget lasts.
        self.grant_krw = np.zeros(n_cities)
        #: What is left of this year's grant budget (KRW).
        self.grant_budget_krw = np.zeros(n_cities)
        #: Added research fit of each sector in each city (testbeds).
        self.fit_bonus = np.zeros((n_cities, n_sectors))
        #: Extra demonstration slots per year in each city.
        self.demo_slots = np.zeros(n_cities)
        #: Amenity index of each city (the scenario's plus the policy's).
        self.amenity = np.array([c.amenity for c in s.cities], dtype=np.float64)
        #: Fellowship budget per month (KRW) for each city's startup workers and founders.
        self.fellowship_krw = np.zeros(n_cities)
        #: Row of each city's policy fund in the investor table (-1: none yet).
        self.fund_row = np.full(n_cities, -1, dtype=np.int64)
        #: KRW the policy has spent, by lever.
        self.spent_krw: dict[str, float] = dict.fromkeys(
            ("talent", "commercialization", "investment", "infrastructure"), 0.0)

    # ------------------------------------------------------------------ yearly
    def new_year(self) -> None:
        """Each January from ``policy.start_year``: renew every package's yearly levers."""
        m, p = self.model, self.model.spec.policy
        if not p.packages or m.calendar_month != 1 or m.calendar_year < p.start_year:
            return
        for pkg in p.packages:
            self.apply_package(pkg)

    def apply_package(self, pkg) -> None:
        """Renew one package's levers for a year (what each January does)."""
        if pkg.budget_krw <= 0:
            return
        c = self.model.spec.city_index(pkg.city)
        budget = {k: pkg.budget_krw * v for k, v in pkg.levers.items()}
        self._talent(c, budget["talent"])
        self._commercialization(c, budget["commercialization"])
        self._investment(c, pkg, budget["investment"])
        self._infrastructure(c, pkg, budget["infrastructure"])
        for k, v in budget.items():
            self.spent_krw[k] += v

    def _talent(self, c: int, budget: float) -> None:
        p, s = self.model.spec.policy, self.model.spec
        here = [i for i, inst in enumerate(s.institutes)
                if s.city_index(inst.city) == c and sum(inst.graduates.values()) > 0]
        cohorts = budget * (1.0 - p.fellowship_share) / p.graduate_krw
        self.fellowship_krw[c] = budget * p.fellowship_share / 12.0
        if not here:
            return
        # The science and technology institute first; else spread over universities.
        lead = [i for i in here if s.institutes[i].kind == "institute"] or here
        for i in lead:
            self.extra_graduates[i] = cohorts / len(lead)

    def _commercialization(self, c: int, budget: float) -> None:
        self.grant_krw[c] = self.model.spec.policy.grant_krw if budget > 0 else 0.0
        self.grant_budget_krw[c] = budget

    def _investment(self, c: int, pkg, budget: float) -> None:
        m = self.model
        inv = m.population[Investor]
        if budget <= 0:
            return
        if self.fund_row[c] < 0:
            sectors = pkg.focus_sectors or m.spec.sectors
            thesis = sum(1 << m.spec.sectors.index(x) for x in sectors)
            stages = sum(1 << ROUND_STAGES.index(x) for x in ("seed", "series_a"))
            self.fund_row[c] = inv.add(1, city=c, kind=int(InvestorKind.REGIONAL_FUND),
                                       thesis=thesis, stages=stages, local=True,
                                       represents=1.0 / m.spec.scale)[0]
        row = self.fund_row[c]
        amount = budget * m.spec.scale  # the fund's money at the model's scale
        inv["fund_size_krw"][row] += amount
        inv["dry_powder_krw"][row] += amount
        m.ledger.add("commitments", amount)

    def _infrastructure(self, c: int, pkg, budget: float) -> None:
        p, s = self.model.spec.policy, self.model.spec
        third = budget / 3.0
        for sector in pkg.focus_sectors:
            self.fit_bonus[c, s.sectors.index(sector)] = third / p.testbed_krw / len(
                pkg.focus_sectors)
        slot_cost = p.demo_slot_krw / (3.0 if pkg.open_factories else 1.0)
        self.demo_slots[c] = third / slot_cost
        base = s.cities[c].amenity
        self.amenity[c] = base + 0.01 * third / p.amenity_krw

    # ------------------------------------------------------------------ monthly
    def update_incentives(self) -> None:
        """Set the career-choice incentives from fellowships and expected grants.

        A fellowship tops up the pay of the city's startup workers and founders;
        its value in the choice is the wage utility of the top-up,
        ``w_wage * log(1 + top_up / pay)``. The expected grant enters the value
        of founding the same way, spread over a year of founder pay.
        """
        m = self.model
        if not m.spec.policy.packages:
            return
        s, b = m.spec, m.spec.behaviour
        people = m.population[Founder]
        startup_roles = np.isin(people["role"], [Role.STARTUP_EMPLOYEE, Role.FOUNDER])
        workers = np.bincount(people["city"][people.alive & startup_roles],
                              minlength=len(m.cities)) / s.scale
        top_up = np.where(self.fellowship_krw > 0,
                          self.fellowship_krw / np.maximum(workers, 1.0), 0.0)
        pay = {a: s.labour.monthly_wage_krw[ACTIONS[a]] for a in Action}
        m.incentives[:, Action.STARTUP_JOB] = b.w_wage * np.log1p(top_up / pay[Action.STARTUP_JOB])
        grant_month = np.where(self.grant_budget_krw >= self.grant_krw, self.grant_krw, 0.0) / 12
        m.incentives[:, Action.FOUND] = b.w_wage * np.log1p(
            (top_up + grant_month) / pay[Action.FOUND])

    def grants_for(self, cities: np.ndarray) -> np.ndarray:
        """Grants (KRW) for startups founded now in ``cities``, paid from the year's budget.

        In each city the first startups (in the order given) get ``grant_krw``
        each, as long as the year's budget covers a whole grant.
        """
        cities = np.asarray(cities, dtype=np.int64)
        g = self.grant_krw[cities]
        affordable = np.floor(np.divide(self.grant_budget_krw, self.grant_krw,
                                        out=np.zeros_like(self.grant_krw),
                                        where=self.grant_krw > 0)).astype(np.int64)
        order = np.argsort(cities, kind="stable")
        sorted_c = cities[order]
        first = np.searchsorted(sorted_c, sorted_c)  # index of the city's first startup
        rank = np.empty(cities.size, np.int64)
        rank[order] = np.arange(cities.size) - first
        out = np.where((g > 0) & (rank < affordable[cities]), g, 0.0)
        np.subtract.at(self.grant_budget_krw, cities, out)
        return out
