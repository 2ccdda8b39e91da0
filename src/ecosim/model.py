"""EcosystemModel: one run of one scenario, a month per step."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from ecosim import demography, firms, kernels, labour
from ecosim.agents import AGENT_CLASSES, Action, Factory
from ecosim.build import build_world
from ecosim.capital import CapitalMarket, Ledger, money_stock
from ecosim.cities import Cities
from ecosim.metrics import CITY_METRICS, city_snapshot, retention_records
from ecosim.outputs import ModelOutputs
from ecosim.policy import PolicyInputs
from ecosim.population import Population
from ecosim.scenario import Scenario, load_scenario

__all__ = ["EcosystemModel"]


def _city_metric(model: EcosystemModel, metric: str, city: int) -> int:
    return int(model.last_metrics[metric][city])


class EcosystemModel(ModelOutputs, mesa.Model):
    """A regional startup ecosystem, stepped one month at a time.

    Every founder, startup, institute, investor and factory is a Mesa agent in
    ``model.agents`` and ``model.agents_by_type``; its state lives in the
    model's tables (``model.population[Founder]`` ...), which the kernels sweep.

    Args:
        scenario: A packaged scenario name, a path to a TOML file, or a
            :class:`~ecosim.scenario.Scenario`.
        rng: Seed or generator, as for :class:`mesa.Model`. The same seed gives
            the same run, whatever the backend or thread count.
        backend: ``"numba"`` (compiled kernels) or ``"python"`` (their reference
            bodies, for checking and debugging).
        overrides: Dotted paths to nested scenario fields and their values.
        **fields: Scenario fields to override: top-level ones by name
            (``scale=0.01``), nested ones with ``__`` for dots
            (``behaviour__retirement_hazard=0.2``), so ``mesa.batch_run`` and
            sweeps can pass them as keywords.

    Attributes:
        spec: The validated scenario this model was built from. (``scenario`` is
            Mesa's own experimental scenario object and is left to Mesa.)
        cities: The city registry.
        population: The tables, keyed by agent class.
        month: Months simulated so far (0 after building).
        last_metrics: This month's :data:`~ecosim.metrics.CITY_METRICS`, each (C,).
        datacollector: A Mesa DataCollector with one model reporter per
            (metric, city), named ``"metric:city"``.

    Raises:
        ScenarioError: The scenario, or an override, is invalid.
        ValueError: ``backend`` is unknown.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = "korea_2025",
        *,
        rng: Any = None,
        backend: str = "numba",
        overrides: dict[str, Any] | None = None,
        **fields: Any,
    ):
        """Build the world of ``scenario`` at its scale (month 0)."""
        self.kernels = kernels.bind(backend)  # validates backend before any work
        super().__init__(rng=rng)
        self.backend = backend
        self.spec: Scenario = load_scenario(scenario, overrides=overrides, **fields)
        # One uint64 key for every in-kernel draw of this run.
        self.kernel_seed = int(self.rng.integers(0, 2**63))
        self.cities = Cities.from_scenario(self.spec)
        n_cities = len(self.cities)
        #: Policy incentive (utility) for each (city, action); zero without a policy.
        self.incentives = np.zeros((n_cities, len(Action)))
        #: Policy support (utility) for a head office in each city; zero without a policy.
        self.headquarters_incentives = np.zeros(n_cities)
        self.population = Population(self, list(AGENT_CLASSES))
        build_world(self)
        labour.update_staff(self)
        fac = self.population[Factory]
        aggregate = np.flatnonzero(fac.alive & (fac["group"] < 0))
        self._established_row = aggregate[np.argsort(fac["city"][aggregate])]
        self.capital = CapitalMarket(self)
        self.policy = PolicyInputs(self)
        self.ledger = Ledger(money_stock(self))
        self._cohorts: dict[int, np.ndarray] = {}  # graduates per institute by month
        self._moves: list[np.ndarray] = []  # (C, C) movers per month, origin x destination
        self._funding: list[np.ndarray] = []  # (C, C) KRW per month, investor x startup city
        self._relocations: list[np.ndarray] = []  # (C, C) head offices moved per month
        self._retention: list[dict] = []
        self._founding_log: list[tuple[int, int, int]] = []  # (uid, month, city)
        self._ending_log: list[tuple[int, int, int]] = []  # (uid, month, outcome)

        self.last_metrics = city_snapshot(self, {})
        self.datacollector = mesa.DataCollector(
            model_reporters={
                f"{metric}:{name}": partial(_city_metric, metric=metric, city=c)
                for metric in CITY_METRICS
                for c, name in enumerate(self.cities.names)
            }
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ time
    @property
    def month(self) -> int:
        """Months simulated so far."""
        return self.steps

    @property
    def calendar_month(self) -> int:
        """Calendar month (1-12) of the current model month (the one being stepped)."""
        return (self.spec.start_month - 1 + max(self.steps - 1, 0)) % 12 + 1

    @property
    def calendar_year(self) -> int:
        """Calendar year of the current model month."""
        return self.spec.start_year + (self.spec.start_month - 1 + max(self.steps - 1, 0)) // 12

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """One month: the phases of DESIGN.md section 3, in order.

        1 graduation, 2-3 career choice and job matching, 4 founding, 5 progress,
        6 fundraising, 7 demonstration (yearly), 8 settlement and relocation,
        9 reinvestment and new fund commitments, 10 ageing and departures.
        """
        self.policy.new_year()
        self.policy.update_incentives()
        graduates = demography.graduate(self)
        self._cohorts[self.month] = graduates
        labour.grow_corporate_positions(self)
        flows = labour.choose_and_match(self)
        founded = firms.found(self, flows.pop("founder_rows"), flows.pop("founder_city"))
        labour.update_staff(self)
        firms.progress(self)
        raised = self.capital.fundraise(self)
        flows["demonstrations"] = firms.demonstrate(self)
        flows.update(firms.settle(self))
        moved = firms.relocate(self, labour.log_investor_access(self))
        flows["new_angels"] = self.capital.reinvest(self)
        self.capital.commit(self)
        flows.update(demography.age_and_depart(self))
        demography.save(self)
        labour.update_staff(self)

        moves = flows.pop("moves") + founded["moves"] + moved["moves"]
        self._moves.append(moves)
        self._funding.append(raised.pop("funding"))
        self._relocations.append(moved["relocations"])
        flows.update(raised)
        flows["foundings"] = founded["foundings"]
        flows["inflow"], flows["outflow"] = moves.sum(axis=0), moves.sum(axis=1)
        flows["relocations_in"] = moved["relocations"].sum(axis=0)
        flows["relocations_out"] = moved["relocations"].sum(axis=1)
        inst_city = [self.spec.city_index(i.city) for i in self.spec.institutes]
        flows["graduates"] = np.bincount(inst_city, weights=graduates,
                                         minlength=len(self.cities)).astype(np.int64)
        self._retention.extend(retention_records(self, self._cohorts))
        self.last_metrics = city_snapshot(self, flows)
        self.datacollector.collect(self)
        if self.month >= self.spec.months:
            self.running = False

    # ------------------------------------------------------------------ records
    def record_foundings(self, uids: np.ndarray, cities: np.ndarray) -> None:
        """Log startups founded this month (for survival curves)."""
        self._founding_log.extend(zip(uids.tolist(), [self.month] * len(uids), cities.tolist(),
                                      strict=True))

    def record_endings(self, uids: np.ndarray, outcomes: np.ndarray) -> None:
        """Log startups that died or exited this month (for survival curves)."""
        self._ending_log.extend(zip(uids.tolist(), [self.month] * len(uids), outcomes.tolist(),
                                    strict=True))

    def established_firms_row(self, cities: np.ndarray) -> np.ndarray:
        """Factory-table row of each city's aggregate of other established firms."""
        return self._established_row[np.asarray(cities, dtype=np.int64)]

    def run(self, months: int | None = None, progress: bool = False) -> EcosystemModel:
        """Step ``months`` months (default: to the scenario's ``months``).

        Args:
            months: Months to run; default runs until month ``spec.months``.
            progress: Show a tqdm progress bar.

        Returns:
            The model, for chaining.
        """
        n = self.spec.months - self.month if months is None else months
        if n < 0:
            raise ValueError(f"months = {n}: allowed is months >= 0")
        steps = range(n)
        if progress:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc=f"{self.spec.name} (scale {self.spec.scale:g})", unit="month")
        for _ in steps:
            self.step()
        return self

