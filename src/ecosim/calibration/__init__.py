"""Calibration: parameters inferred from observed facts, and the answer on the posterior.

* :mod:`~ecosim.calibration.targets`: the facts of ``shared/data/korea_facts.md`` as
  targets (simulated from a finished run, observed, tolerance, source) and the distance.
* :mod:`~ecosim.calibration.frames`: each target's simulated values from a run's
  tables, and the mapping of the model's cities to the facts' regions.
* :mod:`~ecosim.calibration.plugin`: the ``targets`` output and distance metrics
  that calibration runs keep (imported by the workers).
* :mod:`~ecosim.calibration.parameters`: the scenario's estimated behavioural and
  market parameters and their bounds.
* :mod:`~ecosim.calibration.runs`: calibration runs on the experiment executors,
  keyed by (parameters, seed), resumable.
* :mod:`~ecosim.calibration.screening`: Morris screening of the estimates.
* :mod:`~ecosim.calibration.abc`: ABC-SMC with pyabc (imports pyabc).
* :mod:`~ecosim.calibration.posterior`: the packaged posterior and its draws.
* :mod:`~ecosim.calibration.bias`: the bias of the summary statistics' scale.
* :mod:`~ecosim.calibration.pipeline`: ``make calibrate`` (screen, infer, package).
* :mod:`~ecosim.calibration.report`: posterior predictive against the facts, plots.

Only the light modules are imported here; ``abc`` and ``pipeline`` import pyabc.
"""

from ecosim.calibration.parameters import Parameter, estimated_parameters, parameter_table
from ecosim.calibration.posterior import Posterior, load_posterior
from ecosim.calibration.runs import RunConfig
from ecosim.calibration.targets import (
    NOT_PRODUCED,
    TARGETS,
    Target,
    distance,
    observed_statistics,
    simulated_statistics,
    targets_for,
)

__all__ = [
    "NOT_PRODUCED",
    "TARGETS",
    "Parameter",
    "Posterior",
    "RunConfig",
    "Target",
    "distance",
    "estimated_parameters",
    "load_posterior",
    "observed_statistics",
    "parameter_table",
    "simulated_statistics",
    "targets_for",
]
