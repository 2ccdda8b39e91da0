"""Observed facts as calibration targets, each a function of a finished run.

Every target names the fact it is calibrated to (``shared/data/korea_facts.md``,
with the source of each number), the observed values (a series where the data
are a series), a tolerance and an error model, and a function of a finished
:class:`~ecosim.model.EcosystemModel` that returns the simulated values under
the same keys. Targets the model cannot produce carry ``simulate=None`` and say
why (:data:`NOT_PRODUCED` lists the facts that are not targets at all).

Discrepancy of one value, in tolerances: ``z = |sim - obs| / tolerance`` on
the target's scale (``"absolute"``, or ``"log"`` for amounts and ranks, where
the tolerance is a log ratio); beyond one tolerance it grows as ``1 + ln z``,
so a target far off still orders parameter values (its elementary effects in
the screening do not vanish, as they would under a cap) without swamping the
others. A value the run cannot produce (NaN, a non-positive amount) counts
:data:`PENALTY`. A target's discrepancy is the mean over its values, so a
series weighs as much as a single number, and the distance is the weighted
mean over targets: no target dominates, and a distance of 1 means "one
tolerance off, on average".

Keys of the flat summary statistics are ``"<target>:<key>"``, e.g.
``"venture_investment:2022"``. The simulated values come from
:mod:`ecosim.calibration.frames` (which also maps the model's cities to the
facts' regions).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ecosim.calibration import frames
from ecosim.calibration.frames import REGIONS, RunFrames

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario
    from ecosim.model import EcosystemModel

__all__ = ["NOT_PRODUCED", "PENALTY", "TARGETS", "Target", "discrepancies", "distance",
           "observed_statistics", "simulated_statistics", "targets_for"]

#: Discrepancy of a value the run cannot produce: as a miss of e^9 (about 8,000) tolerances.
PENALTY = 10.0


@dataclass(frozen=True)
class Target:
    """One observed fact as a calibration target.

    Attributes:
        name: Identifier (the prefix of its summary-statistic keys).
        description: What is compared, in words.
        observed: Observed value by key (a year, a period, a city-year, a region).
        tolerance: The scale of an acceptable miss, on ``scale``: an absolute
            difference, or a log ratio.
        scale: ``"absolute"`` or ``"log"``.
        source: Where the observed values come from.
        simulate: ``(RunFrames, keys) -> {key: value}``; None when the model
            cannot produce the target (``note`` says why).
        note: How the model's quantity maps to the fact, and its approximations.
        weight: Weight in the distance (1 for every target: each target counts the same).
    """

    name: str
    description: str
    observed: Mapping[str, float]
    tolerance: float
    scale: str
    source: str
    simulate: Callable[[RunFrames, Sequence[str]], Mapping[str, float]] | None
    note: str = ""
    weight: float = 1.0
    tolerance_reason: str = field(default="", compare=False)

    def __post_init__(self) -> None:  # noqa: D105
        if self.scale not in ("absolute", "log"):
            raise ValueError(f"target {self.name}: scale = {self.scale!r}; allowed is "
                             "'absolute' or 'log'")
        if not self.tolerance > 0:
            raise ValueError(f"target {self.name}: tolerance = {self.tolerance}; allowed is > 0")

    @property
    def produced(self) -> bool:
        """Whether the model produces this target."""
        return self.simulate is not None

    def keys(self) -> list[str]:
        """Flat keys ``"<name>:<key>"`` of the observed values."""
        return [f"{self.name}:{k}" for k in self.observed]

    def miss(self, simulated: float, observed: float) -> float:
        """``|sim - obs|`` in tolerances on the target's scale (inf if it cannot be compared)."""
        simulated, observed = _number(simulated), _number(observed)
        if self.scale == "log":
            if not (simulated > 0 and observed > 0):
                return math.inf
            d = abs(math.log(simulated) - math.log(observed)) / self.tolerance
        else:
            d = abs(simulated - observed) / self.tolerance
        return d if math.isfinite(d) else math.inf

    def z(self, simulated: float, observed: float) -> float:
        """Discrepancy of one value: the miss, growing as ``1 + ln miss`` beyond 1."""
        d = self.miss(simulated, observed)
        if not math.isfinite(d):
            return PENALTY
        return d if d <= 1.0 else min(1.0 + math.log(d), PENALTY)


def _number(x: object) -> float:
    """A float from a stored value (None, as SQLite may give back a NaN, is NaN)."""
    return math.nan if x is None else float(x)


# --------------------------------------------------------------------------- the facts

_FACTS = "shared/data/korea_facts.md"

#: Observed values by target and key (the numbers of korea_facts.md).
_OBSERVED: dict[str, dict[str, float]] = {
    "capital_share_vc_investment": {"2020": 0.72, "2021": 0.751, "2022": 0.732, "2023": 0.668,
                                    "2025H1": 0.795},
    "venture_investment": {"2021": 15.94, "2022": 12.47, "2023": 10.91, "2024": 11.95},
    "companies_funded": {"2024": 4697.0},
    "venture_firm_capital_share": {"2025-06": 0.656},
    "five_year_survival": {"2020": 0.338},
    "unicorns": {"2022-12": 22.0},
    "early_stage_share": {"2024": 0.186},
    "investment_per_company": {"2024H1": 2.18},
    "graduate_mobility_southeast": {"own_region": 0.584, "capital_region": 0.285},
    # Net youth outflow to the capital region, 2021: Southeast ~30k, Daegu-Gyeongbuk ~20k,
    # Honam ~13k a year, as shares of their sum (63k).
    "youth_net_outflow_shares": {"southeast": 30 / 63, "daegu_gyeongbuk": 20 / 63,
                                 "honam": 13 / 63},
    "ranks": {"seoul:2022": 25.0, "seoul:2023": 24.0, "seoul:2024": 21.0, "seoul:2025": 20.0,
              "busan:2022": 207.0, "busan:2024": 366.0,
              "daejeon:2022": 421.0, "daejeon:2025": 366.0,
              "incheon:2022": 794.0, "incheon:2024": 458.0,
              "gwangju:2022": 980.0, "ulsan:2025": 546.0, "jeju:2025": 852.0,
              "gangneung:2025": 887.0, "pohang:2025": 903.0, "cheongju:2025": 1048.0},
}

TARGETS: tuple[Target, ...] = (
    Target(
        "capital_share_vc_investment",
        "capital region's share of venture investment (amount), by year; 2025 is January-June",
        _OBSERVED["capital_share_vc_investment"], 0.05, "absolute",
        "etnews.com/20240628000280; wooritvnews.com (H1 2025) [" + _FACTS + "]",
        frames.capital_share_of_funding,
        note="model: capital raised by startups headquartered in the capital region over all "
             "capital raised (every investor kind; the fact counts VC investment by the "
             "company's location). 2024 is not in the facts.",
        tolerance_reason="0.05: the published series moves by 0.02-0.07 from year to year"),
    Target(
        "venture_investment",
        "venture investment per year, KRW trillion",
        _OBSERVED["venture_investment"], math.log(1.25), "log",
        "etnews.com/20250212000196 [" + _FACTS + "]",
        frames.venture_investment,
        note="model: capital raised by all startups in the year, full-scale equivalent "
             "(angels, corporate and policy funds included).",
        tolerance_reason="a factor 1.25: the series falls 22% from 2021 to 2022 and moves "
                         "about 10% a year after"),
    Target(
        "companies_funded",
        "companies that raised venture investment in the year",
        _OBSERVED["companies_funded"], math.log(1.25), "log",
        "etnews.com/20250212000196 (4,697 companies, 2024) [" + _FACTS + "]",
        frames.companies_funded,
        note="model: rounds raised in the year (full scale). A company raising twice in a "
             "year counts twice; with rounds at least a year apart this is rare. Needs a "
             "deal log (startup per deal) to count companies exactly.",
        tolerance_reason="a factor 1.25, as venture investment"),
    Target(
        "venture_firm_capital_share",
        "capital region's share of venture firms (startups), June 2025",
        _OBSERVED["venture_firm_capital_share"], 0.03, "absolute",
        "m.go.seoul.co.kr 2025-10-05 (24,533 of 37,419) [" + _FACTS + "]",
        frames.venture_firm_share,
        note="model: startups headquartered in the capital region at the end of June 2025. "
             "The 2020 share (59.9%) is an input of a 2020 world, not a target.",
        tolerance_reason="0.03: about half the 2020-2025 change (59.9% to 65.6%)"),
    Target(
        "five_year_survival",
        "share of new firms alive five years after founding",
        _OBSERVED["five_year_survival"], 0.05, "absolute",
        "mediapen.com/news/view/859569 (33.8%, 2020 basis) [" + _FACTS + "]",
        frames.five_year_survival,
        note="model: startups founded in 2020 that had not died 60 months later (exits and "
             "maturity count as survival). The fact counts all new firms, the model venture "
             "startups; the fact's 2020 basis is the 2015 cohort.",
        tolerance_reason="0.05: between Korea (33.8%) and a sixth of the gap to the OECD "
                         "average (45.4%)"),
    Target(
        "unicorns",
        "unicorns (valued at US$1B or more), end of 2022",
        _OBSERVED["unicorns"], 7.0, "absolute",
        "m.sedaily.com/NewsView/29LONRW14P (ministry count, 22) [" + _FACTS + "]",
        frames.unicorns,
        note="model: live startups valued at ``firms.unicorn_krw`` or more in December 2022, "
             "full-scale equivalent (at small scales a count of whole agents / scale).",
        tolerance_reason="7, a third of the count: private lists count fewer Korean unicorns "
                         "than the ministry"),
    Target(
        "early_stage_share",
        "share of 2024 venture investment that went to firms at most three years old",
        _OBSERVED["early_stage_share"], 0.05, "absolute",
        "Yonhap 2025 (18.6%) [" + _FACTS + "]",
        None,
        note="not produced: the run keeps no deal log with the age of the funded startup "
             "(the cap table forgets the deals of startups that ended). A log of deals "
             "(month, startup age, amount) in the run log would make it a target.",
        tolerance_reason="0.05"),
    Target(
        "investment_per_company",
        "average investment per funded company, KRW billion, January-June 2024",
        _OBSERVED["investment_per_company"], math.log(1.5), "log",
        "news1.kr/amp/industry/sb-founded/5516491 (KRW 2.18B, VC firms) [" + _FACTS + "]",
        frames.investment_per_company,
        note="model: capital raised over rounds raised (every investor kind, angels too, so "
             "below a VC-only average); per round, not per company (see companies_funded).",
        tolerance_reason="a factor 1.5: the fact is VC firms only and one half-year"),
    Target(
        "graduate_mobility_southeast",
        "graduates of Southeast (Busan-Ulsan-Gyeongnam) universities: share whose first job "
        "is in their own region / in the capital region",
        _OBSERVED["graduate_mobility_southeast"], 0.05, "absolute",
        "usmbc.co.kr/NewsArticle/801378 (KEDI) [" + _FACTS + "]",
        frames.graduate_mobility,
        note="model: first positions (first_job_frame) of graduates of institutes in the "
             "Southeast cities (busan, ulsan: busan_universities, ulsan_universities, UNIST), "
             "own region = a Southeast city. Gyeongnam's universities are in "
             "rest_of_korea's aggregate and cannot be separated. Only technical graduates "
             "are modelled.",
        tolerance_reason="0.05: survey shares of one cohort"),
    Target(
        "youth_net_outflow_shares",
        "net youth outflow to the capital region in 2021: each region's share of the three "
        "regions' total (Southeast, Daegu-Gyeongbuk, Honam)",
        _OBSERVED["youth_net_outflow_shares"], 0.1, "absolute",
        "wlv.kr/View.aspx?No=2272004 (KRIVET: ~30k, ~20k, ~13k a year) [" + _FACTS + "]",
        frames.youth_outflow_shares,
        note="model: net movers into the capital region in 2021 from the cities of each "
             "region (REGIONS: busan + ulsan, daegu + pohang, gwangju), as shares of their "
             "sum (a region with a net inflow counts as zero). The "
             "levels are not comparable: the model's people are technical workers, not all "
             "young people, and the regions' non-metropolitan parts are in rest_of_korea.",
        tolerance_reason="0.1: the published figures are rounded (≈) and cover whole "
                         "provinces"),
    Target(
        "ranks",
        "StartupBlink world rank of Korean cities, 2022-2025 editions",
        _OBSERVED["ranks"], math.log(2.0), "log",
        "biz.chosun.com 2025-05-23; venturesquare.net/en/977266; cm.asiae.co.kr 2024-11-21; "
        "GSEI 2022 report [" + _FACTS + "]",
        frames.ranks,
        note="model: ecosim.outputs.ranking.city_scores of the run (the ranking issue refits "
             "it; its public function is used as it stands). `seoul` is Seoul with "
             "Gyeonggi, compared with Seoul's rank; a city whose rank the ranking fixes in "
             "an anchor year adds nothing that year. Daegu has no published rank among the "
             "facts; cities the scenario does not rank are left out (targets_for).",
        tolerance_reason="a factor 2: Busan moved from 207 to 366 in two editions"),
)

#: Facts of korea_facts.md that are not targets, and why.
NOT_PRODUCED: dict[str, str] = {
    "youth net outflow levels (30k, 20k, 13k)": "the model's people are technical workers, not "
        "all young people; only the regions' shares are compared",
    "venture firms in the capital region, 2020 (59.9%)": "an input of the 2020 world",
    "early-stage share of 2024 investment (18.6%)": "needs a deal log with the funded startup's "
        "age (target early_stage_share, not produced)",
    "fund-of-funds sub-fund investment (67.2% capital region)": "the fund of funds invests "
        "through the funds it backs; the model does not trace its money to startups",
    "populations, VC firms in Seoul, round sizes, institutes' degrees": "inputs of the world",
    "Korea's country rank": "not modelled (no country ranking)",
    "growth of ecosystems (2025 edition)": "a figure of the ranking's world curve "
                                          "(ranking.world_growth), not of behaviour",
    "behavioural evidence (distance decay, sector fit)": "already the sources of "
        "investor_distance_exponent and sector_fit, not targets",
}

_BY_NAME = {t.name: t for t in TARGETS}


def targets_for(spec: Scenario | None = None,
                names: Iterable[str] | None = None) -> tuple[Target, ...]:
    """The produced targets (by ``names``), with values the scenario's cities can give.

    Rank keys of cities the scenario does not rank are dropped, and so is a
    regional target whose regions have no city in the scenario.

    Raises:
        KeyError: An unknown target name (the known ones are listed).
    """
    chosen = [t for t in TARGETS if t.produced]
    if names is not None:
        names = list(names)
        for n in names:
            if n not in _BY_NAME:
                raise KeyError(f"target {n!r} is unknown; known: {', '.join(_BY_NAME)}")
        chosen = [_BY_NAME[n] for n in names if _BY_NAME[n].produced]
    if spec is None:
        return tuple(chosen)
    out = []
    for t in chosen:
        observed = dict(t.observed)
        if t.name == "ranks":
            ranked = set(spec.ranking.ranked_cities)
            observed = {k: v for k, v in observed.items() if k.split(":")[0] in ranked}
        if t.name in ("youth_net_outflow_shares", "graduate_mobility_southeast"):
            regions = ("southeast",) if t.name.startswith("graduate") else tuple(REGIONS)
            if not all(set(REGIONS[g]) & set(spec.city_names) for g in regions):
                continue
        if observed:
            out.append(dataclasses.replace(t, observed=observed))
    return tuple(out)


def simulated_statistics(model: EcosystemModel,
                         targets: Iterable[Target] = TARGETS) -> dict[str, float]:
    """Every produced target's simulated values, flat (``"<target>:<key>"``)."""
    run = RunFrames(model)
    out: dict[str, float] = {}
    for t in targets:
        if not t.produced:
            continue
        values = t.simulate(run, list(t.observed))
        for key in t.observed:
            out[f"{t.name}:{key}"] = float(values.get(key, math.nan))
    return out


def observed_statistics(targets: Iterable[Target]) -> dict[str, float]:
    """The observed values, flat (``"<target>:<key>"``)."""
    return {f"{t.name}:{k}": float(v) for t in targets for k, v in t.observed.items()}


def discrepancies(simulated: Mapping[str, float], observed: Mapping[str, float],
                  targets: Iterable[Target]) -> dict[str, float]:
    """Each target's discrepancy: the mean of its values' capped misses, in tolerances.

    Only keys in ``observed`` count; a key missing from ``simulated`` counts as
    the cap. A target with no observed key is left out.
    """
    out = {}
    for t in targets:
        keys = [k for k in t.keys() if k in observed]
        if not keys:
            continue
        zs = [t.z(simulated.get(k, math.nan), observed[k]) for k in keys]
        out[t.name] = float(np.mean(zs))
    return out


def distance(simulated: Mapping[str, float], observed: Mapping[str, float],
             targets: Iterable[Target]) -> float:
    """Weighted mean of the targets' discrepancies (in tolerances)."""
    targets = list(targets)
    d = discrepancies(simulated, observed, targets)
    weights = {t.name: t.weight for t in targets}
    total = sum(weights[n] for n in d)
    return float(sum(weights[n] * v for n, v in d.items()) / total) if total else math.nan
