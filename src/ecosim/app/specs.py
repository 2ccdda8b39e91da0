"""The page's charts as Vega-Lite templates, built with Altair once and filled each step.

Each ``*_template`` function builds its chart from named, empty datasets and
returns the validated Vega-Lite dict, cached; :func:`fill` puts one step's
rows into a copy. Every chart renders as SVG, so its marks carry their values
as ARIA labels (what screen readers, and the browser test, read).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import altair as alt

from ecosim.app.boundary import korea_outline

__all__ = ["MAP_SIZE_METRICS", "SERIES", "fill", "flow_template", "map_template",
           "rank_template", "series_template", "share_template"]

Spec = dict[str, Any]

#: What the circles on the map can be sized by.
MAP_SIZE_METRICS = ("talent", "startups")

#: The time series panels: dataset name -> title.
SERIES = {
    "talent": "Talent (persons)",
    "startups": "Startups",
    "funding_bn_krw": "Funding raised since the start (KRW bn)",
}

_USERMETA = {"embedOptions": {"renderer": "svg", "actions": False}}
_WIDTH = 400
_RED = "#c0392b"


def fill(template: Spec, data: dict[str, list[dict]],
         title: str | dict[str, str] | None = None) -> Spec:
    """A copy of ``template`` with its named datasets set to ``data`` (and a title).

    ``title`` is a string or Vega-Lite's ``{"text": ..., "subtitle": ...}``.
    """
    spec = dict(template)
    spec["datasets"] = {**template.get("datasets", {}), **data}
    if title is not None:
        spec["title"] = title
    return spec


def _done(chart: alt.TopLevelMixin) -> Spec:
    return chart.properties(usermeta=_USERMETA).to_dict()


@cache
def map_template(size: str, colour: str, outline: bool) -> Spec:
    """The map: Korea's outline (if ``outline``), net-mover arrows, city circles and names.

    Datasets: ``cities`` (city, lat, lon, size, colour), ``arrows`` (origin,
    destination, movers, lon0, lat0, lon1, lat1, heading).
    """
    cities, arrows = alt.Data(name="cities"), alt.Data(name="arrows")
    layers = []
    if outline:
        layers.append(alt.Chart(alt.Data(values=korea_outline()["features"])).mark_geoshape(
            fill="#eeebe4", stroke="#8c8c8c", strokeWidth=0.8))
    tip = [alt.Tooltip("origin:N"), alt.Tooltip("destination:N"),
           alt.Tooltip("movers:Q", format=",.0f", title="net movers")]
    layers.append(alt.Chart(arrows).mark_rule(color=_RED, opacity=0.75).encode(
        longitude="lon0:Q", latitude="lat0:Q", longitude2="lon1:Q", latitude2="lat1:Q",
        strokeWidth=alt.StrokeWidth("movers:Q", scale=alt.Scale(range=[1, 7]), legend=None),
        tooltip=tip))
    layers.append(alt.Chart(arrows).mark_point(
        shape="triangle-up", filled=True, color=_RED, opacity=0.9).encode(
        longitude="lon1:Q", latitude="lat1:Q", angle=alt.Angle("heading:Q", scale=None),
        size=alt.Size("movers:Q", scale=alt.Scale(range=[30, 160]), legend=None),
        tooltip=tip))
    tip = [alt.Tooltip("city:N"), alt.Tooltip("size:Q", format=",.0f", title=size)]
    if colour != size:
        tip.append(alt.Tooltip("colour:Q", format=",.4~g", title=colour))
    layers.append(alt.Chart(cities).mark_circle(stroke="#333", strokeWidth=0.8,
                                                opacity=0.85).encode(
        longitude="lon:Q", latitude="lat:Q",
        size=alt.Size("size:Q", scale=alt.Scale(range=[40, 1500]),
                      legend=alt.Legend(title=size, format="~s")),
        color=alt.Color("colour:Q", scale=alt.Scale(scheme="viridis"),
                        legend=alt.Legend(title=colour, format="~s")),
        tooltip=tip))
    layers.append(alt.Chart(cities).mark_text(dy=-13, fontSize=10).encode(
        longitude="lon:Q", latitude="lat:Q", text="city:N"))
    return _done(alt.layer(*layers).project(type="mercator").properties(
        width=_WIDTH - 150, height=255))


@cache
def series_template() -> Spec:
    """Talent, startups and funding per city, one panel each; datasets named as :data:`SERIES`."""
    panels = [
        alt.Chart(alt.Data(name=name)).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
            x=alt.X("month:Q", title="month" if name == list(SERIES)[-1] else None,
                    axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format="~s")),
            color=alt.Color("city:N", legend=alt.Legend(title=None)),
            tooltip=["date:N", "city:N", alt.Tooltip("value:Q", format=",.0f", title=title)],
        ).properties(width=_WIDTH - 110, height=72, title=alt.TitleParams(title, fontSize=11))
        for name, title in SERIES.items()]
    return _done(alt.vconcat(*panels, spacing=6).resolve_scale(color="shared"))


@cache
def share_template() -> Spec:
    """The capital region's shares by month; dataset ``shares`` (month, date, measure, share)."""
    return _done(alt.Chart(alt.Data(name="shares")).mark_line(
        point=alt.OverlayMarkDef(size=12)).encode(
        x=alt.X("month:Q", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("share:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("measure:N", legend=alt.Legend(orient="bottom", title=None)),
        tooltip=["date:N", "measure:N", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=_WIDTH - 40, height=220))


@cache
def rank_template() -> Spec:
    """World rank per city (log scale, 1 at the top) and the top-100 line.

    Dataset: ``ranks`` (city, rank, score, top100).
    """
    y_scale = alt.Scale(type="log", domain=[1, 3000], reverse=True, nice=False)
    top = alt.Data(values=[{"rank": 100, "label": "top 100"}])
    line = alt.Chart(top).mark_rule(color=_RED, strokeDash=[5, 3]).encode(
        y=alt.Y("rank:Q", scale=y_scale, title="world rank (log)"))
    label = alt.Chart(top).mark_text(align="left", dx=4, dy=-6, color=_RED).encode(
        y="rank:Q", x=alt.value(0), text="label:N")
    ranks = alt.Data(name="ranks")
    x = alt.X("city:N", title=None, sort=alt.EncodingSortField("rank", order="ascending"),
              axis=alt.Axis(labelAngle=-30))
    dots = alt.Chart(ranks).mark_circle(size=150).encode(
        x=x, y="rank:Q",
        color=alt.Color("top100:N", scale=alt.Scale(domain=["in top 100", "outside"],
                                                    range=["#1e8449", "#7f8c8d"]),
                        legend=alt.Legend(title=None, orient="bottom")),
        tooltip=["city:N", alt.Tooltip("rank:Q", format=".0f"),
                 alt.Tooltip("score:Q", format=",.2f")])
    text = alt.Chart(ranks).mark_text(dy=-14).encode(
        x=x, y="rank:Q", text=alt.Text("rank:Q", format=".0f"))
    return _done(alt.layer(line, label, dots, text).properties(
        width=_WIDTH - 60, height=220))


@cache
def flow_template(cities: tuple[str, ...]) -> Spec:
    """Origin x destination movers, ``cities`` in order; dataset ``flows``.

    Rows: origin, destination, movers, dark (label drawn in white).
    """
    base = alt.Chart(alt.Data(name="flows")).encode(
        x=alt.X("destination:N", sort=list(cities), axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("origin:N", sort=list(cities)))
    cells = base.mark_rect().encode(
        color=alt.Color("movers:Q", scale=alt.Scale(scheme="blues", type="symlog"),
                        legend=alt.Legend(format="~s", title="movers")),
        tooltip=["origin:N", "destination:N", alt.Tooltip("movers:Q", format=",.0f")])
    text = base.mark_text(fontSize=9).encode(
        text=alt.Text("movers:Q", format="~s"),
        color=alt.condition("datum.dark", alt.value("white"), alt.value("black")))
    return _done(alt.layer(cells, text).properties(width=_WIDTH - 140, height=200))
