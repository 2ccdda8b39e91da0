"""What a run produces: tidy tables of cities, flows, retention, funding and survival.

Functions of a (finished or running) :class:`~ecosim.state.world.World` and
the model's DataCollector; :class:`ModelOutputs` offers them as methods of
:class:`~ecosim.model.EcosystemModel`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ecosim.outputs.metrics import CITY_METRICS
from ecosim.vocab import Outcome

if TYPE_CHECKING:
    import mesa

    from ecosim.state.world import World

__all__ = [
    "ModelOutputs",
    "capital_net_inflow",
    "city_frame",
    "flow_frame",
    "flow_matrix",
    "funding_matrix",
    "relocation_matrix",
    "retention_frame",
    "share_of_capital",
    "survival_frame",
]


def city_frame(world: World, collector: mesa.DataCollector) -> pd.DataFrame:
    """Tidy per-city indicators: one row per (month, city), one column per metric.

    Each row is the state at the end of calendar month ``date``; month 0 is
    the world as built, dated the month before the start.
    """
    wide = collector.get_model_vars_dataframe()
    wide.index = pd.RangeIndex(len(wide), name="month")
    cols = wide.columns.str.split(":", n=1, expand=True)
    wide.columns = pd.MultiIndex.from_arrays(
        [cols.get_level_values(0), cols.get_level_values(1)], names=["metric", "city"]
    )
    tidy = wide.stack("city", future_stack=True).reset_index()
    tidy["city"] = pd.Categorical(tidy["city"], categories=list(world.cities.names))
    tidy = tidy.sort_values(["month", "city"], kind="stable").reset_index(drop=True)
    spec = world.spec
    start = pd.Period(f"{spec.start_year}-{spec.start_month:02d}", freq="M")
    tidy.insert(1, "date", [str(start + int(m) - 1) for m in tidy["month"]])
    tidy = tidy[["month", "date", "city", *CITY_METRICS]]
    tidy.columns.name = None
    return tidy


def flow_frame(world: World) -> pd.DataFrame:
    """Movers between cities: one row per (month, origin, destination) with movers > 0."""
    names = list(world.cities.names)
    if not world.log.moves:
        return pd.DataFrame({"month": [], "origin": [], "destination": [], "movers": []})
    moves = np.stack(world.log.moves)
    month, origin, dest = np.nonzero(moves)
    return pd.DataFrame({
        "month": month + 1,
        "origin": pd.Categorical.from_codes(origin, categories=names),
        "destination": pd.Categorical.from_codes(dest, categories=names),
        "movers": moves[month, origin, dest],
    })


def _matrix(world: World, records: list[np.ndarray], first: int,
            last: int | None) -> pd.DataFrame:
    last = world.month if last is None else last
    names = list(world.cities.names)
    total = np.zeros((len(names), len(names)))
    for m in range(max(first, 1), last + 1):
        total += records[m - 1]
    return pd.DataFrame(total, index=pd.Index(names, name="origin"),
                        columns=pd.Index(names, name="destination"))


def flow_matrix(world: World, first: int = 1, last: int | None = None) -> pd.DataFrame:
    """Movers between cities summed over months ``first..last`` (origin x destination)."""
    return _matrix(world, world.log.moves, first, last).astype(np.int64)


def capital_net_inflow(world: World, first: int = 1, last: int | None = None) -> pd.Series:
    """Net movers into the capital region from each other city over months ``first..last``."""
    flows = flow_matrix(world, first, last).to_numpy()
    cap = world.cities.capital
    into = flows[:, cap].sum(axis=1) - flows[cap, :].sum(axis=0)
    names = np.array(world.cities.names)
    return pd.Series(into[~cap], index=pd.Index(names[~cap], name="origin"),
                     name="net_inflow_to_capital")


def retention_frame(world: World) -> pd.DataFrame:
    """Graduates' whereabouts 12, 36 and 60 months after graduating, per institute cohort.

    Columns: month, institute, city, horizon_months, cohort (size at
    graduation), present (still in the model), employed, retained (in the
    institute's city), employed_in_capital, retention (retained / cohort).
    """
    cols = ["month", "institute", "city", "horizon_months", "cohort", "present", "employed",
            "retained", "employed_in_capital"]
    frame = pd.DataFrame(world.log.retention, columns=cols)
    frame["retention"] = frame["retained"] / frame["cohort"]
    return frame


def share_of_capital(world: World, values: np.ndarray) -> float:
    """The capital region's share of per-city ``values`` (NaN when they sum to zero)."""
    values = np.asarray(values, dtype=np.float64)
    total = values.sum()
    return float(values[world.cities.capital].sum() / total) if total else float("nan")


def funding_matrix(world: World, first: int = 1, last: int | None = None) -> pd.DataFrame:
    """Funding (KRW) by investor city (rows) x startup city (columns), months first..last."""
    m = _matrix(world, world.log.funding, first, last)
    m.index.name, m.columns.name = "investor_city", "startup_city"
    return m


def relocation_matrix(world: World, first: int = 1, last: int | None = None) -> pd.DataFrame:
    """Head offices moved, origin x destination, over months first..last."""
    return _matrix(world, world.log.relocations, first, last).astype(np.int64)


def survival_frame(world: World, ages: tuple[int, ...] = (12, 24, 36, 48, 60)) -> pd.DataFrame:
    """Survival of each founding cohort (startups founded in one month) by age.

    A startup that exited counts as surviving (it did not die). Columns:
    founded_month, age_months, founded, died (by that age), survival.
    Only ages a cohort has reached are listed.
    """
    log = pd.DataFrame(world.log.foundings, columns=["uid", "founded_month", "city"])
    ends = pd.DataFrame(world.log.endings, columns=["uid", "end_month", "outcome"])
    merged = log.merge(ends, on="uid", how="left")
    rows = []
    for month, cohort in merged.groupby("founded_month"):
        for age in ages:
            if month + age > world.month:
                break
            died = ((cohort["outcome"] == Outcome.DIES)
                    & (cohort["end_month"] <= month + age)).sum()
            rows.append({"founded_month": month, "age_months": age, "founded": len(cohort),
                         "died": int(died), "survival": 1.0 - died / len(cohort)})
    return pd.DataFrame(rows, columns=["founded_month", "age_months", "founded", "died",
                                       "survival"])


class ModelOutputs:
    """The output tables as methods of a model that has ``world`` and ``datacollector``."""

    world: World
    datacollector: mesa.DataCollector
    last_metrics: dict[str, np.ndarray]

    def city_frame(self) -> pd.DataFrame:
        """Tidy per-city indicators; see :func:`city_frame`.

        Built once per collected month (a run's outputs ask for it more than
        once); each call returns its own copy.
        """
        collector = self.datacollector
        key = (id(collector), len(next(iter(collector.model_vars.values()), ())))
        cached = getattr(self, "_city_frame_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, city_frame(self.world, collector))
            self._city_frame_cache = cached
        return cached[1].copy()

    def flow_frame(self) -> pd.DataFrame:
        """Movers between cities by month; see :func:`flow_frame`."""
        return flow_frame(self.world)

    def flow_matrix(self, first: int = 1, last: int | None = None) -> pd.DataFrame:
        """Movers between cities summed over months ``first..last``."""
        return flow_matrix(self.world, first, last)

    def capital_net_inflow(self, first: int = 1, last: int | None = None) -> pd.Series:
        """Net movers into the capital region from each other city over ``first..last``."""
        return capital_net_inflow(self.world, first, last)

    def retention_frame(self) -> pd.DataFrame:
        """Graduates' whereabouts after 12, 36 and 60 months; see :func:`retention_frame`."""
        return retention_frame(self.world)

    def capital_share(self, metric: str = "talent") -> float:
        """Capital region's share of ``metric`` (a city metric) this month."""
        return share_of_capital(self.world, self.last_metrics[metric])

    def funding_matrix(self, first: int = 1, last: int | None = None) -> pd.DataFrame:
        """Funding (KRW) by investor city x startup city, months ``first..last``."""
        return funding_matrix(self.world, first, last)

    def relocation_matrix(self, first: int = 1, last: int | None = None) -> pd.DataFrame:
        """Head offices moved, origin x destination, over months ``first..last``."""
        return relocation_matrix(self.world, first, last)

    def capital_share_of_funding(self, first: int = 1, last: int | None = None) -> float:
        """Capital region's share of funding received by startups, months ``first..last``."""
        return share_of_capital(self.world,
                                funding_matrix(self.world, first, last).to_numpy().sum(axis=0))

    def survival_frame(self, ages: tuple[int, ...] = (12, 24, 36, 48, 60)) -> pd.DataFrame:
        """Survival of each founding cohort by age; see :func:`survival_frame`."""
        return survival_frame(self.world, ages)
