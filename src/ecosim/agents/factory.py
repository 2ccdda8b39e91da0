"""Factory: an established plant that employs engineers and hosts demonstrations."""

from __future__ import annotations

from ecosim.population import TableAgent


class Factory(TableAgent):
    """A plant of one industry in one city.

    Columns:
        city: Index of its city.
        group: Position in ``scenario.factories`` (gives industry and sectors).
        employees: Employees (persons).
        engineers: Engineering positions (persons).
    """

    columns = {
        "city": "i2",
        "group": "i4",
        "employees": "i8",
        "engineers": "i8",
    }
