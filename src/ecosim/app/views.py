"""What the page shows: tables of a (running) model and Vega-Lite charts of them.

Plain functions of an :class:`~ecosim.model.EcosystemModel`, with no Solara in
them, so they are tested on a tiny model without a browser. Counts and money
are full-scale equivalents (model values divided by the scenario's ``scale``),
so runs at different scales compare directly.

Each chart is built with Altair once per layout, with named, empty data
(:mod:`ecosim.app.specs`); every step only fills in the data, because building
and validating an Altair chart costs more than a month of the model.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ecosim.app import specs
from ecosim.app.boundary import korea_outline, outline_bounds
from ecosim.outputs.metrics import CITY_METRICS
from ecosim.outputs.ranking import city_scores
from ecosim.vocab import LEVERS

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

__all__ = [
    "MAP_COLOUR_METRICS",
    "MAP_SIZE_METRICS",
    "SERIES",
    "capital_share_chart",
    "capital_share_frame",
    "city_table",
    "date_of",
    "flow_chart",
    "flow_table",
    "map_chart",
    "net_migration",
    "policy_table",
    "rank_chart",
    "rank_table",
    "series_chart",
    "series_frame",
]

#: What the circles on the map can be sized by.
MAP_SIZE_METRICS = specs.MAP_SIZE_METRICS

#: What the circles can be coloured by: every city metric and the net movers so far.
MAP_COLOUR_METRICS = ("startups", "talent", "net_movers", *(
    m for m in CITY_METRICS if m not in ("startups", "talent")))

#: The time series panels: column of :func:`series_frame` -> title.
SERIES = specs.SERIES

Spec = dict[str, Any]

# Per model, results that only change when the model steps: {key: (month, value)}.
_memo: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _once_a_month(model: EcosystemModel, key: Any, compute: Callable[[], Any]) -> Any:
    store = _memo.setdefault(model, {})
    month, value = store.get(key, (None, None))
    if month != model.month:
        value = compute()
        store[key] = (model.month, value)
    return value


def _rows(**columns: Any) -> list[dict[str, Any]]:
    """JSON-ready rows from equal-length columns: Python scalars, NaN as null.

    Plain lists instead of ``DataFrame.to_dict``: a step redraws every chart,
    and pandas' per-call overhead on these small tables was most of it.
    """
    lists = []
    for values in columns.values():
        seq = values.tolist() if isinstance(values, np.ndarray | pd.Series) else list(values)
        lists.append([None if isinstance(x, float) and math.isnan(x) else x for x in seq])
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of a DataFrame (see :func:`_rows`)."""
    return _rows(**{str(c): frame[c] for c in frame.columns})


def _dates(model: EcosystemModel) -> list[str]:
    """Calendar month ("YYYY-MM") of model months 0..month (month 0: before the start)."""
    s = model.spec
    first = s.start_year * 12 + s.start_month - 2
    return [f"{(first + m) // 12}-{(first + m) % 12 + 1:02d}" for m in range(model.month + 1)]


def date_of(model: EcosystemModel) -> str:
    """The calendar month ("YYYY-MM") whose end the model's current state is."""
    return _dates(model)[-1]


# --------------------------------------------------------------------------- map


def city_table(model: EcosystemModel) -> pd.DataFrame:
    """This month's metrics per city, full-scale equivalents, with coordinates.

    Columns: city, lat, lon, every :data:`~ecosim.outputs.metrics.CITY_METRICS`
    and ``net_movers`` (movers in minus out since the start).
    """
    spec = model.spec
    flows = _flows(model)
    return pd.DataFrame({
        "city": list(spec.city_names),
        "lat": [c.lat for c in spec.cities],
        "lon": [c.lon for c in spec.cities],
        **{name: np.asarray(model.last_metrics[name], dtype=np.float64) / spec.scale
           for name in CITY_METRICS},
        "net_movers": (flows.sum(axis=0) - flows.sum(axis=1)) / spec.scale,
    })


def _flows(model: EcosystemModel) -> np.ndarray:
    """Movers origin x destination since the start (model scale), once a month."""
    return _once_a_month(model, "flows",
                         lambda: model.flow_matrix().to_numpy(dtype=np.float64))


def net_migration(model: EcosystemModel) -> pd.DataFrame:
    """Net movers between each pair of cities since the start (full-scale equivalents).

    One row per pair with a net flow: origin, destination, movers (> 0), the
    end points of an arrow from origin to three quarters of the way to the
    destination (``lon0, lat0, lon1, lat1``) and its heading (degrees
    clockwise from north).
    """
    spec = model.spec
    flows = _flows(model)
    net = (flows - flows.T) / spec.scale
    rows = []
    for i, a in enumerate(spec.cities):
        for j, b in enumerate(spec.cities):
            if net[i, j] > 0:
                east = (b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
                rows.append({"origin": a.name, "destination": b.name, "movers": net[i, j],
                             "lon0": a.lon, "lat0": a.lat,
                             "lon1": a.lon + 0.75 * (b.lon - a.lon),
                             "lat1": a.lat + 0.75 * (b.lat - a.lat),
                             "heading": math.degrees(math.atan2(east, b.lat - a.lat))})
    return pd.DataFrame(rows, columns=["origin", "destination", "movers", "lon0", "lat0",
                                       "lon1", "lat1", "heading"])


def _outline_covers(cities: pd.DataFrame, margin: float = 1.0) -> bool:
    lon0, lat0, lon1, lat1 = outline_bounds(korea_outline())
    return bool(cities["lon"].between(lon0 - margin, lon1 + margin).all()
                and cities["lat"].between(lat0 - margin, lat1 + margin).all())


def map_chart(model: EcosystemModel, size: str = "talent", colour: str = "startups") -> Spec:
    """Cities at their coordinates, sized by ``size``, coloured by ``colour``, net movers as arrows.

    Korea's outline (:func:`~ecosim.app.boundary.korea_outline`) is drawn
    under the cities when it covers them.

    Returns:
        A Vega-Lite spec with datasets ``cities`` (city, lat, lon, size,
        colour) and ``arrows`` (:func:`net_migration`).

    Raises:
        ValueError: ``size`` or ``colour`` is not a metric the map can show.
    """
    if size not in MAP_SIZE_METRICS:
        raise ValueError(f"size = {size!r}: allowed is one of {', '.join(MAP_SIZE_METRICS)}")
    if colour not in MAP_COLOUR_METRICS:
        raise ValueError(f"colour = {colour!r}: allowed is one of "
                         f"{', '.join(MAP_COLOUR_METRICS)}")
    table = city_table(model)
    cities = _rows(city=table["city"], lat=table["lat"], lon=table["lon"],
                   size=table[size], colour=table[colour])
    template = specs.map_template(size, colour, _outline_covers(table))
    return specs.fill(template, {"cities": cities, "arrows": _records(net_migration(model))},
                      title=f"Month {model.month}: cities and net movers")


# --------------------------------------------------------------------------- time series


def _series(model: EcosystemModel) -> dict[str, np.ndarray]:
    """Columns of :func:`series_frame` as arrays, month-major, computed once a month."""
    def compute() -> dict[str, np.ndarray]:
        mv = model.datacollector.model_vars
        names = list(model.spec.city_names)
        n_months = model.month + 1
        scale = model.spec.scale

        def by_month(metric: str) -> np.ndarray:  # (months, cities)
            return np.column_stack([np.asarray(mv[f"{metric}:{c}"], dtype=np.float64)
                                    for c in names])

        return {
            "month": np.repeat(np.arange(n_months), len(names)),
            "date": np.repeat(np.array(_dates(model), dtype=object), len(names)),
            "city": np.tile(np.array(names, dtype=object), n_months),
            "talent": (by_month("talent") / scale).ravel(),
            "startups": (by_month("startups") / scale).ravel(),
            "funding_bn_krw": (np.cumsum(by_month("funding_krw"), axis=0) / scale / 1e9).ravel(),
        }

    return _once_a_month(model, "series", compute)


def series_frame(model: EcosystemModel) -> pd.DataFrame:
    """Month, date, city and the :data:`SERIES` columns, full-scale equivalents.

    Read from the model's DataCollector (one list per ``"metric:city"``).
    """
    return pd.DataFrame(_series(model))


def series_chart(model: EcosystemModel) -> Spec:
    """Talent, startups and funding since the start, per city, one panel each.

    Returns:
        A Vega-Lite spec with one dataset per :data:`SERIES` column (month,
        date, city, value).
    """
    a = _series(model)
    data = {col: _rows(month=a["month"], date=a["date"], city=a["city"], value=a[col])
            for col in SERIES}
    return specs.fill(specs.series_template(), data)


def capital_share_frame(model: EcosystemModel) -> pd.DataFrame:
    """The capital region's share of talent, startups and funding since the start, by month.

    Columns: month, date, measure, share (NaN while a measure's total is zero).
    """
    a = _series(model)
    names = model.spec.city_names
    capital = np.isin(np.array(names, dtype=object), model.spec.capital_region)
    n_months = model.month + 1
    parts = []
    for measure, col in (("talent", "talent"), ("startups", "startups"),
                         ("funding since start", "funding_bn_krw")):
        values = a[col].reshape(n_months, len(names))
        total = values.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, values[:, capital].sum(axis=1) / total, np.nan)
        parts.append((measure, share))
    return pd.DataFrame({
        "month": np.tile(np.arange(n_months), len(parts)),
        "date": _dates(model) * len(parts),
        "measure": np.repeat([m for m, _ in parts], n_months),
        "share": np.concatenate([sh for _, sh in parts]),
    })


def capital_share_chart(model: EcosystemModel) -> Spec:
    """Lines of the capital region's shares by month (dataset ``shares``)."""
    return specs.fill(specs.share_template(), {"shares": _records(capital_share_frame(model))},
                      title=f"Capital region's share ({', '.join(model.spec.capital_region)})")


# --------------------------------------------------------------------------- rank


def _complete_years(model: EcosystemModel) -> tuple[int, ...]:
    years = [int(d[:4]) for d in _dates(model)[1:]]
    return tuple(y for y in sorted(set(years)) if years.count(y) == 12)


def rank_table(model: EcosystemModel) -> pd.DataFrame:
    """World rank per ranked city in each complete simulated year (empty before the first).

    Computed by :func:`ecosim.outputs.ranking.city_scores`, once per completed year.
    """
    cols = ["year", "city", "quantity", "quality", "business", "score", "rank"]
    years = _complete_years(model)
    if not years:
        return pd.DataFrame(columns=cols)
    store = _memo.setdefault(model, {})
    if store.get("rank_years") != years:
        store["rank"] = city_scores(model.city_frame(), model.spec)
        store["rank_years"] = years
    return store["rank"]


def rank_chart(model: EcosystemModel) -> Spec:
    """The latest complete year's world rank per ranked city, with the top-100 line.

    Returns:
        A Vega-Lite spec with dataset ``ranks`` (city, rank, score, top100),
        empty before the first complete year, when the subtitle says so.
    """
    scores = rank_table(model)
    if scores.empty:
        note = (f"Ranks appear after the first complete calendar year "
                f"(now: end of {date_of(model)}, month {model.month})")
        return specs.fill(specs.rank_template(), {"ranks": []},
                          title={"text": "World rank", "subtitle": note})
    year = int(scores["year"].max())
    d = scores[scores["year"] == year][["city", "rank", "score"]].sort_values("rank")
    d = d.assign(top100=np.where(d["rank"] <= 100, "in top 100", "outside"))
    return specs.fill(specs.rank_template(), {"ranks": _records(d)},
                      title=f"World rank in {year} (StartupBlink-style score)")


# --------------------------------------------------------------------------- flows, policy


def flow_table(model: EcosystemModel) -> pd.DataFrame:
    """Movers since the start, full-scale equivalents: origin, destination, movers."""
    names = np.array(model.spec.city_names, dtype=object)
    return pd.DataFrame({"origin": np.repeat(names, len(names)),
                         "destination": np.tile(names, len(names)),
                         "movers": (_flows(model) / model.spec.scale).ravel()})


def flow_chart(model: EcosystemModel) -> Spec:
    """The migration flow matrix since the start (dataset ``flows``, origin rows)."""
    names = np.array(model.spec.city_names, dtype=object)
    movers = (_flows(model) / model.spec.scale).ravel()
    rows = _rows(origin=np.repeat(names, len(names)), destination=np.tile(names, len(names)),
                 movers=movers, dark=movers > movers.max() / 2)
    return specs.fill(specs.flow_template(tuple(model.spec.city_names)), {"flows": rows},
                      title=f"Movers between cities, months 1-{model.month}")


def policy_table(model: EcosystemModel) -> pd.DataFrame:
    """The Startup City packages in force: city, budget (KRW bn a year), lever shares."""
    rows = [{"city": p.city, "budget_bn_krw": p.budget_krw / 1e9, **p.levers}
            for p in model.spec.policy.packages]
    return pd.DataFrame(rows, columns=["city", "budget_bn_krw", *LEVERS])
