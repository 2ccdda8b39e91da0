"""Which scenario parameters are estimates, and the range each may take.

A parameter is a candidate for calibration when it is a behavioural or market
parameter (a field of the scenario's ``behaviour``, ``labour``, ``firms`` or
``capital`` section) whose ``sources`` entry says ``est.`` or is missing (no
source: nothing backs the value). A dict-valued field contributes one
parameter per numeric entry (``behaviour.action_constants.found``).

Left out, with the reason recorded (:func:`parameter_table`):

* integer fields (counts, months, calendar months): a continuous design cannot
  vary them;
* non-numeric fields (lists, e.g. ``capital.stages``);
* :data:`EXCLUDED`: the utility numeraire and demographic structure.

Bounds (the rule, :func:`bounds_rule`), from the packaged value ``x0``:

* utility terms (``w_*`` weights, ``action_constants``): ``x0 - 1 .. x0 + 1``
  (utility units: the log-wage weight is the numeraire, 1);
* any other ``x0 > 0`` (scales, rates, amounts, probabilities): ``x0/2 .. 2 x0``;
* any other ``x0 <= 0`` (locations on a latent scale, e.g. traction levels,
  bars): ``x0 - 1 .. x0 + 1``;

then each bound is narrowed to what the scenario's own validation accepts
(probabilities stay in [0, 1], weights >= 0, ...): a rejected bound moves to
0 when 0 lies between it and ``x0`` and is accepted, otherwise halfway to
``x0`` until accepted.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ecosim.inputs.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["EXCLUDED", "SECTIONS", "Parameter", "bounds_rule", "estimated_parameters",
           "parameter_table"]

#: Scenario sections whose parameters are behavioural or market parameters.
SECTIONS: tuple[str, ...] = ("behaviour", "labour", "firms", "capital")

#: Estimated fields that are not calibrated, and why.
EXCLUDED: dict[str, str] = {
    "behaviour.w_wage": "the numeraire of utility (the log-wage weight is normalised to 1)",
    "behaviour.initial_age_min": "demographic structure of the initial stock, not behaviour",
    "behaviour.initial_age_max": "demographic structure of the initial stock, not behaviour",
    "behaviour.graduation_age": "demographic structure (age at graduation), not behaviour",
    "firms.unicorn_krw": "the definition of a unicorn (US$1B), a convention: varying it would "
                         "set the unicorn target by definition",
}


@dataclass(frozen=True)
class Parameter:
    """A calibrated parameter: its scenario path, packaged value and range.

    Attributes:
        path: Dotted scenario path (``behaviour.w_ties``).
        value: The packaged value.
        low: Lower bound.
        high: Upper bound.
        rule: How the bounds were set.
        source: The scenario's source entry for the field (``""`` when missing).
    """

    path: str
    value: float
    low: float
    high: float
    rule: str
    source: str

    @property
    def key(self) -> str:
        """The path with ``__`` for dots (a parameter name pyabc and Parquet accept)."""
        return self.path.replace(".", "__")


def _is_estimate(source: str | None) -> bool:
    return source is None or source.strip() == "" or "est." in source


def bounds_rule(path: str, x0: float) -> tuple[float, float, str]:
    """The unconstrained bounds of ``path`` around its packaged value ``x0``."""
    leaf = path.split(".")[-1]
    if leaf.startswith("w_") or ".action_constants." in path:
        return x0 - 1.0, x0 + 1.0, "utility: x0 +- 1"
    if x0 > 0:
        return x0 / 2.0, 2.0 * x0, "scale: x0/2 .. 2 x0"
    return x0 - 1.0, x0 + 1.0, "location: x0 +- 1"


def _accepts(scenario: Scenario, path: str, value: float) -> bool:
    try:
        scenario.with_overrides({path: value})
    except ScenarioError:
        return False
    return True


def _narrow(scenario: Scenario, path: str, x0: float, bound: float) -> float:
    if _accepts(scenario, path, bound):
        return bound
    if (bound < 0 <= x0 or x0 <= 0 < bound) and _accepts(scenario, path, 0.0):
        return 0.0
    for _ in range(30):
        bound = x0 + (bound - x0) / 2.0
        if _accepts(scenario, path, bound):
            return bound
    return x0


def parameter_table(scenario: str | Scenario = "baseline",
                    sections: tuple[str, ...] = SECTIONS) -> pd.DataFrame:
    """Every numeric field of ``sections``: value, source, and whether it is calibrated.

    Columns: path, value, source, calibrated (bool), reason (why not, or the
    bounds rule), low, high.
    """
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    rows: list[dict[str, Any]] = []
    for section in sections:
        obj = getattr(spec, section)
        hints = typing.get_type_hints(type(obj))
        for f in dataclasses.fields(obj):
            if f.name == "sources":
                continue
            path = f"{section}.{f.name}"
            source = obj.sources.get(f.name)
            value = getattr(obj, f.name)
            base = {"path": path, "source": source if source is not None else "",
                    "low": math.nan, "high": math.nan}
            if not _is_estimate(source):
                rows.append({**base, "value": value, "calibrated": False,
                             "reason": "has a source"})
                continue
            if path in EXCLUDED:
                rows.append({**base, "value": value, "calibrated": False,
                             "reason": EXCLUDED[path]})
                continue
            hint = hints.get(f.name)
            if hint is int or isinstance(value, bool):
                rows.append({**base, "value": value, "calibrated": False,
                             "reason": "an integer field (count or months)"})
                continue
            if isinstance(value, dict) and all(isinstance(v, int | float) and not
                                               isinstance(v, bool) for v in value.values()):
                items = [(f"{path}.{k}", float(v)) for k, v in value.items()]
            elif isinstance(value, int | float):
                items = [(path, float(value))]
            else:
                rows.append({**base, "value": value, "calibrated": False,
                             "reason": "not a number"})
                continue
            for p, x0 in items:
                lo, hi, rule = bounds_rule(p, x0)
                lo2, hi2 = _narrow(spec, p, x0, lo), _narrow(spec, p, x0, hi)
                if (lo2, hi2) != (lo, hi):
                    rule += " (narrowed to the valid range)"
                calibrated = hi2 > lo2
                rows.append({**base, "path": p, "value": x0, "calibrated": calibrated,
                             "reason": rule if calibrated else "no valid range around x0",
                             "low": lo2, "high": hi2})
    return pd.DataFrame(rows)


def estimated_parameters(scenario: str | Scenario = "baseline",
                         sections: tuple[str, ...] = SECTIONS,
                         table: pd.DataFrame | None = None) -> list[Parameter]:
    """The calibrated parameters of ``scenario`` (estimates, with their bounds).

    Args:
        scenario: Packaged name, TOML path or Scenario.
        sections: Scenario sections to look in.
        table: A :func:`parameter_table` already computed (then the other
            arguments are ignored).
    """
    t = parameter_table(scenario, sections) if table is None else table
    t = t[t["calibrated"]]
    return [Parameter(r.path, float(r.value), float(r.low), float(r.high), r.reason, r.source)
            for r in t.itertuples()]
