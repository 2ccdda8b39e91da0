"""Where a rank's spread comes from, and simulated ranks beside the published ones.

:func:`variance_shares` splits the variance of ln rank over (replicate, draw)
pairs, for each scenario and city, into the part from the ranking (between
draws, averaged over replicates), the part from the simulation (between
replicates, averaged over draws) and the rest (their interaction): the two-way
decomposition of a balanced design. :func:`back_test` puts each published rank
of the country beside the model's rank of the same city in the same year.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ecosim.outputs.ranking.fit import RankingFit

__all__ = ["back_test", "variance_shares"]


def variance_shares(ranks: pd.DataFrame, year: int | None = None,
                    by: tuple[str, ...] = ("scenario", "city")) -> pd.DataFrame:
    """Shares of the variance of ln rank from the ranking, the simulation and both.

    Args:
        ranks: Ranks per (``by``, replicate, draw, year); a missing replicate or
            draw column counts as one replicate or one draw.
        year: The year (default: the last).
        by: Columns that define a distribution.

    Returns:
        Per ``by`` group: sd_log_rank (total), from_ranking, from_simulation and
        from_both (shares of the variance, summing to 1; NaN where it is zero).
    """
    year = int(ranks["year"].max()) if year is None else year
    d = ranks[ranks["year"] == year]
    d = d.assign(**{c: 0 for c in ("replicate", "draw") if c not in d.columns})
    rows = []
    for key, g in d.groupby(list(by), sort=True):
        m = g.pivot_table(index="replicate", columns="draw", values="rank", aggfunc="first")
        x = np.log(m.to_numpy(float))
        total = float(np.var(x))
        ranking = float(np.var(x.mean(axis=0)))
        simulation = float(np.var(x.mean(axis=1)))
        shares = (ranking / total, simulation / total, 1 - (ranking + simulation) / total) \
            if total > 0 else (np.nan,) * 3
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                     "sd_log_rank": np.sqrt(total), "from_ranking": shares[0],
                     "from_simulation": shares[1], "from_both": shares[2]})
    return pd.DataFrame(rows)


def back_test(fit: RankingFit, indicators: pd.DataFrame, *, uncertainty: bool = True,
              cross_validate: bool = True) -> pd.DataFrame:
    """Each published rank of the country beside the model's rank of that city and year.

    Args:
        fit: The fitted ranking.
        indicators: Activity per (year, city) of the runs to test (any id columns,
            e.g. replicates of the reference scenario).
        uncertainty: Spread the model's rank over the draws too.
        cross_validate: Also give the rank under the central fit refitted
            without the point (out of sample).

    Returns:
        Per anchor point: name, city, edition, rank (published), year
        (simulated, the nearest to the edition), gap (years between them),
        model_rank (median over runs and draws), model_p5, model_p95 and, if
        ``cross_validate``, loo_rank (median over runs, central fit without
        the point). Rows with gap 0 are the back-test proper.
    """
    ranks = fit.rank(indicators, uncertainty=uncertainty)
    grouped = ranks.groupby(["year", "city"])["rank"]
    q = grouped.quantile([0.05, 0.5, 0.95]).unstack()
    out = fit.anchors.drop(columns=["sigma"]).copy()
    keys = list(zip(out["year"], out["city"], strict=True))
    out["model_rank"] = [q.loc[k, 0.5] for k in keys]
    out["model_p5"] = [q.loc[k, 0.05] for k in keys]
    out["model_p95"] = [q.loc[k, 0.95] for k in keys]
    if cross_validate:
        loo = []
        for i in range(len(out)):
            central = fit.central_without(i)
            sub = indicators[(indicators["year"] == out["year"].iat[i])
                             & (indicators["city"].astype(str) == out["city"].iat[i])]
            loo.append(float(np.median(central.ranks(sub.reset_index(drop=True))[0])))
        out["loo_rank"] = loo
    return out
