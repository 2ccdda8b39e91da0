"""Mesa agent classes; each is a view over one row of its model's table."""

from ecosim.agents.factory import Factory
from ecosim.agents.founder import ROLE_OF_ACTION, TIE_SLOTS, Action, Degree, Founder, Role
from ecosim.agents.institute import Institute, InstituteKind
from ecosim.agents.investor import Investor, InvestorKind
from ecosim.agents.startup import Stage, Startup

#: Agent classes in the order the model builds their tables.
AGENT_CLASSES = (Institute, Factory, Investor, Startup, Founder)

__all__ = [
    "AGENT_CLASSES",
    "ROLE_OF_ACTION",
    "TIE_SLOTS",
    "Action",
    "Degree",
    "Factory",
    "Founder",
    "Institute",
    "InstituteKind",
    "Investor",
    "InvestorKind",
    "Role",
    "Stage",
    "Startup",
]
