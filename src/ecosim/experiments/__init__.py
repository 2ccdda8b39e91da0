"""Many runs: designs, executors (serial, processes, Dask), results store, sensitivity.

The public API in one place::

    from ecosim.experiments import Experiment, run_experiment, load_results

* :mod:`~ecosim.experiments.design`: :class:`Experiment`, :class:`Sampling`, validation.
* :mod:`~ecosim.experiments.run`: :func:`run_experiment`, :class:`ExperimentSummary`.
* :mod:`~ecosim.experiments.worker`: one run in a worker process.
* :mod:`~ecosim.experiments.executors`: serial, process pool and Dask executors.
* :mod:`~ecosim.experiments.store`: the results folder (atomic files, markers, loading).
* :mod:`~ecosim.experiments.registry`: named outputs and summary metrics.
* :mod:`~ecosim.experiments.sensitivity`: Morris and Sobol indices (SALib).
* :mod:`~ecosim.experiments.sweep`: ``ecosim sweep``.
"""

from ecosim.experiments.design import Experiment, ExperimentError, Sampling
from ecosim.experiments.registry import register_metric, register_output
from ecosim.experiments.run import ExperimentSummary, run_experiment
from ecosim.experiments.store import load_failures, load_results

__all__ = [
    "Experiment",
    "ExperimentError",
    "ExperimentSummary",
    "Sampling",
    "load_failures",
    "load_results",
    "register_metric",
    "register_output",
    "run_experiment",
]
