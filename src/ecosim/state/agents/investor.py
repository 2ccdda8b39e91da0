"""Investor: a VC firm, fund of funds, regional fund, corporate VC or angel."""

from __future__ import annotations

from ecosim.state.tables import TableAgent


class Investor(TableAgent):
    """An investor.

    Columns:
        city: Index of the city where it is based.
        kind: :class:`~ecosim.vocab.InvestorKind`.
        fund_size_krw: Committed capital (KRW).
        dry_powder_krw: Capital not yet invested (KRW).
        thesis: Bit mask of the sectors in its thesis (bit s = sector s).
        stages: Bit mask of the round stages it funds (bit r = ``ROUND_STAGES[r]``).
        invested_krw: Capital invested to date (KRW).
        returned_krw: Exit proceeds received to date (KRW).
        founder: ``uid`` of the founder whose exit wealth it invests (angels; -1 otherwise).
        budget_krw: What it may still invest under its deployment pace (KRW).
        represents: Real firms (or angels) this agent stands for at the model's
            scale; startups find investors in proportion to it.
        local: A local mandate (policy funds): its reach decays with distance as
            an angel's does.
    """

    columns = {
        "city": "i2",
        "kind": "i1",
        "fund_size_krw": "f8",
        "dry_powder_krw": "f8",
        "thesis": "i8",
        "stages": "i8",
        "invested_krw": "f8",
        "returned_krw": "f8",
        "founder": "i8",
        "budget_krw": "f8",
        "represents": "f8",
        "local": "?",
    }
    defaults = {"founder": -1}
