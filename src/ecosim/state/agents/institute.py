"""Institute: a university or research institute that trains and employs talent."""

from __future__ import annotations

from ecosim.state.tables import TableAgent


class Institute(TableAgent):
    """A science and technology institute, university or research institute.

    Columns:
        city: Index of its city.
        kind: :class:`~ecosim.vocab.InstituteKind`.
        index: Position in ``scenario.institutes`` (gives its name).
        graduates_per_year: Degrees per year at full scale, all levels (persons).
        positions: Research positions (persons, at model scale).
        staff: Researchers employed now (persons, at model scale).

    Institutes are never removed, so a row identifies an institute for the run.
    """

    columns = {
        "city": "i2",
        "kind": "i1",
        "index": "i4",
        "graduates_per_year": "i8",
        "positions": "f8",
        "staff": "i8",
    }
