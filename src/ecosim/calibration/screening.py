"""Screening: which estimated parameters move the distance to the facts (Morris).

A Morris design (SALib, through :class:`~ecosim.experiments.design.Sampling`)
over every estimated parameter's bounds runs as an experiment on any executor,
resumably, and :func:`~ecosim.experiments.sensitivity.analyse` computes the
elementary effects of each parameter on the run's distance to the facts
(``calibration_distance``) and on each target's discrepancy
(``discrepancy:<target>``). Parameters are ranked by ``mu_star`` on the
distance; :func:`select` keeps the most influential, plus the most
influential parameter of every target (so no target is left without a lever),
within ``minimum..maximum``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ecosim.calibration.parameters import Parameter
from ecosim.calibration.runs import PLUGIN, RunConfig, open_executor
from ecosim.experiments import Experiment, Sampling, run_experiment
from ecosim.experiments.sensitivity import analyse

__all__ = ["ScreeningResult", "screen", "select"]

DISTANCE = "calibration_distance"


@dataclass
class ScreeningResult:
    """Morris indices of the estimated parameters.

    Attributes:
        indices: Tidy indices (output, parameter, mu, mu_star, mu_star_conf,
            sigma) for the distance and every target's discrepancy.
        ranking: The distance's indices, most influential first, with the
            parameter's bounds.
        runs: Runs in the design.
    """

    indices: pd.DataFrame
    ranking: pd.DataFrame
    runs: int

    def by_target(self) -> pd.DataFrame:
        """mu_star of every parameter (rows) on every target's discrepancy (columns)."""
        t = self.indices[self.indices["output"].str.startswith("discrepancy:")]
        wide = t.pivot(index="parameter", columns="output", values="mu_star")
        wide.columns = [c.split(":", 1)[1] for c in wide.columns]
        return wide.loc[self.ranking["parameter"]]


def screen(parameters: Sequence[Parameter], config: RunConfig, out: str | Path, *,
           trajectories: int = 10, levels: int = 4, replicates: int = 1, seed: int = 0,
           executor: Any = "serial", workers: int | None = None, scheduler: Any = None,
           progress: bool = True) -> ScreeningResult:
    """Morris elementary effects of ``parameters`` on the distance to the facts.

    Runs ``trajectories x (len(parameters) + 1) x replicates`` models (fewer
    when trajectories share points) into ``out``; an interrupted screening
    resumes.

    Args:
        parameters: The parameters and their bounds.
        config: Scenario, scale, months and fixed values of every run.
        out: Results folder.
        trajectories: Morris trajectories.
        levels: Morris grid levels (even).
        replicates: Seeds per point (averaged).
        seed: Root of the design and of the runs' seeds.
        executor: ``"serial"``, ``"processes"``, ``"dask"`` or a held executor.
        workers: Worker processes.
        scheduler: Dask scheduler address or Client.
        progress: Show a progress bar.

    Returns:
        The indices and the ranking.

    Raises:
        RuntimeError: Some runs failed (they are listed; run again to retry them).
    """
    spec = config.spec
    sampling = Sampling("morris", {p.path: (p.low, p.high) for p in parameters}, trajectories,
                        levels, False, (DISTANCE, "discrepancy"))
    experiment = Experiment(name="screening", scenarios=[config.scenario], sampling=sampling,
                            replicates=replicates, months=spec.months, scale=config.scale,
                            root_seed=seed, outputs=("summary",), fixed=dict(config.fixed),
                            imports=(PLUGIN,))
    with open_executor(executor, workers=workers, scheduler=scheduler) as held:
        summary = run_experiment(experiment, out, executor=held, progress=progress)
    if not summary.ok:
        raise RuntimeError(str(summary))
    indices = analyse(experiment, summary.out)
    bounds = pd.DataFrame([{"parameter": p.path, "value": p.value, "low": p.low,
                            "high": p.high, "rule": p.rule} for p in parameters])
    ranking = (indices[indices["output"] == DISTANCE]
               .sort_values("mu_star", ascending=False, kind="stable")
               .merge(bounds, on="parameter", how="left")
               .reset_index(drop=True))
    indices.to_csv(Path(out) / "morris_indices.csv", index=False)
    ranking.to_csv(Path(out) / "ranking.csv", index=False)
    return ScreeningResult(indices, ranking, len(experiment.plan[0]))


def select(result: ScreeningResult, parameters: Sequence[Parameter], *, top: int = 15,
           minimum: int = 10, maximum: int = 20) -> list[Parameter]:
    """The parameters to infer: the ``top`` by mu_star, plus each target's strongest lever.

    The union is cut to ``maximum`` (by the distance's mu_star) and filled to
    ``minimum`` from the ranking. Parameters with no effect at all (mu_star 0)
    are never chosen.

    Raises:
        ValueError: ``minimum <= top <= maximum`` does not hold.
    """
    if not minimum <= top <= maximum:
        raise ValueError(f"top = {top}: allowed is minimum ({minimum}) <= top <= maximum "
                         f"({maximum})")
    ranking = result.ranking[result.ranking["mu_star"] > 0]
    order = list(ranking["parameter"])
    chosen = order[:top]
    per_target = result.by_target()
    for target in per_target.columns:
        col = per_target[target].dropna()
        if len(col) and col.max() > 0:
            best = col.idxmax()
            if best not in chosen:
                chosen.append(best)
    chosen = sorted(chosen, key=order.index)[:maximum]
    for p in order:
        if len(chosen) >= minimum:
            break
        if p not in chosen:
            chosen.append(p)
    by_path = {p.path: p for p in parameters}
    return [by_path[p] for p in chosen]
