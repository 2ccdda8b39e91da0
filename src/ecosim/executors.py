"""Where an experiment's runs execute: in-process, a local process pool, or Dask.

Every executor runs the same function, :func:`execute_run`, on the same
:class:`RunTask`, so results do not depend on the executor. A run writes its own
results (one Parquet file per output, written atomically) and returns only a
small :class:`RunRecord`; nothing large travels back to the driver.

Each worker process pays Numba's start-up once: :func:`warm_up` imports the
model and builds and steps a tiny one, which loads every kernel from Numba's
disk cache (or compiles it, the very first time on a machine). The process
pool calls it as its initializer; Dask workers through a worker plugin, so a
worker that replaces a dead one is warmed too.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as futures_as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.store import (
    atomic_write_json,
    atomic_write_parquet,
    model_code_digest,
    write_failure,
)

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "RunRecord",
    "RunSettings",
    "RunTask",
    "SerialExecutor",
    "execute_run",
    "make_executor",
    "warm_up",
]

#: Executor names accepted by :func:`make_executor`.
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")


@dataclass(frozen=True)
class RunTask:
    """One run of an experiment: everything a worker needs, and nothing else.

    Attributes:
        run_id: Stable identifier (a hash of the scenario's content, the
            overrides, the replicate and the seed).
        index: Position in the experiment's run list (for ordering only).
        scenario: Label of the scenario (as declared in the experiment).
        source: What :func:`~ecosim.scenario.load_scenario` reads: a packaged
            name, a TOML path, or a :class:`~ecosim.scenario.Scenario`.
        overrides: Dotted scenario paths and values for this run (the
            experiment's fixed values, scale, months and this point's parameters).
        replicate: Replicate number (0-based).
        seed: The model's seed (shared by every run of this replicate).
    """

    run_id: str
    index: int
    scenario: str
    source: Any
    overrides: dict[str, Any]
    replicate: int
    seed: int

    def columns(self, scale: float, months: int) -> dict[str, Any]:
        """Identifying columns of this run's rows: ids, then one per override path."""
        cols: dict[str, Any] = {"run_id": self.run_id, "scenario": self.scenario,
                                "replicate": self.replicate, "seed": self.seed,
                                "scale": scale, "months": months}
        for path, value in self.overrides.items():
            if path not in ("scale", "months"):
                cols[path.replace(".", "__")] = value
        return cols


@dataclass(frozen=True)
class RunSettings:
    """What every run of one experiment shares.

    Attributes:
        out: Results folder (must be visible to every worker).
        outputs: Names of the outputs to keep (see :mod:`ecosim.registry`).
        backend: Model backend, ``"numba"`` or ``"python"``.
        imports: Modules each worker imports first (plug-in outputs and metrics).
        numba_threads: Threads for Numba's parallel kernels in each run; None
            leaves Numba's default (all cores). Results do not depend on it.
    """

    out: str
    outputs: tuple[str, ...]
    backend: str = "numba"
    imports: tuple[str, ...] = ()
    numba_threads: int | None = None


@dataclass
class RunRecord:
    """What a run reports back to the driver.

    Attributes:
        run_id: The run.
        status: ``"ok"`` or ``"failed"``.
        seconds: Wall time of the run (build, months, outputs, writing).
        worker: ``host:pid`` of the process that ran it.
        startup_seconds: That process's one-off warm-up time (None if unknown).
        error: ``"ExceptionType: message"`` for a failed run.
        index: Position in the experiment's run list.
    """

    run_id: str
    status: str
    seconds: float
    worker: str
    startup_seconds: float | None = None
    error: str | None = None
    index: int = -1


# --------------------------------------------------------------------------- worker side

_WARM: dict[str, float] = {}          # backend -> warm-up seconds, per process
_WARM_LOCK = threading.Lock()
_RUN_LOCK = threading.Lock()          # one model at a time per process (see execute_run)


def warm_up(backend: str = "numba", imports: Iterable[str] = (), freeze: bool = False) -> float:
    """Load (or compile) every kernel once in this process; return the seconds it took.

    Builds and steps a tiny Korea (scale 0.001) for twelve months, so that
    every phase, yearly ones included (graduation, demonstrations), calls its
    kernels once. Later runs in the same process reuse the compiled kernels. A
    second call in the same process returns the first call's time.

    Args:
        backend: The backend the runs will use (nothing to compile for ``"python"``).
        imports: Modules to import (plug-in outputs and metrics).
        freeze: Then move every object alive (modules, the worker's own state)
            out of the garbage collector's sight (:func:`gc.freeze`), so the
            collections a run triggers do not traverse them: runs in a Dask
            worker, which holds many objects, are ~10% faster. For dedicated
            worker processes only (such objects are never collected as cycles).
    """
    for name in imports:
        importlib.import_module(name)
    if backend in _WARM:
        return _WARM[backend]
    with _WARM_LOCK:
        if backend in _WARM:
            return _WARM[backend]
        t0 = time.perf_counter()
        import ecosim.registry  # noqa: F401  (the registries)
        from ecosim.model import EcosystemModel

        if backend == "numba":
            try:
                with _RUN_LOCK:
                    EcosystemModel("korea_2025", rng=0, scale=0.001, months=12,
                                   backend=backend).run()
            except Exception as err:  # the runs themselves will report the problem
                warnings.warn(f"ecosim warm-up failed ({type(err).__name__}: {err}); kernels "
                              "compile in the first run instead", RuntimeWarning, stacklevel=2)
        if freeze:
            gc.collect()
            gc.freeze()
        _WARM[backend] = time.perf_counter() - t0
        return _WARM[backend]


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _as_frame(result: Any, name: str) -> pd.DataFrame:
    if isinstance(result, pd.DataFrame):
        return result.reset_index(drop=True)
    if isinstance(result, Mapping):
        return pd.DataFrame([dict(result)])
    raise TypeError(f"output {name!r} returned {type(result).__name__}: allowed is a "
                    "DataFrame or a mapping of column -> value")


def execute_run(task: RunTask, settings: RunSettings) -> RunRecord:
    """Run one model and write its outputs; never raises for a failing model.

    Writes ``<out>/<output>/<run_id>.parquet`` for every output, then the
    completion marker ``<out>/runs/<run_id>.json`` (last, so a run is complete
    exactly when its marker exists). Files are written atomically and named by
    ``run_id``: a run executed twice (a Dask task re-run after its worker died)
    replaces its files with identical ones, and never duplicates them.

    A model that raises writes ``<out>/failures/<run_id>.json`` (parameters,
    error and traceback) and returns a record with status ``"failed"``.

    Runs are serialised within a process: Numba's parallel kernels are not
    re-entrant under every threading layer. Use one thread per worker process.
    """
    startup = warm_up(settings.backend, settings.imports)
    from ecosim.model import EcosystemModel
    from ecosim.registry import OUTPUTS

    out = Path(settings.out)
    t0 = time.perf_counter()
    try:
        with _RUN_LOCK, _numba_threads(settings.numba_threads):
            model = EcosystemModel(task.source, rng=task.seed, backend=settings.backend,
                                   overrides=task.overrides)
            model.run()
            ids = task.columns(model.spec.scale, model.spec.months)
            frames = {}
            for name in settings.outputs:
                frame = _as_frame(OUTPUTS[name](model), name)
                clash = sorted(set(ids) & set(frame.columns))
                if clash:
                    raise ValueError(f"output {name!r} has columns {clash} that clash with the "
                                     "run's identifying columns")
                head = pd.DataFrame({k: [v] * len(frame) for k, v in ids.items()})
                frames[name] = pd.concat([head, frame], axis=1)
        for name, frame in frames.items():
            folder = out / name
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_parquet(frame, folder / f"{task.run_id}.parquet")
        seconds = time.perf_counter() - t0
        record = RunRecord(task.run_id, "ok", seconds, _worker_name(), startup, index=task.index)
        (out / "runs").mkdir(parents=True, exist_ok=True)
        atomic_write_json({**asdict(record), **_describe(task), "code": model_code_digest()},
                          out / "runs" / f"{task.run_id}.json")
        with contextlib.suppress(FileNotFoundError):
            (out / "failures" / f"{task.run_id}.json").unlink()
        return record
    except Exception as err:  # a failing run is recorded; the others go on
        seconds = time.perf_counter() - t0
        record = RunRecord(task.run_id, "failed", seconds, _worker_name(), startup,
                           error=f"{type(err).__name__}: {err}", index=task.index)
        with contextlib.suppress(FileNotFoundError):  # an earlier success is stale now
            (out / "runs" / f"{task.run_id}.json").unlink()
        write_failure(out, {"run_id": task.run_id, "index": task.index, **_describe(task),
                            "error": record.error, "traceback": traceback.format_exc(),
                            "worker": record.worker})
        return record


@contextlib.contextmanager
def _numba_threads(threads: int | None) -> Iterator[None]:
    """Run with ``threads`` Numba threads (this thread's setting), then restore it."""
    if not threads:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _describe(task: RunTask) -> dict[str, Any]:
    return {"scenario": task.scenario, "replicate": task.replicate, "seed": task.seed,
            "overrides": task.overrides}


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
        self.startup.setdefault(_worker_name(), warm_up(settings.backend, settings.imports))

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
        calls = [self._pool.submit(_warm_seconds, settings.backend) for _ in range(self.workers)]
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
        from ecosim._dask_plugin import WarmUp

        self.client.register_plugin(WarmUp(settings.backend, settings.imports),
                                    name="ecosim-warm-up")
        for worker, seconds in self.client.run(_warm_seconds, settings.backend).values():
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


def _warm_seconds(backend: str) -> tuple[str, float | None]:
    return _worker_name(), _WARM.get(backend)


def _with_threads(settings: RunSettings, threads: int | None) -> RunSettings:
    if threads is None or settings.numba_threads is not None:
        return settings
    return RunSettings(settings.out, settings.outputs, settings.backend, settings.imports, threads)


def _lost(task: RunTask, err: BaseException, out: Path) -> RunRecord:
    """Record a run whose worker was lost (the run itself never reported)."""
    error = f"{type(err).__name__}: {err}"
    write_failure(out, {"run_id": task.run_id, "index": task.index, **_describe(task),
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

