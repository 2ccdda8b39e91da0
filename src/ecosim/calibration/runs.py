"""Calibration runs on the experiment executors: batches of (parameters, seed), resumable.

Every simulation a calibration asks for is one run of an
:class:`~ecosim.experiments.design.Experiment` whose sample rows carry their
own seeds, executed by :func:`~ecosim.experiments.run.run_experiment` on the
serial, process-pool or Dask executor. Its ``targets`` output is written to
``<folder>/targets/<run_id>.parquet``, the run id a hash of the scenario, the
parameters and the seed: asking again for a (parameters, seed) pair that is on
disk reads it back instead of running it, so an interrupted calibration
resumes, and a repeated one costs nothing. One executor (its processes or
Dask cluster) serves every batch of a calibration (:func:`open_executor`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.calibration.frames import LAST_DATE
from ecosim.experiments import Experiment, run_experiment
from ecosim.experiments.executors import Executor, make_executor
from ecosim.experiments.worker import RunSettings, RunTask
from ecosim.inputs.scenario import Scenario, load_scenario

__all__ = ["PLUGIN", "HeldExecutor", "RunConfig", "months_to_window_end", "open_executor",
           "simulate"]

#: The module that registers the calibration outputs; every calibration experiment's
#: workers import it first (``Experiment.imports``).
PLUGIN = "ecosim.calibration.plugin"


def months_to_window_end(spec: Scenario) -> int:
    """Months from the scenario's start to the end of the calibration window (Dec 2025)."""
    year, month = (int(x) for x in LAST_DATE.split("-"))
    return (year - spec.start_year) * 12 + month - spec.start_month + 1


@dataclass(frozen=True)
class RunConfig:
    """What every run of a calibration shares.

    Attributes:
        scenario: Packaged name, TOML path or Scenario.
        scale: Agents per real person or firm.
        months: Months per run; default: from the scenario's start to December
            2025 (the last date of the facts).
        fixed: Scenario paths held at one value in every run.
    """

    scenario: Any = "baseline"
    scale: float = 0.005
    months: int | None = None
    fixed: Mapping[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> Scenario:
        """The scenario with the fixed values, at this scale and length."""
        spec = load_scenario(self.scenario, overrides={**self.fixed, "scale": self.scale})
        return spec.replace(months=self.run_months(spec))

    def run_months(self, spec: Scenario | None = None) -> int:
        """Months per run (``months``, or to the end of 2025).

        Raises:
            ValueError: The scenario starts after December 2025.
        """
        if self.months is not None:
            return int(self.months)
        spec = spec or load_scenario(self.scenario, overrides=dict(self.fixed))
        n = months_to_window_end(spec)
        if n < 1:
            raise ValueError(f"scenario {spec.name!r} starts {spec.start_year}-"
                             f"{spec.start_month:02d}, after the facts (to {LAST_DATE}); "
                             "allowed is a scenario that starts by 2025, or give months")
        return n

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        scenario = self.scenario.name if isinstance(self.scenario, Scenario) else str(
            self.scenario)
        return {"scenario": scenario, "scale": self.scale, "months": self.run_months(),
                "fixed": dict(self.fixed)}


class HeldExecutor(Executor):
    """An executor kept running across many experiments (one calibration's batches).

    :func:`~ecosim.experiments.run.run_experiment` enters and leaves the
    executor it is given; this one ignores that, starts its workers once and
    is stopped by :func:`open_executor` at the end.
    """

    def __init__(self, inner: Executor):
        super().__init__(name=inner.name, workers=inner.workers)
        self.inner = inner
        self._started = False

    def start(self, settings: RunSettings) -> None:  # noqa: D102
        if not self._started:
            self.inner.start(settings)
            self._started = True
        self.workers, self.startup = self.inner.workers, self.inner.startup
        self.dashboard = self.inner.dashboard

    def map(self, tasks: list[RunTask], settings: RunSettings):  # noqa: D102
        return self.inner.map(tasks, settings)


@contextlib.contextmanager
def open_executor(executor: str | Executor = "serial", *, workers: int | None = None,
                  scheduler: Any = None,
                  numba_threads: int | None = 1) -> Iterator[HeldExecutor]:
    """An executor by name (see :func:`~ecosim.experiments.executors.make_executor`), held open.

    Calibration runs are small, and small runs are fastest on one Numba thread
    each (``numba_threads=1``, the default here): on the shared 2-core machine
    a 24-month run at scale 0.003 took 0.49 s with one thread and 3.0 s with two.

    Yields:
        An executor to pass to :func:`simulate` as often as needed.
    """
    if isinstance(executor, HeldExecutor):
        yield executor
        return
    inner = make_executor(executor, workers=workers, scheduler=scheduler,
                          numba_threads=numba_threads)
    with inner:
        yield HeldExecutor(inner)


def simulate(rows: Sequence[Mapping[str, Any]], config: RunConfig, folder: str | Path,
             executor: str | Executor = "serial", *, name: str = "calibration",
             progress: bool = True, outputs: Sequence[str] = ("targets",),
             workers: int | None = None, scheduler: Any = None,
             numba_threads: int | None = 1) -> list[dict[str, float]]:
    """Run (or read from ``folder``) one model per row and return its target values.

    Args:
        rows: ``{scenario path: value, ..., "seed": int}`` per run.
        config: Scenario, scale, months and fixed values of every run.
        folder: Results folder (shared by every batch of a calibration).
        executor: An executor name or (better, for many batches) one from
            :func:`open_executor`.
        name: Experiment name (shown in the progress bar).
        progress: Show a progress bar.
        outputs: Outputs each run keeps (``targets`` at least).
        workers: Worker processes (when ``executor`` is a name).
        scheduler: Dask scheduler address or Client (when ``executor`` is ``"dask"``).
        numba_threads: Numba threads per run (when ``executor`` is a name).

    Returns:
        One dict per row: flat target values (``"<target>:<key>"``); empty for
        a run that failed (recorded in ``<folder>/failures/``).
    """
    if not rows:
        return []
    spec = config.spec
    experiment = Experiment(
        name=name, scenarios=[config.scenario], samples=[dict(r) for r in rows],
        months=spec.months, scale=config.scale, fixed=dict(config.fixed),
        outputs=tuple(dict.fromkeys(["targets", *outputs])), imports=(PLUGIN,))
    folder = Path(folder)
    with open_executor(executor, workers=workers, scheduler=scheduler,
                       numba_threads=numba_threads) as held:
        summary = run_experiment(experiment, folder, executor=held, progress=progress)
    _, design = experiment.plan
    out = []
    failed = {f["run_id"] for f in summary.failures}
    for run_id in design["run_id"]:
        path = folder / "targets" / f"{run_id}.parquet"
        if run_id in failed or not path.exists():
            out.append({})
            continue
        frame = pd.read_parquet(path, columns=["key", "value"])
        out.append({k: (float(v) if v is not None else math.nan)
                    for k, v in zip(frame["key"], frame["value"], strict=True)})
    return out
