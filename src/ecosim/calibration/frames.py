"""What a run gives the calibration targets: its output tables, and each target's values.

:class:`RunFrames` computes a finished run's tables once; each function here
is a target's ``simulate``: ``(frames, keys) -> {key: value}``, NaN for a key
the run cannot give (a year outside it, no funding at all that year).

How the model's cities map to the facts' regions (:data:`REGIONS`): the
Southeast (Busan, Ulsan, Gyeongnam) is the model's ``busan`` and ``ulsan``;
Daegu-Gyeongbuk is ``daegu`` and ``pohang``; Honam (Gwangju, Jeonnam, Jeonbuk)
is ``gwangju`` (with Naju). The rest of Gyeongnam, Gyeongbuk, Jeonnam and
Jeonbuk is in the aggregate ``rest_of_korea`` and cannot be separated, so only
the modelled cities of each region are compared. Cities a scenario adds under
the names listed there (``changwon``, ``jeonju``, ...) join their region.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

__all__ = ["LAST_DATE", "REGIONS", "RunFrames", "capital_share_of_funding", "companies_funded",
           "five_year_survival", "graduate_mobility", "investment_per_company", "ranks",
           "unicorns", "venture_firm_share", "venture_investment", "youth_outflow_shares"]

#: The facts' regions and the model cities (present or future) that belong to each.
REGIONS: dict[str, tuple[str, ...]] = {
    "southeast": ("busan", "ulsan", "gyeongnam", "changwon", "gimhae", "geoje"),
    "daegu_gyeongbuk": ("daegu", "gyeongbuk", "pohang", "gumi", "gyeongsan", "andong"),
    "honam": ("gwangju", "jeonnam", "jeonbuk", "jeonju", "naju", "mokpo", "suncheon", "yeosu"),
}

#: The calibration window: facts are about 2020-2025; outputs after it are ignored.
LAST_DATE = "2025-12"


class RunFrames:
    """The output tables of a finished run, computed once and shared by the targets.

    Args:
        model: A finished model (any length; targets outside its dates are NaN).
    """

    def __init__(self, model: EcosystemModel):
        self.model = model
        self.spec = model.spec
        self.scale = float(model.spec.scale)

    @cached_property
    def city(self) -> pd.DataFrame:
        """``city_frame()`` with ``year`` and ``calendar_month``, months after build only."""
        f = self.model.city_frame()
        f = f[(f["month"] > 0) & (f["date"] <= LAST_DATE)].copy()
        f["year"] = f["date"].str.slice(0, 4).astype(int)
        f["calendar_month"] = f["date"].str.slice(5, 7).astype(int)
        f["city"] = f["city"].astype(str)
        return f

    @cached_property
    def dates(self) -> pd.Series:
        """Calendar date (``YYYY-MM``) of each model month (index: month)."""
        f = self.model.city_frame()
        return f.drop_duplicates("month").set_index("month")["date"]

    @cached_property
    def capital(self) -> set[str]:
        """The capital region's cities."""
        return set(self.spec.capital_region)

    def months(self, key: str) -> pd.DataFrame | None:
        """Rows of the city frame in period ``key`` (``2021``, ``2025H1``), None if incomplete."""
        year = int(key[:4])
        wanted = set(range(1, 7)) if key.endswith("H1") else set(range(1, 13))
        rows = self.city[(self.city["year"] == year)
                         & self.city["calendar_month"].isin(wanted)]
        if set(rows["calendar_month"]) != wanted:
            return None
        return rows

    @cached_property
    def ranks(self) -> pd.DataFrame:
        """World rank of each ranked city by year (``ecosim.outputs.ranking``)."""
        from ecosim.outputs.ranking import city_scores

        if self.city.empty:
            return pd.DataFrame({"year": [], "city": [], "rank": []})
        return city_scores(self.model.city_frame(), self.spec)


def capital_share_of_funding(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Capital region's share of the capital startups raised, per period (``2021``, ``2025H1``)."""
    out = {}
    for key in keys:
        rows = r.months(key)
        if rows is None:
            out[key] = math.nan
            continue
        total = rows["funding_krw"].sum()
        cap = rows.loc[rows["city"].isin(r.capital), "funding_krw"].sum()
        out[key] = float(cap / total) if total > 0 else math.nan
    return out


def venture_investment(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Capital raised by all startups per year, KRW trillion at full scale."""
    out = {}
    for key in keys:
        rows = r.months(key)
        out[key] = math.nan if rows is None else float(rows["funding_krw"].sum() / r.scale / 1e12)
    return out


def companies_funded(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Rounds raised per year, at full scale (a company raising twice counts twice)."""
    out = {}
    for key in keys:
        rows = r.months(key)
        out[key] = math.nan if rows is None else float(rows["rounds"].sum() / r.scale)
    return out


def investment_per_company(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Capital raised over rounds raised in the period, KRW billion."""
    out = {}
    for key in keys:
        rows = r.months(key)
        if rows is None or rows["rounds"].sum() == 0:
            out[key] = math.nan
        else:
            out[key] = float(rows["funding_krw"].sum() / rows["rounds"].sum() / 1e9)
    return out


def _at(r: RunFrames, date: str) -> pd.DataFrame:
    return r.city[r.city["date"] == date]


def venture_firm_share(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Capital region's share of startups at the end of month ``YYYY-MM``."""
    out = {}
    for key in keys:
        rows = _at(r, key)
        total = rows["startups"].sum()
        cap = rows.loc[rows["city"].isin(r.capital), "startups"].sum()
        out[key] = float(cap / total) if total > 0 else math.nan
    return out


def unicorns(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Startups valued at US$1B or more at the end of month ``YYYY-MM``, at full scale."""
    out = {}
    for key in keys:
        rows = _at(r, key)
        out[key] = float(rows["unicorns"].sum() / r.scale) if len(rows) else math.nan
    return out


def five_year_survival(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Share of the startups founded in year ``key`` not dead 60 months later."""
    s = r.model.survival_frame(ages=(60,))
    out = {}
    for key in keys:
        if s.empty:
            out[key] = math.nan
            continue
        years = r.dates.reindex(s["founded_month"]).str.slice(0, 4).to_numpy()
        cohort = s[(years == key) & (s["age_months"] == 60)]
        founded = cohort["founded"].sum()
        out[key] = float(1.0 - cohort["died"].sum() / founded) if founded else math.nan
    return out


def _region_cities(r: RunFrames, region: str) -> list[str]:
    return [c for c in r.spec.city_names if c in REGIONS[region]]


def graduate_mobility(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Southeast graduates' first jobs: share in their region, in the capital region."""
    jobs = r.model.first_job_frame()
    southeast = _region_cities(r, "southeast")
    if jobs.empty or not southeast:
        return dict.fromkeys(keys, math.nan)
    dates = r.dates.reindex(jobs["month"]).to_numpy()
    jobs = jobs[jobs["institute_city"].isin(southeast) & (dates <= LAST_DATE)]
    n = len(jobs)
    if n == 0:
        return dict.fromkeys(keys, math.nan)
    return {"own_region": float(jobs["city"].isin(southeast).sum() / n),
            "capital_region": float(jobs["city"].isin(r.capital).sum() / n)}


def youth_outflow_shares(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """Each region's share of the 2021 net movers into the capital region."""
    rows = r.months("2021")
    if rows is None:
        return dict.fromkeys(keys, math.nan)
    months = sorted(rows["month"].unique())
    net = r.model.capital_net_inflow(int(months[0]), int(months[-1]))
    # A region with a net inflow from the capital region counts as zero outflow.
    by_region = {k: max(float(net.reindex(_region_cities(r, k)).fillna(0.0).sum()), 0.0)
                 for k in keys}
    total = sum(by_region.values())
    if not all(_region_cities(r, k) for k in keys) or total <= 0:
        return dict.fromkeys(keys, math.nan)
    return {k: v / total for k, v in by_region.items()}


def ranks(r: RunFrames, keys: Sequence[str]) -> dict[str, float]:
    """World rank of ``city:year`` (``ecosim.outputs.ranking.city_scores``)."""
    ranks = r.ranks
    got = {f"{c}:{int(y)}": float(k) for c, y, k in zip(ranks["city"], ranks["year"],
                                                       ranks["rank"], strict=True)}
    return {key: got.get(key, math.nan) for key in keys}
