"""What a run produces: tidy tables of cities, flows, retention, funding and survival.

:class:`ModelOutputs` is mixed into :class:`~ecosim.model.EcosystemModel`; it
reads the records the model keeps while it runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecosim.metrics import CITY_METRICS

__all__ = ["ModelOutputs"]


class ModelOutputs:
    """Output tables of a model run (mixed into EcosystemModel)."""

    def city_frame(self) -> pd.DataFrame:
        """Tidy per-city indicators: one row per (month, city), one column per metric.

        Each row is the state at the end of calendar month ``date``; month 0 is
        the world as built, dated the month before the start.
        """
        wide = self.datacollector.get_model_vars_dataframe()
        wide.index = pd.RangeIndex(len(wide), name="month")
        cols = wide.columns.str.split(":", n=1, expand=True)
        wide.columns = pd.MultiIndex.from_arrays(
            [cols.get_level_values(0), cols.get_level_values(1)], names=["metric", "city"]
        )
        tidy = wide.stack("city", future_stack=True).reset_index()
        tidy["city"] = pd.Categorical(tidy["city"], categories=list(self.cities.names))
        tidy = tidy.sort_values(["month", "city"], kind="stable").reset_index(drop=True)
        start = pd.Period(f"{self.spec.start_year}-{self.spec.start_month:02d}", freq="M")
        tidy.insert(1, "date", [str(start + int(m) - 1) for m in tidy["month"]])
        tidy = tidy[["month", "date", "city", *CITY_METRICS]]
        tidy.columns.name = None
        return tidy

    def flow_frame(self) -> pd.DataFrame:
        """Movers between cities: one row per (month, origin, destination) with movers > 0."""
        names = list(self.cities.names)
        if not self._moves:
            return pd.DataFrame({"month": [], "origin": [], "destination": [], "movers": []})
        moves = np.stack(self._moves)
        month, origin, dest = np.nonzero(moves)
        return pd.DataFrame({
            "month": month + 1,
            "origin": pd.Categorical.from_codes(origin, categories=names),
            "destination": pd.Categorical.from_codes(dest, categories=names),
            "movers": moves[month, origin, dest],
        })

    def flow_matrix(self, first: int = 1, last: int | None = None) -> pd.DataFrame:
        """Movers between cities summed over months ``first..last`` (origin x destination)."""
        return self._matrix(self._moves, first, last).astype(np.int64)

    def capital_net_inflow(self, first: int = 1, last: int | None = None) -> pd.Series:
        """Net movers into the capital region from each other city over months ``first..last``."""
        flows = self.flow_matrix(first, last).to_numpy()
        cap = self.cities.capital
        into = flows[:, cap].sum(axis=1) - flows[cap, :].sum(axis=0)
        names = np.array(self.cities.names)
        return pd.Series(into[~cap], index=pd.Index(names[~cap], name="origin"),
                         name="net_inflow_to_capital")

    def retention_frame(self) -> pd.DataFrame:
        """Graduates' whereabouts 12, 36 and 60 months after graduating, per institute cohort.

        Columns: month, institute, city, horizon_months, cohort (size at
        graduation), present (still in the model), employed, retained (in the
        institute's city), employed_in_capital, retention (retained / cohort).
        """
        cols = ["month", "institute", "city", "horizon_months", "cohort", "present", "employed",
                "retained", "employed_in_capital"]
        frame = pd.DataFrame(self._retention, columns=cols)
        frame["retention"] = frame["retained"] / frame["cohort"]
        return frame

    def capital_share(self, metric: str = "talent") -> float:
        """Capital region's share of ``metric`` this month."""
        values = np.asarray(self.last_metrics[metric], dtype=np.float64)
        total = values.sum()
        return float(values[self.cities.capital].sum() / total) if total else float("nan")

    def _matrix(self, records: list[np.ndarray], first: int, last: int | None) -> pd.DataFrame:
        last = self.month if last is None else last
        names = list(self.cities.names)
        total = np.zeros((len(names), len(names)))
        for m in range(max(first, 1), last + 1):
            total += records[m - 1]
        return pd.DataFrame(total, index=pd.Index(names, name="origin"),
                            columns=pd.Index(names, name="destination"))

    def funding_matrix(self, first: int = 1, last: int | None = None) -> pd.DataFrame:
        """Funding (KRW) by investor city (rows) x startup city (columns), months first..last."""
        m = self._matrix(self._funding, first, last)
        m.index.name, m.columns.name = "investor_city", "startup_city"
        return m

    def relocation_matrix(self, first: int = 1, last: int | None = None) -> pd.DataFrame:
        """Head offices moved, origin x destination, over months first..last."""
        return self._matrix(self._relocations, first, last).astype(np.int64)

    def capital_share_of_funding(self, first: int = 1, last: int | None = None) -> float:
        """Capital region's share of funding received by startups, months first..last."""
        by_startup_city = self.funding_matrix(first, last).to_numpy().sum(axis=0)
        total = by_startup_city.sum()
        return float(by_startup_city[self.cities.capital].sum() / total) if total else float("nan")

    def survival_frame(self, ages: tuple[int, ...] = (12, 24, 36, 48, 60)) -> pd.DataFrame:
        """Survival of each founding cohort (startups founded in one month) by age.

        A startup that exited counts as surviving (it did not die). Columns:
        founded_month, age_months, founded, died (by that age), survival.
        Only ages a cohort has reached are listed.
        """
        log = pd.DataFrame(self._founding_log, columns=["uid", "founded_month", "city"])
        ends = pd.DataFrame(self._ending_log, columns=["uid", "end_month", "outcome"])
        merged = log.merge(ends, on="uid", how="left")
        rows = []
        for month, cohort in merged.groupby("founded_month"):
            for age in ages:
                if month + age > self.month:
                    break
                died = ((cohort["outcome"] == 1) & (cohort["end_month"] <= month + age)).sum()
                rows.append({"founded_month": month, "age_months": age, "founded": len(cohort),
                             "died": int(died), "survival": 1.0 - died / len(cohort)})
        return pd.DataFrame(rows, columns=["founded_month", "age_months", "founded", "died",
                                           "survival"])
