"""Simulated yearly activity per (year, city): what the index's score is fitted on.

The index counts, per city, startups and support organisations (quantity) and
the traction of its startups: capital raised, employees, exits and unicorns
weighted by value (quality). :func:`activity_indicators` gives these per
complete calendar year, at full scale; :func:`quantity_activity` and
:func:`quality_activity` combine them with the scenario's weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario

__all__ = ["ACTIVITY_COLUMNS", "activity_indicators", "quality_activity", "quantity_activity",
           "yearly_indicators"]

#: Columns of :func:`activity_indicators` besides year and city.
ACTIVITY_COLUMNS = ("startups", "support_organisations", "raised_stock_krw", "funding_krw",
                    "exit_value_krw", "unicorn_value_krw", "employees")


def yearly_indicators(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Yearly indicators per (year, city), full-scale equivalents.

    Mean startups and startup employees, the year's funding and exit value,
    and at year end the capital raised by live startups and unicorn value.
    Only complete calendar years of ``frame`` (a model's ``city_frame()``) count.

    Args:
        frame: A run's ``city_frame()``.
        scale: The run's scale (agents per real person or firm).

    Returns:
        Columns year, city (str), startups, employees, funding_krw,
        exit_value_krw, raised_stock_krw, unicorn_value_krw.
    """
    f = frame[frame["month"] > 0].copy()
    f["year"] = f["date"].str.slice(0, 4).astype(int)
    months = f.groupby("year")["month"].nunique()
    f = f[f["year"].isin(months[months == 12].index)]
    last = f.groupby("year")["month"].transform("max") == f["month"]
    g = f.groupby(["year", "city"], observed=True)
    out = pd.DataFrame({
        "startups": g["startups"].mean(),
        "employees": g["startup_employees"].mean(),
        "funding_krw": g["funding_krw"].sum(),
        "exit_value_krw": g["exit_value_krw"].sum(),
    })
    at_end = f[last].set_index(["year", "city"])
    out["raised_stock_krw"] = at_end["raised_stock_krw"]
    out["unicorn_value_krw"] = at_end["unicorn_value_krw"].fillna(0.0)
    out = (out / scale).reset_index()
    out["city"] = out["city"].astype(str)
    return out


def activity_indicators(frame: pd.DataFrame, spec: Scenario) -> pd.DataFrame:
    """The activity the index scores, per complete simulated year and city (full scale).

    Args:
        frame: A run's ``city_frame()``.
        spec: The run's scenario (scale and support organisations per city).

    Returns:
        Columns year, city and :data:`ACTIVITY_COLUMNS`; every city, ranked or not.
    """
    out = yearly_indicators(frame, spec.scale)
    support = {c.name: float(c.support_organisations) for c in spec.cities}
    out["support_organisations"] = out["city"].map(support)
    return out[["year", "city", *ACTIVITY_COLUMNS]]


def quantity_activity(ind: pd.DataFrame, support_weight: float) -> np.ndarray:
    """Startups plus ``support_weight`` x support organisations, per row of ``ind``."""
    return (ind["startups"].to_numpy(float)
            + support_weight * ind["support_organisations"].to_numpy(float))


def quality_activity(ind: pd.DataFrame, weights: dict[str, float | np.ndarray]) -> np.ndarray:
    """KRW-equivalent traction per row of ``ind``; one row per weight draw if they are arrays.

    Capital raised to date by live startups x ``funding`` + the year's exit value
    x ``exits`` + year-end unicorn valuations x ``unicorns`` + startup employees
    x ``employees``.

    Returns:
        Shape (N,) for scalar weights, (D, N) for weight arrays of length D.
    """
    cols = {"funding": "raised_stock_krw", "exits": "exit_value_krw",
            "unicorns": "unicorn_value_krw", "employees": "employees"}
    total = 0.0
    for key, col in cols.items():
        w = np.asarray(weights[key], dtype=float)
        x = np.nan_to_num(ind[col].to_numpy(float))
        total = total + (w[:, None] * x if w.ndim else w * x)
    return np.asarray(total)
