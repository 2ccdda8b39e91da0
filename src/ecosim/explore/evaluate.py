"""Evaluating policies: every uncertainty point x seed x ranking draw, as tidy cases.

A **case** is one run (a policy at an uncertainty point with a seed) ranked
under one draw of the ranking's uncertainty. :class:`ModelEvaluator` runs the
model through the experiment executors (``serial``, ``processes``, ``dask``)
into one results store, so an interrupted exploration resumes where it
stopped and a policy proposed twice runs once. The ranking is fitted per
uncertainty point on that point's reference runs (no packages), as the main
job fits it on the baseline, and every policy is ranked under that fit.

Anything with the same :meth:`evaluate` (a toy world, :mod:`ecosim.explore.toy`)
can stand in for the model in the search and in discovery.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ecosim.experiments.design import Experiment
from ecosim.experiments.executors import Executor, make_executor
from ecosim.experiments.run import run_experiment
from ecosim.experiments.store import load_results
from ecosim.explore.levers import REFERENCE, Policy
from ecosim.explore.sampling import uncertainty_points

if TYPE_CHECKING:
    from ecosim.experiments.worker import RunSettings, RunTask
    from ecosim.explore.spec import ExploreSpec
    from ecosim.outputs.ranking import RankingFit

__all__ = ["CASE_ID_COLUMNS", "DRAW_PARAMETERS", "Evaluator", "ExploreRunError",
           "ModelEvaluator"]

#: Columns that identify a case.
CASE_ID_COLUMNS = ("policy", "point", "replicate", "seed", "run_id", "draw")
#: Ranking parameters of each draw kept as uncertainty columns (``ranking:<name>``).
DRAW_PARAMETERS = ("growth", "business", "critical_mass", "tilt")


class ExploreRunError(RuntimeError):
    """Some runs of an evaluation failed (the others are on disk; run again to retry)."""


class Evaluator(Protocol):
    """What the search and discovery need from a world.

    Attributes:
        ranked_cities: The cities whose ranks are outcomes.
        replicates: Seeds per uncertainty point in a normal evaluation.
    """

    ranked_cities: tuple[str, ...]
    replicates: int

    def evaluate(self, policies: Sequence[Policy], replicates: int | None = None
                 ) -> pd.DataFrame:
        """Cases of ``policies``: one row per (policy, point, replicate, draw).

        Columns: :data:`CASE_ID_COLUMNS`, ``n_top`` (ranked cities in the top),
        ``rank:<city>`` per ranked city, and any outcome and uncertainty columns.
        """
        ...


class _KeptOpen(Executor):
    """An executor that stays up across :func:`run_experiment` calls until :meth:`close`."""

    def __init__(self, inner: Executor) -> None:
        super().__init__(name=inner.name, workers=inner.workers)
        self.inner = inner
        self.inner.__enter__()
        self._started = False
        self.workers = inner.workers
        self.dashboard = inner.dashboard

    def __exit__(self, *exc: object) -> None:
        return None

    def start(self, settings: RunSettings) -> None:
        if not self._started:
            self.inner.start(settings)
            self._started = True
        self.startup = self.inner.startup

    def map(self, tasks: list[RunTask], settings: RunSettings):
        yield from self.inner.map(tasks, settings)

    def close(self) -> None:
        """Stop the workers."""
        self.inner.__exit__(None, None, None)


class ModelEvaluator:
    """Runs policies on the model and ranks them (see the module docstring).

    Use as a context manager (the executor's workers stay up across evaluations).

    Args:
        spec: The exploration.
        out: Its results folder; runs go to ``<out>/store``.
        executor: ``"serial"``, ``"processes"`` or ``"dask"`` (default: the
            spec's ``execution.executor``, else ``"processes"``).
        workers: Worker processes (default: the spec's, else the executor's).
        scheduler: Dask scheduler address or Client (default: the spec's).
        progress: Show a progress bar per evaluation.

    Attributes:
        points: The uncertainty points (scenario path -> value each).
        fits: The ranking fitted per point (filled by the first evaluation).
        executed: Runs executed so far, in ``run_seconds`` of wall time.
        used: Ids of every run the evaluations used (executed now or found on disk).
    """

    def __init__(self, spec: ExploreSpec, out: str | Path, *, executor: Any = None,
                 workers: int | None = None, scheduler: Any = None, progress: bool = True):
        self.spec = spec
        self.out = Path(out)
        self.store = self.out / "store"
        ex = spec.execution
        self._executor_args = {
            "executor": executor or ex.get("executor", "processes"),
            "workers": workers or ex.get("workers"),
            "scheduler": scheduler if scheduler is not None else ex.get("scheduler")}
        self.progress = progress
        self.points = uncertainty_points(spec)
        self.ranked_cities = tuple(spec.base_scenario.ranking.ranked_cities)
        self.replicates = spec.uncertainties.replicates
        self.fits: dict[int, RankingFit] = {}
        self.executed = 0
        self.used: set[str] = set()
        self.run_seconds = 0.0
        self._runner: _KeptOpen | None = None

    def __enter__(self) -> ModelEvaluator:  # noqa: D105
        return self

    def __exit__(self, *exc: object) -> None:  # noqa: D105
        self.close()

    def close(self) -> None:
        """Stop the executor's workers (a later evaluation starts them again)."""
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def _executor(self) -> _KeptOpen:
        if self._runner is None:
            a = self._executor_args
            self._runner = _KeptOpen(make_executor(a["executor"], workers=a["workers"],
                                                   scheduler=a["scheduler"]))
        return self._runner

    # ------------------------------------------------------------------ running
    def _run(self, policies: Sequence[Policy], replicates: int) -> pd.DataFrame:
        """Run what is not on disk; return the design table (scenario, point, replicate, run_id)."""
        base = self.spec.base_scenario
        samples = list(self.points) if any(self.points) else None
        experiment = Experiment(
            name=self.spec.name, scenarios=[p.scenario(base) for p in policies],
            samples=samples, replicates=replicates, months=self.spec.months,
            scale=self.spec.scale, root_seed=self.spec.root_seed,
            outputs=("activity", "policy_outcomes"), imports=("ecosim.explore.outputs",))
        summary = run_experiment(experiment, self.store, executor=self._executor(),
                                 progress=self.progress)
        self.executed += summary.executed
        self.run_seconds += summary.run_seconds
        if summary.failures:
            raise ExploreRunError(
                f"{len(summary.failures)} runs failed, e.g. {summary.failures[0]['error']}; "
                f"see {self.store / 'failures'} (the others are kept: run again to retry "
                "only those)")
        _, design = experiment.plan
        self.used |= set(design["run_id"])
        return design[["scenario", "point", "replicate", "seed", "run_id"]]

    def _fit(self) -> None:
        """Fit the ranking per uncertainty point on the reference runs (once)."""
        from ecosim.inputs.index_points import load_index_points
        from ecosim.inputs.scenario import load_scenario
        from ecosim.outputs.ranking import fit_ranking

        reference = Policy(start_year=self.spec.base_scenario.policy.start_year, packages=(),
                           label=REFERENCE)
        design = self._run([reference], self.replicates)
        activity = load_results(self.store, "activity").drop(columns=["scenario", "replicate",
                                                                      "seed"])
        activity = design.merge(activity, on="run_id")
        u = self.spec.uncertainties
        for point, overrides in enumerate(self.points):
            ranking = load_scenario(self.spec.base_scenario, overrides=overrides).ranking
            ref = activity[activity["point"] == point]
            self.fits[point] = fit_ranking(ref, load_index_points(ranking.points), ranking,
                                           draws=u.ranking_draws, seed=self.spec.root_seed)

    def evaluate(self, policies: Sequence[Policy], replicates: int | None = None
                 ) -> pd.DataFrame:
        """Cases of ``policies`` (see :class:`Evaluator`), running what is not on disk.

        Args:
            policies: The policies (repeats are run once).
            replicates: Seeds per point (default: ``uncertainties.replicates``);
                more seeds keep the first ones (confirmation on fresh seeds).

        Returns:
            One row per (policy, point, replicate, draw): the ids, ``n_top``,
            ``rank:<city>``, the run's ``policy_outcomes`` columns, the uncertainty
            point's parameters and the draw's ``ranking:<parameter>``.

        Raises:
            ExploreRunError: Some runs failed (the rest are on disk).
        """
        if not self.fits:
            self._fit()
        unique = list({p.id: p for p in policies}.values())
        design = self._run(unique, replicates or self.replicates)
        activity = load_results(self.store, "activity")
        outcomes = load_results(self.store, "policy_outcomes")
        id_cols = [c for c in outcomes.columns if c in activity.columns]
        outcomes = outcomes.drop(columns=[c for c in id_cols if c != "run_id"])
        year = self.spec.outcomes.year
        activity = activity[activity["year"] == year][["run_id", "year", "city",
                                                       *_activity_columns(activity)]]
        frames = []
        for point, fit in self.fits.items():
            runs = design[design["point"] == point]
            ind = runs.merge(activity, on="run_id")
            ranks = fit.rank(ind, uncertainty=True)
            frames.append(self._cases(ranks, fit, point))
        cases = pd.concat(frames, ignore_index=True).merge(outcomes, on="run_id", how="left")
        params = pd.DataFrame(self.points)
        if not params.empty:
            params = params.assign(point=np.arange(len(params)))
            cases = cases.merge(params, on="point", how="left")
        return cases.sort_values(["policy", "point", "replicate", "draw"],
                                 ignore_index=True)

    def _cases(self, ranks: pd.DataFrame, fit: RankingFit, point: int) -> pd.DataFrame:
        top = self.spec.outcomes.top
        wide = ranks.pivot_table(index=["scenario", "replicate", "seed", "run_id", "draw"],
                                 columns="city", values="rank", aggfunc="first",
                                 observed=True)
        wide = wide.reindex(columns=list(self.ranked_cities))
        out = wide.reset_index().rename(columns={"scenario": "policy"})
        out.insert(1, "point", point)
        out["n_top"] = (wide.to_numpy() <= top).sum(axis=1)
        out = out.rename(columns={c: f"rank:{c}" for c in self.ranked_cities})
        d = fit.draws
        for name in DRAW_PARAMETERS:
            out[f"ranking:{name}"] = np.asarray(getattr(d, name), dtype=float)[out["draw"]]
        return out


def _activity_columns(frame: pd.DataFrame) -> list[str]:
    from ecosim.outputs.ranking import ACTIVITY_COLUMNS

    return [c for c in ACTIVITY_COLUMNS if c in frame.columns]
