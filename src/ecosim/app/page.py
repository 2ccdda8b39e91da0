"""The SolaraViz page: ``solara run ecosim.app.page`` (or ``ecosim app``) serves it.

Every browser session gets its own model, built from the controls' starting
values; Reset rebuilds it from the values set in the sidebar.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from ecosim.app.assets import prefill_chart_scripts
from ecosim.app.components import COMPONENTS
from ecosim.app.controls import AppModel, initial_values, model_params

__all__ = ["Page"]

prefill_chart_scripts()  # the charts' scripts from solara-assets, not from a CDN

TITLE = "ecosim: Startup City explorer"


@solara.component
def Page():
    """One session's page: controls in the sidebar, the model's views in the grid."""
    params = solara.use_memo(model_params, dependencies=[])
    model = solara.use_memo(lambda: AppModel(**initial_values(params)), dependencies=[])
    SolaraViz(model, components=list(COMPONENTS), model_params=params, name=TITLE)
