"""Institute: a university or research institute that trains and employs talent."""

from __future__ import annotations

from enum import IntEnum

from ecosim.population import TableAgent


class InstituteKind(IntEnum):
    """Kind of institute (same order as ``ecosim.scenario.INSTITUTE_KINDS``)."""

    INSTITUTE = 0
    UNIVERSITY = 1
    RESEARCH_INSTITUTE = 2


class Institute(TableAgent):
    """A science and technology institute, university or research institute.

    Columns:
        city: Index of its city.
        kind: :class:`InstituteKind`.
        index: Position in ``scenario.institutes`` (gives its name).
        researchers: Research staff at full scale (persons).
        graduates_per_year: Degrees per year at full scale, all levels (persons).
    """

    columns = {
        "city": "i2",
        "kind": "i1",
        "index": "i4",
        "researchers": "i8",
        "graduates_per_year": "i8",
    }
