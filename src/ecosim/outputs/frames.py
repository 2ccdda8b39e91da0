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
from ecosim.state.agents import Founder
from ecosim.vocab import Outcome, Role

if TYPE_CHECKING:
    import mesa

    from ecosim.state.world import World

__all__ = [
    "ModelOutputs",
    "capital_net_inflow",
    "city_frame",
    "first_job_frame",
    "flow_frame",
    "flow_matrix",
    "founder_frame",
    "funding_matrix",
    "income_frame",
    "relocation_matrix",
    "retention_frame",
    "share_of_capital",
    "spinoff_frame",
    "survival_frame",
    "yearly_frame",
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


def survival_frame(world: World, ages: tuple[int, ...] = (12, 24, 36, 48, 60),
                   by_city: bool = False) -> pd.DataFrame:
    """Survival of each founding cohort (startups founded in one month) by age.

    A startup that exited or matured counts as surviving (it did not die).
    Columns: founded_month, (city,) age_months, founded, died (by that age),
    survival. Only ages a cohort has reached are listed.

    Args:
        world: The world.
        ages: Ages (months) at which survival is measured.
        by_city: One row per founding city too (the city it was founded in).
    """
    log = pd.DataFrame(world.log.foundings,
                       columns=["uid", "founded_month", "city", "spinoff_of"])
    ends = pd.DataFrame(world.log.endings, columns=["uid", "end_month", "outcome"])
    merged = log.merge(ends, on="uid", how="left")
    keys = ["founded_month", "city"] if by_city else ["founded_month"]
    rows = []
    for key, cohort in merged.groupby(keys):
        month = key[0] if isinstance(key, tuple) else key
        for age in ages:
            if month + age > world.month:
                break
            died = ((cohort["outcome"] == Outcome.DIES)
                    & (cohort["end_month"] <= month + age)).sum()
            row = {"founded_month": month, "age_months": age, "founded": len(cohort),
                   "died": int(died), "survival": 1.0 - died / len(cohort)}
            if by_city:
                row["city"] = world.cities.names[int(key[1])]
            rows.append(row)
    columns = ["founded_month", *(["city"] if by_city else []), "age_months", "founded", "died",
               "survival"]
    return pd.DataFrame(rows, columns=columns)


def _dates(world: World, months: pd.Series) -> pd.Series:
    """Calendar year of each model month."""
    spec = world.spec
    return (spec.start_year + (spec.start_month - 1 + months.clip(lower=1) - 1) // 12).astype(int)


def first_job_frame(world: World) -> pd.DataFrame:
    """Each graduate's first position: where, what, and how long after graduating.

    Columns: uid, institute, institute_city, graduated_month, month (of the
    first position), months_to_job, city, role (``startup_employee``,
    ``founder``, ...), stayed (the first job is in the institute's city).
    """
    frame = pd.DataFrame(world.log.first_jobs,
                         columns=["uid", "alma", "graduated_month", "month", "city", "role"])
    names = np.array(world.cities.names)
    inst = [i.name for i in world.spec.institutes]
    alma = frame["alma"].to_numpy()
    inst_city = world.static.institute_city[np.maximum(alma, 0)]
    out = pd.DataFrame({
        "uid": frame["uid"],
        "institute": [inst[a] if a >= 0 else "" for a in alma],
        "institute_city": names[inst_city],
        "graduated_month": frame["graduated_month"],
        "month": frame["month"],
        "months_to_job": frame["month"] - frame["graduated_month"],
        "city": names[frame["city"].to_numpy(dtype=np.int64)],
        "role": [Role(r).name.lower() for r in frame["role"]],
    })
    out["stayed"] = out["city"] == out["institute_city"]
    return out


def founder_frame(world: World) -> pd.DataFrame:
    """Every member of a founding team: where they came from, where they founded.

    Columns: month, year, startup, person, home_city, from_city (where they
    lived just before), founded_city, alma_mater (institute name, "" if none),
    moved (founded outside the city they lived in), returned (founded in their
    home city after living elsewhere).
    """
    frame = pd.DataFrame(world.log.founders, columns=["month", "startup", "person", "home",
                                                      "origin", "dest", "alma"])
    names = np.array(world.cities.names)
    inst = [i.name for i in world.spec.institutes]
    out = pd.DataFrame({
        "month": frame["month"],
        "year": _dates(world, frame["month"]),
        "startup": frame["startup"],
        "person": frame["person"],
        "home_city": names[frame["home"].to_numpy(dtype=np.int64)],
        "from_city": names[frame["origin"].to_numpy(dtype=np.int64)],
        "founded_city": names[frame["dest"].to_numpy(dtype=np.int64)],
        "alma_mater": [inst[a] if a >= 0 else "" for a in frame["alma"]],
    })
    out["moved"] = out["from_city"] != out["founded_city"]
    out["returned"] = out["moved"] & (out["founded_city"] == out["home_city"])
    return out


def spinoff_frame(world: World) -> pd.DataFrame:
    """Spin-offs (startups founded by an institute's researchers) by year and institute.

    Columns: year, institute, institute_city, spinoffs, founded_in_city (of
    which founded in the institute's own city).
    """
    frame = pd.DataFrame(world.log.foundings,
                         columns=["uid", "founded_month", "city", "spinoff_of"])
    frame = frame[frame["spinoff_of"] >= 0]
    names = np.array(world.cities.names)
    inst = [i.name for i in world.spec.institutes]
    home = world.static.institute_city[frame["spinoff_of"].to_numpy(dtype=np.int64)]
    frame = frame.assign(year=_dates(world, frame["founded_month"]),
                         institute=[inst[i] for i in frame["spinoff_of"]],
                         institute_city=names[home], local=frame["city"].to_numpy() == home)
    g = frame.groupby(["year", "institute", "institute_city"], sort=True)
    return pd.DataFrame({"spinoffs": g.size(), "founded_in_city": g["local"].sum()}).reset_index()


def income_frame(world: World) -> pd.DataFrame:
    """Pay of people who stayed in their home city and of those who moved, each December.

    Columns: year, home_city, moved (lives outside the home city), people,
    employed, mean_pay_krw (monthly, of the employed).
    """
    frame = pd.DataFrame(world.log.incomes, columns=["year", "home", "moved", "people",
                                                     "employed", "mean_pay_krw"])
    frame.insert(1, "home_city", np.array(world.cities.names)[frame.pop("home").to_numpy(
        dtype=np.int64)])
    return frame


def record_incomes(world: World) -> None:
    """Log this month's pay by home city and mover status (the model does, each December)."""
    people = world.population[Founder]
    alive = people.alive
    home = people["home_city"][alive].astype(np.int64)
    moved = people["city"][alive] != people["home_city"][alive]
    pay = people["pay_krw"][alive]
    employed = people["role"][alive] != Role.SEARCHING
    n = world.n_cities
    key = home * 2 + moved
    count = np.bincount(key, minlength=2 * n)
    working = np.bincount(key, weights=employed, minlength=2 * n)
    total = np.bincount(key, weights=pay * employed, minlength=2 * n)
    for k in np.flatnonzero(count):
        world.log.incomes.append((world.clock.calendar_year, int(k // 2), bool(k % 2),
                                  int(count[k]), int(working[k]),
                                  float(total[k] / working[k]) if working[k] else float("nan")))


def yearly_frame(world: World, collector: mesa.DataCollector) -> pd.DataFrame:
    """Startups, exits and unicorns by city and calendar year (complete or not).

    Columns: year, city, startups (December), foundings, deaths, matured,
    acquisitions, ipos, exits, exit_value_krw, unicorns (valued at US$1B or
    more in December), new_unicorns (first valued so that year),
    unicorns_ever (startups of the city ever counted as unicorns in the run,
    including those that have exited since), funding_krw.
    """
    f = city_frame(world, collector)
    f = f[f["month"] > 0].assign(year=lambda d: d["date"].str.slice(0, 4).astype(int))
    g = f.groupby(["year", "city"], observed=True)
    flows = ["foundings", "deaths", "matured", "acquisitions", "ipos", "exits",
             "exit_value_krw", "new_unicorns", "funding_krw"]
    out = g[flows].sum()
    last = f[f["month"] == f.groupby("year")["month"].transform("max")]
    out = out.join(last.set_index(["year", "city"])[["startups", "unicorns"]])
    out["unicorns_ever"] = out.groupby(level="city", observed=True)["new_unicorns"].cumsum()
    cols = ["startups", "foundings", "deaths", "matured", "acquisitions", "ipos", "exits",
            "exit_value_krw", "unicorns", "new_unicorns", "unicorns_ever", "funding_krw"]
    return out[cols].reset_index()


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

    def survival_frame(self, ages: tuple[int, ...] = (12, 24, 36, 48, 60),
                       by_city: bool = False) -> pd.DataFrame:
        """Survival of each founding cohort by age (and city); see :func:`survival_frame`."""
        return survival_frame(self.world, ages, by_city)

    def first_job_frame(self) -> pd.DataFrame:
        """Each graduate's first position; see :func:`first_job_frame`."""
        return first_job_frame(self.world)

    def founder_frame(self) -> pd.DataFrame:
        """Where founders came from and where they founded; see :func:`founder_frame`."""
        return founder_frame(self.world)

    def spinoff_frame(self) -> pd.DataFrame:
        """Spin-offs by year and institute; see :func:`spinoff_frame`."""
        return spinoff_frame(self.world)

    def income_frame(self) -> pd.DataFrame:
        """Pay of stayers and movers by home city, each December; see :func:`income_frame`."""
        return income_frame(self.world)

    def yearly_frame(self) -> pd.DataFrame:
        """Startups, exits and unicorns by city and year; see :func:`yearly_frame`."""
        return yearly_frame(self.world, self.datacollector)
