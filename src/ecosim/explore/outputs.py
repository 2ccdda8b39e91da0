"""What each run of an exploration keeps (registered experiment outputs).

Workers import this module (``Experiment.imports``), so the outputs exist in
every process:

* ``activity``: per calendar year and city, the activity the ranking scores
  (:func:`ecosim.outputs.ranking.activity_indicators`);
* ``policy_outcomes``: one row: the capital region's share of funding in the
  last year, graduate retention after three years (pooled over cohorts,
  nationally and per institute city) and what the policy paid and allotted
  (full-scale KRW over the run, per lever and in total).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecosim.experiments.registry import register_output
from ecosim.outputs.ranking import activity_indicators
from ecosim.vocab import LEVERS

if TYPE_CHECKING:
    import pandas as pd

    from ecosim.model import EcosystemModel

__all__ = ["policy_outcomes"]


def policy_outcomes(model: EcosystemModel) -> dict[str, float]:
    """One run's outcomes besides ranks (see the module docstring)."""
    last = model.month
    row: dict[str, float] = {
        "capital_share_funding": model.capital_share_of_funding(max(1, last - 11), last)}
    ret = model.retention_frame()
    ret = ret[ret["horizon_months"] == 36]
    row["retention_36m"] = (float(ret["retained"].sum() / ret["cohort"].sum())
                            if ret["cohort"].sum() else float("nan"))
    by_city = ret.groupby("city", observed=True)[["retained", "cohort"]].sum()
    for city, r in by_city.iterrows():
        row[f"retention_36m:{city}"] = (float(r["retained"] / r["cohort"]) if r["cohort"]
                                        else float("nan"))
    levers = model.world.levers
    for k in LEVERS:
        row[f"paid_krw:{k}"] = float(levers.paid_krw[k])
    row["cost_krw"] = float(sum(levers.paid_krw.values()))
    row["allotted_krw"] = float(sum(levers.allotted_krw.values()))
    return row


def _activity(model: EcosystemModel) -> pd.DataFrame:
    return activity_indicators(model.city_frame(), model.spec)


register_output("activity", _activity, replace=True)
register_output("policy_outcomes", policy_outcomes, replace=True)
