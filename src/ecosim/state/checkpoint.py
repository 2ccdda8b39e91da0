r"""Checkpoints: a model's whole state in one file, refused under other model code.

What a model's state is: the World (scenario, cities, agent tables, books,
policy levers, clock, the Python-side ``rng`` and the kernel seed), the Mesa
model around it (agent registry and id counter, ``steps``, ``time``, its
event schedule, ``random``, the DataCollector) and the model's own fields.
All of it is pickled as it is, with three exceptions:

* **Agents** are not pickled one by one: they are views over table rows. Each
  agent registry (``model.agents``, ``model.agents_by_type[...]``) is saved as
  the array of its members' uids, in order; each table without its row ->
  agent list. On load every live row gets its agent back (the same class,
  ``unique_id``, row and attributes, registered in the same order), so the
  agents are real Mesa agents in ``model.agents`` again. A reference to an
  agent held anywhere else is saved as (class, uid) and resolves to that
  same agent.
* **Kernels** (compiled dispatchers or reference bodies) are not data: they are
  bound again for the backend on load.
* Nothing else is left out: a field another phase adds to the World is saved
  with it.

File layout::

    b"ECOSIM-CHECKPOINT 1\n"
    8 bytes, big-endian: length of the header
    header: JSON (format, model code digest, versions, scenario, month, backend, ...)
    body: the pickle (protocol 5)
    trailer: SHA-256 of the body (32 bytes), body length (8 bytes, big-endian), b"END\n"

The header is read first, so a checkpoint from other model code is refused
with a clear message before anything is unpickled; the trailer catches a
truncated or damaged file. Files are written to a temporary name, synced and
renamed, so a run killed while writing keeps its previous checkpoint.

A checkpoint is a pickle: load only checkpoints you (or your runs) wrote.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import copyreg
import datetime
import functools
import gc
import hashlib
import io
import json
import os
import pickle
import platform
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from ecosim.inputs.validation import InputError
from ecosim.state.tables import AgentTable, TableAgent

if TYPE_CHECKING:
    import mesa

    from ecosim.state.world import World

__all__ = ["FORMAT_VERSION", "CheckpointError", "CheckpointInfo", "load_checkpoint",
           "model_code_digest", "read_header", "save_checkpoint"]

MAGIC = b"ECOSIM-CHECKPOINT 1\n"
#: Version of the file layout (not of the model: that is the code digest).
FORMAT_VERSION = 1
_TRAILER = struct.Struct(">32sQ4s")
_END = b"END\n"
_MAX_HEADER = 1 << 24
_CHUNK = 1 << 22
#: Attributes a table agent carries (Mesa 3.5's ``Agent.__init__`` sets the last three).
_AGENT_ATTRIBUTES = ("_table", "_row", "model", "unique_id", "pos")


class CheckpointError(InputError):
    """A checkpoint file that cannot be used here.

    Not a checkpoint, damaged, or written by other model code; ``field`` is the
    file's path.
    """

    kind = "checkpoint"


@dataclass(frozen=True)
class CheckpointInfo:
    """What :func:`save_checkpoint` wrote.

    Attributes:
        path: The file.
        bytes: Its size.
        header: Its header (see :func:`read_header`).
    """

    path: Path
    bytes: int
    header: dict[str, Any]


# --------------------------------------------------------------------------- code digest

#: Modules that do not change what a run computes (paths relative to the package).
NOT_MODEL = frozenset({
    "cli.py", "__main__.py", "outputs/plots.py",
    *(f"experiments/{m}.py" for m in ("__init__", "design", "run", "sweep", "executors",
                                      "worker", "store", "integrity", "sensitivity",
                                      "dask_plugin")),
    # calibration: only targets.py and plugin.py shape what a run writes
    *(f"calibration/{m}.py" for m in ("__init__", "abc", "bias", "parameters", "pipeline",
                                      "posterior", "report", "runs", "screening")),
    # ecosim.explore plans, searches and analyses runs; only its outputs module is in a run
    *(f"explore/{m}.py" for m in ("__init__", "_check", "spec", "levers", "sampling",
                                  "evaluate", "stats", "search", "discovery", "plots", "job",
                                  "toy")),
})
#: Packages that never change what a run computes (the browser app).
NOT_MODEL_PACKAGES = ("app/",)


@functools.cache
def model_code_digest() -> str:
    """A digest of the code and data a run's results depend on (this installation).

    Every ``.py`` file of the ``ecosim`` package except those that only run,
    store or plot experiments (:data:`NOT_MODEL`), and the packaged scenario
    files. A checkpoint records it and is refused under another; a results
    folder records it per run and re-runs runs that other model code produced.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    files = [p for p in sorted(root.rglob("*.py"))
             if p.relative_to(root).as_posix() not in NOT_MODEL
             and not p.relative_to(root).as_posix().startswith(NOT_MODEL_PACKAGES)]
    for path in files + sorted((root / "inputs" / "data").glob("*.toml")):
        digest.update(str(path.relative_to(root).as_posix()).encode())
        digest.update(_code_text(path) if path.suffix == ".py" else path.read_bytes())
    return digest.hexdigest()[:16]


def _code_text(path: Path) -> bytes:
    """A module's code without its comments, docstrings and layout.

    Editing documentation must not make a checkpoint, a results folder or a
    calibrated posterior stale; changing a statement, a constant or a name does.
    """
    tree = ast.parse(path.read_bytes(), filename=str(path))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False).encode()


def _versions() -> dict[str, str]:
    import mesa
    import numba

    import ecosim

    return {"ecosim": ecosim.__version__, "mesa": mesa.__version__, "numpy": np.__version__,
            "numba": numba.__version__, "python": platform.python_version()}


# --------------------------------------------------------------------------- saving


def save_checkpoint(path: str | Path, model: mesa.Model, world: World,
                    header: dict[str, Any] | None = None) -> CheckpointInfo:
    """Write ``model`` (whose state lives in ``world``) to ``path``, atomically.

    Args:
        path: The checkpoint file (its folder is created if missing).
        model: The model; pickled whole, agents and kernels excepted (module docs).
        world: The model's World (its tables and kernels are treated specially).
        header: Extra JSON-able fields for the header (scenario, month, ...).

    Returns:
        The file, its size and its header.

    Raises:
        CheckpointError: ``path`` is a folder, or an agent carries state outside
            its table row (it could not be restored).
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(str(path), "(a folder)", "a file path for the checkpoint")
    tables = list(world.population)
    for table in tables:
        _check_agents_are_views(table)
    head = {"format": "ecosim-checkpoint", "format_version": FORMAT_VERSION,
            "code": model_code_digest(), "versions": _versions(),
            "written": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "class": f"{type(model).__module__}.{type(model).__qualname__}",
            **(header or {})}
    head_bytes = json.dumps(head, default=str).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(MAGIC)
            fh.write(struct.pack(">Q", len(head_bytes)))
            fh.write(head_bytes)
            body = _HashingWriter(fh)
            pickler = pickle.Pickler(body, protocol=5)
            pickler.dispatch_table = _save_dispatch(world.kernels, tables)
            pickler.dump(model)
            fh.write(_TRAILER.pack(body.sha.digest(), body.size, _END))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return CheckpointInfo(path, path.stat().st_size, head)


class _HashingWriter(io.RawIOBase):
    """A file-like sink that hashes and counts what it passes on."""

    def __init__(self, fh):
        self.fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha.update(data)
        n = self.fh.write(data)
        self.size += len(memoryview(data).cast("B"))
        return n


def _check_agents_are_views(table: AgentTable) -> None:
    """An agent with attributes beyond its row could not be restored from the table."""
    rows = table.live_rows()
    if rows.size == 0:
        return
    agent = table.agent(int(rows[0]))
    extra = sorted(set(vars(agent)) - set(_AGENT_ATTRIBUTES))
    if extra:
        raise CheckpointError(
            type(agent).__name__, extra,
            f"agents whose state is their table row only ({', '.join(_AGENT_ATTRIBUTES)}); "
            "keep extra state in a table column to checkpoint it")


def _save_dispatch(kernels: Any, tables: list[AgentTable]) -> dict:
    """Pickle reducers: agents by reference, registries as uid arrays, kernels by name."""
    from mesa.agentset import _HardKeyAgentSet

    dispatch = copyreg.dispatch_table.copy()

    def namespace(ns: SimpleNamespace):
        return (_restore_kernels, ()) if ns is kernels else ns.__reduce_ex__(5)

    def agent(a: TableAgent):
        return (_restore_agent_ref, (type(a), a.unique_id))

    def table(t: AgentTable):
        state = {k: v for k, v in vars(t).items() if k != "_agents"}
        return (_restore_table, (type(t), state, len(t._agents)))

    def agent_set(s):
        members = list(s)
        if not all(isinstance(a, TableAgent) for a in members):
            return s.__reduce_ex__(5)  # agents of other kinds: pickled as they are
        uids = np.fromiter((a.unique_id for a in members), np.int64, len(members))
        return (_restore_agent_set, (type(s), uids, s.random))

    dispatch[SimpleNamespace] = namespace
    dispatch[AgentTable] = table
    dispatch[_HardKeyAgentSet] = agent_set
    for cls in _subclasses(TableAgent):
        dispatch[cls] = agent
    for t in tables:
        dispatch.setdefault(type(t), table)
    return dispatch


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


# --------------------------------------------------------------------------- loading

_RESTORING: contextvars.ContextVar[_Restore] = contextvars.ContextVar("ecosim_checkpoint")


class _Restore:
    """What the reducers rebuild while a checkpoint is unpickled, finished afterwards."""

    def __init__(self, backend: str):
        self.backend = backend
        self.shells: dict[int, TableAgent] = {}
        self.tables: list[tuple[AgentTable, int]] = []
        self.sets: list[tuple[Any, np.ndarray]] = []

    def shell(self, cls: type, uid: int) -> TableAgent:
        agent = self.shells.get(uid)
        if agent is None:
            agent = self.shells[uid] = cls.__new__(cls)
        elif type(agent) is not cls:
            raise ValueError(f"uid {uid} is both a {type(agent).__name__} and a {cls.__name__}")
        return agent

    def finish(self) -> None:
        """Give every live row its agent, then fill the registries in their saved order."""
        with _no_gc():  # a collection per 700 new agents would dominate the time
            self._attach_rows()
            for agent_set, uids in self.sets:
                shells = self.shells
                for uid in uids.tolist():
                    agent_set.add(shells[uid])

    def _attach_rows(self) -> None:
        for table, length in self.tables:
            agents: list[TableAgent | None] = [None] * length
            rows = table.live_rows()
            uids = table["uid"][rows]
            cls, model, new, shells = table.agent_class, table.model, object.__new__, self.shells
            for row, uid in zip(rows.tolist(), uids.tolist(), strict=True):
                a = shells.get(uid)
                if a is None:
                    a = shells[uid] = new(cls)
                a.__dict__.update(_table=table, _row=row, model=model, unique_id=uid, pos=None)
                agents[row] = a
            table._agents = agents
        by_class = {t.agent_class: t for t, _ in self.tables}
        for uid, a in self.shells.items():
            if "_row" not in a.__dict__:  # an agent removed before the save, still referenced
                t = by_class.get(type(a))
                a.__dict__.update(_table=t, _row=-1, model=t.model if t else None,
                                  unique_id=uid, pos=None)


@contextlib.contextmanager
def _no_gc():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _context() -> _Restore:
    ctx = _RESTORING.get(None)
    if ctx is None:
        raise RuntimeError("ecosim checkpoint objects are restored by load_checkpoint only")
    return ctx


def _restore_kernels() -> SimpleNamespace:
    from ecosim import kernels

    return kernels.bind(_context().backend)


def _restore_agent_ref(cls: type, uid: int) -> TableAgent:
    return _context().shell(cls, int(uid))


def _restore_table(cls: type, state: dict[str, Any], length: int) -> AgentTable:
    table = cls.__new__(cls)
    table.__dict__.update(state)
    _context().tables.append((table, length))
    return table


def _restore_agent_set(cls: type, uids: np.ndarray, random: Any):
    agent_set = cls([], random=random)
    _context().sets.append((agent_set, uids))
    return agent_set


def read_header(path: str | Path) -> dict[str, Any]:
    """The header of checkpoint ``path`` (JSON), without loading the model.

    Raises:
        FileNotFoundError: No such file.
        CheckpointError: Not an ecosim checkpoint, or its header is damaged.
    """
    path = Path(path)
    with _open(path) as fh:
        return _header(fh, path)[0]


def _open(path: Path):
    if path.is_dir():
        raise CheckpointError(str(path), "(a folder)", "a checkpoint file (written by "
                              "model.save or ecosim simulate --checkpoint-every)")
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"checkpoint file not found: {path}") from None
    except OSError as err:
        raise CheckpointError(str(path), "(unreadable)", f"a readable checkpoint file "
                              f"({err.strerror})") from None


def _header(fh, path: Path) -> tuple[dict[str, Any], int]:
    start = fh.read(len(MAGIC))
    if start != MAGIC:
        raise CheckpointError(str(path), f"a file starting {start[:20]!r}",
                              "an ecosim checkpoint (written by model.save or ecosim simulate "
                              "--checkpoint-every)")
    raw = fh.read(8)
    size = struct.unpack(">Q", raw)[0] if len(raw) == 8 else -1
    if not 0 < size <= _MAX_HEADER:
        raise _damaged(path, "its header length is unreadable")
    try:
        header = json.loads(fh.read(size))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _damaged(path, "its header is not readable JSON") from None
    if not isinstance(header, dict) or header.get("format") != "ecosim-checkpoint":
        raise _damaged(path, "its header does not describe an ecosim checkpoint")
    return header, len(MAGIC) + 8 + size


def _damaged(path: Path, why: str) -> CheckpointError:
    return CheckpointError(str(path), "(damaged)", f"a complete checkpoint file ({why}; "
                           "truncated by a full disk or an interrupted copy?); use an "
                           "earlier checkpoint or start the run again")


def load_checkpoint(path: str | Path, backend: str | None = None
                    ) -> tuple[Any, dict[str, Any]]:
    """Read the model saved in ``path`` by :func:`save_checkpoint`.

    Args:
        path: The checkpoint file.
        backend: Kernel backend for the loaded model (default: the one it was
            saved with; results do not depend on it).

    Returns:
        (the model, the header).

    Raises:
        FileNotFoundError: No such file.
        CheckpointError: Not a checkpoint, truncated or damaged, another layout
            version, or written by other model code or another Mesa version.
    """
    path = Path(path)
    with _open(path) as fh:
        header, body_start = _header(fh, path)
        _check_compatible(header, path)
        total = os.fstat(fh.fileno()).st_size
        if total < body_start + _TRAILER.size:
            raise _damaged(path, "it ends before its data")
        fh.seek(total - _TRAILER.size)
        sha, length, end = _TRAILER.unpack(fh.read(_TRAILER.size))
        if end != _END or body_start + length + _TRAILER.size != total:
            raise _damaged(path, f"it is {total} bytes, not the length it records")
        fh.seek(body_start)
        digest = hashlib.sha256()
        left = length
        while left:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                raise _damaged(path, "it ends early")
            digest.update(chunk)
            left -= len(chunk)
        if digest.digest() != sha:
            raise _damaged(path, "its data do not match their checksum")
        fh.seek(body_start)
        ctx = _Restore(backend or header.get("backend", "numba"))
        token = _RESTORING.set(ctx)
        try:
            with _no_gc():
                model = pickle.Unpickler(_Bounded(fh, length)).load()
        except (AttributeError, ImportError) as err:  # a class defined only where it was saved
            raise CheckpointError(str(path), header.get("class"), "a checkpoint whose classes "
                                  f"can be imported here ({type(err).__name__}: {err})") from None
        finally:
            _RESTORING.reset(token)
        ctx.finish()
    return model, header


class _Bounded(io.RawIOBase):
    """Reads at most ``n`` bytes of ``fh`` (the pickle stops before the trailer)."""

    def __init__(self, fh, n: int):
        self.fh, self.left = fh, n

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")[: self.left]
        n = self.fh.readinto(view)
        self.left -= n
        return n

    def readline(self, size: int = -1) -> bytes:
        limit = self.left if size < 0 else min(size, self.left)
        line = self.fh.readline(limit)
        self.left -= len(line)
        return line


def _check_compatible(header: dict[str, Any], path: Path) -> None:
    if header.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(str(path), f"layout version {header.get('format_version')!r}",
                              f"a checkpoint of layout version {FORMAT_VERSION} (this ecosim "
                              "reads only its own layout)")
    written = header.get("versions", {})
    here = _versions()
    saved_code, code = header.get("code"), model_code_digest()
    if saved_code != code:
        raise CheckpointError(
            str(path), f"model code {saved_code}",
            f"a checkpoint written by this model code ({code}): it was written on "
            f"{header.get('written', '?')} by ecosim {written.get('ecosim', '?')} with other "
            "model code, and resuming under changed code would not continue the same run; "
            "load it with the code that wrote it, or start the run again")
    if written.get("mesa") != here["mesa"]:
        raise CheckpointError(
            str(path), f"Mesa {written.get('mesa')}",
            f"a checkpoint written with this Mesa ({here['mesa']}); install Mesa "
            f"{written.get('mesa')} to load it, or start the run again")
