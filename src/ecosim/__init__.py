"""ecosim: agent-based simulation of regional startup ecosystems.

Mesa agents (founders, startups, institutes, investors, factories) are views over
struct-of-arrays tables; each monthly phase is one Numba kernel over those arrays.
"""

from ecosim.inputs.scenario import Scenario, ScenarioError, load_scenario, packaged_scenarios

__version__ = "0.1.0"

__all__ = [
    "EcosystemModel",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "packaged_scenarios",
]


def __getattr__(name: str):
    # The model imports Mesa and Numba; keep `import ecosim` cheap for scenario work.
    if name == "EcosystemModel":
        from ecosim.model import EcosystemModel

        return EcosystemModel
    raise AttributeError(f"module 'ecosim' has no attribute {name!r}")
