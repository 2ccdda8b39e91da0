"""Running an experiment: every run not yet on disk, on any executor, with progress.

Every run writes its own Parquet files as soon as it finishes, so memory stays
flat and an interrupted experiment resumes by skipping the runs on disk;
:func:`~ecosim.experiments.store.load_results` reads them back as one tidy
DataFrame.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecosim.experiments.design import Experiment, ExperimentError
from ecosim.experiments.executors import Executor, make_executor
from ecosim.experiments.integrity import driver_lock, inspect_runs, quarantine
from ecosim.experiments.store import (
    atomic_write_json,
    load_failures,
    model_code_digest,
    remove_temporaries,
)
from ecosim.experiments.worker import RunRecord, RunSettings

__all__ = ["ExperimentSummary", "run_experiment"]


@dataclass
class ExperimentSummary:
    """What an execution of an experiment did.

    Attributes:
        name: The experiment's name.
        out: Results folder.
        executor: Executor name.
        workers: Worker processes.
        total: Runs in the experiment.
        skipped: Runs already on disk, not run again (resume).
        stale: Runs on disk that other model code produced, run again now.
        damaged: Runs on disk whose files could not be trusted (a truncated or
            unreadable Parquet file, a wrong schema, an unreadable marker), run
            again now: run_id, reason, and the folder their files were moved to.
        executed: Runs executed now.
        succeeded: Of those, runs that finished.
        failures: Failed runs of the experiment (run_id, scenario, replicate,
            seed, overrides, error), as recorded in ``failures/``.
        startup_seconds: Wall time to start the executor and warm up its workers.
        run_seconds: Wall time from the first submitted run to the last result.
        busy_seconds: Sum of the runs' own wall times (build, months, outputs, writing).
        worker_startup: Warm-up seconds by worker (``host:pid``).
        dashboard: The Dask dashboard address, when Dask was used.
    """

    name: str
    out: Path
    executor: str
    workers: int
    total: int
    skipped: int
    executed: int
    succeeded: int
    failures: list[dict[str, Any]]
    stale: int = 0
    damaged: list[dict[str, str]] = field(default_factory=list)
    startup_seconds: float = 0.0
    run_seconds: float = 0.0
    busy_seconds: float = 0.0
    worker_startup: dict[str, float] = field(default_factory=dict)
    dashboard: str | None = None

    @property
    def ok(self) -> bool:
        """True when every run of the experiment is on disk."""
        return not self.failures and self.skipped + self.succeeded == self.total

    def __str__(self) -> str:  # noqa: D105
        lines = [f"experiment {self.name!r}: {self.total} runs; {self.skipped} already on disk, "
                 f"{self.executed} executed ({self.succeeded} ok, "
                 f"{self.executed - self.succeeded} failed) with {self.executor} "
                 f"x{self.workers} in {self.run_seconds:.1f} s (+{self.startup_seconds:.1f} s "
                 f"start-up); results in {self.out}"]
        if self.stale:
            lines.append(f"{self.stale} runs on disk came from other model code and ran again")
        if self.damaged:
            lines.append(f"{len(self.damaged)} runs on disk could not be read and ran again "
                         f"(their files moved to {self.damaged[0]['moved_to']}):")
            lines += [f"  {d['run_id']}: {d['reason']}" for d in self.damaged]
        if self.executed and self.run_seconds > 0:
            lines.append(f"throughput {self.executed / self.run_seconds:.2f} runs/s; "
                         f"mean run {self.busy_seconds / self.executed:.2f} s")
        if self.failures:
            lines.append(f"{len(self.failures)} failed runs (details in {self.out / 'failures'}):")
            lines += [f"  {f['run_id']} {f['scenario']} replicate {f['replicate']} "
                      f"{f['overrides']}: {f['error']}" for f in self.failures]
        return "\n".join(lines)


def run_experiment(
    experiment: Experiment,
    out: str | Path | None = None,
    *,
    executor: str | Executor | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = True,
    progress: bool = True,
    callback: Callable[[RunRecord, int, int], None] | None = None,
    numba_threads: int | None = None,
    lock_timeout: float | None = 0.0,
) -> ExperimentSummary:
    """Run every run of ``experiment`` not yet on disk, writing results as each finishes.

    Args:
        experiment: What to run. Validated first: nothing runs if it is invalid.
        out: Results folder (default: ``execution.out``, else ``results/<name>``).
            With Dask it must be visible to every worker.
        executor: ``"serial"``, ``"processes"``, ``"dask"`` or an
            :class:`~ecosim.experiments.executors.Executor` (default: ``execution.executor``,
            else ``"serial"``).
        workers: Worker processes (default: ``execution.workers``; then all CPUs
            for processes, 2 for a new local Dask cluster).
        scheduler: Dask only: a scheduler address (``tcp://host:8786``) or a
            ``distributed.Client`` (default: ``execution.scheduler``, else a new
            LocalCluster on 127.0.0.1).
        resume: Skip runs whose results are on disk and intact (a run whose files
            are damaged is moved to ``damaged/`` and runs again); False runs
            everything again.
        progress: Show a progress bar (runs done/total, ETA) on stderr.
        callback: Called as ``callback(record, done, total)`` after each run.
        numba_threads: Numba threads per run (results do not depend on it).
            Default: all cores for serial; cores / workers for a process pool
            or a new local Dask cluster; the workers' own on an existing cluster.
        lock_timeout: Seconds to wait when another driver holds ``out`` (0: fail
            at once; None: wait as long as it takes). See
            :mod:`ecosim.experiments.integrity`.

    Returns:
        What was done, including the failed runs.

    Raises:
        ExperimentError: The experiment is invalid (raised before any run).
        ResultsFolderBusy: Another driver is using ``out``.
        ValueError: Unknown executor or bad executor options.
    """
    experiment.validate()
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ExperimentError("workers", workers, "an integer >= 1 (worker processes)")
    ex_defaults = experiment.execution
    executor = executor or ex_defaults.get("executor", "serial")
    workers = workers or ex_defaults.get("workers")
    if scheduler is None and executor == "dask":
        scheduler = ex_defaults.get("scheduler")
    out = Path(out or ex_defaults.get("out") or Path("results") / experiment.name).resolve()
    tasks, _ = experiment.plan
    runner = make_executor(executor, workers=workers, scheduler=scheduler,
                           numba_threads=numba_threads)

    if out.exists() and not out.is_dir():
        raise ExperimentError("out", str(out), "a folder (new or existing), not a file")
    out.mkdir(parents=True, exist_ok=True)
    with driver_lock(out, lock_timeout, {"experiment": experiment.name}):
        return _run_locked(experiment, out, tasks, runner, resume, progress, callback)


def _run_locked(experiment: Experiment, out: Path, tasks: list, runner: Executor,
                resume: bool, progress: bool,
                callback: Callable[[RunRecord, int, int], None] | None) -> ExperimentSummary:
    """The body of :func:`run_experiment`, while this driver holds ``out``."""
    remove_temporaries(out)
    atomic_write_json({"experiment": experiment.to_dict(),
                        "run_ids": [t.run_id for t in tasks]}, out / "experiment.json")
    code = model_code_digest()
    run_ids = [t.run_id for t in tasks]
    disk = inspect_runs(out, run_ids, experiment.outputs, code) if resume else None
    damaged = []
    if disk is not None and disk.damaged:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for run_id, reason in disk.damaged.items():
            moved = quarantine(out, run_id, experiment.outputs, stamp)
            damaged.append({"run_id": run_id, "reason": reason, "moved_to": str(moved)})
    done = disk.done if disk is not None else set()
    stale = len(disk.stale) if disk is not None else 0
    todo = [t for t in tasks if t.run_id not in done]
    skipped = len(tasks) - len(todo)
    settings = RunSettings(str(out), tuple(experiment.outputs), experiment.backend,
                           tuple(experiment.imports))
    succeeded, executed, busy = 0, 0, 0.0
    startup = run_wall = 0.0
    if todo:
        from tqdm.auto import tqdm

        t0 = time.perf_counter()
        with runner:
            runner.start(settings)
            t1 = time.perf_counter()
            startup = t1 - t0
            bar = tqdm(total=len(tasks), initial=skipped, unit="run", disable=not progress,
                       desc=f"{experiment.name} ({runner.name} x{runner.workers})")
            try:
                for record in runner.map(todo, settings):
                    executed += 1
                    succeeded += record.status == "ok"
                    busy += record.seconds
                    bar.update(1)
                    if record.status != "ok":
                        bar.write(f"run {record.run_id} failed: {record.error}")
                    if callback is not None:
                        callback(record, skipped + executed, len(tasks))
            finally:
                bar.close()
            run_wall = time.perf_counter() - t1
    summary = ExperimentSummary(
        name=experiment.name, out=out, executor=runner.name, workers=runner.workers,
        total=len(tasks), skipped=skipped, executed=executed, succeeded=succeeded, stale=stale,
        damaged=damaged, failures=load_failures(out, run_ids=set(run_ids)),
        startup_seconds=startup, run_seconds=run_wall, busy_seconds=busy,
        worker_startup=dict(runner.startup), dashboard=runner.dashboard)
    atomic_write_json({k: v for k, v in dataclasses.asdict(summary).items()},
                       out / "summary.json")
    return summary
