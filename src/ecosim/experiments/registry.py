"""What an experiment keeps from each run: named outputs and scalar metrics.

Two registries, both open to later issues and to users:

* :data:`OUTPUTS` — named tables, ``model -> DataFrame`` (or a mapping, kept as
  one row). Each becomes one Parquet file per run in ``<out>/<name>/``.
  Built in: ``city`` (:meth:`~ecosim.model.EcosystemModel.city_frame`),
  ``flows`` (:meth:`~ecosim.model.EcosystemModel.flow_frame`), ``retention``
  (:meth:`~ecosim.model.EcosystemModel.retention_frame`), ``summary``, and
  the researcher's tables ``survival`` (by founding month and city),
  ``city_years`` (startups, exits and unicorns by city and year),
  ``first_jobs``, ``founders``, ``spinoffs`` and ``incomes``.
* :data:`METRICS` — named scalars, ``model -> float`` or a mapping
  ``key -> float`` (stored as columns ``name:key``, e.g. one per city), or
  None when the model cannot provide it (the column is then left out). The
  ``summary`` output is one row per run holding every registered metric; the
  sensitivity functions analyse these columns.

Built-in metrics: ``capital_share_talent``, ``capital_net_inflow`` (total net
movers into the capital region over the run), ``retention_12m`` and
``retention_36m`` (pooled share of graduates still in their institute's city
12 and 36 months after graduating; NaN until a cohort reaches that age within
the run), ``talent`` (total at the end), ``capital_share_funding``
(``model.capital_share_of_funding()``) and ``rank`` (each ranked city's world
rank in the last complete simulated year: columns ``rank:daegu``, ...). Your
own metrics plug in the same way::

    from ecosim.experiments.registry import register_metric

    @register_metric("startups_daegu")
    def _startups_daegu(model):
        return float(model.last_metrics["startups"][model.cities.index("daegu")])

Registries are per process: a metric registered in a script is known to the
``serial`` executor; for ``processes`` and ``dask`` workers, register it here
(the place for the model's own outputs) or in a module named in
``Experiment.imports``, which every worker imports first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

__all__ = ["METRICS", "OUTPUTS", "register_metric", "register_output", "summary_row"]

OutputFn = Callable[["EcosystemModel"], "pd.DataFrame | Mapping[str, Any]"]
MetricFn = Callable[["EcosystemModel"], "float | Mapping[str, float] | None"]

#: Named per-run tables, ``model -> DataFrame | mapping``.
OUTPUTS: dict[str, OutputFn] = {}
#: Named per-run scalars, ``model -> float | mapping | None``; together they form ``summary``.
METRICS: dict[str, MetricFn] = {}


def register_output(name: str, fn: OutputFn | None = None, *, replace: bool = False):
    """Register a named output table (usable as a decorator).

    Args:
        name: The output's name, used in ``Experiment.outputs`` and as the
            folder of its Parquet files.
        fn: ``model -> DataFrame`` (or a mapping, stored as one row).
        replace: Allow replacing an output of the same name.

    Returns:
        ``fn`` (or a decorator when ``fn`` is omitted).

    Raises:
        ValueError: ``name`` is taken (and ``replace`` is false) or not a plain name.
    """
    return _register(OUTPUTS, "output", name, fn, replace)


def register_metric(name: str, fn: MetricFn | None = None, *, replace: bool = False):
    """Register a named scalar metric of a finished run (usable as a decorator).

    Args:
        name: Column name in the ``summary`` output.
        fn: ``model -> float``; or ``model -> {key: float}`` for several
            columns named ``name:key``; returning None leaves the column out.
        replace: Allow replacing a metric of the same name.

    Returns:
        ``fn`` (or a decorator when ``fn`` is omitted).

    Raises:
        ValueError: ``name`` is taken (and ``replace`` is false) or not a plain name.
    """
    return _register(METRICS, "metric", name, fn, replace)


def _register(registry: dict, kind: str, name: str, fn: Callable | None, replace: bool):
    if not isinstance(name, str) or not name or not name.replace("_", "").isalnum():
        raise ValueError(f"{kind} name {name!r} is invalid: allowed is letters, digits and _")

    def add(f: Callable) -> Callable:
        if name in registry and registry[name] is not f and not replace:
            raise ValueError(f"{kind} {name!r} is already registered: pass replace=True")
        registry[name] = f
        return f

    return add(fn) if fn is not None else add


def summary_row(model: EcosystemModel) -> dict[str, float]:
    """Every registered metric of ``model``, as one flat row."""
    row: dict[str, float] = {"months_run": float(model.month)}
    for name, fn in METRICS.items():
        value = fn(model)
        if value is None:
            continue
        if isinstance(value, Mapping):
            row.update({f"{name}:{k}": float(v) for k, v in value.items()})
        else:
            row[name] = float(value)
    return row


# --------------------------------------------------------------------------- built-ins


def _pooled_retention(model: EcosystemModel, horizon: int) -> float:
    frame = model.retention_frame()
    frame = frame[frame["horizon_months"] == horizon]
    cohort = float(frame["cohort"].sum())
    return float(frame["retained"].sum()) / cohort if cohort else math.nan


def _final_ranks(model: EcosystemModel) -> dict[str, float] | None:
    """World rank of each ranked city in the last complete simulated year."""
    from ecosim.outputs.ranking import city_scores

    if model.month < 12:
        return None
    scores = city_scores(model.city_frame(), model.spec)
    last = scores[scores["year"] == scores["year"].max()]
    return dict(zip(last["city"], last["rank"], strict=True))


register_output("city", lambda model: model.city_frame())
register_output("flows", lambda model: model.flow_frame())
register_output("retention", lambda model: model.retention_frame())
register_output("summary", summary_row)
register_output("survival", lambda model: model.survival_frame(by_city=True))
register_output("city_years", lambda model: model.yearly_frame())
register_output("first_jobs", lambda model: model.first_job_frame())
register_output("founders", lambda model: model.founder_frame())
register_output("spinoffs", lambda model: model.spinoff_frame())
register_output("incomes", lambda model: model.income_frame())

register_metric("capital_share_talent", lambda model: model.capital_share("talent"))
register_metric("capital_net_inflow", lambda model: float(np.sum(model.capital_net_inflow())))
register_metric("retention_12m", lambda model: _pooled_retention(model, 12))
register_metric("retention_36m", lambda model: _pooled_retention(model, 36))
register_metric("talent", lambda model: float(np.sum(model.last_metrics["talent"])))
register_metric("capital_share_funding", lambda model: model.capital_share_of_funding())
register_metric("rank", _final_ranks)
