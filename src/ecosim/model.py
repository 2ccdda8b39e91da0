"""EcosystemModel: one run of one scenario, a month per step."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from ecosim import demography, kernels
from ecosim.agents import AGENT_CLASSES
from ecosim.build import build_world
from ecosim.cities import Cities
from ecosim.metrics import CITY_METRICS, city_snapshot
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
        self.population = Population(self, list(AGENT_CLASSES))
        build_world(self)

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

        Implemented so far: graduation (1) and ageing with retirement (10). The
        other phases arrive with the talent and firm issues.
        """
        graduates = demography.graduate(self)
        retirements = demography.age_and_retire(self)
        self.last_metrics = city_snapshot(
            self, {"graduates": graduates, "retirements": retirements}
        )
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

    def capital_share(self, metric: str = "talent") -> float:
        """Capital region's share of ``metric`` this month."""
        values = np.asarray(self.last_metrics[metric], dtype=np.float64)
        total = values.sum()
        return float(values[self.cities.capital].sum() / total) if total else float("nan")
