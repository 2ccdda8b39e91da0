"""The results folder of an experiment: atomic files, completion markers, loading.

Layout::

    experiment.json         the declaration and the ids of its runs, in order
    <output>/<run_id>.parquet   one file per run and output (city, flows, retention, summary...)
    runs/<run_id>.json      completion marker, written after the outputs: a run is
                            done exactly when its marker and its output files exist
    failures/<run_id>.json  a run that raised: error, traceback, parameters
    summary.json            the last execution's summary

Every file is written to a temporary name in the same folder (starting with a
dot, which pyarrow, pandas and polars globs skip) and then renamed with
:func:`os.replace`, so a killed writer never leaves a half file under a real name.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "ID_COLUMNS",
    "atomic_write_json",
    "atomic_write_parquet",
    "completed_runs",
    "load_failures",
    "load_results",
    "model_code_digest",
    "remove_temporaries",
    "write_failure",
]

#: Columns every result row starts with, before the parameter columns.
ID_COLUMNS: tuple[str, ...] = ("run_id", "scenario", "replicate", "seed", "scale", "months")


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` so that readers see the whole file or none of it.

    The temporary name starts with a dot: pyarrow datasets, pandas and polars
    globs (``*.parquet``) skip it.
    """
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_json(record: dict[str, Any], path: Path) -> None:
    """Write ``record`` as JSON to ``path``, atomically (as :func:`atomic_write_parquet`)."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=1, default=str))
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_failure(out: str | Path, record: dict[str, Any]) -> None:
    """Record a failed run in ``<out>/failures/<run_id>.json`` (``record`` has ``run_id``)."""
    folder = Path(out) / "failures"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(record, folder / f"{record['run_id']}.json")


def completed_runs(out: str | Path, outputs: Sequence[str], code: str | None = None) -> set[str]:
    """Run ids with a completion marker and every one of ``outputs`` on disk.

    Args:
        out: The results folder.
        outputs: Outputs that must be on disk.
        code: Only runs whose marker records this model-code digest
            (see :func:`model_code_digest`); None accepts any.
    """
    out = Path(out)
    markers = list((out / "runs").glob("*.json")) if (out / "runs").exists() else []
    if code is not None:
        markers = [m for m in markers if _marker(m).get("code") == code]
    runs = {m.stem for m in markers}
    for name in outputs:
        folder = out / name
        runs &= {p.stem for p in folder.glob("*.parquet")} if folder.exists() else set()
    return runs


def _marker(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return {}


#: Modules that do not change what a run computes (paths relative to the package).
_NOT_MODEL = frozenset({
    "cli.py", "__main__.py", "outputs/plots.py",
    *(f"experiments/{m}.py" for m in ("__init__", "design", "run", "sweep", "executors",
                                      "worker", "store", "sensitivity", "dask_plugin")),
    # ecosim.explore plans, searches and analyses runs; only its outputs module is in a run
    *(f"explore/{m}.py" for m in ("__init__", "_check", "spec", "levers", "sampling",
                                  "evaluate", "stats", "search", "discovery", "plots", "job",
                                  "toy")),
})


@functools.cache
def model_code_digest() -> str:
    """A digest of the code and data a run's results depend on (this installation).

    Every ``.py`` file of the ``ecosim`` package except those that only run
    or store experiments (:data:`_NOT_MODEL`), and the packaged scenario files.
    A results folder records it per run; a resumed experiment re-runs the runs
    that other model code produced.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    files = [p for p in sorted(root.rglob("*.py"))
             if p.relative_to(root).as_posix() not in _NOT_MODEL]
    for path in files + sorted((root / "inputs" / "data").glob("*.toml")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def remove_temporaries(out: Path, older_than_s: float = 3600.0) -> None:
    """Remove half-written files a killed writer left behind (``.<name>.<pid>.<tag>.tmp``).

    Only files older than ``older_than_s`` go: a writer still running elsewhere
    (a task of an earlier driver on a remote cluster) keeps its file.
    """
    now = time.time()
    for tmp in [*out.glob(".*.tmp"), *out.glob("*/.*.tmp")]:
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()


def load_results(out: str | Path, output: str = "city", *,
                 all_runs: bool = False) -> pd.DataFrame:
    """One output of an experiment's runs as a tidy DataFrame.

    Every row starts with ``run_id``, ``scenario``, ``replicate``, ``seed``,
    ``scale``, ``months`` and one column per scenario path the run set (dots
    written ``__``), followed by the output's own columns. Rows are in the
    experiment's run order. The files are plain Parquet: polars reads them as
    well (``polars.read_parquet(f"{out}/{output}/*.parquet")``).

    Args:
        out: The experiment's results folder.
        output: Which output (``city``, ``flows``, ``retention``, ``summary``, ...).
        all_runs: Include files of runs that are not in the folder's current
            experiment (left by an earlier declaration) or have no completion marker.

    Returns:
        The concatenated frame (empty, with the id columns, when no run is on disk).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    folder = out / output
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    if not all_runs:
        order = _run_order(out)
        done = completed_runs(out, [output])
        files = sorted((f for f in files if f.stem in order and f.stem in done),
                       key=lambda f: order[f.stem])
    if not files:
        return pd.DataFrame({c: [] for c in ID_COLUMNS})
    tables = [pq.read_table(f) for f in files]
    # A run with no rows (no movers, say) may have untyped columns: leave it out.
    tables = [t for t in tables if t.num_rows] or tables[:1]
    table = pa.concat_tables(tables, promote_options="permissive")
    return table.to_pandas().reset_index(drop=True)


def _run_order(out: Path) -> dict[str, int]:
    path = out / "experiment.json"
    if not path.exists():
        return {p.stem: i for i, p in enumerate(sorted((out / "runs").glob("*.json")))}
    run_ids = json.loads(path.read_text())["run_ids"]
    return {r: i for i, r in enumerate(run_ids)}


def load_failures(out: str | Path, run_ids: set[str] | None = None) -> list[dict[str, Any]]:
    """Failed runs recorded in ``<out>/failures/`` and not completed since, in run order.

    Args:
        out: The experiment's results folder.
        run_ids: Only these runs (default: all).

    Returns:
        One dict per failed run: run_id, index, scenario, replicate, seed,
        overrides, error, traceback, worker.
    """
    out = Path(out)
    folder = out / "failures"
    if not folder.exists():
        return []
    records = []
    for path in folder.glob("*.json"):
        if run_ids is not None and path.stem not in run_ids:
            continue
        if (out / "runs" / path.name).exists():  # failed once, completed on a later try
            continue
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, json.JSONDecodeError):  # being replaced right now
            continue
    return sorted(records, key=lambda r: r.get("index", 0))
