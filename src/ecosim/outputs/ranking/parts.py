"""The index's parts, fitted to its published breakdowns: business damping, quality vs quantity.

Business environment is "mainly focused on parameters at the country level"
plus "a critical mass threshold of activity in a city" (GSEI 2022 p.16). The
published breakdowns show it: above a critical mass of quantity + quality a
city gets its country's business score, below it a share in proportion:

    business = beta_country * min(1, (quantity + quality) / m_edition)

(Canada 2022: about 3.5 x (Q + L) up to Q + L = 1, then 3.0-3.5; Taiwan 2023:
1.55 x (Q + L) up to Hsinchu, then Taipei's 3.46; China 2023: 2.5 for every
city). ``beta`` is per country, the critical mass ``m`` per edition; both are
in units of the edition's score at rank 100 (the curve's level), so editions
with different scales compare.

Quality grows faster than quantity across the index's cities:
``ln L = alpha + p ln Q`` (:class:`QualityShape`), which fixes how the
simulated quality and quantity compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ecosim.outputs.ranking.curve import WorldCurve

__all__ = ["BusinessFit", "QualityShape", "breakdowns", "business_residuals", "fit_business",
           "fit_quality_shape"]

#: Sharpness of the smooth minimum used while fitting (the model itself uses min).
_SOFT = 20.0
#: A row at this multiple of the critical mass or more shows its country's full level.
_CLEARLY = 1.5


def breakdowns(points: pd.DataFrame, curve: WorldCurve) -> pd.DataFrame:
    """Published rows with quantity, quality and business, in rank-100 units of their edition.

    Returns:
        Columns edition, city, country, rank, quantity, quality, business
        (published) and q, l, b (the same over the edition's score at rank 100),
        x = q + l.
    """
    rows = points.dropna(subset=["quantity", "quality", "business"])
    rows = rows[rows["edition"].isin(curve.editions)].copy()
    level = dict(zip(curve.editions, np.exp(curve.level), strict=True))
    scale = rows["edition"].map(level).to_numpy(float)
    rows["q"] = rows["quantity"].to_numpy(float) / scale
    rows["l"] = rows["quality"].to_numpy(float) / scale
    rows["b"] = rows["business"].to_numpy(float) / scale
    rows["x"] = rows["q"] + rows["l"]
    return rows[["edition", "city", "country", "rank", "quantity", "quality", "business",
                 "q", "l", "b", "x"]].reset_index(drop=True)


@dataclass(frozen=True)
class BusinessFit:
    """Country business levels and per-edition critical masses (rank-100 units).

    Attributes:
        country_level: beta per country.
        critical_mass: m per edition.
        identified_countries: Countries with a city clearly above the critical
            mass (1.5 times or more: their beta is seen, not extrapolated).
        identified_editions: Editions with cities both below and above it,
            of identified countries (their m is seen).
    """

    country_level: dict[str, float]
    critical_mass: dict[int, float]
    identified_countries: tuple[str, ...]
    identified_editions: tuple[int, ...]

    @staticmethod
    def business(x, beta, m) -> np.ndarray:
        """Business score of cities with quantity + quality ``x`` (rank-100 units)."""
        return beta * np.minimum(1.0, np.asarray(x, dtype=float) / m)

    def fitted(self, rows: pd.DataFrame) -> np.ndarray:
        """Fitted business score of :func:`breakdowns` rows (rank-100 units)."""
        beta = rows["country"].map(self.country_level).to_numpy(float)
        m = rows["edition"].map(self.critical_mass).to_numpy(float)
        return self.business(rows["x"].to_numpy(float), beta, m)


def fit_business(rows: pd.DataFrame) -> BusinessFit:
    """Fit country levels and critical masses to :func:`breakdowns` rows (least squares in logs).

    Raises:
        ValueError: No row has a positive business score and quantity + quality.
    """
    rows = rows[(rows["b"] > 0) & (rows["x"] > 0)]
    if rows.empty:
        raise ValueError("ranking.points: no row with quantity, quality and business > 0; "
                         "allowed are points with at least one published breakdown")
    countries = tuple(sorted(rows["country"].unique()))
    editions = tuple(sorted(int(e) for e in rows["edition"].unique()))
    ci = np.searchsorted(countries, rows["country"].to_numpy(str))
    ei = np.searchsorted(editions, rows["edition"].to_numpy(int))
    x, lb = rows["x"].to_numpy(float), np.log(rows["b"].to_numpy(float))
    nc = len(countries)

    def resid(theta: np.ndarray) -> np.ndarray:
        beta, m = theta[:nc][ci], theta[nc:][ei]
        log_z = np.log(x) - m
        return beta + log_z - np.logaddexp(0.0, _SOFT * log_z) / _SOFT - lb

    x0 = np.concatenate([
        [np.log(rows["b"][ci == i].max()) for i in range(nc)],
        [np.log(np.median(x[ei == j])) for j in range(len(editions))],
    ])
    theta = least_squares(resid, x0, method="trf").x
    beta = dict(zip(countries, np.exp(theta[:nc]), strict=True))
    m = dict(zip(editions, np.exp(theta[nc:]), strict=True))
    # a level is seen only through a row clearly past the kink (all-linear countries, such as
    # Mexico 2024, fix beta / m alone and place the kink anywhere above their largest city)
    at = x / np.array([m[e] for e in rows["edition"].to_numpy(int)])
    above, below = at >= _CLEARLY, at < 1.0
    known_c = tuple(c for i, c in enumerate(countries) if above[ci == i].any())
    seen = np.isin(rows["country"].to_numpy(str), known_c)
    known_e = tuple(e for j, e in enumerate(editions)
                    if (above & seen & (ei == j)).any() and (below & seen & (ei == j)).any())
    return BusinessFit(country_level=beta, critical_mass=m, identified_countries=known_c,
                       identified_editions=known_e)


def business_residuals(fit: BusinessFit, rows: pd.DataFrame) -> pd.DataFrame:
    """Published business scores beside the fit (index points of their edition).

    Returns:
        :func:`breakdowns` columns plus fitted (index points) and ratio (fitted / published).
    """
    out = rows.copy()
    out["fitted"] = fit.fitted(rows) * rows["business"].to_numpy(float) / rows["b"].to_numpy(float)
    out["ratio"] = out["fitted"] / out["business"]
    return out


@dataclass(frozen=True)
class QualityShape:
    """ln quality = alpha + power x ln quantity across the index's cities (rank-100 units).

    Attributes:
        alpha: Intercept.
        power: Slope (above 1: quality grows faster than quantity).
        sd: Residual standard deviation of ln quality.
    """

    alpha: float
    power: float
    sd: float


def fit_quality_shape(rows: pd.DataFrame) -> QualityShape:
    """Least squares of ln l on ln q over :func:`breakdowns` rows with both > 0.

    Raises:
        ValueError: Fewer than three such rows.
    """
    ok = (rows["q"] > 0) & (rows["l"] > 0)
    if ok.sum() < 3:
        raise ValueError(f"ranking.points: {int(ok.sum())} rows with quantity and quality > 0; "
                         "allowed is at least 3")
    lq, ll = np.log(rows.loc[ok, "q"].to_numpy(float)), np.log(rows.loc[ok, "l"].to_numpy(float))
    power, alpha = np.polyfit(lq, ll, 1)
    sd = float(np.std(ll - alpha - power * lq, ddof=2)) if ok.sum() > 2 else 1.0
    return QualityShape(alpha=float(alpha), power=float(power), sd=sd)
