"""Struct-of-arrays tables and the Mesa agents that are views over their rows."""

from typing import ClassVar

import numpy as np

from ecosim.state.agents import Founder
from ecosim.state.tables import AgentTable, Table

from .common import (
    COLUMNS,
    DEFAULTS,
    founder_values,
    make_agent_table,
    make_model,
    make_rng,
    make_table,
)


class TableAdd:
    """Add ``n`` rows to an empty table (capacity grows by doubling)."""

    params: ClassVar[list] = [[10_000, 100_000]]
    param_names: ClassVar[list[str]] = ["n"]
    # Each call must see a fresh empty table: one call per sample, no warmup
    # calls on the same state (holds under any asv timing policy).
    number = 1
    warmup_time = 0.0

    def setup(self, n):
        self.values = founder_values(n, make_rng())
        self.table = Table(COLUMNS, DEFAULTS)

    def time_add(self, n):
        self.table.add(n, **self.values)


class TableAddReuse:
    """Add ``n`` rows to a table whose ``n`` rows were all removed (rows are reused)."""

    params: ClassVar[list] = [[10_000, 100_000]]
    param_names: ClassVar[list[str]] = ["n"]
    number = 1
    warmup_time = 0.0

    def setup(self, n):
        rng = make_rng()
        self.table = make_table(n, rng)
        self.table.remove(np.arange(n))
        self.values = founder_values(n, rng)

    def time_add(self, n):
        self.table.add(n, **self.values)


class TableRemove:
    """Remove a random half of a table's ``n`` rows."""

    params: ClassVar[list] = [[10_000, 100_000]]
    param_names: ClassVar[list[str]] = ["n"]
    # Rows can be removed once: one call per sample, each on a fresh table.
    number = 1
    warmup_time = 0.0

    def setup(self, n):
        rng = make_rng()
        self.table = make_table(n, rng)
        self.rows = rng.permutation(n)[: n // 2]

    def time_remove(self, n):
        self.table.remove(self.rows)


class AgentTableAdd:
    """Add ``n`` founders to an empty AgentTable: one Mesa agent per row."""

    params: ClassVar[list] = [[10_000, 100_000]]
    param_names: ClassVar[list[str]] = ["n"]
    number = 1
    warmup_time = 0.0

    def setup(self, n):
        self.values = founder_values(n, make_rng())
        self.table = AgentTable(make_model(), Founder)

    def time_add(self, n):
        self.table.add(n, **self.values)


class AgentTableRemove:
    """Remove a random half of ``n`` founders (rows freed, agents deregistered)."""

    params: ClassVar[list] = [[10_000, 100_000]]
    param_names: ClassVar[list[str]] = ["n"]
    number = 1
    warmup_time = 0.0

    def setup(self, n):
        rng = make_rng()
        self.table = make_agent_table(n, rng=rng)
        self.rows = rng.permutation(n)[: n // 2]

    def time_remove(self, n):
        self.table.remove(self.rows)


class AgentView:
    """Read ``age_months`` of 10k founders: Mesa AgentSet, property loop, column."""

    n = 10_000

    def setup(self):
        self.model = make_model()
        self.table = make_agent_table(self.n, self.model)
        self.agents = self.model.agents_by_type[Founder]

    def time_agentset_agg(self):
        self.agents.agg("age_months", np.sum)

    def time_property_loop(self):
        sum(a.age_months for a in self.table)

    def time_column(self):
        self.table["age_months"][self.table.alive].sum()

    def time_property_write_loop(self):
        for a in self.table:
            a.age_months = a.age_months


class PeakMemAgentTable:
    """Memory of a model holding 100k founder agents."""

    n = 100_000

    def peakmem_agent_table(self):
        make_agent_table(self.n)

    def peakmem_table(self):
        make_table(self.n)
