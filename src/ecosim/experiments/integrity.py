"""Trusting a results folder: one driver at a time, and every run on disk checked.

**Concurrency: a lock.** A driver (:func:`~ecosim.experiments.run.run_experiment`,
``ecosim sweep``, ``ecosim run``) holds an exclusive lock on its results folder
(``fcntl.flock`` on ``<out>/.driver.lock``) from before it reads the folder
until its summary is written; ``<out>/.driver.json`` says who holds it. A
second driver on the same folder stops at once with a clear error naming the
holder, or waits for it (``lock_timeout``). The operating system releases the
lock when the holder exits, also when it is killed, so a crashed driver
never leaves the folder locked. Workers do not take the lock: each run's
files are written once under a temporary name and renamed (atomic), and the
completion marker last, so workers, even two running the same run after a
lost Dask worker, never leave a half file.

**Checking runs on resume.** :func:`inspect_runs` sorts every run of the
experiment into done, stale (other model code), damaged or to do. A run is
damaged when its marker cannot be read, or one of its output files differs
from what the run wrote (the marker records each file's size, SHA-256, rows
and columns), or cannot be read as Parquet, or lacks the run's id columns.
:func:`quarantine` moves a damaged run's files to ``<out>/damaged/<time>/``
(nothing is deleted) so that the run is run again.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecosim.experiments.store import ID_COLUMNS, atomic_write_json
from ecosim.inputs.validation import InputError

__all__ = ["ResultsFolderBusy", "RunsOnDisk", "driver_lock", "inspect_runs", "quarantine",
           "verify_run"]

LOCK_FILE = ".driver.lock"
HOLDER_FILE = ".driver.json"


class ResultsFolderBusy(InputError):
    """Another driver holds the results folder (``field`` is the folder)."""

    kind = "results folder"


@contextlib.contextmanager
def driver_lock(out: Path, timeout: float | None = 0.0,
                describe: dict[str, Any] | None = None) -> Iterator[None]:
    """Hold the exclusive driver lock of results folder ``out`` (module docs).

    Args:
        out: The results folder (it must exist).
        timeout: Seconds to wait for another driver to finish: 0 fails at once,
            None waits as long as it takes.
        describe: Extra facts for ``.driver.json`` (the experiment's name, ...).

    Raises:
        ResultsFolderBusy: Another driver holds it (after ``timeout``), or the
            folder's file system cannot lock files.
    """
    import fcntl

    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise ResultsFolderBusy(
                        str(out), _holder(out),
                        "a folder no other driver is using: wait for that one to finish "
                        "(lock_timeout=None, or ecosim sweep --wait SECONDS), or give another "
                        "folder") from None
                time.sleep(0.1)
            except OSError as err:
                if err.errno in (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP):
                    raise ResultsFolderBusy(str(out), f"(no file locks: {err.strerror})",
                                            "a folder on a file system that supports file "
                                            "locks (flock)") from None
                raise
        atomic_write_json({"pid": os.getpid(), "host": socket.gethostname(),
                           "since": _now(), **(describe or {})}, out / HOLDER_FILE)
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                (out / HOLDER_FILE).unlink()
    finally:
        os.close(fd)  # releases the lock


def _holder(out: Path) -> str:
    try:
        h = json.loads((out / HOLDER_FILE).read_text())
        return (f"in use by pid {h.get('pid')} on {h.get('host')} since {h.get('since')}"
                + (f" ({h['experiment']})" if h.get("experiment") else ""))
    except (OSError, ValueError, AttributeError):
        return "in use by another driver"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- runs on disk


@dataclass
class RunsOnDisk:
    """What a results folder holds of an experiment's runs.

    Attributes:
        done: Runs complete and intact, from this model code.
        stale: Runs complete and intact, from other model code (run again).
        damaged: Run id -> why its files cannot be trusted (run again).
    """

    done: set[str] = field(default_factory=set)
    stale: set[str] = field(default_factory=set)
    damaged: dict[str, str] = field(default_factory=dict)


def inspect_runs(out: Path, run_ids: Sequence[str], outputs: Sequence[str],
                 code: str) -> RunsOnDisk:
    """Check every run of ``run_ids`` that has a completion marker (see :func:`verify_run`)."""
    found = RunsOnDisk()
    runs = out / "runs"
    markers = {p.stem for p in runs.glob("*.json")} if runs.exists() else set()
    for run_id in run_ids:
        if run_id not in markers:
            continue
        status, reason = verify_run(out, run_id, outputs, code)
        if status == "done":
            found.done.add(run_id)
        elif status == "stale":
            found.stale.add(run_id)
        elif status == "damaged":
            found.damaged[run_id] = reason
    return found


def verify_run(out: Path, run_id: str, outputs: Sequence[str], code: str) -> tuple[str, str]:
    """Whether run ``run_id`` is on disk intact: (status, reason).

    Status ``done``; ``stale`` (intact, other model code); ``missing`` (no
    marker, or an output that run did not write: it simply runs); or
    ``damaged``, with the reason.
    """
    marker_path = out / "runs" / f"{run_id}.json"
    try:
        marker = json.loads(marker_path.read_text())
    except FileNotFoundError:
        return "missing", "no completion marker"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return "damaged", f"runs/{run_id}.json is unreadable ({type(err).__name__}: {err})"
    if not isinstance(marker, dict) or marker.get("run_id") != run_id or "code" not in marker:
        return "damaged", f"runs/{run_id}.json is not this run's completion marker"
    files = marker.get("files") if isinstance(marker.get("files"), dict) else {}
    for name in outputs:
        path = out / name / f"{run_id}.parquet"
        if not path.exists():
            return "missing", f"no {name} output"
        problem = _check_file(path, files.get(name))
        if problem:
            return "damaged", f"{name}/{run_id}.parquet {problem}"
    return ("done", "") if marker["code"] == code else ("stale", "other model code")


def _check_file(path: Path, written: Any) -> str | None:
    """Why ``path`` is not the Parquet file the run wrote (None: it is)."""
    if isinstance(written, dict):
        size = path.stat().st_size
        if size != written.get("bytes"):
            return f"is {size} bytes, the run wrote {written.get('bytes')} (truncated?)"
        if _sha256(path) != written.get("sha256"):
            return "differs from what the run wrote (SHA-256)"
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        columns = list(meta.schema.to_arrow_schema().names)
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...
        return f"is not readable Parquet ({type(err).__name__}: {err})"
    if tuple(columns[: len(ID_COLUMNS)]) != ID_COLUMNS:
        return f"has the wrong schema (columns {columns[:8]}, not the run's id columns first)"
    if isinstance(written, dict):
        if "columns" in written and columns != written["columns"]:
            return "has other columns than the run wrote"
        if "rows" in written and meta.num_rows != written["rows"]:
            return f"has {meta.num_rows} rows, the run wrote {written['rows']}"
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def quarantine(out: Path, run_id: str, outputs: Sequence[str], stamp: str) -> Path:
    """Move damaged run ``run_id``'s marker and output files to ``<out>/damaged/<stamp>/``.

    Returns:
        The folder they went to (same layout as the results folder).
    """
    target = out / "damaged" / stamp
    for rel in [Path("runs") / f"{run_id}.json",
                *(Path(name) / f"{run_id}.parquet" for name in outputs)]:
        src = out / rel
        if src.exists():
            (target / rel.parent).mkdir(parents=True, exist_ok=True)
            os.replace(src, target / rel)
    return target
