"""What a calibration run keeps: the ``targets`` output and the distance metrics.

Importing this module registers (with :mod:`ecosim.experiments.registry`):

* output ``targets``: one row per simulated target value, columns ``key``
  (``"<target>:<key>"``), ``target`` and ``value``;
* metric ``calibration_distance``: the run's distance to the observed facts
  (:func:`ecosim.calibration.targets.distance`, every produced target);
* metric ``discrepancy``: each target's discrepancy, columns ``discrepancy:<target>``.

Calibration experiments name this module in ``Experiment.imports``, so every
worker process registers them before its first run; nothing else registers
them, so other experiments' summaries do not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ecosim.calibration.targets import (
    discrepancies,
    distance,
    observed_statistics,
    simulated_statistics,
    targets_for,
)
from ecosim.experiments.registry import register_metric, register_output

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

__all__ = ["MODULE"]

#: This module's name, for ``Experiment.imports``.
MODULE = __name__


def _cached(model: EcosystemModel) -> tuple[dict[str, float], dict[str, float], tuple]:
    """Simulated and observed statistics of a finished run (computed once per model)."""
    cache = getattr(model, "_calibration_statistics", None)
    if cache is None or cache[0] != model.month:
        targets = targets_for(model.spec)
        cache = (model.month, simulated_statistics(model, targets),
                 observed_statistics(targets), targets)
        model._calibration_statistics = cache
    return cache[1], cache[2], cache[3]


def _targets(model: EcosystemModel) -> pd.DataFrame:
    simulated, _, _ = _cached(model)
    return pd.DataFrame({"key": list(simulated),
                         "target": [k.split(":", 1)[0] for k in simulated],
                         "value": list(simulated.values())})


def _distance(model: EcosystemModel) -> float:
    simulated, observed, targets = _cached(model)
    return distance(simulated, observed, targets)


def _discrepancy(model: EcosystemModel) -> dict[str, float]:
    simulated, observed, targets = _cached(model)
    return discrepancies(simulated, observed, targets)


register_output("targets", _targets, replace=True)
register_metric("calibration_distance", _distance, replace=True)
register_metric("discrepancy", _discrepancy, replace=True)
