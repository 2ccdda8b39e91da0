"""Solara components of the page: each draws one view of the model and redraws after a step.

Each is a function of the model, as SolaraViz's ``components`` expects; it
subscribes to Mesa's ``update_counter`` so that Step, Play and Reset redraw it.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import solara
import solara.widgets
from mesa.visualization.utils import update_counter

from ecosim.app import views

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

__all__ = ["COMPONENTS", "CapitalShares", "Chart", "CityMap", "FlowMatrix", "PolicyInForce",
           "Ranks", "TimeSeries"]


def Chart(spec: dict[str, Any]):
    """A Vega-Lite spec (a dict) as Solara's chart widget, which ``FigureAltair`` also uses."""
    return solara.widgets.VegaLite.element(spec=spec, listen_to_click=False,
                                           listen_to_hover=False)


@solara.component
def CityMap(model: EcosystemModel):
    """The map of cities and net movers, with pickers for what sets size and colour."""
    update_counter.get()
    size, set_size = solara.use_state("talent")
    colour, set_colour = solara.use_state("startups")
    with solara.Column(classes=["ecosim-map"]):
        with solara.Row():
            solara.Select("Size by", value=size, values=list(views.MAP_SIZE_METRICS),
                          on_value=set_size)
            solara.Select("Colour by", value=colour, values=list(views.MAP_COLOUR_METRICS),
                          on_value=set_colour)
        Chart(views.map_chart(model, size, colour))


@solara.component
def TimeSeries(model: EcosystemModel):
    """Talent, startups and funding since the start per city."""
    update_counter.get()
    with solara.Column(classes=["ecosim-series"]):
        Chart(views.series_chart(model))


@solara.component
def CapitalShares(model: EcosystemModel):
    """The capital region's shares over time."""
    update_counter.get()
    with solara.Column(classes=["ecosim-shares"]):
        Chart(views.capital_share_chart(model))


@solara.component
def Ranks(model: EcosystemModel):
    """The latest complete year's world rank per city, with the top-100 line."""
    update_counter.get()
    with solara.Column(classes=["ecosim-ranks"]):
        Chart(views.rank_chart(model))


@solara.component
def FlowMatrix(model: EcosystemModel):
    """Movers between cities since the start."""
    update_counter.get()
    with solara.Column(classes=["ecosim-flows"]):
        Chart(views.flow_chart(model))


@solara.component
def PolicyInForce(model: EcosystemModel):
    """The run's scenario, scale, seed and Startup City packages, as a table."""
    update_counter.get()
    spec = model.spec
    table = views.policy_table(model)
    head = (f"<p><b>{escape(spec.name)}</b> at scale {spec.scale:g}, seed "
            f"{escape(str(model.scenario.rng))}, month {model.month} "
            f"(end of {views.date_of(model)})</p>")
    if table.empty:
        body = "<p>No Startup City packages in force.</p>"
    else:
        cols = ["city", "budget (KRW bn/yr)", *table.columns[2:]]
        rows = "".join(
            f"<tr><td>{escape(row.city)}</td><td>{row.budget_bn_krw:g}</td>"
            + "".join(f"<td>{v:.0%}</td>" for v in row[2:]) + "</tr>"
            for row in table.itertuples(index=False))
        body = ('<table style="font-size:13px;border-spacing:10px 2px"><thead><tr>'
                + "".join(f"<th>{escape(c)}</th>" for c in cols)
                + f"</tr></thead><tbody>{rows}</tbody></table>")
    # Plain HTML: solara.Markdown would load KaTeX from a CDN.
    solara.HTML(tag="div", unsafe_innerHTML=head + body, classes=["ecosim-policy"])


#: The page's components, in grid order (SolaraViz ``components``).
COMPONENTS = [CityMap, TimeSeries, Ranks, CapitalShares, FlowMatrix, PolicyInForce]
