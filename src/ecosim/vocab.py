"""The model's vocabulary, defined once: roles, actions, stages, outcomes, kinds.

Every other place derives from these enums: the names a scenario file uses
(``ACTIONS``, ``STAGES``, ... are the members' lower-case names, in value
order), the integer codes stored in tables, and the constants kernels compare
against (kernels use the members themselves; Numba compiles an ``IntEnum``
member to its value). ``tests/test_vocab.py`` checks that none of them can
disagree.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "ACTIONS",
    "DEGREES",
    "INSTITUTE_KINDS",
    "INVESTOR_KINDS",
    "LEVERS",
    "ROLE_OF_ACTION",
    "ROUND_STAGES",
    "STAGES",
    "Action",
    "Degree",
    "Departure",
    "InstituteKind",
    "InvestorKind",
    "Lever",
    "Outcome",
    "Phase",
    "Role",
    "Stage",
    "names",
]


class Role(IntEnum):
    """What a person is doing; each person has exactly one role."""

    SEARCHING = 0
    STUDENT = 1
    RESEARCHER = 2
    STARTUP_EMPLOYEE = 3
    CORPORATE_EMPLOYEE = 4
    FOUNDER = 5


class Action(IntEnum):
    """What a searcher can choose in a city."""

    STARTUP_JOB = 0
    CORPORATE_JOB = 1
    RESEARCH = 2
    FOUND = 3


class Degree(IntEnum):
    """Highest degree; ``NONE`` for people of the initial stock."""

    NONE = -1
    BS = 0
    MS = 1
    PHD = 2


class Stage(IntEnum):
    """A startup's funding stage. A round leads to the next stage."""

    PRE_SEED = 0
    SEED = 1
    SERIES_A = 2
    SERIES_B = 3
    SERIES_C_PLUS = 4


class InstituteKind(IntEnum):
    """Kind of institute."""

    INSTITUTE = 0
    UNIVERSITY = 1
    RESEARCH_INSTITUTE = 2


class InvestorKind(IntEnum):
    """Kind of investor."""

    VC = 0
    FUND_OF_FUNDS = 1
    REGIONAL_FUND = 2
    CORPORATE_VC = 3
    ANGEL = 4
    GROWTH = 5  # late-stage (growth) funds: Series B and later


class Outcome(IntEnum):
    """What settlement decides for a startup this month."""

    CONTINUES = 0
    DIES = 1
    ACQUIRED = 2
    IPO = 3
    MATURES = 4  # self-sustaining past ``firms.maturity_months``: no longer a startup


class Departure(IntEnum):
    """Whether a person leaves the model this month, and why."""

    STAYS = 0
    RETIRES = 1
    EMIGRATES = 2
    EXITS = 3


class Lever(IntEnum):
    """The four levers of a Startup City package."""

    TALENT = 0
    COMMERCIALIZATION = 1
    INVESTMENT = 2
    INFRASTRUCTURE = 3


class Phase(IntEnum):
    """Random-number streams: one per phase of the month (DESIGN.md section 3)."""

    BUILD = 0
    GRADUATION = 1
    CAREER = 2
    MATCHING = 3
    FOUNDING = 4
    PROGRESS = 5
    FUNDRAISING = 6
    DEMONSTRATION = 7
    SETTLEMENT = 8
    REINVESTMENT = 9
    AGEING = 10
    SEARCH = 11
    RELOCATION = 12


def names(enum: type[IntEnum]) -> tuple[str, ...]:
    """The scenario-file names of ``enum``'s members: lower case, in value order.

    Negative members (placeholders such as ``Degree.NONE``) have no name in files.
    """
    return tuple(m.name.lower() for m in sorted(enum, key=int) if m >= 0)


#: Actions, as scenario files name them (``labour.monthly_wage_krw`` keys...).
ACTIONS: tuple[str, ...] = names(Action)
#: Degrees an institute awards.
DEGREES: tuple[str, ...] = names(Degree)
#: Startup stages.
STAGES: tuple[str, ...] = names(Stage)
#: Stages a funding round can lead to (a pre-seed startup raises a seed round).
ROUND_STAGES: tuple[str, ...] = STAGES[Stage.SEED:]
INSTITUTE_KINDS: tuple[str, ...] = names(InstituteKind)
INVESTOR_KINDS: tuple[str, ...] = names(InvestorKind)
LEVERS: tuple[str, ...] = names(Lever)

#: The role a person takes when an action succeeds.
ROLE_OF_ACTION: dict[Action, Role] = {
    Action.STARTUP_JOB: Role.STARTUP_EMPLOYEE,
    Action.CORPORATE_JOB: Role.CORPORATE_EMPLOYEE,
    Action.RESEARCH: Role.RESEARCHER,
    Action.FOUND: Role.FOUNDER,
}
