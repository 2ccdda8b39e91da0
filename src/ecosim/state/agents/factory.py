"""Factory: an established plant that employs engineers and hosts demonstrations."""

from __future__ import annotations

from ecosim.state.tables import TableAgent


class Factory(TableAgent):
    """A plant of one industry in one city, or a city's other established firms.

    Columns:
        city: Index of its city.
        group: Position in ``scenario.factories`` (gives industry and sectors);
            -1 for the aggregate of the city's other established firms, which
            employ the technical workers not in startups, factories or institutes.
        employees: Employees, all occupations (persons, at model scale).
        positions: Technical positions (persons, at model scale).
        staff: Technical staff employed now (persons, at model scale).
    """

    columns = {
        "city": "i2",
        "group": "i4",
        "employees": "f8",
        "positions": "f8",
        "staff": "i8",
    }
