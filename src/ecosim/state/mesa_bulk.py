"""Register and remove many Mesa agents at once, leaving the model as the public path would.

Mesa registers agents one at a time (``mesa.Agent.__init__`` calls
``Model.register_agent``, about 2-4 us an agent, mostly the ``@emit`` wrapper,
signal dispatch and a debug f-string) and has no bulk API. For the Mesa
versions whose registration code is known (:data:`KNOWN_INTERNALS`: version and
a digest of the source of every function involved), :func:`register_many`
builds the agents with ``object.__new__`` and the attributes
``mesa.Agent.__init__`` sets (``model``, ``unique_id``, ``pos``, in that order),
then commits them with one ``dict.update`` into the model's registry of all
agents and one into the registry of their type, and moves
``model.agent_id_counter``; :func:`deregister_many` pops them from the same two
dicts. The model is then identical to the one ``cls(model, ...)`` and
``agent.remove()`` give: the same agents with the same ``unique_id``s, in the
same order in ``model.agents`` and ``model.agents_by_type``, the same
instance attributes in the same order.

Three paths, chosen per call:

* ``"bulk"``: as above. Taken when the Mesa internals are known, the class and
  the model are plain (no ``__new__``, ``__setattr__``, ``__hash__``/``__eq__``,
  ``__slots__`` or observables; no override of ``register_agent``), and nothing
  can observe a single registration: no subscriber of the model's
  ``agent_added``/``agent_removed`` signals, no ``model.batch()`` context, no
  experimental data set tracking the class, Mesa's DEBUG logging off.
* ``"per_agent"``: known internals but something is listening: the class's
  ``__init__`` is bypassed, but every agent goes through the public
  ``model.register_agent`` / ``mesa.Agent.remove``, so signals, logs and data
  sets see exactly what they would see.
* ``"public"``: anything else (an unknown Mesa version, ``ECOSIM_MESA_BULK=0``):
  ``cls(model, ...)`` and ``agent.remove()``, one agent at a time.

``tests/test_mesa_bulk.py`` checks that every path gives identical models
(agents, ids, order, attributes, AgentSet operations, DataCollector frames,
``batch_run`` rows, signals) and that the installed Mesa's internals are known,
so a Mesa upgrade fails loudly instead of silently taking the slow path: read
the new registration code, run that test with the new digest added here.
Research notes: the project's ``mesa_bulk.md`` (Mesa's closed pull request
3253 deferred registration inside ``__init__`` and changed what ``__init__``
and signal handlers see; ``Model.batch()`` only buffers signals).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import inspect
import logging
import os
from collections.abc import Callable, Iterable, Iterator

import mesa
from mesa import Agent, Model

__all__ = ["KNOWN_INTERNALS", "collector_paused", "deregister_many", "internals_status",
           "register_many", "register_mode", "remove_mode"]

#: Mesa versions whose registration code the bulk path reproduces, with the digest
#: of the source of the functions involved (:func:`internals_digest`).
KNOWN_INTERNALS: dict[str, str] = {
    "3.5.0": "8a344ffe50cc8f8d",
    "3.5.1": "8a344ffe50cc8f8d",
}

#: Environment switch: ``ECOSIM_MESA_BULK=0`` forces the public path everywhere.
SWITCH = "ECOSIM_MESA_BULK"

_ADDED, _REMOVED = "agent_added", "agent_removed"  # ModelSignals values
_MISSING = object()
_PAUSE_GC_MIN = 256
_PATHS = ("auto", "bulk", "per_agent", "public")


# --------------------------------------------------------------------------- guards


def _internal_functions() -> list[Callable]:
    from mesa.experimental.mesa_signals import HasObservables
    from mesa.experimental.mesa_signals.core import emit
    from mesa.model import _HardKeyAgentSet

    return [Agent.__init__, Agent.remove, Model.register_agent, Model.deregister_agent,
            _HardKeyAgentSet.__init__, _HardKeyAgentSet.add, _HardKeyAgentSet.remove,
            HasObservables.notify, emit]


def internals_digest() -> str:
    """Digest of the source of the Mesa functions whose behaviour the bulk path reproduces."""
    h = hashlib.sha256()
    for f in _internal_functions():
        h.update(inspect.getsource(f).encode())
    return h.hexdigest()[:16]


@functools.cache
def internals_status() -> tuple[bool, str]:
    """``(True, "")`` when the installed Mesa's internals are known, else ``(False, why)``."""
    version = getattr(mesa, "__version__", "?")
    if version not in KNOWN_INTERNALS:
        return False, f"mesa {version} is not in KNOWN_INTERNALS"
    try:
        digest = internals_digest()
    except Exception as err:  # anything unexpected means unknown internals
        return False, f"cannot read mesa's registration code: {err!r}"
    if digest != KNOWN_INTERNALS[version]:
        return False, (f"mesa {version}: registration code digest {digest} != "
                       f"{KNOWN_INTERNALS[version]}")
    return True, ""


@functools.cache
def _class_status(cls: type) -> tuple[bool, str]:
    """Whether agents of ``cls`` may be built without calling ``cls.__init__``."""
    from mesa.experimental.mesa_signals import HasObservables

    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        return False, f"{cls!r} is not a mesa.Agent subclass"
    if cls.__new__ is not object.__new__ or cls.__setattr__ is not object.__setattr__:
        return False, f"{cls.__name__} defines __new__ or __setattr__"
    if cls.__hash__ is not object.__hash__ or cls.__eq__ is not object.__eq__:
        return False, f"{cls.__name__} defines __hash__ or __eq__"
    if cls.__dictoffset__ == 0:
        return False, f"{cls.__name__} has no instance __dict__"
    if issubclass(cls, HasObservables):
        return False, f"{cls.__name__} has observables"
    for name in ("model", "unique_id", "pos"):
        attr = inspect.getattr_static(cls, name, None)
        if attr is not None and hasattr(type(attr), "__set__"):
            return False, f"{cls.__name__}.{name} is a data descriptor"
    return True, ""


def _model_status(model: Model) -> tuple[bool, str]:
    if os.environ.get(SWITCH, "1") == "0":
        return False, f"{SWITCH}=0"
    ok, why = internals_status()
    if not ok:
        return False, why
    from mesa.model import _HardKeyAgentSet

    t = type(model)
    if (t.register_agent is not Model.register_agent
            or t.deregister_agent is not Model.deregister_agent):
        return False, f"{t.__name__} overrides register_agent or deregister_agent"
    d = vars(model)
    if not (type(d.get("_all_agents")) is _HardKeyAgentSet
            and type(vars(d["_all_agents"]).get("_agents")) is dict
            and type(d.get("_agents_by_type")) is dict
            and type(d.get("agent_id_counter")) is int):
        return False, "the model's agent registry is not of the known types"
    return True, ""


def _listening(model: Model, signal: str) -> bool:
    """Would ``HasObservables.notify`` do anything for this signal now?"""
    if model._suppress:
        return False
    return model._batch_context is not None or ("agents", signal) in model.subscribers


def _debug_logging() -> bool:
    from mesa.model import _mesa_logger

    return _mesa_logger.isEnabledFor(logging.DEBUG)


def _mode(model: Model, classes: Iterable[type], signal: str) -> tuple[str, str]:
    ok, why = _model_status(model)
    for cls in classes:
        if not ok:
            break
        ok, why = _class_status(cls)
        if ok and cls._datasets:
            return "per_agent", f"{cls.__name__} is tracked by data sets"
    if not ok:
        return "public", why
    if _listening(model, signal):
        return "per_agent", f"{signal} has listeners (a subscriber or model.batch())"
    if _debug_logging():
        return "per_agent", "mesa's DEBUG logging is on"
    return "bulk", ""


def register_mode(model: Model, cls: type) -> tuple[str, str]:
    """The path :func:`register_many` takes now for ``cls``, and why (empty for bulk)."""
    return _mode(model, (cls,), _ADDED)


def remove_mode(model: Model, classes: Iterable[type]) -> tuple[str, str]:
    """The path :func:`deregister_many` takes now for agents of ``classes``, and why."""
    return _mode(model, classes, _REMOVED)


def _resolve(path: str, auto: tuple[str, str]) -> str:
    if path not in _PATHS:
        raise ValueError(f"path = {path!r} is invalid: allowed is one of {', '.join(_PATHS)}")
    mode, why = auto
    if path == "auto" or path == "public":
        return mode if path == "auto" else "public"
    if mode == "public" or (path == "bulk" and mode != "bulk"):
        raise RuntimeError(f"path = {path!r} is not possible now: {why}")
    return path


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block (or, as a decorator, a call).

    A model holds a Python object per agent (1.8 million in the full Korea).
    Each young collection scans the objects created since the last one, and
    every few of them an older generation, up to all of them; creating tens
    of thousands of agents in a month sets off dozens of such scans. Paused
    for the month, the collector scans the month's new objects once when it
    resumes. Reference counting still frees everything that is not in a
    cycle at once; the collector's state (on or off) is restored, so nested
    pauses and a collector the user turned off are left alone.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


# --------------------------------------------------------------------------- registration


def register_many(
    model: Model,
    cls: type[Agent],
    n: int,
    init: Callable[[Agent, int], None] | None,
    public: Callable[[Model, int], Agent],
    *,
    init_first: bool = True,
    path: str = "auto",
) -> list[Agent]:
    """Create ``n`` agents of ``cls``: the same model as ``[public(model, k) for k in range(n)]``.

    Args:
        model: The model they belong to.
        cls: Their class (one class per call).
        n: How many.
        init: ``init(agent, k)`` sets, for the k-th agent, exactly the instance
            attributes ``cls.__init__`` sets besides ``super().__init__(model)``, in
            the same order; it must not create agents. None when there are none.
        public: ``public(model, k)`` creates the k-th agent through ``cls``'s constructor.
        init_first: ``cls.__init__`` sets its attributes before calling
            ``super().__init__(model)`` (True) or after (False).
        path: ``"auto"``; ``"bulk"``, ``"per_agent"`` or ``"public"`` force a path
            (for tests and benchmarks; an unsafe path is refused).

    Returns:
        The new agents in creation order; their ``unique_id``s are consecutive.

    Raises:
        RuntimeError: A forced path is not possible now, or ``init`` created agents.
    """
    if n < 0:
        raise ValueError(f"n = {n} agents: allowed is n >= 0")
    mode = "public" if path == "public" else _resolve(path, register_mode(model, cls))
    if mode == "public":
        return [public(model, k) for k in range(n)]
    if mode == "per_agent":
        return _register_each(model, cls, n, init, init_first)
    return _register_bulk(model, cls, n, init, init_first)


def _register_each(model, cls, n, init, first) -> list[Agent]:
    """``mesa.Agent.__init__`` (3.5) without ``cls.__init__``: every signal, log and data set."""
    new, register, registry = object.__new__, model.register_agent, model.data_registry
    out = []
    for k in range(n):
        a = new(cls)
        if first and init is not None:
            init(a, k)
        a.model = model
        a.unique_id = None
        a.pos = None
        register(a)
        for dataset in a._datasets:
            registry[dataset].add_agent(a)
        if not first and init is not None:
            init(a, k)
        out.append(a)
    return out


def _register_bulk(model, cls, n, init, first) -> list[Agent]:
    """Build every agent, then commit them to the registry with two dict updates."""
    from mesa.model import _HardKeyAgentSet

    start = model.agent_id_counter
    # Allocating many tracked objects triggers young collections that scan them
    # again and again; pause the collector while building (restored on error).
    with collector_paused() if n >= _PAUSE_GC_MIN else contextlib.nullcontext():
        agents = [object.__new__(cls) for _ in range(n)]
        if init is None or not first:
            for uid, a in zip(range(start, start + n), agents, strict=True):
                a.model = model
                a.unique_id = uid
                a.pos = None
        if init is not None:
            if first:
                for k, a in enumerate(agents):
                    init(a, k)
                    a.model = model
                    a.unique_id = start + k
                    a.pos = None
            else:
                for k, a in enumerate(agents):
                    init(a, k)
    if model.agent_id_counter != start:
        raise RuntimeError("init created agents: their ids would interleave with these")
    model.agent_id_counter = start + n
    keys = dict.fromkeys(agents)
    model._all_agents._agents.update(keys)
    by_type = model._agents_by_type.get(cls)
    if by_type is not None:
        by_type._agents.update(keys)
    elif n:
        model._agents_by_type[cls] = _HardKeyAgentSet(agents, random=model.random)
    return agents


# --------------------------------------------------------------------------- removal


def deregister_many(model: Model, agents: list[Agent], *, path: str = "auto",
                    before: Callable[[Agent], None] | None = None) -> None:
    """``before(a); mesa.Agent.remove(a)`` for each agent, in order, as one operation.

    Agents already removed (or repeated) are skipped as ``mesa.Agent.remove``
    skips them; an agent of another model is removed from its own model.
    Mesa-level removal only: what a subclass's ``remove`` adds (freeing a table
    row) is the caller's job.

    Args:
        model: The model.
        agents: The agents to remove.
        path: As for :func:`register_many`.
        before: Called on each agent just before it is removed (on the bulk
            path, on all of them first: nothing can observe the difference).
    """
    mode = "public" if path == "public" else _resolve(
        path, remove_mode(model, {type(a) for a in agents}))
    if mode != "bulk":
        remove = Agent.remove
        for a in agents:
            if before is not None:
                before(a)
            remove(a)
        return
    if before is not None:
        for a in agents:
            before(a)
    # Model.deregister_agent inlined: it pops from the type's set first, and an
    # agent missing there (already removed) leaves the set of all agents alone.
    all_pop, by_type = model._all_agents._agents.pop, model._agents_by_type
    last, type_pop = None, None
    for a in agents:
        c = type(a)
        if c is not last:
            s = by_type.get(c)
            type_pop = s._agents.pop if s is not None else None
            last = c
        if type_pop is not None and type_pop(a, _MISSING) is not _MISSING:
            all_pop(a, None)
        elif a.model is not model:
            Agent.remove(a)
