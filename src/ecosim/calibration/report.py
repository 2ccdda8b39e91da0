"""Validation: the posterior predictive beside every observed fact, and posterior plots.

:func:`predictive` runs (parameter set, seed) pairs drawn from a posterior
(or from the prior, :meth:`Posterior.from_prior`) through the experiment
executors and returns every target value of every draw; :func:`target_table`
puts each target's posterior predictive median and 90% interval beside the
observed value, in tolerances; the plot functions draw the marginals, the
pairs and a predictive distribution against another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.calibration.posterior import Posterior
from ecosim.calibration.runs import RunConfig, simulate
from ecosim.calibration.targets import NOT_PRODUCED, TARGETS, Target, targets_for

__all__ = ["default_targets", "levers", "not_produced", "plot_marginals", "plot_pairs",
           "plot_predictive", "predictive", "prior_bounds", "run_config", "target_table"]


def run_config(posterior: Posterior, **changes: Any) -> RunConfig:
    """The calibration's run settings, from the posterior's provenance (``changes`` override)."""
    cfg = dict(posterior.provenance.get("config", {}))
    cfg.pop("months", None)
    cfg.update(changes)
    return RunConfig(**cfg)


def prior_bounds(posterior: Posterior) -> dict[str, tuple[float, float]]:
    """Each parameter's prior bounds, from the posterior's provenance."""
    return {p["path"]: (float(p["low"]), float(p["high"]))
            for p in posterior.provenance.get("parameters", [])}


def predictive(posterior: Posterior, n: int, config: RunConfig, folder: str | Path, *,
               seed: int = 0, executor: Any = "serial", workers: int | None = None,
               scheduler: Any = None, progress: bool = True) -> pd.DataFrame:
    """Target values of ``n`` (parameter set, seed) pairs drawn from ``posterior``.

    Returns:
        One row per draw: ``draw``, ``seed``, the parameters, then one column
        per flat target key (NaN for a failed run).
    """
    rows = posterior.draw(n, seed)
    stats = simulate(rows, config, folder, executor, name="predictive", progress=progress,
                     workers=workers, scheduler=scheduler)
    frame = pd.DataFrame(rows)
    values = pd.DataFrame(stats, index=frame.index)
    return pd.concat([frame.rename_axis("draw").reset_index(), values], axis=1)


def target_table(pred: pd.DataFrame, targets: Sequence[Target] | None = None,
                 observed: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Each target value: observed, posterior predictive median and 90% interval.

    Columns: target, key, observed, median, q05, q95, tolerance, scale,
    miss (|median - observed| in tolerances, on the target's scale),
    within_tolerance (miss <= 1), covered (observed inside [q05, q95]), source.
    Targets the model does not produce are listed with NaN values and their reason.
    """
    targets = list(targets if targets is not None else TARGETS)
    rows = []
    for t in targets:
        for key, obs in t.observed.items():
            flat = f"{t.name}:{key}"
            obs = float(observed.get(flat, obs)) if observed else float(obs)
            x = pred[flat].to_numpy(dtype=np.float64) if flat in pred else np.array([])
            x = x[np.isfinite(x)]
            med = q05 = q95 = miss = math.nan
            if len(x):
                med, q05, q95 = np.percentile(x, [50, 5, 95])
                miss = t.miss(float(med), obs)
            rows.append({"target": t.name, "key": key, "observed": obs, "median": med,
                         "q05": q05, "q95": q95, "tolerance": t.tolerance, "scale": t.scale,
                         "miss": miss, "within_tolerance": bool(miss <= 1.0),
                         "covered": bool(len(x) and q05 <= obs <= q95),
                         "produced": t.produced,
                         "note": "" if t.produced else t.note})
    return pd.DataFrame(rows)


def levers(indices: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """Each target's strongest parameters in a screening (``morris_indices.csv``).

    A target whose largest ``mu_star`` is small beside its miss has no lever
    among the estimated parameters: a mechanism, not a value, is missing.

    Returns:
        One row per target: max_mu_star, and the ``top`` parameters with theirs.
    """
    t = indices[indices["output"].str.startswith("discrepancy:")]
    rows = []
    for output, g in t.groupby("output", sort=False):
        g = g.sort_values("mu_star", ascending=False)
        rows.append({"target": output.split(":", 1)[1], "max_mu_star": float(g["mu_star"].max()),
                     "levers": ", ".join(f"{p.split('.', 1)[-1]} {m:.2f}"
                                         for p, m in zip(g["parameter"][:top],
                                                         g["mu_star"][:top], strict=True))})
    return pd.DataFrame(rows)


def not_produced() -> pd.DataFrame:
    """Facts that are not targets, and why."""
    return pd.DataFrame({"fact": list(NOT_PRODUCED), "reason": list(NOT_PRODUCED.values())})


# --------------------------------------------------------------------------- plots


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_marginals(posterior: Posterior, path: str | Path,
                   bounds: Mapping[str, tuple[float, float]] | None = None) -> Path:
    """Weighted histogram of each parameter on its prior range (the prior is flat)."""
    plt = _plt()
    bounds = dict(bounds or prior_bounds(posterior))
    cols = posterior.parameters
    n = len(cols)
    ncol = min(4, n)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.4 * nrow), squeeze=False)
    for ax, col in zip(axes.flat, cols, strict=False):
        lo, hi = bounds.get(col, (posterior.particles[col].min(), posterior.particles[col].max()))
        ax.hist(posterior.particles[col], bins=15, range=(lo, hi), weights=posterior.weights,
                density=True, color="tab:blue", alpha=0.8, label="posterior")
        ax.axhline(1.0 / (hi - lo) if hi > lo else 0, color="grey", ls="--", lw=1,
                   label="prior")
        ax.set_title(col.split(".", 1)[-1], fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals (weighted) on the prior ranges", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_pairs(posterior: Posterior, path: str | Path, max_parameters: int = 8) -> Path:
    """Pairwise scatter of the particles (size by weight), the first ``max_parameters``."""
    plt = _plt()
    cols = posterior.parameters[:max_parameters]
    n = len(cols)
    fig, axes = plt.subplots(n, n, figsize=(1.7 * n + 1, 1.7 * n + 1), squeeze=False)
    size = 4 + 60 * posterior.weights / posterior.weights.max()
    for i, a in enumerate(cols):
        for j, b in enumerate(cols):
            ax = axes[i, j]
            if i == j:
                ax.hist(posterior.particles[a], bins=12, weights=posterior.weights,
                        color="tab:blue")
            else:
                ax.scatter(posterior.particles[b], posterior.particles[a], s=size, alpha=0.5)
            ax.tick_params(labelsize=5)
            if j == 0:
                ax.set_ylabel(a.split(".")[-1], fontsize=6)
            if i == n - 1:
                ax.set_xlabel(b.split(".")[-1], fontsize=6)
    fig.suptitle("Posterior pairs", fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_predictive(samples: Mapping[str, Sequence[float]], path: str | Path, *,
                    xlabel: str, title: str, marks: Mapping[str, float] | None = None) -> Path:
    """Distributions of one quantity under several predictives (e.g. prior vs posterior).

    Args:
        samples: Label -> values (one per draw).
        path: PNG file.
        xlabel: The quantity.
        title: Plot title.
        marks: Label -> a vertical line (an observed value, a threshold).
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    values = [np.asarray(v, dtype=np.float64) for v in samples.values()]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    lo, hi = (finite.min(), finite.max()) if len(finite) else (0.0, 1.0)
    integer = len(finite) and np.all(finite == np.round(finite))
    bins = np.arange(lo - 0.5, hi + 1.5) if integer else np.linspace(lo, hi if hi > lo
                                                                     else lo + 1, 20)
    for (label, _), v in zip(samples.items(), values, strict=True):
        v = v[np.isfinite(v)]
        ax.hist(v, bins=bins, alpha=0.5, label=f"{label} (n={len(v)})",
                weights=np.full(len(v), 1.0 / max(len(v), 1)))
    for label, x in (marks or {}).items():
        ax.axvline(x, color="black", ls="--", lw=1)
        ax.text(x, ax.get_ylim()[1] * 0.95, f" {label}", fontsize=7, va="top")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of draws")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def default_targets(config: RunConfig) -> list[Target]:
    """Every target (produced or not), with the scenario's cities."""
    produced = {t.name: t for t in targets_for(config.spec)}
    return [produced.get(t.name, t) for t in TARGETS
            if t.name in produced or not t.produced]
