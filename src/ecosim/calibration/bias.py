"""The bias of the calibration's scale: the same parameters at a small and a larger scale.

A calibration runs thousands of models, so it simulates at a small scale
(agents per real person or firm). Quantities that depend on a few agents
(unicorns, the investors of a small city) are then coarse or biased.
:func:`scale_bias` runs the same parameters with the same seeds at two scales
and reports, per target value, the mean at each scale and their difference in
tolerances (on the target's own scale: log ratios for amounts and ranks), with
the standard error of the difference, so the choice of a calibration scale
rests on a measurement.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.calibration.runs import RunConfig, open_executor, simulate
from ecosim.calibration.targets import Target, targets_for

__all__ = ["scale_bias", "summarise_bias"]


def _on_scale(t: Target, values: np.ndarray) -> np.ndarray:
    if t.scale == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)
    return values


def scale_bias(config: RunConfig, out: str | Path, *, scales: tuple[float, float] = (0.005, 0.02),
               replicates: int = 4, parameters: Mapping[str, float] | None = None,
               seed: int = 0, targets: Sequence[Target] | None = None,
               executor: Any = "serial", workers: int | None = None, scheduler: Any = None,
               progress: bool = True) -> pd.DataFrame:
    """Each target value at two scales, same parameters and seeds: the small scale's bias.

    Args:
        config: Scenario, months and fixed values (its scale is ignored).
        out: Results folder (resumable; runs keyed by scale, parameters and seed).
        scales: (calibration scale, larger reference scale).
        replicates: Seeds per scale.
        parameters: Scenario paths and values (default: the scenario as packaged).
        seed: Root of the seeds.
        targets: Targets (default: every produced target of the scenario).
        executor: ``"serial"``, ``"processes"``, ``"dask"`` or a held executor.
        workers: Worker processes.
        scheduler: Dask scheduler address or Client.
        progress: Show progress bars.

    Returns:
        One row per target value: target, key, observed, tolerance, scale
        (absolute/log), n_small, mean_small, n_large, mean_large (means of the
        values, full-scale units), bias (mean difference small - large on the
        target's scale, in tolerances), bias_se (its standard error, in
        tolerances).
    """
    small, large = scales
    targets = tuple(targets if targets is not None else targets_for(config.spec))
    seeds = [int(s) for s in np.random.default_rng([seed, 3]).integers(0, 2**31 - 1,
                                                                      size=replicates)]
    rows = [{**dict(parameters or {}), "seed": s} for s in seeds]
    stats = {}
    with open_executor(executor, workers=workers, scheduler=scheduler) as held:
        for sc in scales:
            cfg = dataclasses.replace(config, scale=sc)
            stats[sc] = simulate(rows, cfg, out, held, name=f"scale_{sc:g}", progress=progress)
    records = []
    for t in targets:
        for key, obs in t.observed.items():
            flat = f"{t.name}:{key}"
            a = np.array([s.get(flat, math.nan) for s in stats[small]], dtype=np.float64)
            b = np.array([s.get(flat, math.nan) for s in stats[large]], dtype=np.float64)
            ta, tb = _on_scale(t, a), _on_scale(t, b)
            ta, tb = ta[np.isfinite(ta)], tb[np.isfinite(tb)]
            diff = se = math.nan
            if len(ta) and len(tb):
                diff = (ta.mean() - tb.mean()) / t.tolerance
                if len(ta) > 1 and len(tb) > 1:
                    se = math.sqrt(ta.var(ddof=1) / len(ta) + tb.var(ddof=1) / len(tb)) \
                        / t.tolerance
            records.append({"target": t.name, "key": key, "observed": float(obs),
                            "tolerance": t.tolerance, "scale": t.scale,
                            "n_small": int(np.isfinite(a).sum()), "mean_small": np.nanmean(a)
                            if np.isfinite(a).any() else math.nan,
                            "n_large": int(np.isfinite(b).sum()), "mean_large": np.nanmean(b)
                            if np.isfinite(b).any() else math.nan,
                            "bias": diff, "bias_se": se})
    frame = pd.DataFrame(records)
    frame.attrs.update({"scales": scales, "replicates": replicates})
    Path(out).mkdir(parents=True, exist_ok=True)
    frame.to_csv(Path(out) / f"scale_bias_{small:g}_vs_{large:g}.csv", index=False)
    return frame


def summarise_bias(frame: pd.DataFrame) -> pd.DataFrame:
    """Per target: mean |bias| and the largest |bias| of its values, in tolerances."""
    g = frame.assign(abs_bias=frame["bias"].abs()).groupby("target", sort=False)
    return pd.DataFrame({"mean_abs_bias": g["abs_bias"].mean(), "max_abs_bias": g["abs_bias"].max(),
                         "values": g.size()})
