"""EcosystemModel: one run of one scenario, a month per step."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from ecosim import kernels
from ecosim.inputs.scenario import Scenario, load_scenario
from ecosim.outputs.frames import ModelOutputs, record_incomes
from ecosim.outputs.metrics import CITY_METRICS, city_snapshot, retention_records
from ecosim.phases import capital, demography, firms, labour, policy, social
from ecosim.state.agents import Founder
from ecosim.state.books import MonthFlows
from ecosim.state.build import build_world
from ecosim.state.cities import Cities
from ecosim.state.tables import Population
from ecosim.state.world import World

__all__ = ["EcosystemModel"]


def _city_metric(model: EcosystemModel, metric: str, city: int) -> int:
    return int(model.last_metrics[metric][city])


class EcosystemModel(ModelOutputs, mesa.Model):
    """A regional startup ecosystem, stepped one month at a time.

    Every founder, startup, institute, investor and factory is a Mesa agent in
    ``model.agents`` and ``model.agents_by_type``; its state lives in the
    world's tables (``model.population[Founder]`` ...), which the kernels sweep.
    Everything a month reads or writes is in ``model.world`` (a
    :class:`~ecosim.state.world.World`); :meth:`step` is the schedule.

    Args:
        scenario: A packaged scenario name, a path to a TOML file, or a
            :class:`~ecosim.inputs.scenario.Scenario`.
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
        world: Everything the phases read and write.
        spec: The validated scenario this model was built from. (``scenario`` is
            Mesa's own experimental scenario object and is left to Mesa.)
        last_metrics: This month's :data:`~ecosim.outputs.metrics.CITY_METRICS`, each (C,).
        datacollector: A Mesa DataCollector with one model reporter per
            (metric, city), named ``"metric:city"``.

    Raises:
        ScenarioError: The scenario, or an override, is invalid.
        ValueError: ``backend`` is unknown.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = "korea",
        *,
        rng: Any = None,
        backend: str = "numba",
        overrides: dict[str, Any] | None = None,
        **fields: Any,
    ):
        """Build the world of ``scenario`` at its scale (month 0)."""
        bound = kernels.bind(backend)  # validates backend before any work
        super().__init__(rng=rng)
        self.backend = backend
        self.world: World = build_world(load_scenario(scenario, overrides=overrides, **fields),
                                        self, bound)
        self.last_metrics = city_snapshot(self.world, MonthFlows.zeros(self.world.n_cities))
        self.datacollector = mesa.DataCollector(
            model_reporters={
                f"{metric}:{name}": partial(_city_metric, metric=metric, city=c)
                for metric in CITY_METRICS
                for c, name in enumerate(self.world.cities.names)
            }
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ views
    @property
    def spec(self) -> Scenario:
        """The validated scenario this model was built from."""
        return self.world.spec

    @property
    def cities(self) -> Cities:
        """The city registry."""
        return self.world.cities

    @property
    def population(self) -> Population:
        """The agent tables, keyed by agent class."""
        return self.world.population

    @property
    def month(self) -> int:
        """Months simulated so far."""
        return self.steps

    @property
    def calendar_month(self) -> int:
        """Calendar month (1-12) of the current model month (the one being stepped)."""
        return self.world.clock.calendar_month

    @property
    def calendar_year(self) -> int:
        """Calendar year of the current model month."""
        return self.world.clock.calendar_year

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """One month: the phases of DESIGN.md section 3, in order."""
        w = self.world
        w.clock.month = self.steps
        policy.new_year(w)                                   # packages renew each January
        policy.update_incentives(w)
        graduates = demography.graduate(w)                   # 1 graduation
        labour.grow_corporate_positions(w)
        careers = labour.choose_and_match(w)                 # 2-3 career choice, matching
        social.colleague_ties(w, careers.hired_rows, w.spec.behaviour.colleague_ties)
        founded = firms.found(w, careers)                    # 4 founding
        entrants = np.concatenate([careers.startup_hire_rows, founded.team_rows])
        policy.award_fellowships(w, entrants)
        w.log.startup_entrants.append(np.bincount(w.population[Founder]["city"][entrants],
                                                  minlength=w.n_cities))
        w.recount_staff()
        firms.progress(w)                                    # 5 progress
        raised = capital.fundraise(w)                        # 6 fundraising
        demos = firms.demonstrate(w)                         # 7 demonstration
        settled = firms.settle(w)                            # 8 settlement, relocation
        moved = firms.relocate(w)
        angels = capital.reinvest(w)                         # 9 reinvestment
        capital.commit(w)
        departed = demography.age_and_depart(w)              # 10 ageing and departures
        demography.save(w)
        w.recount_staff()
        self._record(graduates, careers, founded, raised, demos, settled, moved, angels, departed)
        if self.month >= w.spec.months:
            self.running = False

    def _record(self, graduates, careers, founded, raised, demos, settled, moved, angels,
                departed) -> None:
        """Log the month and observe every city (the end of step 10)."""
        w = self.world
        w.log.cohorts[self.month] = graduates
        by_city = np.bincount(w.static.institute_city, weights=graduates,
                              minlength=w.n_cities).astype(np.int64)
        flows, moves = MonthFlows.of_month(by_city, careers, founded, raised, demos, settled,
                                           moved, angels, departed)
        w.log.moves.append(moves)
        w.log.new_startups.append(founded.foundings)
        w.log.funding.append(raised.funding)
        w.log.relocations.append(moved.relocations)
        w.log.retention.extend(retention_records(w))
        if w.clock.calendar_month == 12:
            record_incomes(w)
        self.last_metrics = city_snapshot(w, flows)
        self.datacollector.collect(self)

    def inject_exit(self, city: str, value_krw: float) -> int:
        """Make the most valuable startup of ``city`` be acquired now for ``value_krw``.

        For experiments on the reinvestment loop ("what if one large exit
        happened here?"): the exit is paid out like any acquisition (founders'
        wealth, investors' returns, staff to the city's established firms), and
        the reinvestment step follows at once, as it does after settlement
        within a month: founders past the angel threshold become angels where
        they live.

        Returns:
            The uid of the startup that exited.

        Raises:
            ValueError: The city has no startup with founders.
        """
        uid = firms.exit_now(self.world, city, value_krw)
        capital.reinvest(self.world)
        return uid

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
