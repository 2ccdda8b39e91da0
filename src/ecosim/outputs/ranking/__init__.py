"""Ecosystem scores in the manner of StartupBlink, fitted to the index's own editions.

A city's score is quantity + quality + business environment, as the index
computes it; its world rank is where that score falls on the edition's
rank-score curve. Everything that maps simulated activity to a rank is fitted
to the published points (``ecosim/inputs/data/startupblink_points.csv``):

* :mod:`.indicators`: the simulated activity the score counts, per (year, city);
* :mod:`.curve`: the world's rank-score curve per edition, its drift between
  editions, in-sample residuals and leave-one-edition-out error;
* :mod:`.parts`: the business part (country level, damped below a critical
  mass) and the quality-quantity balance, fitted to published breakdowns;
* :mod:`.anchor`: the scales of the activity-to-score map, anchored on every
  published rank of the country's cities, and the world's growth;
* :mod:`.fit`: :func:`fit_ranking`, the central fit and draws of its uncertainty;
* :mod:`.spread`: how much of a rank's spread comes from the ranking and how
  much from the simulation; the back-test table.

``city_scores(model.city_frame(), model.spec)`` ranks one run under the central
fit on that run's own activity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ecosim.outputs.ranking.curve import (
    MAX_RANK,
    WorldCurve,
    curve_residuals,
    fit_world_curve,
    leave_one_edition_out,
)
from ecosim.outputs.ranking.fit import RankingFit, ScoreDraws, fit_ranking, reference_activity
from ecosim.outputs.ranking.indicators import (
    ACTIVITY_COLUMNS,
    activity_indicators,
    yearly_indicators,
)
from ecosim.outputs.ranking.parts import BusinessFit, QualityShape, fit_business
from ecosim.outputs.ranking.spread import back_test, variance_shares

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario

__all__ = [
    "ACTIVITY_COLUMNS",
    "MAX_RANK",
    "BusinessFit",
    "QualityShape",
    "RankingFit",
    "ScoreDraws",
    "WorldCurve",
    "activity_indicators",
    "back_test",
    "city_scores",
    "curve_residuals",
    "fit_business",
    "fit_ranking",
    "fit_world_curve",
    "leave_one_edition_out",
    "reference_activity",
    "variance_shares",
    "yearly_indicators",
]


def city_scores(frame: pd.DataFrame, spec: Scenario, fit: RankingFit | None = None
                ) -> pd.DataFrame:
    """Score and world rank of each ranked city in each complete simulated year of one run.

    Args:
        frame: A run's ``city_frame()``.
        spec: The run's scenario.
        fit: The ranking to use (default: the central fit on this run's own activity).

    Returns:
        Columns year, city, quantity, quality, business, score (in units of the
        score at rank 100 in that year's edition) and rank; no rows when the run
        has no complete year yet.
    """
    from ecosim.inputs.index_points import load_index_points

    columns = ["year", "city", "quantity", "quality", "business", "score", "rank"]
    ind = activity_indicators(frame, spec)
    if ind.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "city" else float)
                             for c in columns})
    if fit is None:
        fit = fit_ranking(ind, load_index_points(spec.ranking.points), spec.ranking, draws=0)
    out = fit.rank(ind, uncertainty=False)
    return out[columns]
