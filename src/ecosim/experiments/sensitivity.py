"""Global sensitivity analysis of behavioural parameters with SALib (Morris and Sobol).

A design is an :class:`~ecosim.experiments.design.Experiment` whose points come from
SALib's samplers (:class:`~ecosim.experiments.design.Sampling`), so it runs on any
executor, streams its results to disk and resumes like every experiment. The
indices are computed from the ``summary`` output: per scenario and output
metric, each point's value is the mean over its replicates (common random
numbers: every point of replicate *r* has the same seed).

Outputs are the summary metrics of :mod:`ecosim.experiments.registry`. Available now:
``capital_share_talent``, ``capital_net_inflow``, ``retention_12m`` and
``retention_36m`` (needs runs long enough for a cohort to be 36 months past
graduation), and ``capital_share_funding`` (the capital region's share of
funding) whenever the model records funding. Each Startup City's rank plugs in
as a metric (one column per city) when the ranking issue lands.

Example::

    from ecosim.experiments.sensitivity import morris

    indices = morris({"behaviour.w_ties": (0.0, 1.0), "behaviour.w_open": (0.0, 1.2)},
                     outputs=["capital_share_talent", "capital_net_inflow"],
                     trajectories=8, months=24, scale=0.005, executor="processes")
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.experiments.design import (
    Experiment,
    ExperimentError,
    Sampling,
    salib_problem,
    sample_matrix,
)
from ecosim.experiments.run import ExperimentSummary, run_experiment
from ecosim.experiments.store import load_results

__all__ = ["analyse", "morris", "sobol"]


def analyse(experiment: Experiment, out: str | Path) -> pd.DataFrame:
    """Sensitivity indices of a finished design, read from its results folder.

    Args:
        experiment: An experiment with a ``sampling`` design.
        out: Its results folder.

    Returns:
        One row per (scenario, output, parameter). Morris: ``mu``, ``mu_star``,
        ``mu_star_conf``, ``sigma``. Sobol: ``S1``, ``S1_conf``, ``ST``,
        ``ST_conf``; with second order, extra rows whose ``parameter`` is
        ``"a x b"`` hold ``S2`` and ``S2_conf``. An output that is NaN at some
        point (e.g. ``retention_36m`` in a short run) gets NaN indices and a warning.

    Raises:
        ExperimentError: ``experiment`` has no sampling design.
        RuntimeError: Runs of the design are missing or failed (run the
            experiment again: it resumes and retries them).
    """
    sampling = experiment.sampling
    if sampling is None:
        raise ExperimentError("sensitivity", None, "a [sensitivity] design to analyse")
    _, design = experiment.plan
    summary = load_results(out, "summary")
    missing = set(design["run_id"]) - set(summary["run_id"])
    if missing:
        raise RuntimeError(f"{len(missing)} of {design['run_id'].nunique()} runs of "
                           f"{experiment.name!r} are missing or failed (see {out}/failures); "
                           "run the experiment again to resume them")
    problem = salib_problem(sampling)
    x = sample_matrix(sampling, experiment.root_seed)
    rows = []
    for scenario, sub in design.groupby("scenario", sort=False):
        merged = sub[["point", "run_id"]].merge(summary, on="run_id", how="left")
        for output in sampling.outputs:
            columns = [c for c in summary.columns
                       if c == output or c.startswith(f"{output}:")]
            if not columns:
                raise ExperimentError("sensitivity.outputs", output,
                                      f"a column of the summary: {', '.join(summary.columns)}")
            for column in columns:
                y = merged.groupby("point")[column].mean().sort_index().to_numpy(np.float64)
                rows += _indices(sampling, problem, x, y, str(scenario), column,
                                 experiment.root_seed)
    return pd.DataFrame(rows)


def _indices(sampling: Sampling, problem: dict, x: np.ndarray, y: np.ndarray, scenario: str,
             output: str, seed: int) -> list[dict[str, Any]]:
    names = problem["names"]
    base = {"scenario": scenario, "output": output}
    if not np.isfinite(y).all():
        warnings.warn(f"output {output!r} is not finite at {int((~np.isfinite(y)).sum())} of "
                      f"{len(y)} points (scenario {scenario}); its indices are NaN",
                      RuntimeWarning, stacklevel=3)
        keys = (["mu", "mu_star", "mu_star_conf", "sigma"] if sampling.method == "morris"
                else ["S1", "S1_conf", "ST", "ST_conf"])
        return [{**base, "parameter": n, **dict.fromkeys(keys, np.nan)} for n in names]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant outputs: 0/0 in SALib
        if sampling.method == "morris":
            from SALib.analyze import morris as morris_analyze

            res = morris_analyze.analyze(problem, x, y, num_levels=sampling.levels, seed=seed)
            return [{**base, "parameter": n, "mu": float(res["mu"][i]),
                     "mu_star": float(res["mu_star"][i]),
                     "mu_star_conf": float(res["mu_star_conf"][i]),
                     "sigma": float(res["sigma"][i])} for i, n in enumerate(names)]
        from SALib.analyze import sobol as sobol_analyze

        res = sobol_analyze.analyze(problem, y, calc_second_order=sampling.second_order,
                                    seed=seed)
    rows = [{**base, "parameter": n, "S1": float(res["S1"][i]),
             "S1_conf": float(res["S1_conf"][i]), "ST": float(res["ST"][i]),
             "ST_conf": float(res["ST_conf"][i])} for i, n in enumerate(names)]
    if sampling.second_order:
        for i, a in enumerate(names):
            for j in range(i + 1, len(names)):
                rows.append({**base, "parameter": f"{a} x {names[j]}",
                             "S2": float(res["S2"][i, j]), "S2_conf": float(res["S2_conf"][i, j])})
    return rows


def _design(method: str, bounds: Mapping[str, tuple[float, float]], outputs: Sequence[str],
            n: int, levels: int, second_order: bool, scenarios: Any, replicates: int,
            months: int | None, scale: float | None, root_seed: int,
            fixed: Mapping[str, Any] | None, name: str | None) -> Experiment:
    sampling = Sampling(method, dict(bounds), n, levels, second_order, tuple(outputs))
    return Experiment(name=name or f"{method}_sensitivity", scenarios=scenarios,
                      sampling=sampling, replicates=replicates, months=months, scale=scale,
                      root_seed=root_seed, outputs=("summary",), fixed=dict(fixed or {}))


def _run(experiment: Experiment, out: str | Path | None,
         run_options: dict[str, Any]) -> tuple[pd.DataFrame, ExperimentSummary]:
    summary = run_experiment(experiment, out, **run_options)
    if not summary.ok:
        raise RuntimeError(str(summary))
    return analyse(experiment, summary.out), summary


def morris(bounds: Mapping[str, tuple[float, float]],
           outputs: Sequence[str] = ("capital_share_talent", "capital_net_inflow"), *,
           trajectories: int = 10, levels: int = 4, scenarios: Any = "korea",
           replicates: int = 1, months: int | None = None, scale: float | None = None,
           root_seed: int = 0, fixed: Mapping[str, Any] | None = None,
           out: str | Path | None = None, name: str | None = None,
           **run_options: Any) -> pd.DataFrame:
    """Morris elementary effects of ``bounds``' parameters on ``outputs``.

    Runs ``trajectories x (parameters + 1)`` points x ``replicates`` (fewer when
    trajectories share points).

    Args:
        bounds: Scenario path -> (low, high), e.g. ``{"behaviour.w_ties": (0, 1)}``.
        outputs: Summary metrics (see :data:`ecosim.experiments.registry.METRICS`).
        trajectories: Morris trajectories.
        levels: Grid levels (even).
        scenarios: Scenario name(s), path(s) or object(s).
        replicates: Seeds per point (results averaged per point).
        months: Months per run.
        scale: Model scale.
        root_seed: Root of every seed and of SALib's sampling.
        fixed: Scenario paths held at one value.
        out: Results folder (default ``results/<name>``); resumes if it holds the design.
        name: Experiment name (default ``morris_sensitivity``).
        **run_options: Passed to :func:`~ecosim.experiments.run.run_experiment`
            (``executor``, ``workers``, ``scheduler``, ``progress``...).

    Returns:
        Tidy indices: scenario, output, parameter, mu, mu_star, mu_star_conf, sigma.

    Raises:
        ExperimentError: The design is invalid (before any run).
        RuntimeError: Some runs failed (listed).
    """
    experiment = _design("morris", bounds, outputs, trajectories, levels, False, scenarios,
                         replicates, months, scale, root_seed, fixed, name)
    experiment.validate()
    return _run(experiment, out, run_options)[0]


def sobol(bounds: Mapping[str, tuple[float, float]],
          outputs: Sequence[str] = ("capital_share_talent", "capital_net_inflow"), *,
          n: int = 64, second_order: bool = False, scenarios: Any = "korea",
          replicates: int = 1, months: int | None = None, scale: float | None = None,
          root_seed: int = 0, fixed: Mapping[str, Any] | None = None,
          out: str | Path | None = None, name: str | None = None,
          **run_options: Any) -> pd.DataFrame:
    """Sobol first-order and total indices of ``bounds``' parameters on ``outputs``.

    Runs ``n x (D + 2)`` points (``n x (2D + 2)`` with second order) x ``replicates``.

    Args:
        bounds: Scenario path -> (low, high).
        outputs: Summary metrics (see :data:`ecosim.experiments.registry.METRICS`).
        n: Base sample size, a power of two.
        second_order: Also estimate second-order indices.
        scenarios: Scenario name(s), path(s) or object(s).
        replicates: Seeds per point (results averaged per point).
        months: Months per run.
        scale: Model scale.
        root_seed: Root of every seed and of SALib's sampling.
        fixed: Scenario paths held at one value.
        out: Results folder (default ``results/<name>``).
        name: Experiment name (default ``sobol_sensitivity``).
        **run_options: Passed to :func:`~ecosim.experiments.run.run_experiment`.

    Returns:
        Tidy indices: scenario, output, parameter, S1, S1_conf, ST, ST_conf
        (and S2, S2_conf rows with second order).

    Raises:
        ExperimentError: The design is invalid, e.g. ``n`` is not a power of two.
        RuntimeError: Some runs failed (listed).
    """
    experiment = _design("sobol", bounds, outputs, n, 4, second_order, scenarios, replicates,
                         months, scale, root_seed, fixed, name)
    experiment.validate()
    return _run(experiment, out, run_options)[0]
