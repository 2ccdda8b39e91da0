"""Experiment overhead: ``run_experiment`` of 4 tiny runs against the same 4 models run directly.

``time_experiment`` runs the experiment serially (``executor="serial"``): plan,
one model per run, outputs computed and written as Parquet, completion
markers, summary. ``time_direct`` builds and runs the same 4 models (same
scenario, overrides and seeds, from the experiment's plan) with nothing else.
``track_overhead_per_run`` is (experiment - direct) / 4, each the best of 3,
measured in one process.
"""

import shutil
import tempfile
import time
from pathlib import Path

from ecosim.experiments import Experiment, run_experiment
from ecosim.experiments.worker import warm_up
from ecosim.model import EcosystemModel

RUNS = 4
SCALE = 0.002
MONTHS = 12


def _experiment() -> Experiment:
    return Experiment(name="overhead", parameters={"behaviour.w_ties": [0.2, 0.4, 0.6, 0.8]},
                      replicates=1, months=MONTHS, scale=SCALE, root_seed=1,
                      outputs=["city", "summary"])


class ExperimentOverhead:
    """4 tiny runs (scale 0.002, 12 months): serial experiment vs the models alone."""

    timeout = 300

    def setup(self):
        warm_up()  # kernels loaded: neither side pays it
        self.experiment = _experiment()
        self.tasks = self.experiment.plan[0]
        assert len(self.tasks) == RUNS
        self.tmp = Path(tempfile.mkdtemp(prefix="ecosim-bench-"))
        self.count = 0

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _run_experiment(self):
        self.count += 1  # a fresh folder each time: nothing is skipped as done
        summary = run_experiment(self.experiment, self.tmp / str(self.count),
                                 executor="serial", resume=False, progress=False)
        assert summary.ok, str(summary)

    def _run_direct(self):
        for task in self.tasks:
            EcosystemModel(task.source, rng=task.seed, overrides=task.overrides).run()

    def time_experiment(self):
        self._run_experiment()

    def time_direct(self):
        self._run_direct()

    def track_overhead_per_run(self):
        best = {}
        for name, fn in (("experiment", self._run_experiment), ("direct", self._run_direct)):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            best[name] = min(times)
        return (best["experiment"] - best["direct"]) / RUNS

    track_overhead_per_run.unit = "seconds"
