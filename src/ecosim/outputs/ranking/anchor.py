"""The map from simulated activity to index score, anchored on the country's published ranks.

A city's score in edition *y*, in units of that edition's score at rank 100:

    Q = k_q A_q / (1 + g)^(y - y0),    L = k_l A_l / (1 + g)^(y - y0),
    S = Q + L + beta min(1, (Q + L) / m),

where A_q and A_l are its simulated quantity and quality activity
(:mod:`~ecosim.outputs.ranking.indicators`), ``g`` the world's growth per
year in the same activity terms and ``y0`` the first simulated year. The
scales ``k_q`` and ``k_l`` are fitted so that every published rank of the
country's cities (all editions, all cities with a published name) is
reproduced as well as it can be, with the quality-quantity balance of the
index's own cities (:class:`~ecosim.outputs.ranking.parts.QualityShape`) as
a second condition. A published rank from an edition the run did not simulate
is compared with the nearest simulated year, with its error widened by how much
ranks drift per year (:func:`rank_persistence`).

World growth: the index reports its countries' growth per edition (2025: world
average 21%, South Korea 23.7%), in its own terms, which include its growing
coverage. What carries over to simulated activity is the ratio
rho = (1 + world) / (1 + country): the world grows at (1 + G) rho - 1, where
G is the reference run's own national growth of Q + L activity. When the run
simulates two or more editions with published ranks, rho is fitted to them
(with the reported ratio as its prior) and G is measured over those years;
otherwise rho is the reported ratio and G is measured over the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ecosim.outputs.ranking.curve import rank_on_curve

__all__ = ["AnchorProblem", "anchor_points", "rank_persistence"]

#: Statuses whose rank is usable (a suspect score still has a printed rank).
RANK_STATUSES = ("published", "inferred", "suspect_score")


def anchor_points(points: pd.DataFrame, country: str, names: dict[str, str],
                  ranked: tuple[str, ...], years: np.ndarray) -> pd.DataFrame:
    """The country's published ranks of ranked cities, matched to simulated years.

    Args:
        points: Published points (already limited to the editions used).
        country: The index's country name.
        names: Scenario city -> published name.
        ranked: Ranked scenario cities.
        years: Simulated years.

    Returns:
        Columns name, city (scenario), edition, rank, status, year (nearest
        simulated year, the later on a tie) and gap (|edition - year|).
    """
    inverse = {v: k for k, v in names.items() if k in ranked}
    pts = points[(points["country"] == country) & points["rank"].notna()
                 & points["status"].isin(RANK_STATUSES) & points["city"].isin(inverse)]
    later_first = np.sort(np.asarray(years, dtype=int))[::-1]
    if not len(later_first):
        raise ValueError("indicators: no complete simulated year; allowed are runs of at "
                         "least one calendar year")
    ed = pts["edition"].to_numpy(int)
    nearest = later_first[np.argmin(np.abs(ed[:, None] - later_first[None, :]), axis=1)]
    return pd.DataFrame({
        "name": pts["city"].to_numpy(), "city": pts["city"].map(inverse).to_numpy(),
        "edition": ed, "rank": pts["rank"].to_numpy(float), "status": pts["status"].to_numpy(),
        "year": nearest, "gap": np.abs(ed - nearest),
    }).sort_values(["edition", "rank"], kind="stable").reset_index(drop=True)


def rank_persistence(points: pd.DataFrame) -> float:
    """How far log rank drifts per year: sqrt(sum of squared changes / sum of years apart).

    Over every named city with ranks in two or more editions (consecutive pairs),
    as a random walk's step.
    """
    pts = points[points["rank"].notna() & points["status"].isin(RANK_STATUSES)
                 & ~points["city"].str.startswith("unidentified")]
    num = den = 0.0
    for _, g in pts.groupby(["city", "country"]):
        g = g.drop_duplicates("edition").sort_values("edition")
        if len(g) < 2:
            continue
        lr = np.log(g["rank"].to_numpy(float))
        ed = g["edition"].to_numpy(float)
        num += float(np.sum(np.diff(lr) ** 2))
        den += float(np.sum(np.diff(ed)))
    if den == 0:
        raise ValueError("ranking.points: no city ranked in two editions; allowed are points "
                         "that follow at least one city across editions")
    return float(np.sqrt(num / den))


@dataclass
class AnchorProblem:
    """Everything the anchor fit of one draw needs, on the reference run's mean activity.

    Attributes:
        years: Year of each reference row (N,).
        quantity: Quantity activity per reference row (N,).
        quality: Quality activity per reference row (N,), with this draw's weights.
        national_quantity, national_quality: Country totals per window year.
        window: Years over which the national growth G is measured.
        ref_year: The year whose scale k_q, k_l give.
        rows: Reference row of each anchor point.
        log_rank: ln published rank of each anchor point.
        sigma: Error of each anchor point's ln rank.
        balance_rows: Reference rows held to the quality-quantity balance.
        fit_growth: Whether rho is fitted (two or more simulated editions anchor).
    """

    years: np.ndarray
    quantity: np.ndarray
    quality: np.ndarray
    national_quantity: np.ndarray
    national_quality: np.ndarray
    window: np.ndarray
    ref_year: int
    rows: np.ndarray
    log_rank: np.ndarray
    sigma: np.ndarray
    balance_rows: np.ndarray
    fit_growth: bool

    def national_growth(self, kq: float, kl: float) -> float:
        """Yearly growth of the country's Q + L activity over the window (log-linear fit)."""
        if len(self.window) < 2:
            return 0.0
        total = kq * self.national_quantity + kl * self.national_quality
        if np.any(total <= 0):
            return 0.0
        return float(np.expm1(np.polyfit(self.window, np.log(total), 1)[0]))

    def scores(self, kq, kl, growth, business, mass, rows):
        """Q, L, B and S of reference ``rows`` (rank-100 units of each row's edition)."""
        deflate = (1.0 + growth) ** -(self.years[rows] - self.ref_year)
        q = kq * self.quantity[rows] * deflate
        ql = kl * self.quality[rows] * deflate
        b = business * np.minimum(1.0, (q + ql) / mass)
        return q, ql, b, q + ql + b

    def solve(self, *, business: float, mass: float, tilt: float, shape,
              rho: float, rho_sd: float, balance) -> dict[str, float]:
        """Fit k_q, k_l (and rho when ``fit_growth``) by least squares.

        Args:
            business: The country's business level beta.
            mass: The critical mass m.
            tilt: Curve tilt (slope at rank 100).
            shape: Curve curvature (c2, c3).
            rho: Prior (or fixed) world-to-country growth ratio.
            rho_sd: Prior standard deviation of ln rho.
            balance: The :class:`QualityShape` of the index's cities.

        Returns:
            k_quantity, k_quality, rho, national_growth (G) and growth (g).
        """
        def unpack(theta):
            kq, kl = np.exp(theta[0]), np.exp(theta[1])
            r = np.exp(theta[2]) if self.fit_growth else rho
            return kq, kl, r, (1.0 + self.national_growth(kq, kl)) * r - 1.0

        def resid(theta):
            kq, kl, _, g = unpack(theta)
            *_, s = self.scores(kq, kl, g, business, mass, self.rows)
            out = [(np.log(rank_on_curve(s, tilt, shape)) - self.log_rank) / self.sigma]
            q, ql, _, _ = self.scores(kq, kl, g, business, mass, self.balance_rows)
            ok = (q > 0) & (ql > 0)
            out.append((np.log(ql[ok]) - balance.alpha - balance.power * np.log(q[ok]))
                       / balance.sd)
            if self.fit_growth:
                out.append(np.array([(theta[2] - np.log(rho)) / rho_sd]))
            return np.concatenate(out)

        theta = least_squares(resid, self._start(business, tilt, shape, balance, rho),
                              method="trf").x
        kq, kl, r, g = unpack(theta)
        return {"k_quantity": kq, "k_quality": kl, "rho": r,
                "national_growth": self.national_growth(kq, kl), "growth": g}

    def _start(self, business, tilt, shape, balance, rho) -> np.ndarray:
        """Scales that put the best-ranked anchor on its rank, split as the index's cities."""
        best = int(np.argmin(self.log_rank))
        row = self.rows[best]
        u = self.log_rank[best] - np.log(100.0)
        target = np.exp(tilt * u + shape[0] * u**2 + shape[1] * u**3)
        ql = max(target - business, 0.5 * target)
        # split ql into q + e^alpha q^power by bisection on ln q
        lo, hi = np.log(ql) - 30, np.log(ql)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            q = np.exp(mid)
            lo, hi = (mid, hi) if q + np.exp(balance.alpha) * q**balance.power < ql else (lo, mid)
        q = np.exp(lo)
        quality = self.quality[row] if self.quality[row] > 0 else \
            np.mean(self.quality[self.quality > 0]) if np.any(self.quality > 0) else 1.0
        start = [np.log(q / max(self.quantity[row], 1e-9)), np.log(max(ql - q, 1e-12) / quality)]
        return np.array(start + ([np.log(rho)] if self.fit_growth else []))
