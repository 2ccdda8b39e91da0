"""Where an experiment's runs execute: in-process, a local process pool, or Dask.

Every executor runs the same function, :func:`~ecosim.experiments.worker.execute_run`,
on the same :class:`~ecosim.experiments.worker.RunTask`, so results do not
depend on the executor. Use one as a context manager; :func:`make_executor`
makes one by name.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as futures_as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecosim.experiments.store import write_failure
from ecosim.experiments.worker import (
    RunRecord,
    RunSettings,
    RunTask,
    describe,
    execute_run,
    warm_seconds,
    warm_up,
    worker_name,
)

__all__ = ["EXECUTORS", "DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor",
           "make_executor"]

#: Executor names accepted by :func:`make_executor`.
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")


# --------------------------------------------------------------------------- executors


@dataclass
class Executor:
    """Runs tasks and yields their records as they finish.

    Use as a context manager: entering starts the workers (and warms them up),
    leaving stops what this executor started.

    Attributes:
        name: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Number of worker processes (1 for serial).
        startup: Warm-up seconds by worker (``host:pid``), filled as workers report.
        dashboard: The Dask dashboard address, when there is one.
    """

    name: str = "serial"
    workers: int = 1
    startup: dict[str, float] = field(default_factory=dict)
    dashboard: str | None = None

    def __enter__(self) -> Executor:
        """Enter: nothing to start for this executor."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop what this executor started."""
        return None

    def start(self, settings: RunSettings) -> None:
        """Start the workers and warm each up once (recorded in :attr:`startup`)."""
        return None

    def map(self, tasks: list[RunTask], settings: RunSettings) -> Iterator[RunRecord]:
        """Run ``tasks``; yield one record per task as each finishes (any order)."""
        raise NotImplementedError

    def _seen(self, record: RunRecord) -> RunRecord:
        if record.startup_seconds is not None:
            self.startup.setdefault(record.worker, record.startup_seconds)
        return record


class SerialExecutor(Executor):
    """Runs every task in this process, one after the other.

    Args:
        numba_threads: Numba threads per run (default: Numba's, all cores).
            Small runs are often faster with 1: their parallel loops are too
            short to pay for waking threads.
    """

    def __init__(self, numba_threads: int | None = None) -> None:
        super().__init__(name="serial", workers=1)
        self.numba_threads = numba_threads

    def start(self, settings: RunSettings) -> None:  # noqa: D102
        self.startup.setdefault(worker_name(), warm_up(settings.backend, settings.imports))

    def map(self, tasks: list[RunTask], settings: RunSettings) -> Iterator[RunRecord]:  # noqa: D102
        settings = _with_threads(settings, self.numba_threads)
        for task in tasks:
            yield self._seen(execute_run(task, settings))


def _process_init(backend: str, imports: tuple[str, ...]) -> None:
    warm_up(backend, imports, freeze=True)


class ProcessExecutor(Executor):
    """A local pool of worker processes (:class:`concurrent.futures.ProcessPoolExecutor`).

    Processes are started with ``spawn`` (OpenMP, Numba's threading layer, is
    not fork-safe) and warmed up once each by the pool's initializer.

    Args:
        workers: Number of processes (default: the machine's CPU count).
        numba_threads: Numba threads per run (default: CPUs / workers, at least 1).
        mp_context: Multiprocessing start method.
    """

    def __init__(self, workers: int | None = None, numba_threads: int | None = None,
                 mp_context: str = "spawn") -> None:
        workers = workers or os.cpu_count() or 1
        super().__init__(name="processes", workers=workers)
        self.numba_threads = numba_threads or max(1, (os.cpu_count() or 1) // workers)
        self.mp_context = mp_context
        self._pool: ProcessPoolExecutor | None = None
        self._settings: RunSettings | None = None

    def __exit__(self, *exc: object) -> None:  # noqa: D105
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def start(self, settings: RunSettings) -> None:  # noqa: D102
        import multiprocessing

        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context(self.mp_context),
                initializer=_process_init, initargs=(settings.backend, settings.imports))
        # One call per worker: each submission spawns a process, which warms up first.
        calls = [self._pool.submit(warm_seconds, settings.backend) for _ in range(self.workers)]
        for call in calls:
            worker, seconds = call.result()
            if seconds is not None:
                self.startup.setdefault(worker, seconds)

    def map(self, tasks: list[RunTask], settings: RunSettings) -> Iterator[RunRecord]:  # noqa: D102
        settings = _with_threads(settings, self.numba_threads)
        if self._pool is None:
            self.start(settings)
        assert self._pool is not None
        futures = {self._pool.submit(execute_run, t, settings): t for t in tasks}
        for future in futures_as_completed(futures):
            task = futures.pop(future)
            try:
                record = future.result()
            except Exception as err:  # the worker process died (BrokenProcessPool, ...)
                record = _lost(task, err, Path(settings.out))
            yield self._seen(record)


class DaskExecutor(Executor):
    """Runs tasks on a Dask cluster: a new local one, one at an address, or a Client.

    Args:
        scheduler: None for a new :class:`distributed.LocalCluster` on 127.0.0.1
            (``workers`` processes, one thread each); a scheduler address such as
            ``tcp://host:8786``; or a :class:`distributed.Client`.
        workers: Worker processes of a new local cluster (default 2).
        numba_threads: Numba threads per run; default CPUs / workers on a local
            cluster, Numba's default on a remote one.
        show_dashboard: Print the dashboard address when the cluster is ready.

    Tasks are keyed ``ecosim-run-<run_id>``. When a worker dies, the scheduler
    gives its tasks to another worker; a run that had already written its files
    rewrites the same files (atomically, with identical content), so no run is
    lost and none is duplicated.
    """

    def __init__(self, scheduler: Any = None, workers: int | None = None,
                 numba_threads: int | None = None, show_dashboard: bool = True) -> None:
        super().__init__(name="dask", workers=workers or 2)
        self.scheduler = scheduler
        self.numba_threads = numba_threads
        self.show_dashboard = show_dashboard
        self.client: Any = None
        self._own: list[Any] = []  # what __exit__ closes

    def __enter__(self) -> DaskExecutor:  # noqa: D105
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            import dask

            # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in workers, which turns off glibc's
            # adaptive mmap threshold: every array over 128 KB is then a fresh mmap, and
            # our runs are 25-30% slower. Leave glibc's default in our own cluster.
            environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
            environ.pop("MALLOC_TRIM_THRESHOLD_", None)
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                       processes=True, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0")
            self.client = Client(cluster)
            self._own = [self.client, cluster]
            if self.numba_threads is None:
                self.numba_threads = max(1, (os.cpu_count() or 1) // self.workers)
        elif isinstance(self.scheduler, str):
            self.client = Client(self.scheduler)
            self._own = [self.client]
        else:
            self.client = self.scheduler
        try:
            info = self.client.scheduler_info(n_workers=-1)  # all workers (distributed >= 2025)
        except TypeError:
            info = self.client.scheduler_info()
        self.workers = len(info["workers"]) or self.workers
        self.dashboard = self.client.dashboard_link
        if self.show_dashboard:
            print(f"Dask dashboard: {self.dashboard}  ({self.workers} workers)", flush=True)
        return self

    def __exit__(self, *exc: object) -> None:  # noqa: D105
        for obj in self._own:
            with contextlib.suppress(Exception):
                obj.close()
        self._own = []

    def start(self, settings: RunSettings) -> None:  # noqa: D102
        from ecosim.experiments.dask_plugin import WarmUp

        self.client.register_plugin(WarmUp(settings.backend, settings.imports),
                                    name="ecosim-warm-up")
        for worker, seconds in self.client.run(warm_seconds, settings.backend).values():
            if seconds is not None:
                self.startup.setdefault(worker, seconds)

    def map(self, tasks: list[RunTask], settings: RunSettings) -> Iterator[RunRecord]:  # noqa: D102
        from distributed import as_completed

        settings = _with_threads(settings, self.numba_threads)
        futures = {}
        for t in tasks:
            f = self.client.submit(execute_run, t, settings, key=f"ecosim-run-{t.run_id}",
                                   pure=False, retries=0)
            futures[f.key] = (f, t)
        for future in as_completed([f for f, _ in futures.values()]):
            _, task = futures.pop(future.key)
            try:
                record = future.result()
            except Exception as err:  # KilledWorker after repeated deaths, lost data, ...
                record = _lost(task, err, Path(settings.out))
            future.release()
            yield self._seen(record)


def _with_threads(settings: RunSettings, threads: int | None) -> RunSettings:
    if threads is None or settings.numba_threads is not None:
        return settings
    return RunSettings(settings.out, settings.outputs, settings.backend, settings.imports, threads)


def _lost(task: RunTask, err: BaseException, out: Path) -> RunRecord:
    """Record a run whose worker was lost (the run itself never reported)."""
    error = f"{type(err).__name__}: {err}"
    write_failure(out, {"run_id": task.run_id, "index": task.index, **describe(task),
                        "error": error, "traceback": "".join(traceback.format_exception(err)),
                        "worker": "?"})
    return RunRecord(task.run_id, "failed", 0.0, "?", None, error=error, index=task.index)


def make_executor(executor: str | Executor = "serial", *, workers: int | None = None,
                  scheduler: Any = None, numba_threads: int | None = None) -> Executor:
    """An executor by name.

    Args:
        executor: ``"serial"``, ``"processes"`` or ``"dask"``, or an :class:`Executor`.
        workers: Worker processes (processes: default all CPUs; dask: default 2
            for a new local cluster, ignored for an existing one).
        scheduler: For ``"dask"``: a scheduler address or a ``distributed.Client``.
        numba_threads: Numba threads per run (default: all cores for serial,
            cores / workers for a process pool or a new local Dask cluster,
            the workers' own default on an existing Dask cluster).

    Raises:
        ValueError: Unknown executor, or a scheduler given for a non-Dask executor.
    """
    if isinstance(executor, Executor):
        return executor
    if executor not in EXECUTORS:
        raise ValueError(f"executor = {executor!r} is invalid: allowed is one of "
                         f"{', '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise ValueError(f"scheduler = {scheduler!r} is invalid with executor {executor!r}: "
                         "allowed is a scheduler only with executor 'dask'")
    if workers is not None and workers < 1:
        raise ValueError(f"workers = {workers} is invalid: allowed is an integer >= 1")
    if executor == "serial":
        return SerialExecutor(numba_threads)
    if executor == "processes":
        return ProcessExecutor(workers, numba_threads)
    return DaskExecutor(scheduler, workers, numba_threads)

