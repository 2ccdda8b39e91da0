"""Startup: a young firm with a head office in one city."""

from __future__ import annotations

from ecosim.state.tables import TableAgent


class Startup(TableAgent):
    """A startup.

    Columns:
        city: Index of the head-office city.
        origin_city: Index of the city where it was founded.
        sector: Index of its sector.
        stage: :class:`~ecosim.vocab.Stage`.
        rounds: Funding rounds raised so far (a Series C+ startup keeps raising:
            D, E, ...; each round buys more capacity to grow).
        founded_month: Model month of founding (-1: founded before the run).
        cash_krw: Cash (KRW).
        headcount: Employees including founders (persons).
        valuation_krw: Valuation (KRW): the larger of the last round's
            post-money and ``arr_multiple`` times yearly revenue, so it moves
            with the business between rounds (0 before any revenue or round).
        post_money_krw: Post-money valuation of the last round (KRW).
        round_traction: Traction at the last round (the next round is priced at
            least at the last post-money grown with revenue since).
        total_raised_krw: Capital raised to date (KRW).
        quality: Latent quality (investors see it with noise).
        traction: Market traction (log scale; revenue = revenue_krw * exp(traction)).
        revenue_krw: Monthly revenue (KRW).
        founder_equity: Share of the company the founders still own.
        months_since_round: Months since the last round (or founding).
        demos: Demonstrations completed with factories.
        spinoff_of: Row of the institute it was spun off from (-1: none).
        moves: Head-office relocations so far.
        partner: ``uid`` of the factory of its last demonstration (-1: none).
        founders: Founders still working for it (included in ``headcount``).
        unicorn_month: Model month it was first valued at US$1B or more (-1: never).
    """

    columns = {
        "city": "i2",
        "origin_city": "i2",
        "sector": "i1",
        "stage": "i1",
        "rounds": "i2",
        "founded_month": "i4",
        "cash_krw": "f8",
        "headcount": "i4",
        "valuation_krw": "f8",
        "post_money_krw": "f8",
        "round_traction": "f8",
        "total_raised_krw": "f8",
        "quality": "f8",
        "traction": "f8",
        "revenue_krw": "f8",
        "founder_equity": "f8",
        "months_since_round": "i4",
        "demos": "i2",
        "spinoff_of": "i4",
        "moves": "i2",
        "partner": "i8",
        "founders": "i2",
        "unicorn_month": "i4",
    }
    defaults = {"founded_month": -1, "founder_equity": 1.0, "spinoff_of": -1, "partner": -1,
                "unicorn_month": -1}
