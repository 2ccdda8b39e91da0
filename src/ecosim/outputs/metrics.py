"""Per-city indicators and graduate retention, observed at the end of each month.

The model records :func:`city_snapshot` with its DataCollector and appends
:func:`retention_records` to the world's log every month.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import TYPE_CHECKING

import mesa
import numpy as np

from ecosim.state.agents import Factory, Founder, Investor, Startup
from ecosim.state.books import MonthFlows
from ecosim.vocab import STAGES, Role

if TYPE_CHECKING:
    from ecosim.state.world import World

__all__ = ["CITY_METRICS", "RETENTION_HORIZONS", "CityCollector", "city_snapshot",
           "count_by_city", "retention_records"]

#: Metrics recorded per city and month, with their meaning.
CITY_METRICS: dict[str, str] = {
    "talent": "technical workers living in the city (persons, at model scale)",
    "searching": "of whom without a position",
    "researchers": "of whom researchers",
    "founders": "of whom founders",
    "startup_employees": "of whom startup employees",
    "corporate_employees": "of whom employees of factories and established firms",
    "graduates": "degrees awarded this month by the city's institutes",
    "hires": "positions filled this month in the city",
    "inflow": "people who moved into the city this month",
    "outflow": "people who moved out of the city this month",
    "would_found": "searchers in the city who chose to found a company this month",
    "retirements": "people who retired this month",
    "emigrations": "people who emigrated abroad this month",
    "career_exits": "searchers who left technical work this month",
    "startups": "startups with their head office in the city",
    **{f"stage_{s}": f"of which at stage {s}" for s in STAGES},
    "raised_stock_krw": "capital raised to date by the city's live startups (KRW)",
    "unicorns": "of which valued at US$1B or more",
    "unicorn_value_krw": "their combined valuation (KRW)",
    "new_unicorns": "startups valued at US$1B or more for the first time this month",
    "foundings": "startups founded in the city this month",
    "deaths": "startups that ran out of cash this month",
    "exits": "startups acquired or listed this month",
    "acquisitions": "of which acquired",
    "ipos": "of which listed (IPO)",
    "matured": "startups that became established firms this month (self-sustaining, past "
               "the maturity age)",
    "exit_value_krw": "value of this month's exits (KRW)",
    "rounds": "funding rounds raised by the city's startups this month",
    "funding_krw": "capital raised by the city's startups this month (KRW)",
    "investment_krw": "capital invested by the city's investors this month (KRW)",
    "angel_funding_krw": "capital raised by the city's startups from angels this month (KRW)",
    "demonstrations": "factory demonstrations won by the city's startups this month",
    "relocations_in": "head offices moved into the city this month",
    "relocations_out": "head offices moved out of the city this month",
    "investors": "investors based in the city",
    "new_angels": "founders who became angel investors this month",
    "factories": "factories in the city (not counting the aggregate of other firms)",
}

#: Months after graduation at which retention is measured.
RETENTION_HORIZONS = (12, 36, 60)

#: Metrics that count the month's events: the fields of MonthFlows.
_FLOW_METRICS = tuple(f.name for f in dataclasses.fields(MonthFlows))

#: Roles a person can hold (every value of Role is below this).
_N_ROLES = max(Role) + 1

_ROLE_METRICS = {
    "searching": Role.SEARCHING,
    "researchers": Role.RESEARCHER,
    "founders": Role.FOUNDER,
    "startup_employees": Role.STARTUP_EMPLOYEE,
    "corporate_employees": Role.CORPORATE_EMPLOYEE,
}


def count_by_city(table, mask: np.ndarray | None, n_cities: int) -> np.ndarray:
    """Live rows of ``table`` per city, optionally restricted to ``mask``."""
    keep = table.alive if mask is None else table.alive & mask
    return np.bincount(table["city"][keep], minlength=n_cities)


def city_snapshot(world: World, flows: MonthFlows) -> dict[str, np.ndarray]:
    """All :data:`CITY_METRICS` for this month, each of shape (C,).

    Args:
        world: The world at the end of the month.
        flows: The month's events, as the phases returned them.
    """
    n = world.n_cities
    pop = world.population
    people = pop[Founder]
    census = world.kernels.census  # one pass per table: rows per (city, role or stage)
    roles = census(people["city"], people["role"], people.alive, n, _N_ROLES).T.copy()
    out = {name: roles[r] for name, r in _ROLE_METRICS.items()}
    out["talent"] = roles.sum(axis=0)
    su = pop[Startup]
    stages = census(su["city"], su["stage"], su.alive, n, len(STAGES)).T.copy()
    out["startups"] = stages.sum(axis=0)
    for i, stage in enumerate(STAGES):
        out[f"stage_{stage}"] = stages[i]
    out["raised_stock_krw"] = np.bincount(su["city"][su.alive],
                                          weights=su["total_raised_krw"][su.alive], minlength=n)
    unicorn = su.alive & (su["valuation_krw"] >= world.spec.firms.unicorn_krw)
    out["unicorns"] = np.bincount(su["city"][unicorn], minlength=n)
    out["unicorn_value_krw"] = np.bincount(su["city"][unicorn],
                                           weights=su["valuation_krw"][unicorn], minlength=n)
    out["investors"] = count_by_city(pop[Investor], None, n)
    out["factories"] = count_by_city(pop[Factory], pop[Factory]["group"] >= 0, n)
    for f in _FLOW_METRICS:
        out[f] = np.asarray(getattr(flows, f))
    return {k: out[k] for k in CITY_METRICS}


def retention_records(world: World) -> list[dict]:
    """Where each institute's graduates are, 1, 3 and 5 years after graduating.

    For the cohort that graduated ``h`` months ago (h in :data:`RETENTION_HORIZONS`),
    per institute: its size at graduation, how many are still in the model,
    employed, in the institute's city (retained), and employed in the capital
    region. People who retired, emigrated or left technical work count in the
    cohort but not as retained.

    Args:
        world: The world; its log holds the graduating cohorts.
    """
    people = world.population[Founder]
    inst_city = world.static.institute_city
    n_inst = len(inst_city)
    month = world.month
    records = []
    for h in RETENTION_HORIZONS:
        size = world.log.cohorts.get(month - h)
        if size is None or not size.any():  # no ceremony that month: no records
            continue
        mask = people.alive & (people["graduated_month"] == month - h)
        alma = people["alma_mater"][mask]
        city = people["city"][mask]
        employed = people["role"][mask] != Role.SEARCHING
        home = city == inst_city[alma]
        capital = world.cities.capital[city]
        counts = {
            "present": np.bincount(alma, minlength=n_inst),
            "employed": np.bincount(alma[employed], minlength=n_inst),
            "retained": np.bincount(alma[home], minlength=n_inst),
            "employed_in_capital": np.bincount(alma[employed & capital], minlength=n_inst),
        }
        for i, inst in enumerate(world.spec.institutes):
            if size[i] == 0:
                continue
            records.append({
                "month": month, "institute": inst.name, "city": inst.city,
                "horizon_months": h, "cohort": int(size[i]),
                **{k: int(v[i]) for k, v in counts.items()},
            })
    return records


def _city_metric(model, metric: str, city: int) -> int:
    return int(model.last_metrics[metric][city])


class CityCollector(mesa.DataCollector):
    """A Mesa DataCollector with one model reporter per (metric, city), named ``"metric:city"``.

    Each reporter reads ``model.last_metrics[metric][city]`` as an int. While the
    reporters are only these, :meth:`collect` reads each metric's array once
    instead of calling (and deep-copying the result of) a reporter per cell:
    the same values, about ten times faster. Any reporter a user adds (model,
    agent or agent-type) sends it through Mesa's own ``collect``.

    Args:
        city_names: The cities, in index order.
    """

    def __init__(self, city_names: tuple[str, ...] | list[str]):
        """One reporter per (metric of :data:`CITY_METRICS`, city)."""
        cells = [(f"{metric}:{name}", metric, c) for metric in CITY_METRICS
                 for c, name in enumerate(city_names)]
        super().__init__(model_reporters={
            var: partial(_city_metric, metric=metric, city=c) for var, metric, c in cells})
        self._cells = cells
        self._own = {var: self.model_reporters[var] for var, _, _ in cells}

    def collect(self, model) -> None:
        """Record every reporter's value for this step (see the class docstring)."""
        if (self.agent_reporters or self.agenttype_reporters
                or self.model_reporters != self._own or type(self.model_vars) is not dict):
            super().collect(model)
            return
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        last = model.last_metrics
        values = {metric: last[metric].tolist() for metric in CITY_METRICS}
        model_vars = self.model_vars
        for var, metric, c in self._cells:
            model_vars[var].append(int(values[metric][c]))
