"""``ecosim sweep``: validate an experiment file, run it, print the summary (and indices)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecosim.experiments.design import Experiment, ExperimentError
from ecosim.experiments.run import run_experiment
from ecosim.experiments.sensitivity import analyse

__all__ = ["sweep"]


def sweep(path: str | Path, *, executor: str | None = None, scheduler: str | None = None,
          workers: int | None = None, out: str | Path | None = None,
          progress: bool = True, wait: float | None = 0.0) -> int:
    """``ecosim sweep``: validate an experiment file, run it, print the summary.

    With a ``[sensitivity]`` design, also computes the indices, prints them and
    writes ``<out>/sensitivity.csv``.

    Args:
        path: The experiment TOML file.
        executor: ``"serial"``, ``"processes"`` or ``"dask"`` (default: the file's).
        scheduler: Dask scheduler address (default: the file's, else a local cluster).
        workers: Worker processes.
        out: Results folder (default: the file's, else ``results/<name>``).
        progress: Show the progress bar.
        wait: Seconds to wait while another driver uses the results folder (0:
            stop at once; None: as long as it takes).

    Returns:
        0 when every run is on disk, 1 when some failed.

    Raises:
        ExperimentError: The file is invalid (nothing has run).
        ResultsFolderBusy: Another driver uses the results folder.
    """
    experiment = Experiment.from_toml(path)
    if workers is not None and workers < 1:
        raise ExperimentError("workers", workers, "an integer >= 1")
    tasks, _ = experiment.plan
    print(f"{experiment.name}: {len(experiment.labels)} scenarios x "
          f"{len(experiment.points())} points x {experiment.replicates} replicates = "
          f"{len(tasks)} runs", flush=True)
    summary = run_experiment(experiment, out, executor=executor, workers=workers,
                             scheduler=scheduler, progress=progress, lock_timeout=wait)
    print(summary, flush=True)
    if summary.worker_startup:
        start = list(summary.worker_startup.values())
        print(f"worker warm-up (import + kernels): {min(start):.2f}-{max(start):.2f} s "
              f"over {len(start)} workers")
    if experiment.sampling is not None and summary.ok:
        indices = analyse(experiment, summary.out)
        indices.to_csv(summary.out / "sensitivity.csv", index=False)
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            table = indices.round(4).to_string(index=False)
            print(f"\n{experiment.sampling.method} indices "
                  f"({summary.out / 'sensitivity.csv'}):\n{table}")
    return 0 if summary.ok else 1
