"""What the policy sets: the inputs its levers change, as arrays the phases read.

Without a policy every array is zero (amenity is the scenario's own), so a
model with a zero-budget policy runs exactly as the baseline. The phase that
sets them each January and month is :mod:`ecosim.phases.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ecosim.vocab import LEVERS, Action

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario

__all__ = ["PolicyLevers"]


@dataclass
class PolicyLevers:
    """The model inputs the Startup City packages set.

    Attributes:
        extra_graduates: Extra graduates per institute per year, (institutes,).
        grant_krw: Grant (KRW) each new startup in the city receives while the
            budget lasts, (C,).
        grant_budget_krw: What is left of this year's grant budget (KRW), (C,).
        fit_bonus: Added research fit of each sector in each city (testbeds), (C, S).
        demo_slots: Extra demonstration slots per year in each city, (C,).
        amenity: Amenity index of each city (the scenario's plus the policy's), (C,).
        fellowship_krw: Fellowship budget per month (KRW) for each city's startup
            workers and founders, (C,).
        fund_row: Row of each city's policy fund in the investor table (-1: none yet), (C,).
        incentives: Policy incentive (utility) for each (city, action) in the
            career choice, (C, A).
        headquarters_incentives: Policy support (utility) for a head office in
            each city, (C,).
        spent_krw: KRW the policy has spent, by lever.
    """

    extra_graduates: np.ndarray
    grant_krw: np.ndarray
    grant_budget_krw: np.ndarray
    fit_bonus: np.ndarray
    demo_slots: np.ndarray
    amenity: np.ndarray
    fellowship_krw: np.ndarray
    fund_row: np.ndarray
    incentives: np.ndarray
    headquarters_incentives: np.ndarray
    spent_krw: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LEVERS, 0.0))

    @classmethod
    def none(cls, spec: Scenario) -> PolicyLevers:
        """No policy: every lever at zero, amenity as in the scenario."""
        n_cities, n_sectors = len(spec.cities), len(spec.sectors)
        return cls(
            extra_graduates=np.zeros(len(spec.institutes)),
            grant_krw=np.zeros(n_cities),
            grant_budget_krw=np.zeros(n_cities),
            fit_bonus=np.zeros((n_cities, n_sectors)),
            demo_slots=np.zeros(n_cities),
            amenity=np.array([c.amenity for c in spec.cities], dtype=np.float64),
            fellowship_krw=np.zeros(n_cities),
            fund_row=np.full(n_cities, -1, dtype=np.int64),
            incentives=np.zeros((n_cities, len(Action))),
            headquarters_incentives=np.zeros(n_cities),
        )

    def draw_grants(self, cities: np.ndarray) -> np.ndarray:
        """Grants (KRW) for startups founded now in ``cities``, paid from the year's budget.

        In each city the first startups (in the order given) get ``grant_krw``
        each, as long as the year's budget covers a whole grant; the budget is
        reduced by what is paid.
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
