"""The run's books: money ledger, cap table, logs, and the typed flow records of a month.

* :class:`Ledger`: every won that enters or leaves the stock of investors' dry
  powder plus startups' cash, so that the stock can be checked against it.
* :class:`CapTable`: one row per investment (startup, investor, amount, equity).
* :class:`RunLog`: what the outputs need from past months (graduating cohorts,
  movers, funding and relocation matrices, retention records, foundings and
  endings of startups).
* Flow records: what each phase returns (:class:`Careers`, :class:`Foundings`,
  :class:`Fundraising`, :class:`Settlements`, :class:`Relocations`,
  :class:`Departures`) and the month's per-city events (:class:`MonthFlows`),
  typed so that a missing flow is an error, never a silent zero.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ecosim.state.tables import Table, index_of

__all__ = [
    "INFLOWS",
    "OUTFLOWS",
    "CapTable",
    "Careers",
    "Departures",
    "Foundings",
    "Fundraising",
    "Ledger",
    "MonthFlows",
    "Relocations",
    "RunLog",
    "Settlements",
]

#: Money coming into the stock of dry powder and startup cash.
INFLOWS = ("commitments", "founder_capital", "grants", "revenue", "exit_returns",
           "angel_commitments")
#: Money leaving it.
OUTFLOWS = ("spent", "cash_removed")


class Ledger:
    """Cumulative money flows (KRW) by name, with the stock they must explain."""

    def __init__(self, opening_stock: float):
        """Start from the opening stock of dry powder plus startup cash."""
        self.opening_stock = float(opening_stock)
        self.totals: dict[str, float] = defaultdict(float)

    def add(self, name: str, amount: float) -> None:
        """Record ``amount`` KRW under ``name`` (one of :data:`INFLOWS` or :data:`OUTFLOWS`)."""
        self.totals[name] += float(amount)

    def expected_stock(self) -> float:
        """Opening stock plus inflows minus outflows."""
        return (self.opening_stock + sum(self.totals[k] for k in INFLOWS)
                - sum(self.totals[k] for k in OUTFLOWS))


class CapTable:
    """Who holds what in which startup: one row per investment made in the run.

    Rows hold uids (startups' and investors'), the amount invested (KRW), the
    equity the investor holds now (diluted by later rounds) and the month.
    Holders from before the run are not modelled.
    """

    def __init__(self) -> None:
        """An empty cap table."""
        self.deals = Table({"startup": "i8", "investor": "i8", "amount_krw": "f8",
                            "equity": "f8", "month": "i4"})

    def add(self, startups: np.ndarray, investors: np.ndarray, amount_krw: np.ndarray,
            equity: np.ndarray, month: int) -> None:
        """Record one investment per element (uids, KRW, equity share)."""
        self.deals.add(len(startups), startup=startups, investor=investors,
                       amount_krw=amount_krw, equity=equity, month=month)

    def rows_of(self, startup_uids: np.ndarray) -> np.ndarray:
        """Cap-table rows of these startups."""
        d = self.deals
        return np.flatnonzero(d.alive & np.isin(d["startup"], startup_uids))

    def dilute(self, startup_uids: np.ndarray, factor: np.ndarray) -> None:
        """Scale existing holders' equity in these startups by ``factor`` (pre / post money)."""
        d = self.deals
        rows = self.rows_of(startup_uids)
        d["equity"][rows] *= factor[index_of(startup_uids, d["startup"][rows])]

    def claims(self, startup_uids: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What each holder is owed from exits of ``value`` (KRW) in these startups.

        Returns:
            (investor uids, KRW), one element per cap-table row of the startups.
        """
        d = self.deals
        rows = self.rows_of(startup_uids)
        paid = d["equity"][rows] * value[index_of(startup_uids, d["startup"][rows])]
        return d["investor"][rows], paid

    def forget(self, startup_uids: np.ndarray) -> None:
        """Drop the rows of startups that ended."""
        self.deals.remove(self.rows_of(startup_uids))


@dataclass
class RunLog:
    """Records kept from past months for the outputs.

    Attributes:
        cohorts: Graduates per institute, by model month of graduation.
        moves: (C, C) movers per month, origin x destination.
        funding: (C, C) KRW per month, investor city x startup city.
        relocations: (C, C) head offices moved per month.
        retention: Retention records (see ``ecosim.outputs.metrics``).
        foundings: (uid, month, city, spin-off institute or -1) of each startup
            founded in the run.
        founders: (month, startup uid, person uid, home city, city lived in,
            city founded in, alma mater or -1) of each member of a founding team.
        first_jobs: (person uid, alma mater, graduation month, month, city,
            role) of each graduate's first position.
        incomes: Yearly (December) pay of people by home city and whether they
            moved: (year, home city, moved, people, employed, mean pay of the employed).
        endings: (uid, month, outcome) of each startup that died, exited or matured.
        new_startups: (C,) startups founded per month, by city.
        startup_entrants: (C,) people who took a startup job or founded a
            company per month, by city.
    """

    cohorts: dict[int, np.ndarray] = field(default_factory=dict)
    moves: list[np.ndarray] = field(default_factory=list)
    funding: list[np.ndarray] = field(default_factory=list)
    relocations: list[np.ndarray] = field(default_factory=list)
    retention: list[dict] = field(default_factory=list)
    foundings: list[tuple[int, int, int, int]] = field(default_factory=list)
    founders: list[tuple[int, int, int, int, int, int, int]] = field(default_factory=list)
    first_jobs: list[tuple[int, int, int, int, int, int]] = field(default_factory=list)
    incomes: list[tuple[int, int, bool, int, int, float]] = field(default_factory=list)
    endings: list[tuple[int, int, int]] = field(default_factory=list)
    new_startups: list[np.ndarray] = field(default_factory=list)
    startup_entrants: list[np.ndarray] = field(default_factory=list)

    def record_foundings(self, uids: np.ndarray, cities: np.ndarray, spinoff_of: np.ndarray,
                         month: int) -> None:
        """Log startups founded this month (for survival curves and spin-offs)."""
        self.foundings.extend(zip(uids.tolist(), [month] * len(uids), cities.tolist(),
                                  spinoff_of.tolist(), strict=True))

    def record_first_jobs(self, uids: np.ndarray, alma: np.ndarray, graduated: np.ndarray,
                          cities: np.ndarray, roles: np.ndarray, month: int) -> None:
        """Log graduates' first positions (one record per graduate, ever)."""
        self.first_jobs.extend(zip(uids.tolist(), alma.tolist(), graduated.tolist(),
                                   [month] * len(uids), cities.tolist(), roles.tolist(),
                                   strict=True))

    def record_endings(self, uids: np.ndarray, outcomes: np.ndarray, month: int) -> None:
        """Log startups that died or exited this month (for survival curves)."""
        self.endings.extend(zip(uids.tolist(), [month] * len(uids), outcomes.tolist(),
                                strict=True))


# --------------------------------------------------------------------------- flow records


@dataclass(frozen=True)
class Careers:
    """Career choice and job matching (steps 2-3).

    Attributes:
        hires: Positions filled, by destination city, (C,).
        would_found: Searchers who chose to found a company, by city, (C,).
        moves: (C, C) people who changed city, origin x destination.
        hired_rows: Founder-table rows of the people who took a new position.
        startup_hire_rows: Of those, the ones who took a startup job.
        founder_rows: Founder-table rows of this month's founders.
        founder_city: The city each of them founds in.
    """

    hires: np.ndarray
    would_found: np.ndarray
    moves: np.ndarray
    hired_rows: np.ndarray
    startup_hire_rows: np.ndarray
    founder_rows: np.ndarray
    founder_city: np.ndarray


@dataclass(frozen=True)
class Foundings:
    """Startups founded (step 4).

    Attributes:
        foundings: Startups founded, by city, (C,).
        moves: (C, C) people of the founding teams who changed city.
        team_rows: Founder-table rows of every member of the founding teams.
    """

    foundings: np.ndarray
    moves: np.ndarray
    team_rows: np.ndarray


@dataclass(frozen=True)
class Fundraising:
    """Rounds of the month (step 6).

    Attributes:
        funding_krw: Capital raised, by startup city, (C,).
        investment_krw: Capital invested, by investor city, (C,).
        angel_funding_krw: Capital raised from angels, by startup city, (C,).
        rounds: Rounds raised, by startup city, (C,).
        funding: (C, C) KRW, investor city x startup city.
    """

    funding_krw: np.ndarray
    investment_krw: np.ndarray
    angel_funding_krw: np.ndarray
    rounds: np.ndarray
    funding: np.ndarray


@dataclass(frozen=True)
class Settlements:
    """Deaths, exits and new unicorns (step 8), per city (C,) each; exit value in KRW.

    Attributes:
        deaths: Startups that ran out of cash.
        acquisitions: Startups acquired.
        ipos: Startups listed.
        exit_value_krw: Value of the exits (KRW).
        new_unicorns: Startups valued at US$1B or more for the first time.
        matured: Startups that became established firms (self-sustaining, past
            the maturity age).
    """

    deaths: np.ndarray
    acquisitions: np.ndarray
    ipos: np.ndarray
    exit_value_krw: np.ndarray
    new_unicorns: np.ndarray
    matured: np.ndarray


@dataclass(frozen=True)
class Relocations:
    """Head offices moved (step 8): ``relocations`` and ``moves`` of their staff, (C, C) each."""

    relocations: np.ndarray
    moves: np.ndarray


@dataclass(frozen=True)
class Departures:
    """People who left the model (step 10), per city (C,) each."""

    retirements: np.ndarray
    emigrations: np.ndarray
    career_exits: np.ndarray


@dataclass(frozen=True)
class MonthFlows:
    """Every per-city event count of one month, (C,) each (the flow metrics of a city).

    Attributes:
        graduates: Degrees awarded by the city's institutes.
        hires: Positions filled in the city.
        inflow: People who moved into the city.
        outflow: People who moved out of the city.
        would_found: Searchers in the city who chose to found a company.
        retirements: People who retired.
        emigrations: People who emigrated abroad.
        career_exits: Searchers who left technical work.
        foundings: Startups founded in the city.
        deaths: Startups that ran out of cash.
        exits: Startups acquired or listed.
        acquisitions: Startups acquired.
        ipos: Startups listed.
        exit_value_krw: Value of the exits (KRW).
        new_unicorns: Startups valued at US$1B or more for the first time.
        matured: Startups that became established firms.
        rounds: Funding rounds raised by the city's startups.
        funding_krw: Capital raised by the city's startups (KRW).
        investment_krw: Capital invested by the city's investors (KRW).
        angel_funding_krw: Capital raised by the city's startups from angels (KRW).
        demonstrations: Factory demonstrations won by the city's startups.
        relocations_in: Head offices moved into the city.
        relocations_out: Head offices moved out of the city.
        new_angels: Founders who became angel investors.
    """

    graduates: np.ndarray
    hires: np.ndarray
    inflow: np.ndarray
    outflow: np.ndarray
    would_found: np.ndarray
    retirements: np.ndarray
    emigrations: np.ndarray
    career_exits: np.ndarray
    foundings: np.ndarray
    deaths: np.ndarray
    exits: np.ndarray
    acquisitions: np.ndarray
    ipos: np.ndarray
    exit_value_krw: np.ndarray
    new_unicorns: np.ndarray
    matured: np.ndarray
    rounds: np.ndarray
    funding_krw: np.ndarray
    investment_krw: np.ndarray
    angel_funding_krw: np.ndarray
    demonstrations: np.ndarray
    relocations_in: np.ndarray
    relocations_out: np.ndarray
    new_angels: np.ndarray

    @classmethod
    def zeros(cls, n_cities: int) -> MonthFlows:
        """No events (the world as built, month 0)."""
        return cls(**{f.name: np.zeros(n_cities, dtype=np.int64)
                      for f in dataclasses.fields(cls)})

    @classmethod
    def of_month(cls, graduates: np.ndarray, careers: Careers, foundings: Foundings,
                 fundraising: Fundraising, demonstrations: np.ndarray,
                 settlements: Settlements, relocations: Relocations, new_angels: np.ndarray,
                 departures: Departures) -> tuple[MonthFlows, np.ndarray]:
        """The month's flows from what the phases returned, and the (C, C) movers matrix."""
        moves = careers.moves + foundings.moves + relocations.moves
        flows = cls(
            graduates=graduates, hires=careers.hires, inflow=moves.sum(axis=0),
            outflow=moves.sum(axis=1), would_found=careers.would_found,
            retirements=departures.retirements, emigrations=departures.emigrations,
            career_exits=departures.career_exits, foundings=foundings.foundings,
            deaths=settlements.deaths, exits=settlements.acquisitions + settlements.ipos,
            acquisitions=settlements.acquisitions, ipos=settlements.ipos,
            exit_value_krw=settlements.exit_value_krw, new_unicorns=settlements.new_unicorns,
            matured=settlements.matured,
            rounds=fundraising.rounds,
            funding_krw=fundraising.funding_krw, investment_krw=fundraising.investment_krw,
            angel_funding_krw=fundraising.angel_funding_krw, demonstrations=demonstrations,
            relocations_in=relocations.relocations.sum(axis=0),
            relocations_out=relocations.relocations.sum(axis=1), new_angels=new_angels,
        )
        return flows, moves
