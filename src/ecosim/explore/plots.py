"""Plots of an exploration: the budget frontier, the lever split per city, the PRIM boxes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ecosim.explore.discovery import Box, describe
from ecosim.explore.stats import ordinal
from ecosim.vocab import LEVERS

__all__ = ["frontier_plot", "prim_plot", "split_plot"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def frontier_plot(frontier: pd.DataFrame, policies: pd.DataFrame, *, k: int, top: int,
                  target: float, path: str | Path) -> Path:
    """P(at least k in the top) and the k-th best city's rank against the yearly budget.

    Args:
        frontier: :meth:`~ecosim.explore.search.PolicySearch.frontier`'s table.
        policies: Every evaluated policy (``budget_krw``, ``p_at_least_<k>``,
            ``kth_rank_median``), drawn as grey points.
        k: Cities in the top.
        top: World-rank threshold.
        target: The probability the inverse question asks for.
        path: The PNG file.
    """
    plt = _plt()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    f = frontier.sort_values("budget_krw")
    x = f["budget_krw"] / 1e9
    lin = max(float(x[x > 0].min()) / 2, 1.0) if (x > 0).any() else 1.0
    for ax in (a, b):
        ax.set_xscale("symlog", linthresh=lin)
        ax.set_xlabel("total yearly budget (KRW bn)")
    if not policies.empty:
        px = policies["budget_krw"] / 1e9
        a.scatter(px, policies[f"p_at_least_{k}"], s=10, color="0.7", label="settings tried")
        b.scatter(px, policies["kth_rank_median"], s=10, color="0.7", label="settings tried")
    a.fill_between(x, f["p_low"], f["p_high"], color="C0", alpha=0.2, label="90% interval")
    a.plot(x, f["p"], "o-", color="C0", label="best setting (all seeds)")
    if "p_fresh" in f and f["p_fresh"].notna().any():
        a.plot(x, f["p_fresh"], "x", color="C1", label="best setting (fresh seeds)")
    a.axhline(target, color="C3", ls="--", lw=1, label=f"target {target:g}")
    a.set_ylim(-0.02, 1.02)
    a.set_ylabel(f"P(at least {k} cities in the top {top})")
    a.legend(fontsize=8)
    b.plot(x, f["kth_rank_median"], "o-", color="C0", label=f"best setting: {ordinal(k)} best city")
    b.axhline(top, color="C3", ls="--", lw=1, label=f"rank {top}")
    b.set_yscale("log")
    b.invert_yaxis()
    b.set_ylabel(f"median world rank of the {ordinal(k)} best city")
    b.legend(fontsize=8)
    fig.suptitle("Budget frontier: the best lever setting found at each budget")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def split_plot(splits: pd.DataFrame, path: str | Path, cities: Sequence[str] | None = None
               ) -> Path:
    """Per city, the best setting's yearly budget split across the four levers, per budget.

    Args:
        splits: One row per (total budget, city): ``budget_krw`` (total),
            ``city``, ``city_budget_krw`` and ``share:<lever>``.
        path: The PNG file.
        cities: Panels, in order (default: every city in ``splits``).
    """
    plt = _plt()
    cities = list(cities or dict.fromkeys(splits["city"]))
    cols = min(4, len(cities))
    rows = int(np.ceil(len(cities) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 3.2 * rows), squeeze=False,
                             sharey=False)
    totals = sorted(splits["budget_krw"].unique())
    labels = [f"{t / 1e9:,.0f}" for t in totals]
    for ax, city in zip(axes.ravel(), cities, strict=False):
        g = splits[splits["city"] == city].set_index("budget_krw").reindex(totals)
        bottom = np.zeros(len(totals))
        for i, lever in enumerate(LEVERS):
            v = (g["city_budget_krw"].fillna(0) * g[f"share:{lever}"].fillna(0)).to_numpy() / 1e9
            ax.bar(labels, v, bottom=bottom, color=f"C{i}", label=lever)
            bottom += v
        ax.set_title(city)
        ax.set_xlabel("total yearly budget (KRW bn)")
        ax.set_ylabel("city's yearly budget (KRW bn)")
        ax.tick_params(axis="x", labelrotation=45)
    for ax in axes.ravel()[len(cities):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle("Best lever split per city at each total budget")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def prim_plot(boxes: Sequence[Box], path: str | Path, title: str = "") -> Path:
    """Each box's restrictions over the inputs' full ranges (one panel per box)."""
    plt = _plt()
    n = max(1, len(boxes))
    heights = [max(1, len(b.limits)) for b in boxes] or [1]
    fig, axes = plt.subplots(n, 1, figsize=(8, 1.2 + 0.45 * sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, box in zip(axes.ravel(), boxes, strict=False):
        names = list(box.limits.index)
        for i, name in enumerate(names):
            lo, hi = box.limits.loc[name, "min"], box.limits.loc[name, "max"]
            flo, fhi = box.full.loc[name, "min"], box.full.loc[name, "max"]
            span = (fhi - flo) or 1.0
            ax.barh(i, 1.0, left=0.0, color="0.9")
            ax.barh(i, (hi - lo) / span, left=(lo - flo) / span, color="C0")
            ax.text(1.02, i, f"{describe(name, lo)} .. {describe(name, hi)}", va="center",
                    fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_xlim(0, 1.6)
        ax.set_xticks([0, 1], ["min", "max"])
        ax.invert_yaxis()
        ax.set_title(f"box {box.number}: coverage {box.coverage:.2f}, density "
                     f"{box.density:.2f}", fontsize=9)
    if not boxes:
        axes[0, 0].text(0.5, 0.5, "no box found", ha="center")
        axes[0, 0].axis("off")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
