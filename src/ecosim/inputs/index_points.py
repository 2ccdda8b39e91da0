"""Published points of the StartupBlink Global Startup Ecosystem Index, with their sources.

The packaged file ``data/startupblink_points.csv`` holds every rank and score
found for the 2017 and 2019-2025 editions: one row per (edition, city), with
the total score and its quantity, quality and business parts where published,
and the source of each row. Its ``status`` column says how far a row can be
trusted:

* ``published``: rank (and score) as printed in the source;
* ``inferred``: the rank is arithmetic on a published change, or the edition is
  inferred from the page's context (the row's note says which);
* ``suspect_score``: the rank is as printed but the score is not monotone with
  the edition's other scores (kept for the rank, left out of score fits);
* ``conflict``: sources disagree on the rank (left out of every fit).

:func:`load_index_points` reads and checks the file; errors name the row, the
column, the value and what is allowed.
"""

from __future__ import annotations

import functools
import math
from importlib import resources
from pathlib import Path

import pandas as pd

from ecosim.inputs.validation import ScenarioError

__all__ = ["COLUMNS", "PART_TOLERANCE", "STATUSES", "load_index_points"]

#: Columns of the file, in order.
COLUMNS = ("edition", "city", "country", "rank", "score", "quantity", "quality", "business",
           "status", "source", "note")
#: Allowed values of ``status``.
STATUSES = ("published", "inferred", "suspect_score", "conflict")
#: Largest allowed gap between a score and the sum of its printed parts (they are
#: printed to two decimals, the total to three).
PART_TOLERANCE = 0.02


def load_index_points(source: str | Path = "startupblink_points.csv") -> pd.DataFrame:
    """Read and check a file of published index points.

    Args:
        source: A file packaged in ``ecosim/inputs/data`` (by name) or a path to
            a CSV file with the columns of :data:`COLUMNS`.

    Returns:
        One row per point: edition (int), city, country, rank (nullable int),
        score, quantity, quality, business (float, NaN where not published),
        status, source, note. The frame is a fresh copy.

    Raises:
        ScenarioError: A row breaks a rule; the field names the row
            (``ranking.points[12].rank``), with the value and what is allowed.
        FileNotFoundError: ``source`` is neither packaged nor a file.
    """
    packaged = resources.files("ecosim.inputs.data").joinpath(str(source))
    if packaged.is_file():
        with resources.as_file(packaged) as path:
            return _load(str(path), path.stat().st_mtime_ns).copy()
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(
            f"ranking.points: no packaged file and no file named {str(source)!r}; give a "
            "packaged name (startupblink_points.csv) or a path to a CSV with columns "
            f"{', '.join(COLUMNS)}")
    return _load(str(path.resolve()), path.stat().st_mtime_ns).copy()


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ScenarioError("ranking.points", path,
                            f"a CSV with columns {', '.join(COLUMNS)} (missing: "
                            f"{', '.join(missing)})")
    rows = [_row(i, rec) for i, rec in enumerate(raw[list(COLUMNS)].to_dict("records"))]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["rank"] = frame["rank"].astype("Int64")
    _check_monotone(frame)
    return frame


def _row(i: int, rec: dict[str, str]) -> dict:
    where = f"ranking.points[{i}]"
    out: dict = {k: rec[k].strip() for k in ("city", "country", "status", "source", "note")}
    for key in ("city", "country", "source"):
        if not out[key]:
            raise ScenarioError(f"{where}.{key}", rec[key], f"a non-empty {key} for every row")
    if out["status"] not in STATUSES:
        raise ScenarioError(f"{where}.status", rec["status"], f"one of {', '.join(STATUSES)}")
    try:
        out["edition"] = int(rec["edition"])
    except ValueError:
        raise ScenarioError(f"{where}.edition", rec["edition"], "a year such as 2022") from None
    if not 2000 <= out["edition"] <= 2100:
        raise ScenarioError(f"{where}.edition", out["edition"], "a year in 2000..2100")
    out["rank"] = _number(rec["rank"], f"{where}.rank", integer=True)
    out["score"] = _number(rec["score"], f"{where}.score")
    parts = [_number(rec[k], f"{where}.{k}", positive=False)
             for k in ("quantity", "quality", "business")]
    out["quantity"], out["quality"], out["business"] = parts
    given = [not math.isnan(p) for p in parts]
    if any(given) and not all(given):
        raise ScenarioError(f"{where}.quantity", rec["quantity"],
                            "all three parts (quantity, quality, business) or none")
    if all(given):
        if math.isnan(out["score"]):
            raise ScenarioError(f"{where}.score", rec["score"], "a total score beside its parts")
        if abs(sum(parts) - out["score"]) > PART_TOLERANCE:
            raise ScenarioError(f"{where}.score", out["score"],
                                f"the sum of its parts ({sum(parts):.3f}) within "
                                f"{PART_TOLERANCE}")
    if math.isnan(out["rank"]) and math.isnan(out["score"]):
        raise ScenarioError(f"{where}.rank", rec["rank"], "a rank or a score in every row")
    return out


def _number(text: str, where: str, *, integer: bool = False, positive: bool = True) -> float:
    if text.strip() == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(where, text, "a number or an empty cell") from None
    if not math.isfinite(value):
        raise ScenarioError(where, text, "a finite number")
    if integer and (not value.is_integer() or value < 1):
        raise ScenarioError(where, text, "an integer rank >= 1")
    if positive and value <= 0:
        raise ScenarioError(where, text, "a number > 0")
    if not positive and value < 0:
        raise ScenarioError(where, text, "a number >= 0")
    return value


def _check_monotone(frame: pd.DataFrame) -> None:
    """Within an edition, a better rank never has a lower score (suspect scores excepted)."""
    ok = frame["score"].notna() & frame["rank"].notna() & (frame["status"] != "suspect_score")
    for edition, g in frame[ok].groupby("edition"):
        g = g.sort_values("rank", kind="stable")
        worse = g["score"].to_numpy()[1:] > g["score"].to_numpy()[:-1]
        if worse.any():
            bad = g.iloc[1:][worse].iloc[0]
            raise ScenarioError(
                f"ranking.points[{bad.name}].score", float(bad["score"]),
                f"scores that do not rise as rank numbers grow within edition {edition} "
                "(mark a doubtful score status = suspect_score)")
