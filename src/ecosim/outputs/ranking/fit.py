"""The ranking fitted to the index's editions, as a central fit and draws of its uncertainty.

:func:`fit_ranking` takes simulated yearly activity per (year, city) (the
reference scenario's, averaged over replicates) and the published points, and
fits in turn the world's curve per edition (:mod:`.curve`), the business
damping and the quality-quantity balance (:mod:`.parts`), and the scales of
the activity-to-score map on the country's published ranks (:mod:`.anchor`).
Its uncertainty is carried as draws: each draw refits the curve and the parts
on points resampled within editions, draws the parameters the data leave open
(the country's business level and critical mass between the values fitted for
other countries and editions, the quality weights within their spread, world
growth within its reported range, a future edition's tilt), and refits the
scales on resampled anchor ranks. :meth:`RankingFit.rank` ranks any run's
activity under every draw (or the central fit alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecosim.outputs.ranking.anchor import AnchorProblem, anchor_points, rank_persistence
from ecosim.outputs.ranking.curve import (
    WorldCurve,
    curve_residuals,
    edition_table,
    fit_world_curve,
    leave_one_edition_out,
    rank_on_curve,
    steepest_valid_tilt,
)
from ecosim.outputs.ranking.indicators import (
    ACTIVITY_COLUMNS,
    quality_activity,
    quantity_activity,
)
from ecosim.outputs.ranking.parts import (
    BusinessFit,
    QualityShape,
    breakdowns,
    business_residuals,
    fit_business,
    fit_quality_shape,
)

if TYPE_CHECKING:
    from ecosim.inputs.params import Ranking

__all__ = ["RankingFit", "ScoreDraws", "fit_ranking"]

_SCORE_STATUSES = ("published", "inferred")
_RETRIES = 50
_SD_ITERATIONS = 20


@dataclass(frozen=True)
class ScoreDraws:
    """D draws of every ranking parameter (D = 1 for the central fit).

    Attributes:
        k_quantity: Rank-100 units per unit of quantity activity, in ``ref_year`` (D,).
        k_quality: Rank-100 units per KRW-equivalent of quality activity (D,).
        weights: Quality weights by name, each (D,).
        support_weight: Startups one support organisation counts as.
        business: The country's business level beta (D,).
        critical_mass: Critical mass m of quantity + quality (D,).
        rho: World-to-country growth ratio (D,).
        national_growth: The reference run's national activity growth G (D,).
        growth: World growth per year in activity terms, (1 + G) rho - 1 (D,).
        ref_year: First simulated year (where the scales apply undeflated).
        shape: Curve curvature (c2, c3), (D, 2).
        tilt: Curve tilt (slope at rank 100) on which simulated scores are ranked (D,).
    """

    k_quantity: np.ndarray
    k_quality: np.ndarray
    weights: dict[str, np.ndarray]
    support_weight: float
    business: np.ndarray
    critical_mass: np.ndarray
    rho: np.ndarray
    national_growth: np.ndarray
    growth: np.ndarray
    ref_year: int
    shape: np.ndarray
    tilt: np.ndarray

    @property
    def size(self) -> int:
        """Number of draws."""
        return len(self.k_quantity)

    def parts(self, ind: pd.DataFrame) -> tuple[np.ndarray, ...]:
        """Quantity, quality, business and score of each row of ``ind`` in each draw (D, N)."""
        aq = quantity_activity(ind, self.support_weight)
        al = np.atleast_2d(quality_activity(ind, self.weights))
        years = ind["year"].to_numpy(int)
        deflate = (1.0 + self.growth[:, None]) ** -(years[None, :] - self.ref_year)
        q = self.k_quantity[:, None] * aq[None, :] * deflate
        ql = self.k_quality[:, None] * al * deflate
        b = self.business[:, None] * np.minimum(1.0, (q + ql) / self.critical_mass[:, None])
        return q, ql, b, q + ql + b

    def ranks(self, ind: pd.DataFrame, score: np.ndarray | None = None) -> np.ndarray:
        """World rank of each row of ``ind`` in each draw (D, N); rank is monotone in score."""
        score = self.parts(ind)[3] if score is None else score
        return np.array([rank_on_curve(score[d], self.tilt[d], self.shape[d])
                         for d in range(self.size)]).reshape(score.shape)

    @staticmethod
    def stack(draws: list[dict]) -> ScoreDraws:
        """Draws from the per-draw dicts :func:`fit_ranking` builds."""
        first = draws[0]
        arr = {k: np.array([d[k] for d in draws], dtype=float) for k in first
               if k not in ("weights", "support_weight", "ref_year", "shape")}
        return ScoreDraws(
            weights={k: np.array([d["weights"][k] for d in draws], dtype=float)
                     for k in first["weights"]},
            support_weight=first["support_weight"], ref_year=first["ref_year"],
            shape=np.array([d["shape"] for d in draws], dtype=float), **arr)


@dataclass
class RankingFit:
    """The fitted ranking: its parts, the central fit and the draws.

    Attributes:
        ranking: The scenario's ranking parameters.
        curve: The world's curves per edition (all points).
        business_fit: Business levels and critical masses (all breakdowns).
        balance: The quality-quantity balance of the index's cities.
        anchors: The country's published ranks used, with the simulated year each
            is compared with, the gap in years and the error (sigma) of its ln rank.
        rank_sd: Error of a ln rank read off the curve (points ranked 20th or lower).
        model_sd: Error of a simulated city's ln rank against its published one in
            the same year (the curve's error, or more where the simulation's
            cities differ from the index's: estimated from the anchors'
            residuals under the central fit).
        persistence: Drift of ln rank per year (random-walk step).
        fit_growth: Whether world growth was fitted to ranks in two or more
            simulated editions (else tied to the reference run's growth).
        window: Years over which the national growth G is measured.
        reference: The reference activity the scales were fitted on.
        central: The central fit (one draw).
        draws: The draws (the central fit alone if none were asked for).
    """

    ranking: Ranking
    curve: WorldCurve
    business_fit: BusinessFit
    balance: QualityShape
    anchors: pd.DataFrame
    rank_sd: float
    model_sd: float
    persistence: float
    fit_growth: bool
    window: tuple[int, int]
    reference: pd.DataFrame
    central: ScoreDraws
    draws: ScoreDraws
    points: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def rank(self, indicators: pd.DataFrame, uncertainty: bool = True) -> pd.DataFrame:
        """Score and world rank of every ranked city in every row of ``indicators``.

        Args:
            indicators: Activity per (year, city), as :func:`activity_indicators`
                gives, with any id columns (scenario, replicate) kept.
            uncertainty: Rank under every draw (True) or the central fit only.

        Returns:
            The id columns, draw, year, city, quantity, quality, business, score
            (in units of the score at rank 100 in that year's edition) and rank,
            one row per (input row of a ranked city, draw).
        """
        d = self.draws if uncertainty else self.central
        ind = indicators[indicators["city"].astype(str).isin(self.ranking.ranked_cities)]
        ind = ind.reset_index(drop=True)
        q, ql, b, s = d.parts(ind)
        r = d.ranks(ind, s)
        ids = [c for c in ind.columns if c not in ACTIVITY_COLUMNS]
        out = ind[ids].loc[np.tile(np.arange(len(ind)), d.size)].reset_index(drop=True)
        out.insert(0, "draw", np.repeat(np.arange(d.size), len(ind)))
        out["city"] = out["city"].astype(str)
        for name, arr in (("quantity", q), ("quality", ql), ("business", b), ("score", s),
                          ("rank", r)):
            out[name] = arr.ravel()
        return out

    def central_without(self, i: int) -> ScoreDraws:
        """The central fit refitted without anchor point ``i`` (for out-of-sample checks)."""
        years = np.array(sorted(self.reference["year"].unique()), dtype=int)
        window = years[(years >= self.window[0]) & (years <= self.window[1])]
        ctx = _Context(self.ranking, self.reference, years, window, self.anchors,
                       self.fit_growth)
        keep = self.anchors.drop(index=self.anchors.index[i])
        return ScoreDraws.stack([ctx.draw(self.curve, self.business_fit, self.balance, keep,
                                          None)])

    def anchor_residuals(self) -> pd.DataFrame:
        """Each published rank of the country beside the central fit's rank of the reference."""
        ref = self.reference
        r = self.rank(ref, uncertainty=False).set_index(["year", "city"])["rank"]
        out = self.anchors.copy()
        out["model_rank"] = [float(r.loc[(y, c)]) for y, c in zip(out["year"], out["city"],
                                                                   strict=True)]
        out["ratio"] = out["model_rank"] / out["rank"]
        return out

    def parameters(self) -> pd.DataFrame:
        """Central value and 5-50-95% of the draws of each scalar ranking parameter."""
        rows = {}
        for name in ("k_quantity", "k_quality", "business", "critical_mass", "rho",
                     "national_growth", "growth"):
            rows[name] = (getattr(self.central, name)[0], getattr(self.draws, name))
        for k, v in self.draws.weights.items():
            rows[f"weight_{k}"] = (self.central.weights[k][0], v)
        rows["tilt"] = (self.central.tilt[0], self.draws.tilt)
        return pd.DataFrame([
            {"parameter": k, "central": c, "p5": np.percentile(v, 5),
             "p50": np.percentile(v, 50), "p95": np.percentile(v, 95)}
            for k, (c, v) in rows.items()])

    def report(self) -> dict[str, pd.DataFrame]:
        """The fit's tables: residuals per point, out-of-sample error, parameters."""
        pts = self.points
        score_pts = pts[pts["status"].isin(_SCORE_STATUSES)]
        rows = breakdowns(score_pts, self.curve)
        return {
            "curve_residuals": curve_residuals(self.curve, score_pts),
            "editions": edition_table(self.curve, score_pts),
            "leave_one_edition_out": leave_one_edition_out(score_pts),
            "business_residuals": business_residuals(self.business_fit, rows),
            "anchor_residuals": self.anchor_residuals(),
            "parameters": self.parameters(),
        }


def reference_activity(indicators: pd.DataFrame) -> pd.DataFrame:
    """Mean activity per (year, city) over every other column (replicates, seeds)."""
    missing = [c for c in ("year", "city", *ACTIVITY_COLUMNS) if c not in indicators.columns]
    if missing:
        raise ValueError(f"indicators: missing columns {', '.join(missing)}; allowed are frames "
                         "from ecosim.outputs.ranking.activity_indicators")
    ind = indicators.assign(city=indicators["city"].astype(str))
    return ind.groupby(["year", "city"], as_index=False)[list(ACTIVITY_COLUMNS)].mean()


def fit_ranking(indicators: pd.DataFrame, points: pd.DataFrame, ranking: Ranking, *,
                draws: int | None = None, seed: int = 0) -> RankingFit:
    """Fit the ranking to the published points and the reference activity.

    Args:
        indicators: The reference scenario's activity per (year, city)
            (:func:`activity_indicators`), for one run or many (averaged).
        points: The published points (:func:`ecosim.inputs.index_points.load_index_points`).
        ranking: The scenario's ranking parameters.
        draws: Draws of the uncertain parameters (default ``ranking.draws``; 0:
            the central fit only).
        seed: Seed of the draws.

    Returns:
        The fit; ``fit.rank(indicators)`` ranks any run under it.

    Raises:
        ValueError: No published rank of the country matches a ranked city with
            a published name that the indicators hold, or the points cannot fix
            a curve.
    """
    r = ranking
    ref = reference_activity(indicators)
    years = np.array(sorted(ref["year"].unique()), dtype=int)
    pts = points[points["edition"] >= r.first_edition]
    score_pts = pts[pts["status"].isin(_SCORE_STATUSES)]
    curve = fit_world_curve(score_pts)
    rows = breakdowns(score_pts, curve)
    business_fit, balance = fit_business(rows), fit_quality_shape(rows)
    ranked = tuple(c for c in r.ranked_cities if c in set(ref["city"]))
    anchors = anchor_points(pts, r.country, r.published_names, ranked, years)
    if anchors.empty:
        raise ValueError(
            f"ranking: no published rank of {r.country!r} matches a ranked city with a "
            f"published name (published_names: {r.published_names}); allowed are scenarios "
            "that name at least one ranked city as the index does")
    res = curve_residuals(curve, score_pts)
    res = res[res["rank"] >= 20]
    rank_sd = float(np.sqrt(np.mean(np.log(res["rank_ratio"]) ** 2)))
    persistence = rank_persistence(pts)
    exact = np.unique(anchors.loc[anchors["gap"] == 0, "year"])
    fit_growth = len(exact) >= 2
    window = years[(years >= exact.min()) & (years <= exact.max())] if fit_growth else years
    ctx = _Context(r, ref, years, window, anchors, fit_growth)
    # each anchor's error: the simulation's mismatch in the same year (estimated from the
    # residuals, at least the curve's own error) plus the drift over the years between
    gap = anchors["gap"].to_numpy(float)
    model_sd = rank_sd
    for _ in range(_SD_ITERATIONS):
        anchors["sigma"] = np.sqrt(model_sd**2 + persistence**2 * gap)
        central = ScoreDraws.stack([ctx.draw(curve, business_fit, balance, anchors, None)])
        rows = ctx.problem(r.quality_weights, anchors).rows
        resid = np.log(central.ranks(ref.iloc[rows].reset_index(drop=True))[0]
                       / anchors["rank"].to_numpy(float))
        new = float(np.sqrt(max(rank_sd**2, np.mean(resid**2 - persistence**2 * gap))))
        if abs(new - model_sd) < 1e-4:
            break
        model_sd = new
    n = r.draws if draws is None else draws
    out = central
    if n > 0:
        rng = np.random.default_rng(seed)
        out = ScoreDraws.stack([ctx.random_draw(score_pts, rng) for _ in range(n)])
    return RankingFit(ranking=r, curve=curve, business_fit=business_fit, balance=balance,
                      anchors=anchors, rank_sd=rank_sd, model_sd=model_sd,
                      persistence=persistence,
                      fit_growth=fit_growth, window=(int(window[0]), int(window[-1])),
                      reference=ref, central=central, draws=out, points=pts)


@dataclass
class _Context:
    """What every draw shares: the reference activity, anchors and priors."""

    ranking: Ranking
    ref: pd.DataFrame
    years: np.ndarray
    window: np.ndarray
    anchors: pd.DataFrame
    fit_growth: bool

    def random_draw(self, score_pts: pd.DataFrame, rng: np.random.Generator) -> dict:
        """One draw: resampled points, drawn open parameters, refitted scales."""
        scored = score_pts.dropna(subset=["rank", "score"])
        for _ in range(_RETRIES):
            try:
                boot = scored.groupby("edition", group_keys=False)[scored.columns].apply(
                    lambda g: g.sample(len(g), replace=True, random_state=rng))
                curve = fit_world_curve(boot)
                rows = breakdowns(scored, curve)  # in the resampled curves' units
                rows = rows.sample(len(rows), replace=True, random_state=rng)
                business_fit, balance = fit_business(rows), fit_quality_shape(rows)
                pick = rng.integers(len(self.anchors), size=len(self.anchors))
                return self.draw(curve, business_fit, balance, self.anchors.iloc[pick], rng)
            except (ValueError, np.linalg.LinAlgError):
                continue
        raise ValueError(f"ranking: {_RETRIES} resamples of the points in a row could not be "
                         "fitted; allowed are points that fit on most resamples")

    def draw(self, curve: WorldCurve, business_fit: BusinessFit, balance: QualityShape,
             anchors: pd.DataFrame, rng: np.random.Generator | None) -> dict:
        """The parameters of one draw (central values where ``rng`` is None)."""
        r = self.ranking
        levels = [business_fit.country_level[c] for c in business_fit.identified_countries] \
            or list(business_fit.country_level.values())
        masses = [business_fit.critical_mass[e] for e in business_fit.identified_editions] \
            or list(business_fit.critical_mass.values())
        lo_b, hi_b = min(levels), max(levels)
        lo_m, hi_m = np.log(min(masses)), np.log(max(masses))
        low, high = r.world_growth_range
        spread = np.log(r.weight_spread)
        if rng is None:
            beta, mass = 0.5 * (lo_b + hi_b), np.exp(0.5 * (lo_m + hi_m))
            world = r.world_growth
            weights = dict(r.quality_weights)
            noise = 0.0
        else:
            beta, mass = rng.uniform(lo_b, hi_b), np.exp(rng.uniform(lo_m, hi_m))
            world = rng.triangular(low, r.world_growth, high) if high > low else r.world_growth
            weights = {k: v * (1.0 if k == "funding" else np.exp(rng.uniform(-spread, spread)))
                       for k, v in r.quality_weights.items()}
            noise = rng.standard_normal()
        tilt_max = steepest_valid_tilt(curve.shape)
        tilt = curve.mean_tilt + curve.tilt_sd * noise
        while rng is not None and tilt > tilt_max:  # truncated to curves that fall with rank
            tilt = curve.mean_tilt + curve.tilt_sd * rng.standard_normal()
        tilt = min(tilt, tilt_max)
        rho = (1.0 + world) / (1.0 + r.country_growth)
        tri_sd = np.sqrt((low**2 + high**2 + r.world_growth**2 - low * high
                          - low * r.world_growth - high * r.world_growth) / 18.0)
        rho_sd = max(float(tri_sd) / (1.0 + r.world_growth), 1e-3)
        problem = self.problem(weights, anchors)
        fit = problem.solve(business=beta, mass=mass,
                            tilt=tilt, shape=curve.shape, rho=rho, rho_sd=rho_sd, balance=balance)
        return {**fit, "weights": weights, "support_weight": r.support_weight,
                "business": beta, "critical_mass": mass, "ref_year": int(self.years[0]),
                "shape": curve.shape, "tilt": tilt}

    def problem(self, weights: dict[str, float], anchors: pd.DataFrame) -> AnchorProblem:
        """The anchor fit on the reference activity with these quality weights."""
        ref = self.ref
        aq = quantity_activity(ref, self.ranking.support_weight)
        al = quality_activity(ref, weights)
        years = ref["year"].to_numpy(int)
        index = {(int(y), c): i for i, (y, c) in enumerate(zip(years, ref["city"], strict=True))}
        rows = np.array([index[(int(y), c)] for y, c in zip(anchors["year"], anchors["city"],
                                                            strict=True)])
        nat_q = np.array([aq[years == y].sum() for y in self.window])
        nat_l = np.array([al[years == y].sum() for y in self.window])
        return AnchorProblem(
            years=years, quantity=aq, quality=al, national_quantity=nat_q,
            national_quality=nat_l, window=self.window.astype(float),
            ref_year=int(self.years[0]), rows=rows,
            log_rank=np.log(anchors["rank"].to_numpy(float)),
            sigma=anchors["sigma"].to_numpy(float), balance_rows=np.unique(rows),
            fit_growth=self.fit_growth)
