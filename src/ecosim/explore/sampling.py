"""Sampling the lever space and the uncertainties: Latin hypercube or Sobol (SciPy's qmc).

Both are deterministic in the seed. Uncertainty points combine a table of
parameter sets (rows drawn without replacement while they last: a posterior's
draws plug in here) with a sample of parameter ranges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ecosim.explore._check import check_override, read_table

if TYPE_CHECKING:
    from ecosim.explore.levers import LeverSpace, Policy
    from ecosim.explore.spec import ExploreSpec

__all__ = ["policy_sample", "uncertainty_points", "unit_sample"]


def unit_sample(dimensions: int, n: int, method: str = "lhs", seed: int = 0) -> np.ndarray:
    """``n`` points of the unit hypercube, (n, dimensions).

    Args:
        dimensions: Coordinates per point (0 gives n empty rows).
        n: Points (a power of two for Sobol).
        method: ``"lhs"`` (Latin hypercube, SciPy's optimised-free LHS) or
            ``"sobol"`` (scrambled Sobol sequence).
        seed: Seed.

    Raises:
        ValueError: Unknown method, or n not a power of two for Sobol.
    """
    from scipy.stats import qmc

    if dimensions == 0:
        return np.zeros((n, 0))
    rng = np.random.default_rng(seed)
    if method == "lhs":
        return qmc.LatinHypercube(d=dimensions, rng=rng).random(n)
    if method == "sobol":
        if n & (n - 1):
            raise ValueError(f"n = {n}: allowed is a power of two for Sobol sampling")
        return qmc.Sobol(d=dimensions, scramble=True, rng=rng).random(n)
    raise ValueError(f"method = {method!r}: allowed is 'lhs' or 'sobol'")


def policy_sample(space: LeverSpace, n: int, method: str = "lhs", seed: int = 0,
                  budget: float | None = None) -> list[Policy]:
    """``n`` policies spread over the lever space (``budget`` fixes the total)."""
    variables = space.variables(budget)
    unit = unit_sample(len(variables), n, method, seed)
    return [space.policy(space.from_unit(u, budget), budget=budget, label=f"sample {i}")
            for i, u in enumerate(unit)]


def uncertainty_points(spec: ExploreSpec) -> list[dict[str, Any]]:
    """The uncertainty points: scenario path -> value each (``[{}]``: the point estimate).

    Rows of ``parameter_sets`` (drawn with ``root_seed``) and a sample of
    ``ranges`` (``sampling``), merged point by point. Every point is checked by
    loading the base scenario with it.

    Raises:
        ExploreError: A point holds a value the scenario rejects.
    """
    u = spec.uncertainties
    points: list[dict[str, Any]] = [{} for _ in range(u.points)]
    if u.parameter_sets is not None:
        table = read_table(u.parameter_sets)
        rng = np.random.default_rng(spec.root_seed)
        rows = rng.choice(len(table), size=u.points, replace=u.points > len(table))
        for point, i in zip(points, rows, strict=True):
            point.update({k: _plain(v) for k, v in table.iloc[int(i)].items()})
    if u.ranges:
        names = list(u.ranges)
        unit = unit_sample(len(names), u.points, u.sampling, spec.root_seed)
        for point, row in zip(points, unit, strict=True):
            for name, x in zip(names, row, strict=True):
                lo, hi = u.ranges[name]
                point[name] = float(lo + x * (hi - lo))
    for i, point in enumerate(points):
        if point:
            check_override(spec.base_scenario, point, f"uncertainties.point {i}")
    return points


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
