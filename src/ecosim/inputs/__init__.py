"""Inputs: the typed, validated scenario, its parameters and the packaged data.

Nothing here knows about agents or kernels: a scenario is plain data.
"""

from ecosim.inputs.scenario import (
    Scenario,
    ScenarioError,
    from_dict,
    load_scenario,
    packaged_scenarios,
    to_dict,
)

__all__ = ["Scenario", "ScenarioError", "from_dict", "load_scenario", "packaged_scenarios",
           "to_dict"]
