"""Checks of an :class:`~ecosim.explore.spec.ExploreSpec`: its shape, then against its world.

:func:`normalise` runs on construction (no scenario needed) and brings every
field to canonical form (tuples, floats); :func:`validate` loads the base
scenario and checks cities, years, sectors and parameter paths. Both raise
:class:`~ecosim.explore.spec.ExploreError` at the first bad value.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecosim.experiments.executors import EXECUTORS
from ecosim.explore.spec import (
    SAMPLINGS,
    SPLITS,
    STAGES,
    Discovery,
    ExploreError,
    Levers,
    Outcomes,
    Search,
    Uncertainties,
)
from ecosim.inputs.scenario import ScenarioError, load_scenario

if TYPE_CHECKING:
    from ecosim.explore.spec import ExploreSpec

__all__ = ["normalise", "read_table", "validate"]


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _int(value: Any, where: str, minimum: int, maximum: int | None = None) -> int:
    ok = not isinstance(value, bool) and isinstance(value, int | np.integer) and value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        span = f"an integer >= {minimum}" if maximum is None else \
            f"an integer in {minimum}..{maximum}"
        raise ExploreError(where, value, span)
    return int(value)


def _number(value: Any, where: str, allowed: str, test=lambda v: True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) or \
            not math.isfinite(value) or not test(float(value)):
        raise ExploreError(where, value, allowed)
    return float(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise ExploreError(where, value, "true or false")
    return bool(value)


def _choice(value: Any, options: Sequence[str], where: str) -> str:
    if value not in options:
        raise ExploreError(where, value, f"one of {', '.join(options)}")
    return value


def _names(value: Any, where: str, allow_empty: bool = True) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence | np.ndarray) or \
            not all(isinstance(v, str) and v for v in value):
        raise ExploreError(where, value, "a list of names")
    out = tuple(value)
    if len(set(out)) != len(out):
        raise ExploreError(where, list(out), "distinct names")
    if not out and not allow_empty:
        raise ExploreError(where, [], "at least one name")
    return out


def _pair(value: Any, where: str, integer: bool = False) -> tuple[float, float] | None:
    """A [low, high] pair (low < high), or None when ``value`` is a single number."""
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        kind = (int, np.integer) if integer else (int, float, np.number)
        ok = len(value) == 2 and all(
            isinstance(v, kind) and not isinstance(v, bool)
            and math.isfinite(v) for v in value) and value[0] < value[1]
        if not ok:
            what = "integers" if integer else "finite numbers"
            raise ExploreError(where, list(value), f"a value or [low, high]: two {what} with "
                               "low < high")
        return (value[0], value[1]) if integer else (float(value[0]), float(value[1]))
    return None


# --------------------------------------------------------------------------- shape


def normalise(spec: ExploreSpec) -> None:
    """Check the declaration's shape and bring it to canonical form."""
    if not isinstance(spec.name, str) or not spec.name or "/" in spec.name:
        raise ExploreError("name", spec.name, "a non-empty string without '/'")
    _set(spec, "scale", _number(spec.scale, "scale", "a number > 0 (1.0 = one agent per "
                                "person)", lambda v: v > 0))
    _set(spec, "root_seed", _int(spec.root_seed, "root_seed", 0))
    stages = [spec.stages] if isinstance(spec.stages, str) else list(spec.stages)
    for stage in stages:
        _choice(stage, STAGES, "stages")
    if not stages:
        raise ExploreError("stages", [], f"at least one of {', '.join(STAGES)}")
    _set(spec, "stages", tuple(s for s in STAGES if s in stages))
    for name, kind in (("uncertainties", Uncertainties), ("levers", Levers),
                       ("outcomes", Outcomes), ("search", Search), ("discovery", Discovery)):
        if not isinstance(getattr(spec, name), kind):
            raise ExploreError(name, getattr(spec, name), f"a {kind.__name__}")
    _uncertainties(spec.uncertainties)
    _levers(spec.levers)
    _outcomes(spec.outcomes)
    _search(spec.search)
    _discovery(spec.discovery)
    _execution(spec)


def _uncertainties(u: Uncertainties) -> None:
    w = "uncertainties"
    if not isinstance(u.ranges, Mapping):
        raise ExploreError(f"{w}.ranges", u.ranges, "a table of scenario path = [low, high]")
    ranges = {}
    for key, pair in u.ranges.items():
        if not isinstance(key, str) or not key.strip("._"):
            raise ExploreError(f"{w}.ranges", key, "a scenario path such as behaviour.w_ties")
        path = key.replace("__", ".")
        bounds = _pair(pair, f"{w}.ranges.{path}")
        if bounds is None:
            raise ExploreError(f"{w}.ranges.{path}", pair, "[low, high]: two finite numbers "
                               "with low < high")
        ranges[path] = bounds
    _set(u, "ranges", ranges)
    sets = u.parameter_sets
    from ecosim.calibration.posterior import Posterior

    if sets is not None and not isinstance(sets, str | Path | pd.DataFrame | Posterior):
        raise ExploreError(f"{w}.parameter_sets", sets, "\"packaged\" (the calibrated "
                           "posterior), a posterior, CSV or Parquet path, or a DataFrame")
    _set(u, "points", _int(u.points, f"{w}.points", 1))
    _set(u, "sampling", _choice(u.sampling, SAMPLINGS, f"{w}.sampling"))
    if not ranges and sets is None and u.points != 1:
        raise ExploreError(f"{w}.points", u.points, "1 when neither ranges nor parameter_sets "
                           "are given (the point estimate)")
    if ranges and sets is None and u.sampling == "sobol" and u.points & (u.points - 1):
        raise ExploreError(f"{w}.points", u.points, "a power of two for Sobol sampling")
    _set(u, "replicates", _int(u.replicates, f"{w}.replicates", 1))
    _set(u, "ranking_draws", _int(u.ranking_draws, f"{w}.ranking_draws", 0))


def _levers(lv: Levers) -> None:
    w = "levers"
    _set(lv, "cities", _names(lv.cities, f"{w}.cities", allow_empty=False))
    _set(lv, "extra_cities", _names(lv.extra_cities, f"{w}.extra_cities"))
    both = sorted(set(lv.cities) & set(lv.extra_cities))
    if both:
        raise ExploreError(f"{w}.extra_cities", both, "cities not already in levers.cities")
    if lv.extra_focus_sectors is not None:
        _set(lv, "extra_focus_sectors", _names(lv.extra_focus_sectors,
                                               f"{w}.extra_focus_sectors"))
    budget = _pair(lv.budget_krw, f"{w}.budget_krw")
    if budget is None:
        _set(lv, "budget_krw", _number(lv.budget_krw, f"{w}.budget_krw",
                                       "a yearly budget >= 0 (KRW), or [low, high]",
                                       lambda v: v >= 0))
    elif budget[0] < 0:
        raise ExploreError(f"{w}.budget_krw", list(budget), "[low, high] with low >= 0 (KRW)")
    else:
        _set(lv, "budget_krw", budget)
    _set(lv, "budget_log", _bool(lv.budget_log, f"{w}.budget_log"))
    if lv.budget_log and budget is not None and budget[0] <= 0:
        raise ExploreError(f"{w}.budget_krw", list(budget), "[low, high] with low > 0 when "
                           "budget_log = true")
    if lv.start_year is not None:
        years = _pair(lv.start_year, f"{w}.start_year", integer=True)
        _set(lv, "start_year", years if years is not None else
             _int(lv.start_year, f"{w}.start_year", 1900))
    _set(lv, "city_weights", _bool(lv.city_weights, f"{w}.city_weights"))
    _set(lv, "split", _choice(lv.split, SPLITS, f"{w}.split"))


def _outcomes(o: Outcomes) -> None:
    _set(o, "year", _int(o.year, "outcomes.year", 1900))
    _set(o, "top", _int(o.top, "outcomes.top", 1))
    _set(o, "k", _int(o.k, "outcomes.k", 1))
    _set(o, "target", _number(o.target, "outcomes.target", "a probability in (0, 1]",
                              lambda v: 0 < v <= 1))


def _search(s: Search) -> None:
    w = "search"
    if s.budget_krw is not None:
        _set(s, "budget_krw", _number(s.budget_krw, f"{w}.budget_krw",
                                      "a yearly budget > 0 (KRW)", lambda v: v > 0))
    _set(s, "trials", _int(s.trials, f"{w}.trials", 1))
    _set(s, "batch", _int(s.batch, f"{w}.batch", 1))
    _set(s, "best_k_trials", _int(s.best_k_trials, f"{w}.best_k_trials", 0))
    grid = s.frontier_krw
    ok = isinstance(grid, Sequence | np.ndarray) and not isinstance(grid, str) and len(grid) > 0
    ok = ok and all(isinstance(v, int | float | np.number) and not isinstance(v, bool)
                    and math.isfinite(v) and v > 0 for v in grid)
    if not ok or any(b <= a for a, b in itertools.pairwise(grid)):
        raise ExploreError(f"{w}.frontier_krw", grid if not isinstance(grid, tuple) else
                           list(grid), "yearly budgets > 0 (KRW) in ascending order")
    _set(s, "frontier_krw", tuple(float(v) for v in grid))
    _set(s, "frontier_trials", _int(s.frontier_trials, f"{w}.frontier_trials", 1))
    _set(s, "confirm_replicates", _int(s.confirm_replicates, f"{w}.confirm_replicates", 0))
    _set(s, "bisect_steps", _int(s.bisect_steps, f"{w}.bisect_steps", 0))


def _discovery(d: Discovery) -> None:
    w = "discovery"
    _set(d, "policies", _int(d.policies, f"{w}.policies", 2))
    _set(d, "sampling", _choice(d.sampling, SAMPLINGS, f"{w}.sampling"))
    if d.sampling == "sobol" and d.policies & (d.policies - 1):
        raise ExploreError(f"{w}.policies", d.policies, "a power of two for Sobol sampling")
    if d.k is not None:
        _set(d, "k", _int(d.k, f"{w}.k", 1))
    _set(d, "min_cases", _int(d.min_cases, f"{w}.min_cases", 1))
    _set(d, "min_share", _number(d.min_share, f"{w}.min_share", "a share in [0, 1)",
                                 lambda v: 0 <= v < 1))
    if d.rank_threshold is not None:
        _set(d, "rank_threshold", _number(d.rank_threshold, f"{w}.rank_threshold",
                                          "a world rank >= 1", lambda v: v >= 1))
    _set(d, "max_qp", _number(d.max_qp, f"{w}.max_qp", "a probability in (0, 1]",
                              lambda v: 0 < v <= 1))
    _set(d, "min_density", _number(d.min_density, f"{w}.min_density",
                                   "a share in (0, 1]", lambda v: 0 < v <= 1))
    _set(d, "boxes", _int(d.boxes, f"{w}.boxes", 1))
    _set(d, "peel_alpha", _number(d.peel_alpha, f"{w}.peel_alpha", "a share in (0, 0.5)",
                                  lambda v: 0 < v < 0.5))


def _execution(spec: ExploreSpec) -> None:
    if not isinstance(spec.execution, Mapping):
        raise ExploreError("execution", spec.execution, "a table")
    ex = dict(spec.execution)
    allowed = ("executor", "workers", "scheduler", "out")
    for key in ex:
        if key not in allowed:
            raise ExploreError(f"execution.{key}", ex[key], f"a known key: {', '.join(allowed)}")
    if "executor" in ex:
        _choice(ex["executor"], EXECUTORS, "execution.executor")
    if "workers" in ex:
        ex["workers"] = _int(ex["workers"], "execution.workers", 1)
    for key in ("scheduler", "out"):
        if key in ex and not isinstance(ex[key], str):
            raise ExploreError(f"execution.{key}", ex[key], "a string")
    _set(spec, "execution", ex)


# --------------------------------------------------------------------------- against the world


def validate(spec: ExploreSpec) -> None:
    """Check the declaration against its base scenario."""
    s = spec.base_scenario
    lv, o = spec.levers, spec.outcomes
    for where, names in (("levers.cities", lv.cities), ("levers.extra_cities", lv.extra_cities)):
        for city in names:
            if city not in s.city_names:
                raise ExploreError(where, city, f"a city of the base scenario: "
                                   f"{', '.join(s.city_names)}")
    packages = {p.city: p for p in s.policy.packages}
    if lv.split == "announced":
        missing = [c for c in lv.cities if c not in packages]
        if missing:
            raise ExploreError("levers.split", "announced", f"per_city or shared: the base "
                               f"scenario has no package for {', '.join(missing)}")
    if lv.extra_cities:
        sectors = lv.extra_focus_sectors
        if sectors is None:
            sectors = shared_focus_sectors(s, lv.cities)
            if not sectors:
                raise ExploreError("levers.extra_focus_sectors", None, "a list of sectors: the "
                                   "base scenario's packages share none to default to")
        for sector in sectors:
            if sector not in s.sectors:
                raise ExploreError("levers.extra_focus_sectors", sector,
                                   f"one of {', '.join(s.sectors)}")
    if spec.months < 12:
        raise ExploreError("outcomes.year", o.year, f"a year from {s.start_year} on (the base "
                           f"scenario starts in {s.start_year}-{s.start_month:02d}) whose "
                           "December is at least 12 months in")
    if s.start_month != 1 and o.year == s.start_year:
        raise ExploreError("outcomes.year", o.year, "a complete calendar year of the run")
    years = lv.start_year if lv.start_year is not None else s.policy.start_year
    for year in (years if isinstance(years, tuple) else (years,)):
        if not s.start_year <= year <= o.year:
            raise ExploreError("levers.start_year", lv.start_year if lv.start_year is not None
                               else year, f"a year in {s.start_year}..{o.year} (from the run's "
                               "start to the outcome year)")
    ranked = len(s.ranking.ranked_cities)
    if o.k > ranked:
        raise ExploreError("outcomes.k", o.k, f"at most {ranked} (the ranked cities)")
    if spec.discovery.k is not None and spec.discovery.k > ranked:
        raise ExploreError("discovery.k", spec.discovery.k, f"at most {ranked}")
    for path, (lo, hi) in spec.uncertainties.ranges.items():
        for value in (lo, hi):
            check_override(s, {path: value}, f"uncertainties.ranges.{path}")
    sets = spec.uncertainties.parameter_sets
    if sets is not None:
        table = read_table(sets)
        check_override(s, table.iloc[0].to_dict(), "uncertainties.parameter_sets")


def shared_focus_sectors(scenario: Any, cities: Sequence[str]) -> tuple[str, ...]:
    """Focus sectors every package of ``cities`` in ``scenario`` names (in the first's order)."""
    packages = [p for p in scenario.policy.packages if p.city in cities]
    if not packages:
        return ()
    common = set(packages[0].focus_sectors)
    for p in packages[1:]:
        common &= set(p.focus_sectors)
    return tuple(s for s in packages[0].focus_sectors if s in common)


def check_override(scenario: Any, overrides: dict[str, Any], where: str) -> None:
    """Load ``scenario`` with ``overrides``; a ScenarioError becomes an ExploreError."""
    try:
        load_scenario(scenario, overrides=overrides)
    except ScenarioError as err:
        field = where if where.endswith(err.field) else f"{where}.{err.field}"
        raise ExploreError(field, err.value, f"{err.allowed} (scenario field "
                           f"'{err.field}')") from err


def read_table(source: Any) -> pd.DataFrame:
    """A table of parameter sets: a DataFrame, a CSV or Parquet file, or a posterior.

    A posterior (``"packaged"``, a :class:`~ecosim.calibration.posterior.Posterior`
    or a file it wrote) becomes as many rows as it has particles, drawn by
    weight (seeded), so rows drawn uniformly from the table follow the posterior.

    Raises:
        ExploreError: The file is missing or unreadable, or the table is empty.
    """
    where = "uncertainties.parameter_sets"
    posterior = _posterior(source)
    if posterior is not None:
        rows = posterior.draw(len(posterior.weights), root_seed=0)
        table = pd.DataFrame(rows).drop(columns="seed")
    elif isinstance(source, pd.DataFrame):
        table = source
    else:
        path = Path(source)
        if not path.exists():
            raise ExploreError(where, str(source), "an existing CSV or Parquet file")
        try:
            table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        except Exception as err:
            raise ExploreError(where, str(source), f"a readable CSV or Parquet file "
                               f"({type(err).__name__}: {err})") from err
    if table.empty or not len(table.columns):
        raise ExploreError(where, f"({len(table)} rows)", "a table with at least one row and "
                           "one column per scenario path")
    return table.rename(columns=lambda c: str(c).replace("__", "."))


def _posterior(source: Any) -> Any:
    """The posterior ``source`` names, or None when it is a plain table."""
    from ecosim.calibration.posterior import Posterior, load_posterior

    where = "uncertainties.parameter_sets"
    if isinstance(source, Posterior):
        return source
    if isinstance(source, str) and source == "packaged":
        try:
            return load_posterior("packaged")
        except FileNotFoundError as err:
            raise ExploreError(where, source, f"a packaged posterior ({err})") from err
    if isinstance(source, str | Path) and Path(source).suffix == ".parquet" \
            and Path(source).exists():
        try:
            return Posterior.read(source)
        except ValueError:
            return None
    return None
