"""Struct-of-arrays tables and the Mesa agents that are views over their rows.

A :class:`Table` holds one NumPy array per column, declared once (name -> dtype),
plus an ``alive`` mask. Rows are added and removed in bulk; removed rows are
reused; capacity doubles when full. Kernels read and write the columns directly
(``table["age_months"]`` is a view over the used rows).

An :class:`AgentTable` is a table whose rows are Mesa agents: adding rows creates
one agent per row (registered with the model, so it appears in ``model.agents``
and ``model.agents_by_type``) and removing rows removes those agents. Each agent
class declares its columns once, in ``columns``; its attributes are properties
that read and write its row and return Python scalars. The table is referenced
by the agent instance, never by the class, so two live models never share state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import mesa
import numpy as np

from ecosim.state.mesa_bulk import deregister_many, register_many

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["AgentTable", "Population", "Table", "TableAgent", "index_of"]

_INITIAL_CAPACITY = 64
# Instance attributes of mesa.Agent and of TableAgent that a column must not shadow.
_RESERVED = frozenset({"model", "unique_id", "pos", "row", "table"})


def index_of(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position in ``keys`` (distinct, in any order) of each element of ``values``.

    Every value must occur in ``keys``; e.g. which of the ending startups
    (``keys``: their uids) each person (``values``: employer uids) worked for.
    """
    order = np.argsort(keys)
    return order[np.searchsorted(keys, values, sorter=order)]


class Table:
    """Columns of equal length with an alive mask, bulk add/remove and row reuse.

    Args:
        columns: Column name -> NumPy dtype (anything ``np.dtype`` accepts; a
            sub-array dtype such as ``("i8", (8,))`` gives a column of fixed-size
            rows, shape (n, 8)).
        defaults: Value a column takes in a new row when ``add`` does not set it
            (0 when not given).
        capacity: Rows allocated up front.
    """

    def __init__(
        self,
        columns: Mapping[str, Any],
        defaults: Mapping[str, Any] | None = None,
        capacity: int = _INITIAL_CAPACITY,
    ):
        if "alive" in columns:
            raise ValueError("'alive' is reserved for the table's own mask")
        self.dtypes: dict[str, np.dtype] = {k: np.dtype(v) for k, v in columns.items()}
        self.defaults: dict[str, Any] = {k: 0 for k in self.dtypes}
        for k, v in (defaults or {}).items():
            if k not in self.dtypes:
                raise KeyError(f"default for unknown column {k!r}; columns: {list(self.dtypes)}")
            self.defaults[k] = v
        capacity = max(int(capacity), 1)
        self._data = {k: np.zeros(capacity, dt) for k, dt in self.dtypes.items()}
        self._alive = np.zeros(capacity, dtype=np.bool_)
        self._size = 0  # rows ever used (high-water mark)
        self._free = np.empty(0, dtype=np.int64)  # reusable rows, ascending

    # ----------------------------------------------------------------- access
    @property
    def capacity(self) -> int:
        """Rows allocated."""
        return self._alive.shape[0]

    @property
    def size(self) -> int:
        """Rows in use or reusable (the length of every column view)."""
        return self._size

    @property
    def n_alive(self) -> int:
        """Live rows."""
        return int(np.count_nonzero(self._alive[: self._size]))

    def __len__(self) -> int:
        """Live rows."""
        return self.n_alive

    @property
    def alive(self) -> np.ndarray:
        """Alive mask over the used rows (a view)."""
        return self._alive[: self._size]

    def __getitem__(self, name: str) -> np.ndarray:
        """Column ``name`` over the used rows (a view; writes go to the table)."""
        try:
            return self._data[name][: self._size]
        except KeyError:
            raise KeyError(f"no column {name!r}; columns: {list(self.dtypes)}") from None

    def column_full(self, name: str) -> np.ndarray:
        """Column ``name`` over the whole capacity (for views of single rows)."""
        return self._data[name]

    def live_rows(self) -> np.ndarray:
        """Indices of live rows, ascending."""
        return np.flatnonzero(self._alive[: self._size])

    # ----------------------------------------------------------------- mutation
    def add(self, n: int, **values: Any) -> np.ndarray:
        """Add ``n`` rows and return their indices.

        Reusable rows are taken first (lowest index first), then new rows.

        Args:
            n: Number of rows.
            **values: Column values, each a scalar or an array of length ``n``.
                Columns not given take their default.

        Returns:
            The rows added, as an int64 array.
        """
        if n < 0:
            raise ValueError(f"n = {n} rows: allowed is n >= 0")
        for k, v in values.items():
            if k not in self.dtypes:
                raise KeyError(f"no column {k!r}; columns: {list(self.dtypes)}")
            if np.ndim(v) and np.shape(v) != (n,):
                raise ValueError(
                    f"column {k!r}: got shape {np.shape(v)}, expected ({n},) or scalar"
                )
        reused = self._free[:n]
        self._free = self._free[n:]
        k = reused.size
        lo, hi = self._size, self._size + n - k  # fresh rows: a slice, written without an index
        if hi > self.capacity:
            self._grow(hi)
        self._size = hi
        for name, arr in self._data.items():
            value = values.get(name, self.defaults[name])
            if np.ndim(value):
                value = np.asarray(value)
                arr[reused] = value[:k]
                arr[lo:hi] = value[k:]
            else:
                arr[reused] = value
                arr[lo:hi] = value
        self._alive[reused] = True
        self._alive[lo:hi] = True
        return np.concatenate([reused, np.arange(lo, hi, dtype=np.int64)])

    def remove(self, rows: np.ndarray) -> None:
        """Mark ``rows`` dead and make them reusable.

        Raises:
            ValueError: A row is out of range, repeated, or already dead.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        if rows.min() < 0 or rows.max() >= self._size:
            raise ValueError(f"rows out of range 0..{self._size - 1}")
        ordered = np.sort(rows)
        if (ordered[1:] == ordered[:-1]).any():
            raise ValueError("rows to remove contain duplicates")
        if not self._alive[rows].all():
            raise ValueError("some rows to remove are already dead")
        self._alive[rows] = False
        # merge into the (ascending) free rows; none of them was alive, so none repeats
        self._free = np.insert(self._free, np.searchsorted(self._free, ordered), ordered)

    def _grow(self, needed: int) -> None:
        cap = self.capacity
        while cap < needed:
            cap *= 2
        for k, arr in self._data.items():
            new = np.zeros((cap, *arr.shape[1:]), arr.dtype)
            new[: self._size] = arr[: self._size]
            self._data[k] = new
        alive = np.zeros(cap, np.bool_)
        alive[: self._size] = self._alive[: self._size]
        self._alive = alive

    def frame(self):
        """Live rows as a pandas DataFrame (one column per table column, indexed by row)."""
        import pandas as pd

        rows = self.live_rows()
        return pd.DataFrame(
            {k: v[rows] for k, v in self._data.items() if v.ndim == 1}, index=rows
        )


# --------------------------------------------------------------------------- agents


def _column_property(name: str) -> property:
    def fget(self: TableAgent):
        row = self._row
        if row < 0:
            raise RuntimeError(f"{type(self).__name__} {self.unique_id} has been removed")
        value = self._table.column_full(name)[row]
        return value.tolist() if isinstance(value, np.ndarray) else value.item()

    def fset(self: TableAgent, value) -> None:
        row = self._row
        if row < 0:
            raise RuntimeError(f"{type(self).__name__} {self.unique_id} has been removed")
        self._table.column_full(name)[row] = value

    return property(fget, fset, doc=f"Column ``{name}`` of this agent's row.")


class TableAgent(mesa.Agent):
    """A Mesa agent whose state is one row of an :class:`AgentTable`.

    Subclasses declare ``columns`` (name -> dtype) and optionally ``defaults``;
    each column becomes a property. ``uid`` is always a column: it holds the
    agent's ``unique_id`` so kernels can key random numbers and references by it.
    """

    columns: ClassVar[dict[str, str]] = {}
    defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs):  # noqa: D105
        super().__init_subclass__(**kwargs)
        cls.columns = {"uid": "i8", **cls.columns}
        for name in cls.columns:
            if hasattr(mesa.Agent, name) or name in _RESERVED:
                raise TypeError(f"{cls.__name__}: column name {name!r} clashes with mesa.Agent")
            setattr(cls, name, _column_property(name))

    def __init__(self, model: mesa.Model, table: AgentTable, row: int):
        """Create the view of ``row`` in ``table`` and register it with ``model``."""
        self._table = table
        self._row = int(row)
        super().__init__(model)

    @property
    def row(self) -> int:
        """This agent's row in its table (-1 once removed)."""
        return self._row

    @property
    def table(self) -> AgentTable:
        """The table holding this agent's state."""
        return self._table

    def remove(self) -> None:
        """Remove this agent and free its row (same as ``table.remove([row])``)."""
        if self._row >= 0:
            self._table.remove(np.array([self._row]))
        else:
            super().remove()

    def __repr__(self) -> str:  # noqa: D105
        return f"<{type(self).__name__} uid={self.unique_id} row={self._row}>"


def _unlink(agent: TableAgent) -> None:
    agent._row = -1


class AgentTable(Table):
    """A table whose live rows are Mesa agents of one class.

    Args:
        model: The model the agents belong to.
        agent_class: A :class:`TableAgent` subclass; its ``columns`` define the table.
        capacity: Rows allocated up front.

    Attributes:
        registration: How agents are registered with Mesa: ``"auto"`` (in bulk
            where the installed Mesa allows it, see :mod:`ecosim.state.mesa_bulk`),
            or ``"public"`` (one ``agent_class(...)`` / ``remove()`` at a time).
    """

    registration: str = "auto"

    def __init__(self, model: mesa.Model, agent_class: type[TableAgent], capacity: int = 64):
        super().__init__(agent_class.columns, agent_class.defaults, capacity)
        self.model = model
        self.agent_class = agent_class
        self._agents: list[TableAgent | None] = [None] * self.capacity
        # uid -> row of a live agent of this table, -1 otherwise (uids are model-wide).
        self._row_of_uid = np.full(capacity, -1, dtype=np.int64)

    @property
    def row_of_uid(self) -> np.ndarray:
        """Map from ``uid`` to row (-1: not a live agent of this table), for kernels."""
        return self._row_of_uid

    def rows_of(self, uids: np.ndarray) -> np.ndarray:
        """Rows of the agents with these ``uid``s (-1 where none lives here)."""
        uids = np.asarray(uids, dtype=np.int64)
        out = np.full(uids.shape, -1, dtype=np.int64)
        ok = (uids >= 0) & (uids < self._row_of_uid.size)
        out[ok] = self._row_of_uid[uids[ok]]
        return out

    def add(self, n: int, **values: Any) -> np.ndarray:
        """Add ``n`` rows and create one agent for each; see :meth:`Table.add`.

        The agents are registered with the model in bulk
        (:func:`ecosim.state.mesa_bulk.register_many`): the model is the same as
        if each were created by ``agent_class(model, table, row)``, row by row.
        """
        if "uid" in values:
            raise ValueError("'uid' is assigned by Mesa (unique_id); do not set it")
        rows = super().add(n, **values)
        if len(self._agents) < self.capacity:
            self._agents.extend([None] * (self.capacity - len(self._agents)))
        if n == 0:
            return rows
        cls, row_list = self.agent_class, rows.tolist()

        def init(agent: TableAgent, k: int) -> None:  # what TableAgent.__init__ sets
            agent._table = self
            agent._row = row_list[k]

        created = register_many(self.model, cls, n, init,
                                lambda model, k: cls(model, self, row_list[k]),
                                path=self.registration)
        agents = self._agents
        for row, agent in zip(row_list, created, strict=True):
            agents[row] = agent
        first = created[0].unique_id
        uids = np.arange(first, first + n, dtype=np.int64)  # consecutive on every path
        self._data["uid"][rows] = uids
        top = first + n
        if top > self._row_of_uid.size:
            grown = np.full(max(top, 2 * self._row_of_uid.size), -1, dtype=np.int64)
            grown[: self._row_of_uid.size] = self._row_of_uid
            self._row_of_uid = grown
        self._row_of_uid[uids] = rows
        return rows

    def remove(self, rows: np.ndarray) -> None:
        """Remove ``rows`` and their agents; see :meth:`Table.remove`.

        The agents leave the model in bulk
        (:func:`ecosim.state.mesa_bulk.deregister_many`), as if each called
        ``remove()`` in turn.
        """
        rows = np.asarray(rows, dtype=np.int64)
        super().remove(rows)
        self._row_of_uid[self._data["uid"][rows]] = -1
        agents = self._agents
        row_list = rows.tolist()
        leaving = [agents[row] for row in row_list]
        for row in row_list:
            agents[row] = None
        deregister_many(self.model, leaving, path=self.registration, before=_unlink)

    def agent(self, row: int) -> TableAgent:
        """The agent living in ``row``."""
        a = self._agents[row] if 0 <= row < self._size else None
        if a is None:
            raise KeyError(f"row {row} holds no live {self.agent_class.__name__}")
        return a

    def __iter__(self) -> Iterator[TableAgent]:
        """Live agents in row order."""
        return (self._agents[r] for r in self.live_rows().tolist())


class Population:
    """All tables of one model, keyed by agent class."""

    def __init__(self, model: mesa.Model, agent_classes: list[type[TableAgent]]):
        """Create an empty table for each agent class."""
        self.tables: dict[type[TableAgent], AgentTable] = {
            cls: AgentTable(model, cls) for cls in agent_classes
        }

    def __getitem__(self, cls: type[TableAgent]) -> AgentTable:
        """The table of ``cls``."""
        return self.tables[cls]

    def __iter__(self):
        """The tables."""
        return iter(self.tables.values())
