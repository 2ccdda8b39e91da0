"""Plots of a study's ensemble (matplotlib, written as PNG files)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["study_plots"]


def study_plots(scores: pd.DataFrame, yearly: pd.DataFrame, retention: pd.DataFrame,
                flows: pd.DataFrame, out: str | Path, *, capital_region: Sequence[str] = (),
                start_year: int = 2020) -> list[Path]:
    """Rank fan charts, retention and capital shares over time, migration flow matrices.

    Args:
        scores: The ensemble's ``scores`` output.
        yearly: The ensemble's ``yearly`` output.
        retention: The ensemble's ``retention`` output.
        flows: The ensemble's ``flows`` output.
        out: Folder the PNG files are written to.
        capital_region: Cities left out of the regional retention plot.
        start_year: Calendar year of month 1 (runs start in January).

    Returns:
        The PNG files written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    written = []
    scenarios = list(dict.fromkeys(scores["scenario"]))
    colours = dict(zip(scenarios, plt.rcParams["axes.prop_cycle"].by_key()["color"],
                       strict=False))

    cities = list(dict.fromkeys(scores["city"]))
    fig, axes = plt.subplots(2, (len(cities) + 1) // 2, figsize=(4 * ((len(cities) + 1) // 2), 7),
                             sharex=True, squeeze=False)
    for ax, city in zip(axes.ravel(), cities, strict=False):
        for sc in scenarios:
            d = scores[(scores["city"] == city) & (scores["scenario"] == sc)]
            q = d.groupby("year")["rank"].quantile([0.05, 0.5, 0.95]).unstack()
            ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.25, color=colours[sc])
            ax.plot(q.index, q[0.5], color=colours[sc], label=sc)
        ax.axhline(100, color="grey", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.invert_yaxis()
        ax.set_title(city)
        ax.set_ylabel("world rank")
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle("World rank (median, 5-95% band); dashed: top 100")
    fig.tight_layout()
    written.append(_save(fig, out / "rank_fan.png"))

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    for sc in scenarios:
        y = yearly[yearly["scenario"] == sc].groupby("year").median(numeric_only=True)
        a1.plot(y.index, y["capital_share_funding"], color=colours[sc], label=f"{sc}: funding")
        a1.plot(y.index, y["capital_share_talent"], color=colours[sc], ls=":",
                label=f"{sc}: talent")
        r = retention[(retention["scenario"] == sc)
                      & ~retention["city"].astype(str).isin(capital_region)]
        r = r.assign(year=start_year + (r["month"] - 1) // 12)
        for h, style in ((12, "-"), (36, "--")):
            g = r[r["horizon_months"] == h].groupby("year")[["retained", "cohort"]].sum()
            if len(g):
                a2.plot(g.index, g["retained"] / g["cohort"], color=colours[sc], ls=style,
                        label=f"{sc}: after {h // 12} y")
    a1.set_title("Capital region's share")
    a1.legend(fontsize=7)
    a2.set_title("Regional graduates still in their institute's city")
    a2.legend(fontsize=7)
    fig.tight_layout()
    written.append(_save(fig, out / "retention_capital_share.png"))

    if len(flows):
        fig, axes = plt.subplots(1, len(scenarios), figsize=(5.5 * len(scenarios), 4.5),
                                 squeeze=False)
        for ax, sc in zip(axes.ravel(), scenarios, strict=True):
            d = flows[flows["scenario"] == sc]
            runs = max(d["run_id"].nunique(), 1)
            m = d.pivot_table(index="origin", columns="destination", values="movers",
                              aggfunc="sum", observed=False).fillna(0) / runs
            im = ax.imshow(np.log10(1 + m.to_numpy()), cmap="viridis")
            ax.set_xticks(range(len(m.columns)), m.columns, rotation=60, fontsize=7)
            ax.set_yticks(range(len(m.index)), m.index, fontsize=7)
            ax.set_title(f"{sc}: movers per run (log10 1+x)")
            fig.colorbar(im, ax=ax, fraction=0.046)
        fig.tight_layout()
        written.append(_save(fig, out / "migration_flows.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
