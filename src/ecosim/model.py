"""EcosystemModel: one run of one scenario, a month per step."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from ecosim import demography, kernels, labour
from ecosim.agents import AGENT_CLASSES, Action
from ecosim.build import build_world
from ecosim.cities import Cities
from ecosim.metrics import CITY_METRICS, city_snapshot, retention_records
from ecosim.population import Population
from ecosim.scenario import Scenario, load_scenario

__all__ = ["EcosystemModel"]


def _city_metric(model: EcosystemModel, metric: str, city: int) -> int:
    return int(model.last_metrics[metric][city])


class EcosystemModel(mesa.Model):
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
        #: Policy incentive (utility) for each (city, action); zero without a policy.
        self.incentives = np.zeros((len(self.cities), len(Action)))
        self.population = Population(self, list(AGENT_CLASSES))
        build_world(self)
        labour.update_staff(self)
        self._cohorts: dict[int, np.ndarray] = {}  # graduates per institute by month
        self._moves: list[np.ndarray] = []  # (C, C) movers per month, origin x destination
        self._retention: list[dict] = []

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

        Implemented so far: graduation (1), career and location choice (2), job
        matching (3), and ageing with departures (10). Founding, firms and
        capital (4-9) arrive with the startups issue.
        """
        graduates = demography.graduate(self)
        self._cohorts[self.month] = graduates
        labour.grow_corporate_positions(self)
        flows = labour.choose_and_match(self)
        flows.update(demography.age_and_depart(self))
        labour.update_staff(self)
        self._moves.append(flows.pop("moves"))
        inst_city = [self.spec.city_index(i.city) for i in self.spec.institutes]
        flows["graduates"] = np.bincount(inst_city, weights=graduates,
                                         minlength=len(self.cities)).astype(np.int64)
        self._retention.extend(retention_records(self, self._cohorts))
        self.last_metrics = city_snapshot(self, flows)
        self.datacollector.collect(self)
        if self.month >= self.spec.months:
            self.running = False

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

    # ------------------------------------------------------------------ output
    def city_frame(self) -> pd.DataFrame:
        """Tidy per-city indicators: one row per (month, city), one column per metric.

        Each row is the state at the end of calendar month ``date``; month 0 is
        the world as built, dated the month before the start.
        """
        wide = self.datacollector.get_model_vars_dataframe()
        wide.index = pd.RangeIndex(len(wide), name="month")
        cols = wide.columns.str.split(":", n=1, expand=True)
        wide.columns = pd.MultiIndex.from_arrays(
            [cols.get_level_values(0), cols.get_level_values(1)], names=["metric", "city"]
        )
        tidy = wide.stack("city", future_stack=True).reset_index()
        tidy["city"] = pd.Categorical(tidy["city"], categories=list(self.cities.names))
        tidy = tidy.sort_values(["month", "city"], kind="stable").reset_index(drop=True)
        start = pd.Period(f"{self.spec.start_year}-{self.spec.start_month:02d}", freq="M")
        tidy.insert(1, "date", [str(start + int(m) - 1) for m in tidy["month"]])
        tidy = tidy[["month", "date", "city", *CITY_METRICS]]
        tidy.columns.name = None
        return tidy

    def flow_frame(self) -> pd.DataFrame:
        """Movers between cities: one row per (month, origin, destination) with movers > 0."""
        names = list(self.cities.names)
        if not self._moves:
            return pd.DataFrame({"month": [], "origin": [], "destination": [], "movers": []})
        moves = np.stack(self._moves)
        month, origin, dest = np.nonzero(moves)
        return pd.DataFrame({
            "month": month + 1,
            "origin": pd.Categorical.from_codes(origin, categories=names),
            "destination": pd.Categorical.from_codes(dest, categories=names),
            "movers": moves[month, origin, dest],
        })

    def flow_matrix(self, first: int = 1, last: int | None = None) -> pd.DataFrame:
        """Movers between cities summed over months ``first..last`` (origin x destination)."""
        last = self.month if last is None else last
        names = list(self.cities.names)
        total = np.zeros((len(names), len(names)), dtype=np.int64)
        for m in range(max(first, 1), last + 1):
            total += self._moves[m - 1]
        return pd.DataFrame(total, index=pd.Index(names, name="origin"),
                            columns=pd.Index(names, name="destination"))

    def capital_net_inflow(self, first: int = 1, last: int | None = None) -> pd.Series:
        """Net movers into the capital region from each other city over months ``first..last``."""
        flows = self.flow_matrix(first, last).to_numpy()
        cap = self.cities.capital
        into = flows[:, cap].sum(axis=1) - flows[cap, :].sum(axis=0)
        names = np.array(self.cities.names)
        return pd.Series(into[~cap], index=pd.Index(names[~cap], name="origin"),
                         name="net_inflow_to_capital")

    def retention_frame(self) -> pd.DataFrame:
        """Graduates' whereabouts 12, 36 and 60 months after graduating, per institute cohort.

        Columns: month, institute, city, horizon_months, cohort (size at
        graduation), present (still in the model), employed, retained (in the
        institute's city), employed_in_capital, retention (retained / cohort).
        """
        cols = ["month", "institute", "city", "horizon_months", "cohort", "present", "employed",
                "retained", "employed_in_capital"]
        frame = pd.DataFrame(self._retention, columns=cols)
        frame["retention"] = frame["retained"] / frame["cohort"]
        return frame

    def capital_share(self, metric: str = "talent") -> float:
        """Capital region's share of ``metric`` this month."""
        values = np.asarray(self.last_metrics[metric], dtype=np.float64)
        total = values.sum()
        return float(values[self.cities.capital].sum() / total) if total else float("nan")
