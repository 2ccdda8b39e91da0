"""The world's rank-score curve, one per edition of the index, fitted to published points.

In edition *e* the score at rank *r* is

    ln S_e(r) = a_e + t_e u + c2 u^2 + c3 u^3,   u = ln(r / 100),

so ``a_e`` is the log score at rank 100 (the edition's scale, which drifts
between editions), ``t_e`` the edition's slope at rank 100 (how steep its
distribution is), and ``c2``, ``c3`` the curvature shared by every edition.
Levels are free per edition. Tilts are random effects around their mean,
their spread ``tilt_sd`` estimated by EM from the editions themselves, for the
editions whose points pin the slope where it matters here (:data:`TILT_RULE`:
three or more points ranked 20th or lower, spanning a factor of two in rank);
the others (a handful of top-ten scores, or points bunched in one place) get
a tilt of their own as a nuisance, which informs the curvature only.

Ranks depend only on scores relative to the edition's rank-100 score, so the
rest of the ranking works in those units: ``relative_log_score(rank, tilt)``.
Simulated scores are ranked on one curve per draw of the ranking's
uncertainty: the mean tilt (central fit) or one drawn from the editions'
spread, ``N(mean_tilt, tilt_sd)`` truncated to curves that fall with rank.
Edition-to-edition changes of level and tilt come with the index's method and
coverage, which move every city's score alike (Seoul's rank moved 30, 21, 23,
25, 24, 21, 20 while the tilt changed), so they set how uncertain the curve's
shape is, not a year-by-year reshuffle of simulated ranks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MAX_RANK", "TILT_RULE", "WorldCurve", "curve_residuals", "edition_table",
           "fit_world_curve", "leave_one_edition_out", "rank_on_curve", "steepest_valid_tilt"]

#: Ranks are computed up to here; a score below the curve's end ranks MAX_RANK
#: (beyond the 1,473 cities of the largest edition, i.e. not ranked).
MAX_RANK = 3000
_GRID = np.linspace(np.log(1 / 100), np.log(MAX_RANK / 100), 2401)
_EM_ITERATIONS = 500
#: An edition has its own tilt when it has this many points ranked at least
#: ``min_rank``-th, whose ranks span at least ``span``.
TILT_RULE = {"points": 3, "min_rank": 20, "span": 2.0}


def _u(rank) -> np.ndarray:
    return np.log(np.asarray(rank, dtype=float) / 100.0)


@dataclass(frozen=True)
class WorldCurve:
    """Rank-score curves of the editions with published scores.

    Attributes:
        editions: Edition years with points, ascending.
        own_tilt: Per edition, whether its points fix its own tilt (:data:`TILT_RULE`).
        level: Log score at rank 100, per edition.
        tilt: Slope of log score in log rank at rank 100, per edition (the
            mean tilt where ``own_tilt`` is false).
        mean_tilt: The tilts' mean (the slope of an edition without points).
        tilt_sd: Spread of tilts between editions (EM estimate).
        shape: Curvature (c2, c3), shared by every edition.
        resid_sd: Residual standard deviation of log score about the curves.
    """

    editions: tuple[int, ...]
    own_tilt: tuple[bool, ...]
    level: np.ndarray
    tilt: np.ndarray
    mean_tilt: float
    tilt_sd: float
    shape: np.ndarray
    resid_sd: float

    def tilt_of(self, edition: int) -> float | None:
        """The edition's own fitted tilt, or None if its points do not fix one."""
        if edition in self.editions and self.own_tilt[self.editions.index(edition)]:
            return float(self.tilt[self.editions.index(edition)])
        return None

    def relative_log_score(self, rank, tilt: float) -> np.ndarray:
        """ln(score / score at rank 100) at ``rank`` for an edition with ``tilt``."""
        u = _u(rank)
        return tilt * u + self.shape[0] * u**2 + self.shape[1] * u**3

    def log_score(self, rank, edition: int) -> np.ndarray:
        """Log score at ``rank`` in a fitted ``edition`` (in that edition's points)."""
        i = self.editions.index(edition)
        return self.level[i] + self.relative_log_score(rank, float(self.tilt[i]))

    def is_monotone(self, tilt: float) -> bool:
        """Whether score falls strictly with rank over ranks 1 to MAX_RANK."""
        return bool(np.all(np.diff(self.relative_log_score(100 * np.exp(_GRID), tilt)) < 0))

    def rank_of(self, relative_score, tilt: float) -> np.ndarray:
        """Rank (1 = best, fractional) of scores relative to the rank-100 score.

        Scores above the curve's top rank 1; below its end, :data:`MAX_RANK`.

        Raises:
            ValueError: The curve is not decreasing for this tilt.
        """
        return rank_on_curve(relative_score, tilt, self.shape)


def rank_on_curve(relative_score, tilt: float, shape) -> np.ndarray:
    """Rank of scores (relative to the rank-100 score) on the curve with ``tilt`` and ``shape``.

    Raises:
        ValueError: The curve is not decreasing over ranks 1 to :data:`MAX_RANK`.
    """
    curve = tilt * _GRID + shape[0] * _GRID**2 + shape[1] * _GRID**3
    if not np.all(np.diff(curve) < 0):
        raise ValueError(f"the rank-score curve with tilt {tilt:.3f} is not decreasing over "
                         f"ranks 1..{MAX_RANK}: rank would not be monotone in score")
    s = np.log(np.maximum(np.asarray(relative_score, dtype=float), 1e-300))
    return 100 * np.exp(np.interp(-s, -curve, _GRID))


def steepest_valid_tilt(shape) -> float:
    """The largest tilt whose curve still falls over ranks 1 to :data:`MAX_RANK`."""
    # d/du (t u + c2 u^2 + c3 u^3) < 0  <=>  t < -(2 c2 u + 3 c3 u^2) for every u on the grid
    return float(np.min(-(2 * shape[0] * _GRID + 3 * shape[1] * _GRID**2))) - 1e-6


def fit_world_curve(points: pd.DataFrame) -> WorldCurve:
    """Fit the editions' curves to published (edition, rank, score) points.

    Least squares in log score, with the tilts as random effects whose spread
    is estimated by EM (maximum likelihood).

    Args:
        points: Columns edition, rank, score (rows with both rank and score).

    Raises:
        ValueError: Fewer than six points or three distinct ranks, or a fitted
            curve whose score does not fall with rank (rank would not be
            monotone in score).
    """
    pts = points.dropna(subset=["rank", "score"])
    if len(pts) < 6 or pts["rank"].nunique() < 3:
        raise ValueError(f"ranking.points: {len(pts)} points with a rank and a score; allowed is "
                         "at least 6, at three or more ranks")
    editions = tuple(sorted(int(e) for e in pts["edition"].unique()))
    e_idx = np.searchsorted(editions, pts["edition"].to_numpy(int))
    u = _u(pts["rank"].to_numpy(float))
    y = np.log(pts["score"].to_numpy(float))
    distinct = [np.unique(g["rank"].to_numpy(float)) for _, g in pts.groupby("edition", sort=True)]
    own = tuple(_fixes_tilt(ranks) for ranks in distinct)
    n, n_ed = len(y), len(editions)
    free = [i for i in range(n_ed) if own[i]]
    # editions that do not fix a tilt but have enough points to inform the curvature
    # get a tilt of their own as a nuisance (fixed effect), so they leave the mean alone
    nuisance = [i for i in range(n_ed) if not own[i] and len(distinct[i]) >= 3]
    # columns: levels, mean tilt, tilt deviations (own-tilt editions), nuisance tilts, c2, c3
    x = np.zeros((n, n_ed + 1 + len(free) + len(nuisance) + 2))
    x[np.arange(n), e_idx] = 1.0
    x[:, n_ed] = u
    for j, i in enumerate(free + nuisance):
        x[e_idx == i, n_ed + 1 + j] = u[e_idx == i]
    x[:, -2], x[:, -1] = u**2, u**3
    dev = np.arange(n_ed + 1, n_ed + 1 + len(free))
    if not free:
        raise ValueError(
            "ranking.points: no edition has a slope of its own (at least "
            f"{TILT_RULE['points']} points ranked {TILT_RULE['min_rank']}th or lower, spanning "
            f"a factor {TILT_RULE['span']:g} in rank); allowed are points that include one")
    xtx, xty = x.T @ x, x.T @ y
    sigma2, tau2 = max(float(np.var(y)) * 0.1, 1e-4), 0.05
    for _ in range(_EM_ITERATIONS):
        prec = xtx / sigma2
        prec[dev, dev] += 1.0 / tau2
        cov = np.linalg.inv(prec)
        beta = cov @ xty / sigma2
        resid = y - x @ beta
        new_tau2 = max(float(np.sum(beta[dev] ** 2 + np.diag(cov)[dev])) / max(len(free), 1),
                       1e-8)
        new_sigma2 = max(float(resid @ resid + np.trace(xtx @ cov)) / n, 1e-8)
        done = abs(new_tau2 - tau2) < 1e-10 and abs(new_sigma2 - sigma2) < 1e-10
        sigma2, tau2 = new_sigma2, new_tau2
        if done:
            break
    tilt = np.full(n_ed, beta[n_ed])
    tilt[free + nuisance] += beta[n_ed + 1:n_ed + 1 + len(free) + len(nuisance)]
    curve = WorldCurve(editions=editions, own_tilt=own, level=beta[:n_ed], tilt=tilt,
                       mean_tilt=float(beta[n_ed]), tilt_sd=float(np.sqrt(tau2)),
                       shape=beta[-2:].copy(), resid_sd=float(np.sqrt(sigma2)))
    for t in (*curve.tilt[free], curve.mean_tilt):  # the tilts that rank anything
        if not curve.is_monotone(float(t)):
            raise ValueError("ranking.points: the fitted curve is not decreasing over ranks "
                             f"1..{MAX_RANK}; allowed are points that fit a decreasing curve")
    return curve


def edition_table(curve: WorldCurve, points: pd.DataFrame,
                  ranks: tuple[int, ...] = (20, 100, 500, 1000)) -> pd.DataFrame:
    """The fitted curve of each edition: its tilt, its scores at ``ranks`` and their growth.

    Scores are given only within the ranks the edition's points cover (from half
    its best to twice its worst rank); elsewhere they would be extrapolation.

    Returns:
        Per edition: points, best and worst rank, own_tilt, tilt, score_at_<rank>
        (index points of that edition) and growth_at_<rank>, the yearly growth
        of that score since the previous edition that has it.
    """
    pts = points.dropna(subset=["rank", "score"])
    rows = []
    for i, e in enumerate(curve.editions):
        on = pts[pts["edition"] == e]["rank"].to_numpy(float)
        row = {"edition": e, "points": len(on), "best": int(on.min()), "worst": int(on.max()),
               "own_tilt": curve.own_tilt[i], "tilt": float(curve.tilt[i])}
        for r in ranks:
            covered = on.min() / 2 <= r <= on.max() * 2
            row[f"score_at_{r}"] = float(np.exp(curve.log_score(r, e))) if covered else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    for r in ranks:
        have = out[f"score_at_{r}"].notna()
        s, y = out.loc[have, f"score_at_{r}"], out.loc[have, "edition"]
        out.loc[have, f"growth_at_{r}"] = (s / s.shift()) ** (1 / y.diff()) - 1
    return out


def _fixes_tilt(ranks: np.ndarray) -> bool:
    low = ranks[ranks >= TILT_RULE["min_rank"]]
    return bool(len(low) >= TILT_RULE["points"] and low.max() / low.min() >= TILT_RULE["span"])


def curve_residuals(curve: WorldCurve, points: pd.DataFrame) -> pd.DataFrame:
    """Published points beside their edition's fitted curve.

    Returns:
        Columns edition, city, rank, score, fitted (score at the rank),
        ratio (fitted / score), rank_of_score (the rank the curve gives the
        published score) and rank_ratio (rank_of_score / rank).
    """
    pts = points.dropna(subset=["rank", "score"])
    pts = pts[pts["edition"].isin(curve.editions)]
    rows = []
    for edition, g in pts.groupby("edition"):
        i = curve.editions.index(int(edition))
        ranks = g["rank"].to_numpy(float)
        fitted = np.exp(curve.log_score(ranks, int(edition)))
        rel = g["score"].to_numpy(float) / np.exp(curve.level[i])
        rank_of = curve.rank_of(rel, float(curve.tilt[i]))
        rows.append(pd.DataFrame({
            "edition": int(edition), "city": g["city"].to_numpy(), "rank": ranks.astype(int),
            "score": g["score"].to_numpy(float), "fitted": fitted,
            "ratio": fitted / g["score"].to_numpy(float), "rank_of_score": rank_of,
            "rank_ratio": rank_of / ranks}))
    return pd.concat(rows, ignore_index=True)


def leave_one_edition_out(points: pd.DataFrame, min_points: int = 3,
                          min_rank: int = TILT_RULE["min_rank"]) -> pd.DataFrame:
    """Out-of-sample error: each edition predicted by the curve fitted without it.

    The left-out edition gets the mean tilt of the others; only its level (its
    scale, which ranks do not depend on) is set from its own points, as their
    mean log residual. Errors are over the points ranked ``min_rank``-th or
    lower, the part of the curve where the cities ranked here stand.

    Args:
        points: Columns edition, rank, score.
        min_points: Editions with fewer such points are not left out.
        min_rank: Best rank counted.

    Returns:
        Per edition: points, rms_log_score and max_log_score (error of log
        score), rms_log_rank and max_rank_ratio (error of the rank the curve
        gives each published score), level_shift (the edition's log level
        minus the mean log level of the others: the scale drift).
    """
    pts = points.dropna(subset=["rank", "score"])
    rows = []
    for edition, g in pts.groupby("edition"):
        g = g[g["rank"] >= min_rank]
        if len(g) < min_points:
            continue
        rest = fit_world_curve(pts[pts["edition"] != edition])
        rel = rest.relative_log_score(g["rank"].to_numpy(float), rest.mean_tilt)
        y = np.log(g["score"].to_numpy(float))
        level = float(np.mean(y - rel))
        err = y - level - rel
        ranks = rest.rank_of(np.exp(y - level), rest.mean_tilt)
        log_rank = np.log(ranks / g["rank"].to_numpy(float))
        rows.append({"edition": int(edition), "points": len(g),
                     "rms_log_score": float(np.sqrt(np.mean(err**2))),
                     "max_log_score": float(np.max(np.abs(err))),
                     "rms_log_rank": float(np.sqrt(np.mean(log_rank**2))),
                     "max_rank_ratio": float(np.exp(np.max(np.abs(log_rank)))),
                     "level_shift": level - float(np.mean(rest.level))})
    return pd.DataFrame(rows)
