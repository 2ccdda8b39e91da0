"""Robustness statistics of a policy over its cases (uncertainty points x seeds x draws).

Every probability integrates over the uncertainty points, the seeds and the
ranking's draws, as the main job's headline does. Intervals come from a
cluster bootstrap over runs (a run's draws stay together), since the draws of
one run are not independent of each other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["OUTCOME_MEANS", "best_reachable_k", "kth_rank", "objective", "ordinal",
           "p_interval", "policy_table"]

#: Per-run outcomes averaged per policy in :func:`policy_table`.
OUTCOME_MEANS = ("capital_share_funding", "retention_36m", "cost_krw", "allotted_krw")
#: Ranks are scored on this log scale in :func:`objective` (rank 1 -> 1, rank 1e5 -> 0).
_WORST_RANK = 1e5
#: Weight of the closeness term: below one case in a thousand, so P always dominates.
_CLOSENESS_WEIGHT = 1e-4


def ordinal(k: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st, ..."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def kth_rank(cases: pd.DataFrame, k: int, cities: Sequence[str]) -> np.ndarray:
    """Per case, the k-th best world rank among ``cities`` (the k-th city's distance to the top).

    P(at least k in the top T) is P(k-th best rank <= T).
    """
    ranks = np.sort(cases[[f"rank:{c}" for c in cities]].to_numpy(float), axis=1)
    return ranks[:, k - 1]


def objective(cases: pd.DataFrame, k: int, cities: Sequence[str], top: int) -> float:
    """What the search maximises: P(at least k in the top), ties broken by closeness.

    ``P + 1e-4 * (1 - log(median k-th rank) / log(1e5))``: lexicographic as
    long as a policy has fewer than 10,000 cases (one case moves P by more
    than the whole closeness term), so among policies with equal P the one
    whose k-th best city is nearest the top wins. The search then has a slope
    to follow where P is zero everywhere.
    """
    r = kth_rank(cases, k, cities)
    p = float(np.mean(r <= top))
    close = 1.0 - np.log(max(float(np.median(r)), 1.0)) / np.log(_WORST_RANK)
    return p + _CLOSENESS_WEIGHT * float(np.clip(close, 0.0, 1.0))


def p_interval(cases: pd.DataFrame, k: int, level: float = 0.9, n_boot: int = 1000,
               seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of P(n_top >= k): runs resampled with their draws.

    Returns:
        (low, high) at ``level`` (NaN, NaN without cases).
    """
    if cases.empty:
        return (np.nan, np.nan)
    hit = (cases["n_top"] >= k).groupby(cases["run_id"]).agg(["sum", "count"])
    s, n = hit["sum"].to_numpy(float), hit["count"].to_numpy(float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(s), size=(n_boot, len(s)))
    boot = s[idx].sum(axis=1) / n[idx].sum(axis=1)
    a = (1 - level) / 2
    return float(np.quantile(boot, a)), float(np.quantile(boot, 1 - a))


def policy_table(cases: pd.DataFrame, *, k: int, top: int, cities: Sequence[str],
                 level: float = 0.9) -> pd.DataFrame:
    """One row per policy: P(at least j) for every j, the k-th best rank, ranks, outcomes.

    Columns: ``policy``, ``runs``, ``cases``, ``p_at_least_<k>`` with its
    bootstrap interval (``p_low``, ``p_high``), ``p_at_least_1`` ...
    ``p_at_least_<n>``, ``kth_rank_median`` (the k-th best Korean rank),
    ``objective``, per city ``rank_median:<city>`` and ``p_top:<city>``, and
    the means of :data:`OUTCOME_MEANS` present.
    """
    rows = []
    for policy, g in cases.groupby("policy", sort=False):
        row = {"policy": policy, "runs": g["run_id"].nunique(), "cases": len(g)}
        lo, hi = p_interval(g, k, level)
        row[f"p_at_least_{k}"] = float((g["n_top"] >= k).mean())
        row["p_low"], row["p_high"] = lo, hi
        for j in range(1, len(cities) + 1):
            row[f"p_at_least_{j}"] = float((g["n_top"] >= j).mean())
        row["kth_rank_median"] = float(np.median(kth_rank(g, k, cities)))
        row["objective"] = objective(g, k, cities, top)
        for c in cities:
            r = g[f"rank:{c}"]
            row[f"rank_median:{c}"] = float(r.median())
            row[f"p_top:{c}"] = float((r <= top).mean())
        for name in OUTCOME_MEANS:
            if name in g.columns:
                row[name] = float(g.drop_duplicates("run_id")[name].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def best_reachable_k(table: pd.DataFrame, target: float, n_cities: int) -> int:
    """The largest k some policy in ``table`` reaches with P(at least k) >= ``target`` (0: none)."""
    best = 0
    for j in range(1, n_cities + 1):
        col = f"p_at_least_{j}"
        if col in table.columns and (table[col] >= target).any():
            best = j
    return best
