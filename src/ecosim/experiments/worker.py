"""One run in a worker: the task, its settings, its record, and the warm-up of a process.

Every executor (:mod:`ecosim.experiments.executors`) runs the same function,
:func:`execute_run`, on the same :class:`RunTask`, so results do not depend on
the executor. A run writes its own results (one Parquet file per output,
written atomically) and returns only a small :class:`RunRecord`; nothing large
travels back to the driver.

Each worker process pays Numba's start-up once: :func:`warm_up` imports the
model and builds and steps a tiny one, which loads every kernel from Numba's
disk cache (or compiles it, the very first time on a machine). The process
pool calls it as its initializer; Dask workers through a worker plugin
(:mod:`ecosim.experiments.dask_plugin`), so a worker that replaces a dead one
is warmed too.
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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.experiments.store import (
    atomic_write_json,
    atomic_write_parquet,
    model_code_digest,
    write_failure,
)

__all__ = ["RunRecord", "RunSettings", "RunTask", "describe", "execute_run", "warm_seconds",
           "warm_up", "worker_name"]


@dataclass(frozen=True)
class RunTask:
    """One run of an experiment: everything a worker needs, and nothing else.

    Attributes:
        run_id: Stable identifier (a hash of the scenario's content, the
            overrides, the replicate and the seed).
        index: Position in the experiment's run list (for ordering only).
        scenario: Label of the scenario (as declared in the experiment).
        source: What :func:`~ecosim.inputs.scenario.load_scenario` reads: a packaged
            name, a TOML path, or a :class:`~ecosim.inputs.scenario.Scenario`.
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
        outputs: Names of the outputs to keep (see :mod:`ecosim.experiments.registry`).
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
        import ecosim.experiments.registry  # noqa: F401  (the registries)
        from ecosim.model import EcosystemModel

        if backend == "numba":
            try:
                with _RUN_LOCK:
                    EcosystemModel("korea", rng=0, scale=0.001, months=12,
                                   backend=backend).run()
            except Exception as err:  # the runs themselves will report the problem
                warnings.warn(f"ecosim warm-up failed ({type(err).__name__}: {err}); kernels "
                              "compile in the first run instead", RuntimeWarning, stacklevel=2)
        if freeze:
            gc.collect()
            gc.freeze()
        _WARM[backend] = time.perf_counter() - t0
        return _WARM[backend]


def worker_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def warm_seconds(backend: str) -> tuple[str, float | None]:
    """This process's name and its warm-up seconds for ``backend`` (None if not warmed)."""
    return worker_name(), _WARM.get(backend)


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
    from ecosim.experiments.registry import OUTPUTS
    from ecosim.model import EcosystemModel

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
        record = RunRecord(task.run_id, "ok", seconds, worker_name(), startup, index=task.index)
        (out / "runs").mkdir(parents=True, exist_ok=True)
        atomic_write_json({**asdict(record), **describe(task), "code": model_code_digest()},
                          out / "runs" / f"{task.run_id}.json")
        with contextlib.suppress(FileNotFoundError):
            (out / "failures" / f"{task.run_id}.json").unlink()
        return record
    except Exception as err:  # a failing run is recorded; the others go on
        seconds = time.perf_counter() - t0
        record = RunRecord(task.run_id, "failed", seconds, worker_name(), startup,
                           error=f"{type(err).__name__}: {err}", index=task.index)
        with contextlib.suppress(FileNotFoundError):  # an earlier success is stale now
            (out / "runs" / f"{task.run_id}.json").unlink()
        write_failure(out, {"run_id": task.run_id, "index": task.index, **describe(task),
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


def describe(task: RunTask) -> dict[str, Any]:
    """What identifies a run in markers and failure records."""
    return {"scenario": task.scenario, "replicate": task.replicate, "seed": task.seed,
            "overrides": task.overrides}
