"""Ecosystem scores in the manner of StartupBlink, and ranks on the world's distribution.

A city's score is quantity + quality + business environment:

* quantity: startups (yearly mean) plus ``support_weight`` x support organisations;
* quality: capital raised to date by the city's live startups (year end)
  + ``exits`` x the year's exit value + ``unicorns`` x unicorn valuations (KRW,
  full-scale equivalents; weights in ``quality_weights``, ``funding`` for the
  capital raised);
* business environment: country level, a fixed share of the other two (the
  anchor's published business score over its quantity + quality).

The points per startup and per KRW are fixed once per run, on the anchor city:
its simulated score in the first simulated year is the world curve's score at
its published rank that year (Seoul, 20th in 2025), split into quantity and
quality in the proportions of its published breakdown. Every other city's
score, and every later year's, then follows from simulated activity only.

The world's rank-score curve is fitted to the published points,
``log score = a + b log rank + c (log rank)^2``, and every other ecosystem's
score grows by ``world_growth`` a year after the points' edition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ecosim.inputs.params import Ranking
    from ecosim.inputs.scenario import Scenario

__all__ = ["RankCurve", "city_scores", "fit_curve"]

_MAX_RANK = 3000


@dataclass(frozen=True)
class RankCurve:
    """The world's rank-score curve in the points' edition year, and its growth.

    Attributes:
        coef: Polynomial coefficients of log score in log rank (highest power first).
        year: Edition year of the points.
        growth: Yearly growth of the world's scores after ``year``.
    """

    coef: np.ndarray
    year: int
    growth: float

    def score_at(self, rank: float | np.ndarray, year: int | None = None) -> np.ndarray:
        """Score at ``rank`` in ``year`` (default: the edition year)."""
        s = np.exp(np.polyval(self.coef, np.log(np.asarray(rank, dtype=np.float64))))
        return s * self._factor(year)

    def rank_of(self, score: float | np.ndarray, year: int | None = None) -> np.ndarray:
        """Rank (1 = best, fractional) that ``score`` earns in ``year``.

        Scores above the curve's top rank 1; below its end, ``_MAX_RANK``.
        """
        grid = np.arange(1, _MAX_RANK + 1, dtype=np.float64)
        curve = self.score_at(grid)  # decreasing
        s = np.asarray(score, dtype=np.float64) / self._factor(year)
        return np.interp(-np.log(np.maximum(s, 1e-12)), -np.log(curve), grid)

    def _factor(self, year: int | None) -> float:
        return 1.0 if year is None else (1.0 + self.growth) ** (year - self.year)

    def residuals(self, points) -> pd.DataFrame:
        """Published points beside the fitted curve: rank, score, fitted, ratio."""
        ranks = np.array([p["rank"] for p in points], dtype=np.float64)
        scores = np.array([p["score"] for p in points], dtype=np.float64)
        fitted = self.score_at(ranks)
        return pd.DataFrame({"rank": ranks.astype(int), "score": scores, "fitted": fitted,
                             "ratio": fitted / scores,
                             "rank_of_score": self.rank_of(scores)})


def fit_curve(r: Ranking) -> RankCurve:
    """Fit the world's rank-score curve to the published points (least squares in logs).

    Raises:
        ValueError: Fewer than three points, or a curve that is not decreasing
            over ranks 1 to 3,000 (rank would not be monotone in score).
    """
    if len(r.points) < 3:
        raise ValueError(f"ranking.points: {len(r.points)} points; allowed is at least 3")
    x = np.log([p["rank"] for p in r.points])
    y = np.log([p["score"] for p in r.points])
    coef = np.polyfit(x, y, 2)
    curve = RankCurve(coef=coef, year=r.points_year, growth=r.world_growth)
    grid = curve.score_at(np.arange(1, _MAX_RANK + 1))
    if not np.all(np.diff(grid) < 0):
        raise ValueError("ranking.points: the fitted curve is not decreasing over ranks "
                         f"1..{_MAX_RANK}; allowed are points that fit a decreasing curve")
    return curve


def yearly_indicators(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Yearly indicators per (year, city), full-scale equivalents.

    Mean startups, the year's funding and exit value, and at year end the
    capital raised by live startups and unicorn value.

    Only complete calendar years of ``frame`` (a model's ``city_frame()``) count.
    """
    f = frame[frame["month"] > 0].copy()
    f["year"] = f["date"].str.slice(0, 4).astype(int)
    months = f.groupby("year")["month"].nunique()
    f = f[f["year"].isin(months[months == 12].index)]
    last = f.groupby("year")["month"].transform("max") == f["month"]
    g = f.groupby(["year", "city"], observed=True)
    out = pd.DataFrame({
        "startups": g["startups"].mean(),
        "funding_krw": g["funding_krw"].sum(),
        "exit_value_krw": g["exit_value_krw"].sum(),
    })
    at_end = f[last].set_index(["year", "city"])
    out["raised_stock_krw"] = at_end["raised_stock_krw"]
    out["unicorn_value_krw"] = at_end["unicorn_value_krw"]
    return (out / scale).reset_index()


def city_scores(frame: pd.DataFrame, spec: Scenario,
                curve: RankCurve | None = None) -> pd.DataFrame:
    """Score and world rank of each ranked city in each complete simulated year.

    Args:
        frame: A run's ``city_frame()``.
        spec: The run's scenario.
        curve: The world's rank-score curve (default: fitted to ``spec.ranking``).

    Returns:
        Columns year, city, quantity, quality, business, score, rank.
    """
    s = spec
    r = s.ranking
    curve = fit_curve(r) if curve is None else curve
    ind = yearly_indicators(frame, s.scale)
    support = {c.name: c.support_organisations for c in s.cities}
    w = r.quality_weights
    ind["raw_quantity"] = ind["startups"] + r.support_weight * ind["city"].astype(str).map(support)
    ind["raw_quality"] = (w["funding"] * ind["raised_stock_krw"]
                          + w["exits"] * ind["exit_value_krw"]
                          + w["unicorns"] * ind["unicorn_value_krw"].fillna(0.0))
    first = ind["year"].min()
    anchor = ind[(ind["year"] == first) & (ind["city"] == r.anchor_city)].iloc[0]
    business_share = r.anchor_business / (r.anchor_quantity + r.anchor_quality)
    quantity_share = r.anchor_quantity / (r.anchor_quantity + r.anchor_quality)
    target = float(curve.score_at(r.anchor_rank_2025, first)) / (1.0 + business_share)
    per_quantity = quantity_share * target / anchor["raw_quantity"]
    per_quality = (1.0 - quantity_share) * target / max(anchor["raw_quality"], 1.0)
    ind["quantity"] = per_quantity * ind["raw_quantity"]
    ind["quality"] = per_quality * ind["raw_quality"]
    ind["business"] = business_share * (ind["quantity"] + ind["quality"])
    ind["score"] = ind["quantity"] + ind["quality"] + ind["business"]
    ind = ind[ind["city"].astype(str).isin(r.ranked_cities)].copy()
    ind["rank"] = [float(curve.rank_of(sc, yr)) for sc, yr in zip(ind["score"], ind["year"],
                                                                   strict=True)]
    ind["city"] = ind["city"].astype(str)
    return ind[["year", "city", "quantity", "quality", "business", "score", "rank"]].reset_index(
        drop=True)
