"""Startup: a young firm with a head office in one city."""

from __future__ import annotations

from enum import IntEnum

from ecosim.population import TableAgent


class Stage(IntEnum):
    """Funding stage."""

    PRE_SEED = 0
    SEED = 1
    SERIES_A = 2
    SERIES_B = 3
    SERIES_C_PLUS = 4


class Startup(TableAgent):
    """A startup.

    Columns:
        city: Index of the head-office city.
        origin_city: Index of the city where it was founded.
        sector: Index of its sector.
        stage: :class:`Stage`.
        founded_month: Model month of founding (-1: founded before the run).
        cash_krw: Cash (KRW).
        headcount: Employees including founders (persons).
        valuation_krw: Last post-money valuation (KRW).
        total_raised_krw: Capital raised to date (KRW).
    """

    columns = {
        "city": "i2",
        "origin_city": "i2",
        "sector": "i1",
        "stage": "i1",
        "founded_month": "i4",
        "cash_krw": "f8",
        "headcount": "i4",
        "valuation_krw": "f8",
        "total_raised_krw": "f8",
    }
    defaults = {"founded_month": -1}
