"""Which policy gets closest: exploratory analysis over uncertainties and levers.

The vocabulary of exploratory modelling (EMA Workbench, robust decision
making) over the Startup City question::

    from ecosim.explore import ExploreSpec, explore

    spec = ExploreSpec.from_toml("experiments/explore_korea.toml")
    result = explore(spec)            # or: ecosim explore experiments/explore_korea.toml

* :mod:`~ecosim.explore.spec`: :class:`ExploreSpec` (uncertainties, levers,
  outcomes, search, discovery), validation (:class:`ExploreError`).
* :mod:`~ecosim.explore.levers`: the lever space and the policies it gives.
* :mod:`~ecosim.explore.sampling`: Latin hypercube and Sobol samples.
* :mod:`~ecosim.explore.evaluate`: running policies through the experiment
  executors and ranking them (:class:`ModelEvaluator`).
* :mod:`~ecosim.explore.stats`: robust statistics over the cases.
* :mod:`~ecosim.explore.search`: the robust search (optuna), the frontier
  and the inverse question.
* :mod:`~ecosim.explore.discovery`: PRIM boxes (EMA Workbench).
* :mod:`~ecosim.explore.job`: :func:`explore`, the whole job; ``plots``, its figures.
* :mod:`~ecosim.explore.toy`: a toy world with a known optimum.
"""

from ecosim.explore.discovery import Box, find_boxes
from ecosim.explore.evaluate import ExploreRunError, ModelEvaluator
from ecosim.explore.job import ExploreResult, explore
from ecosim.explore.levers import LeverSpace, Policy
from ecosim.explore.search import Answer, PolicySearch, SearchResult
from ecosim.explore.spec import (
    Discovery,
    ExploreError,
    ExploreSpec,
    Levers,
    Outcomes,
    Search,
    Uncertainties,
)
from ecosim.explore.toy import ToyWorld

__all__ = [
    "Answer",
    "Box",
    "Discovery",
    "ExploreError",
    "ExploreResult",
    "ExploreRunError",
    "ExploreSpec",
    "LeverSpace",
    "Levers",
    "ModelEvaluator",
    "Outcomes",
    "Policy",
    "PolicySearch",
    "Search",
    "SearchResult",
    "ToyWorld",
    "Uncertainties",
    "explore",
    "find_boxes",
]
