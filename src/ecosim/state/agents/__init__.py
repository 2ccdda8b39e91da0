"""Mesa agent classes: columns and views only; each agent is a view over one row of its table.

The vocabulary their columns hold (roles, stages, kinds) is in :mod:`ecosim.vocab`.
"""

from ecosim.state.agents.factory import Factory
from ecosim.state.agents.founder import TIE_SLOTS, Founder
from ecosim.state.agents.institute import Institute
from ecosim.state.agents.investor import Investor
from ecosim.state.agents.startup import Startup

#: Agent classes in the order the model builds their tables.
AGENT_CLASSES = (Institute, Factory, Investor, Startup, Founder)

__all__ = ["AGENT_CLASSES", "TIE_SLOTS", "Factory", "Founder", "Institute", "Investor", "Startup"]
