"""The results folder of an experiment: atomic files, completion markers, loading.

Layout::

    experiment.json         the declaration and the ids of its runs, in order
    <output>/<run_id>.parquet   one file per run and output (city, flows, retention, summary...)
    runs/<run_id>.json      completion marker, written after the outputs: a run is
                            done exactly when its marker and its output files exist
    failures/<run_id>.json  a run that raised: error, traceback, parameters
    summary.json            the last execution's summary

Every file is written to a temporary name in the same folder (starting with a
dot, which pyarrow, pandas and polars globs skip), synced, and then renamed with
:func:`os.replace`, so a killed writer never leaves a half file under a real name.
A completion marker records each output file's size, SHA-256, rows and columns;
:mod:`ecosim.experiments.integrity` checks them on resume.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.inputs.validation import InputError
from ecosim.state.checkpoint import model_code_digest

__all__ = [
    "ID_COLUMNS",
    "ResultsError",
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


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    """Write ``frame`` to ``path`` so that readers see the whole file or none of it.

    The file is written under a temporary name (starting with a dot: pyarrow
    datasets, pandas and polars globs skip it), synced to disk and renamed.

    Returns:
        What was written, for the run's completion marker: ``bytes``,
        ``sha256``, ``rows`` and ``columns`` (a resumed experiment checks the
        file against them).
    """
    import hashlib
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    data = buffer.getvalue()
    _atomic_write_bytes(data, path)
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(frame), "columns": [str(c) for c in frame.columns]}


def atomic_write_json(record: dict[str, Any], path: Path) -> None:
    """Write ``record`` as JSON to ``path``, atomically (as :func:`atomic_write_parquet`)."""
    _atomic_write_bytes(json.dumps(record, indent=1, default=str).encode(), path)


def _atomic_write_bytes(data: bytes, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # a crash after the rename never leaves a short file
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
    tables = [_read_table(pq, f, out) for f in files]
    # A run with no rows (no movers, say) may have untyped columns: leave it out.
    tables = [t for t in tables if t.num_rows] or tables[:1]
    table = pa.concat_tables(tables, promote_options="permissive")
    return table.to_pandas().reset_index(drop=True)


def _read_table(pq: Any, path: Path, out: Path):
    try:
        return pq.read_table(path)
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...
        raise ResultsError(str(path), f"({type(err).__name__}: {err})",
                           "a readable Parquet file: run the experiment again on "
                           f"{out} (run_experiment or ecosim sweep), which checks every run "
                           "and runs the damaged ones again") from None


class ResultsError(InputError):
    """A results file that cannot be read (``field`` is its path)."""

    kind = "results file"


def _run_order(out: Path) -> dict[str, int]:
    path = out / "experiment.json"
    if not path.exists():
        return {p.stem: i for i, p in enumerate(sorted((out / "runs").glob("*.json")))}
    try:
        run_ids = json.loads(path.read_text())["run_ids"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ResultsError(str(path), f"({type(err).__name__}: {err})",
                           "the experiment's declaration: run the experiment again on this "
                           "folder to rewrite it") from None
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
