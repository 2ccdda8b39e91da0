"""Founder: one technical worker (graduate, researcher, engineer or founder)."""

from __future__ import annotations

from ecosim.state.tables import TableAgent

#: Ties a person keeps (a ring: a new tie replaces the oldest when full).
TIE_SLOTS = 8


class Founder(TableAgent):
    """Technical talent: anyone who may work in, found or fund a startup.

    Columns:
        city: Index of the city where the person lives and works.
        home_city: Index of the city the person comes from.
        alma_mater: Row of the institute the person graduated from (-1: none known).
        degree: :class:`~ecosim.vocab.Degree`.
        sector: Index of the sector of expertise (``scenario.sectors``).
        skill: Latent skill (standard-normal units).
        age_months: Age (months).
        experience_months: Work experience (months).
        role: :class:`~ecosim.vocab.Role`.
        employer: ``uid`` of the employing agent (-1: none, or an established
            firm outside the model's firm tables).
        savings_krw: Savings (KRW).
        months_in_city: Months lived in the current city.
        graduated_month: Model month of graduation (-1: graduated before the run).
        ties: ``uid``s of the people this person knows (alumni, colleagues,
            co-founders); -1 marks an empty slot. Shape (n, TIE_SLOTS).
        ties_added: Ties ever added (the next ring slot is ``ties_added % TIE_SLOTS``).
        exits: Companies this person founded that exited (a serial founder has >= 1).
        wealth_krw: Exit proceeds received (KRW).
        pay_krw: Monthly pay of the current position (KRW), with the local
            density premium (0 without a position).
        first_job_month: Model month of a graduate's first position (-1: none yet).
    """

    columns = {
        "city": "i2",
        "home_city": "i2",
        "alma_mater": "i4",
        "degree": "i1",
        "sector": "i1",
        "skill": "f4",
        "age_months": "i4",
        "experience_months": "i4",
        "role": "i1",
        "employer": "i8",
        "savings_krw": "f8",
        "months_in_city": "i4",
        "graduated_month": "i4",
        "ties": ("i8", (TIE_SLOTS,)),
        "ties_added": "i4",
        "exits": "i2",
        "wealth_krw": "f8",
        "pay_krw": "f8",
        "first_job_month": "i4",
    }
    defaults = {"alma_mater": -1, "degree": -1, "employer": -1, "graduated_month": -1,
                "ties": -1, "first_job_month": -1}
