"""What the policy sets: the inputs its levers change, as arrays the phases read.

Without a policy every array is zero (amenity is the scenario's own), so a
model with a zero-budget policy runs exactly as the baseline. The phase that
sets them each January and month is :mod:`ecosim.phases.policy`.

Budgets are held at the model's scale: a model of scale 0.1 has a tenth of the
grant money, fellowship slots and stay support of the real programme, while
each grant, fellowship and payment is full size. What was paid is recorded in
``paid_krw`` as full-scale equivalents (divided by the scale).
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
        scale: The model's scale (agents per real person or firm).
        extra_graduates: Extra graduates per institute per year (full scale), (institutes,).
        grant_krw: Grant (KRW) each new startup in the city receives while the
            budget lasts, (C,).
        grant_budget_krw: What is left of this year's grant money, model scale (KRW), (C,).
        fellowship_value_krw: What one fellowship pays in all (KRW), (C,).
        fellowship_slots: Fellowships left this year, model scale, (C,).
        stay_krw: Yearly support (KRW) per funded startup headquartered in the city, (C,).
        stay_budget_krw: This year's stay-support money, model scale (KRW), (C,).
        fit_bonus: Added research fit of each sector in each city (testbeds), (C, S).
        demo_slots: Extra demonstration slots per year in each city (full scale), (C,).
        amenity: Amenity index of each city (the scenario's plus the policy's), (C,).
        incentives: Policy incentive (utility) for each (city, action) in the
            career choice, (C, A).
        headquarters_incentives: Policy support (utility) for a head office in
            each city, in the firms' relocation choice, (C,).
        grants_paid_krw: Grants paid to new startups in each city so far,
            full-scale equivalents (KRW), (C,).
        paid_krw: KRW the policy has paid or committed, by lever, full-scale equivalents.
        allotted_krw: KRW the yearly budgets allotted, by lever, full-scale
            equivalents: the budget in whole grants, fellowships, payments and
            funds, their number rounded stochastically at the model's scale
            (its expectation is the budget).
    """

    scale: float
    extra_graduates: np.ndarray
    grant_krw: np.ndarray
    grant_budget_krw: np.ndarray
    fellowship_value_krw: np.ndarray
    fellowship_slots: np.ndarray
    stay_krw: np.ndarray
    stay_budget_krw: np.ndarray
    fit_bonus: np.ndarray
    demo_slots: np.ndarray
    amenity: np.ndarray
    incentives: np.ndarray
    headquarters_incentives: np.ndarray
    grants_paid_krw: np.ndarray
    paid_krw: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LEVERS, 0.0))
    allotted_krw: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LEVERS, 0.0))

    @classmethod
    def none(cls, spec: Scenario) -> PolicyLevers:
        """No policy: every lever at zero, amenity as in the scenario."""
        n_cities, n_sectors = len(spec.cities), len(spec.sectors)
        return cls(
            scale=spec.scale,
            extra_graduates=np.zeros(len(spec.institutes)),
            grant_krw=np.zeros(n_cities),
            grant_budget_krw=np.zeros(n_cities),
            fellowship_value_krw=np.zeros(n_cities),
            fellowship_slots=np.zeros(n_cities),
            stay_krw=np.zeros(n_cities),
            stay_budget_krw=np.zeros(n_cities),
            fit_bonus=np.zeros((n_cities, n_sectors)),
            demo_slots=np.zeros(n_cities),
            amenity=np.array([c.amenity for c in spec.cities], dtype=np.float64),
            incentives=np.zeros((n_cities, len(Action))),
            headquarters_incentives=np.zeros(n_cities),
            grants_paid_krw=np.zeros(n_cities),
        )

    def allot(self, lever: str, model_krw: float) -> None:
        """Record ``model_krw`` allotted at the model's scale under ``lever`` (as full scale)."""
        self.allotted_krw[lever] += float(model_krw) / self.scale

    def pay(self, lever: str, model_krw: float) -> None:
        """Record ``model_krw`` paid at the model's scale under ``lever`` (as full scale)."""
        self.paid_krw[lever] += float(model_krw) / self.scale

    @staticmethod
    def first_served(cities: np.ndarray, available: np.ndarray) -> np.ndarray:
        """Which claimants are served: in each city, the first ``available[city]`` in order.

        Args:
            cities: (n,) city of each claimant, in the order they claim.
            available: (C,) how many can be served in each city (floored).

        Returns:
            (n,) bool.
        """
        cities = np.asarray(cities, dtype=np.int64)
        order = np.argsort(cities, kind="stable")
        sorted_c = cities[order]
        first = np.searchsorted(sorted_c, sorted_c)  # index of the city's first claimant
        rank = np.empty(cities.size, np.int64)
        rank[order] = np.arange(cities.size) - first
        return rank < np.floor(available[cities] + 1e-9)

    def draw_grants(self, cities: np.ndarray) -> np.ndarray:
        """Grants (KRW) for startups founded now in ``cities``, paid from the year's budget.

        In each city the first startups (in the order given) get ``grant_krw``
        each, as long as the year's budget covers a whole grant; the budget is
        reduced by what is paid.
        """
        cities = np.asarray(cities, dtype=np.int64)
        affordable = np.divide(self.grant_budget_krw, self.grant_krw,
                               out=np.zeros_like(self.grant_krw), where=self.grant_krw > 0)
        out = np.where(self.first_served(cities, affordable), self.grant_krw[cities], 0.0)
        np.subtract.at(self.grant_budget_krw, cities, out)
        np.add.at(self.grants_paid_krw, cities, out / self.scale)
        self.pay("commercialization", out.sum())
        return out
