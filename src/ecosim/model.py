"""EcosystemModel: one run of one scenario, a month per step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from ecosim import kernels
from ecosim.inputs.memory import check_fits
from ecosim.inputs.scenario import Scenario, load_scenario
from ecosim.inputs.validation import ArgumentError
from ecosim.outputs.frames import ModelOutputs, record_incomes
from ecosim.outputs.metrics import CityCollector, city_snapshot, retention_records
from ecosim.phases import capital, demography, firms, labour, policy, social
from ecosim.state.agents import Founder
from ecosim.state.books import MonthFlows
from ecosim.state.build import build_world
from ecosim.state.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ecosim.state.cities import Cities
from ecosim.state.mesa_bulk import collector_paused
from ecosim.state.tables import Population
from ecosim.state.world import World

__all__ = ["EcosystemModel"]


def _mesa_scenario(scenario: Any, rng: Any,
                   fields: dict[str, Any]) -> tuple[MesaScenario | None, Any, dict[str, Any]]:
    """Reconcile Mesa's ``scenario`` with ``rng`` and the scenario fields.

    Mesa's scenario carries the seed (``scenario.rng``) and, as its other
    attributes, the run's parameters, which here are ecosim scenario fields.
    A scenario without a seed takes ``rng`` (SolaraViz passes a fresh
    ``Scenario()`` beside the seed it was given).
    """
    if scenario is None:
        return None, rng, fields
    if not isinstance(scenario, MesaScenario):
        hint = (" ecosim's own scenario (a name, a TOML path or an ecosim Scenario) is the "
                f"first argument: EcosystemModel({scenario!r}) or EcosystemModel(spec=...)"
                if isinstance(scenario, str | Path | Scenario) else "")
        raise TypeError(f"scenario = {scenario!r}: allowed is a "
                        f"mesa.experimental.scenarios.Scenario (Mesa's experiment scenario);{hint}")
    params = {k: v for k, v in vars(scenario).items() if k != "rng"}
    clash = sorted(k for k in params.keys() & fields.keys() if params[k] != fields[k])
    if clash:
        raise ValueError(f"scenario field(s) {clash} given twice with different values: "
                         f"scenario={params}, keywords={ {k: fields[k] for k in clash} }; "
                         "allowed is one value for each")
    if scenario.rng is None and rng is not None:
        scenario = type(scenario)(rng=rng, **params)
    elif scenario.rng is not None and rng is not None and scenario.rng != rng:
        raise ValueError(f"rng = {rng!r} but scenario.rng = {scenario.rng!r}: "
                         "allowed is one seed, given once or the same in both")
    return scenario, scenario.rng, {**params, **fields}


class EcosystemModel(ModelOutputs, mesa.Model):
    """A regional startup ecosystem, stepped one month at a time.

    Every founder, startup, institute, investor and factory is a Mesa agent in
    ``model.agents`` and ``model.agents_by_type``; its state lives in the
    world's tables (``model.population[Founder]`` ...), which the kernels sweep.
    Everything a month reads or writes is in ``model.world`` (a
    :class:`~ecosim.state.world.World`); :meth:`step` is the schedule.

    Args:
        spec: The world to build: a packaged scenario name, a path to a TOML
            file, or a :class:`~ecosim.inputs.scenario.Scenario`.
        rng: Seed or generator, as for :class:`mesa.Model`. The same seed gives
            the same run, whatever the backend or thread count.
        scenario: Mesa's experiment scenario
            (:class:`mesa.experimental.scenarios.Scenario`), as Mesa's own
            tools pass it (SolaraViz's Reset does): its ``rng`` is the seed and
            its other fields are scenario fields to override, like ``**fields``.
            ecosim's own scenario is ``spec``.
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
        ScenarioError: The scenario, or an override, is invalid, or its world
            would not fit in the memory available (checked before building).
        ArgumentError: ``rng`` is not a seed or generator, or ``backend`` is unknown.
        TypeError: ``scenario`` is not a Mesa scenario.
        ValueError: ``scenario`` disagrees with ``rng`` or ``**fields``.
    """

    def __init__(
        self,
        spec: str | Path | Scenario = "korea",
        *,
        rng: Any = None,
        scenario: MesaScenario | None = None,
        backend: str = "numba",
        overrides: dict[str, Any] | None = None,
        **fields: Any,
    ):
        """Build the world of ``spec`` at its scale (month 0)."""
        if backend not in kernels.BACKENDS:
            raise ArgumentError("backend", backend, f"one of {', '.join(kernels.BACKENDS)}")
        if isinstance(rng, np.integer):  # Mesa seeds random.Random with it: a Python int
            rng = int(rng)
        scenario, rng, fields = _mesa_scenario(scenario, rng, fields)
        _check_rng(rng)
        world_spec = load_scenario(spec, overrides=overrides, **fields)
        check_fits(world_spec)  # before any table is allocated
        bound = kernels.bind(backend)
        super().__init__(rng=rng, scenario=scenario)
        self.backend = backend
        with collector_paused():  # millions of new objects; see collector_paused
            self.world: World = build_world(world_spec, self, bound)
        self.last_metrics = city_snapshot(self.world, MonthFlows.zeros(self.world.n_cities))
        self.datacollector = CityCollector(self.world.cities.names)
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
    @collector_paused()  # the month's new agents are scanned once, after it
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

    def run(self, months: int | None = None, progress: bool = False, *,
            checkpoint: str | Path | None = None, checkpoint_every: int = 12) -> EcosystemModel:
        """Step ``months`` months (default: to the scenario's ``months``).

        Args:
            months: Months to run; default runs until month ``spec.months``.
            progress: Show a tqdm progress bar.
            checkpoint: Save the model to this file (:meth:`save`) after every
                month that is a multiple of ``checkpoint_every``; the file is
                replaced atomically, so it always holds the latest whole checkpoint.
            checkpoint_every: Months between checkpoints.

        Returns:
            The model, for chaining.

        Raises:
            ArgumentError: ``months`` or ``checkpoint_every`` is not a whole number
                of months allowed here.
        """
        if months is not None and (isinstance(months, bool) or not isinstance(months, int)
                                   or months < 0):
            raise ArgumentError("months", months, "an integer >= 0 (months to run)")
        if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) \
                or checkpoint_every < 1:
            raise ArgumentError("checkpoint_every", checkpoint_every, "an integer >= 1 (months)")
        n = max(self.spec.months - self.month, 0) if months is None else months
        steps = range(n)
        if progress:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc=f"{self.spec.name} (scale {self.spec.scale:g})", unit="month",
                         initial=0)
        for _ in steps:
            self.step()
            if checkpoint is not None and self.month % checkpoint_every == 0:
                self.save(checkpoint)
        return self

    # ------------------------------------------------------------------ checkpoints
    def save(self, path: str | Path) -> Path:
        """Write this model's whole state to ``path`` (a checkpoint).

        :meth:`load` gives back a model that continues exactly as this one
        would: a run saved at month *k*, loaded and run on is bit-identical to
        the same run uninterrupted. The file records a digest of the model
        code and is refused under other code (:mod:`ecosim.state.checkpoint`).
        It is written to a temporary name and renamed, so a run killed while
        saving keeps its previous checkpoint.

        Returns:
            The path written.
        """
        info = save_checkpoint(path, self, self.world, header={
            "scenario": self.spec.name, "month": self.month, "months": self.spec.months,
            "scale": self.spec.scale, "backend": self.backend})
        return info.path

    @classmethod
    def load(cls, path: str | Path, *, backend: str | None = None) -> EcosystemModel:
        """The model saved in checkpoint ``path`` by :meth:`save`, ready to run on.

        Args:
            path: The checkpoint file.
            backend: ``"numba"`` or ``"python"`` (default: the one it was saved
                with; results do not depend on it).

        Raises:
            FileNotFoundError: No such file.
            CheckpointError: Not a checkpoint, truncated or damaged, or written
                by other model code or another Mesa version.
            ArgumentError: ``backend`` is unknown.
        """
        if backend is not None and backend not in kernels.BACKENDS:
            raise ArgumentError("backend", backend, f"one of {', '.join(kernels.BACKENDS)}")
        model, header = load_checkpoint(path, backend)
        if not isinstance(model, cls):
            raise CheckpointError(str(path), header.get("class"), f"a checkpoint of {cls.__name__}")
        if backend is not None:
            model.backend = backend
        return model


def _check_rng(rng: Any) -> None:
    """``rng`` must be what :func:`numpy.random.default_rng` takes (Mesa passes it on)."""
    if rng is None or isinstance(rng, np.random.Generator | np.random.BitGenerator
                                 | np.random.SeedSequence):
        return
    try:
        np.random.SeedSequence(rng)
    except (TypeError, ValueError, OverflowError):
        raise ArgumentError(
            "rng", rng, "None, a seed (an integer >= 0 or a sequence of them), or a NumPy "
            "SeedSequence, BitGenerator or Generator") from None
