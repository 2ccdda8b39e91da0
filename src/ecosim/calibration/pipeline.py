"""``make calibrate``: screen the estimates, infer the influential ones, package the posterior.

1. Every estimated behavioural and market parameter with its bounds
   (:func:`~ecosim.calibration.parameters.estimated_parameters`).
2. Morris screening on the distance to the facts
   (:func:`~ecosim.calibration.screening.screen`), keeping the most
   influential (:func:`~ecosim.calibration.screening.select`, 10-20).
3. ABC-SMC over those (:func:`~ecosim.calibration.abc.infer`).
4. The last generation, with its provenance, written where the main job
   reads it (``ecosim/inputs/data/posterior.parquet``) and to the results folder.

Every step runs on one executor and writes each simulation to ``out``; run
it again and it resumes (finished steps cost nothing).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecosim.calibration.abc import AbcResult, AbcSettings, infer
from ecosim.calibration.parameters import Parameter, estimated_parameters
from ecosim.calibration.posterior import Posterior, packaged_path
from ecosim.calibration.runs import RunConfig, open_executor
from ecosim.calibration.screening import ScreeningResult, screen, select
from ecosim.calibration.targets import targets_for

__all__ = ["CalibrationResult", "budget_plan", "calibrate"]

#: Fewest ABC simulations a budget must leave after the screening.
MIN_ABC_RUNS = 40


def budget_plan(budget: int, n_parameters: int,
                abc: AbcSettings | None = None) -> tuple[int, AbcSettings]:
    """Split a total number of runs between screening and ABC-SMC.

    The screening gets about 30% (Morris trajectories, at least 2: 2 x
    (parameters + 1) runs); ABC-SMC the rest, as its simulation cap, with a
    population of a sixth of it (10 to 100).

    Returns:
        (trajectories, ABC settings).

    Raises:
        ValueError: The budget cannot pay for 2 trajectories and
            :data:`MIN_ABC_RUNS` ABC simulations (the least it must be is named).
    """
    abc = abc or AbcSettings()
    per = n_parameters + 1
    trajectories = max(2, min(10, int(0.3 * budget) // per))
    rest = budget - trajectories * per
    if rest < MIN_ABC_RUNS:
        raise ValueError(f"budget = {budget} runs: allowed is at least "
                         f"{2 * per + MIN_ABC_RUNS} (2 Morris trajectories over {n_parameters} "
                         f"parameters = {2 * per} runs, and {MIN_ABC_RUNS} ABC runs)")
    population = max(10, min(100, rest // 6))
    return trajectories, dataclasses.replace(abc, population=population, max_simulations=rest)


@dataclass
class CalibrationResult:
    """What :func:`calibrate` produced.

    Attributes:
        screening: The Morris screening.
        chosen: The parameters inferred.
        abc: The ABC-SMC result (posterior and generations).
        written: Where the posterior was packaged (None if not).
        seconds: Wall time.
    """

    screening: ScreeningResult
    chosen: list[Parameter]
    abc: AbcResult
    written: Path | None
    seconds: float

    @property
    def posterior(self) -> Posterior:
        """The posterior."""
        return self.abc.posterior


def calibrate(out: str | Path = "results/calibration", *, config: RunConfig | None = None,
              budget: int | None = None, trajectories: int = 4, top: int = 15,
              abc: AbcSettings | None = None, executor: Any = "processes",
              workers: int | None = None, scheduler: Any = None, progress: bool = True,
              write: str | Path | None = "packaged",
              parameters: list[Parameter] | None = None) -> CalibrationResult:
    """Screen, infer and package: the whole calibration (``make calibrate``).

    Args:
        out: Results folder (``screening/``, ``abc/``, ``posterior.parquet``);
            an interrupted calibration resumes from it.
        config: Scenario, scale, months and fixed values of every run.
        budget: Total runs for a quick check (:func:`budget_plan`); None runs
            the full settings (``trajectories``, ``abc``).
        trajectories: Morris trajectories.
        top: Parameters kept by mu_star (see :func:`~ecosim.calibration.screening.select`).
        abc: ABC-SMC settings.
        executor: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes.
        scheduler: Dask scheduler address or Client.
        progress: Show progress.
        write: Where to package the posterior: ``"packaged"`` (the main job's
            default), a path, or None.
        parameters: Candidates (default: every estimate of the scenario).

    Returns:
        The screening, the parameters chosen, the ABC-SMC result.
    """
    t0 = time.perf_counter()
    config = config or RunConfig()
    abc = abc or AbcSettings()
    out = Path(out)
    spec = config.spec
    candidates = parameters or estimated_parameters(spec)
    kind = "full calibration"
    if budget is not None:
        trajectories, abc = budget_plan(budget, len(candidates), abc)
        kind = (f"quick check (--budget {budget}): {trajectories} Morris trajectories, "
                f"population {abc.population}; not the full calibration")
    with open_executor(executor, workers=workers, scheduler=scheduler) as held:
        screening = screen(candidates, config, out / "screening", trajectories=trajectories,
                           seed=abc.seed, executor=held, progress=progress)
        chosen = select(screening, candidates, top=top, minimum=min(10, len(candidates)),
                        maximum=max(20, top))
        result = infer(chosen, config, out / "abc", targets=targets_for(spec), settings=abc,
                       executor=held, progress=progress, provenance={
                           "kind": kind,
                           "screening": {"method": "Morris (SALib), mu_star on the distance",
                                         "trajectories": trajectories,
                                         "candidates": len(candidates),
                                         "runs": screening.runs,
                                         "chosen": [p.path for p in chosen]},
                           "command": " ".join(sys.argv)})
    seconds = time.perf_counter() - t0
    info = {**result.posterior.provenance, "total_seconds": round(seconds, 1),
            "total_runs": screening.runs + int(result.posterior.provenance["runs"])}
    posterior = Posterior(result.posterior.particles, result.posterior.weights, info)
    result.posterior = posterior
    posterior.write(out / "posterior.parquet")
    (out / "provenance.json").write_text(json.dumps(info, indent=1, default=str))
    written = None
    if write is not None:
        written = posterior.write(packaged_path() if write == "packaged" else Path(write))
    return CalibrationResult(screening, chosen, result, written, seconds)
