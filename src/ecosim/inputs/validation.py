"""Validation of a scenario: every field, with errors that say how to fix them.

Each check raises :class:`ScenarioError` naming the field (a dotted path), the
value found and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ecosim.vocab import (
    ACTIONS,
    DEGREES,
    INSTITUTE_KINDS,
    INVESTOR_KINDS,
    LEVERS,
    ROUND_STAGES,
    STAGES,
)

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario

_SHARE_TOLERANCE = 1e-6


#: Longest value shown in an error message; longer ones are cut (their length is given).
_MAX_SHOWN = 200


def show_value(value: Any) -> str:
    """``repr(value)`` on one line, cut to :data:`_MAX_SHOWN` characters."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the error being reported
        text = f"<{type(value).__name__}>"
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    if len(text) > _MAX_SHOWN:
        text = f"{text[: _MAX_SHOWN - 40]}... ({len(text)} characters)"
    return text


def printable(text: Any) -> str:
    """``text`` with control characters escaped (a field name on one line)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class InputError(ValueError):
    """Bad input, reported on one line: what it is, the value found, what is allowed.

    The base of every error ecosim raises for input a user can fix: scenario
    fields (:class:`ScenarioError`), experiment fields, model arguments,
    checkpoint and results files. The command line prints the message and
    exits with status 2.

    Attributes:
        field: What holds the value: a dotted field path, an argument name or a file.
        value: The value found.
        allowed: What would have been accepted.
    """

    #: What ``field`` names, as the message says it ("scenario field", "argument", ...).
    kind = "input"

    def __init__(self, field: str, value: Any, allowed: str):
        self.field = field
        self.value = value
        self.allowed = " ".join(str(allowed).split())  # one line
        super().__init__(f"{self.kind} '{printable(field)}' = {show_value(value)} is invalid: "
                         f"allowed is {self.allowed}")

    def __reduce__(self):  # noqa: D105  (picklable: workers send errors back)
        return (type(self), (self.field, self.value, self.allowed))


class ArgumentError(InputError):
    """A function argument (``rng``, ``backend``, ...) holds a value that is not allowed."""

    kind = "argument"


class ScenarioError(InputError):
    """A scenario field holds a value that is not allowed.

    Attributes:
        field: Dotted path of the offending field, e.g. ``cities.daejeon.population``;
            for a file that cannot be read, the file's path.
        value: The value found.
        allowed: What would have been accepted.
    """

    kind = "scenario field"


class ScenarioFileError(ScenarioError):
    """A scenario file cannot be read: missing, not UTF-8, or not valid TOML.

    ``field`` is the file's path; ``line`` and ``column`` locate the problem
    when known (1-based).
    """

    kind = "scenario file"

    def __init__(self, field: str, value: Any, allowed: str, line: int | None = None,
                 column: int | None = None):
        self.line = line
        self.column = column
        super().__init__(field, value, allowed)

    def __reduce__(self):  # noqa: D105
        return (type(self), (self.field, self.value, self.allowed, self.line, self.column))


def validate(s: Scenario) -> None:
    """Check every field of ``s``; raise :class:`ScenarioError` at the first bad one."""
    if s.scale <= 0:
        raise ScenarioError("scale", s.scale, "a number > 0 (1.0 = one agent per person or firm)")
    if s.months <= 0:
        raise ScenarioError("months", s.months, "an integer > 0")
    if not 1000 <= s.start_year <= 9999:
        raise ScenarioError("start_year", s.start_year, "a calendar year in 1000..9999")
    if not 1 <= s.start_month <= 12:
        raise ScenarioError("start_month", s.start_month, "an integer in 1..12")
    if not s.cities:
        raise ScenarioError("cities", [], "at least one city")
    names = s.city_names
    _unique(names, "cities", "name")
    _unique(s.sectors, "sectors", None)
    if not s.sectors:
        raise ScenarioError("sectors", [], "at least one sector")
    for i, c in enumerate(s.capital_region):
        _known_city(c, names, f"capital_region.{i}")
    _shares(s.startup_stage_shares, STAGES, "startup_stage_shares")

    for c in s.cities:
        w = f"cities.{c.name}"
        for f in ("population", "talent_stock", "venture_firms"):
            _non_negative(getattr(c, f), f"{w}.{f}")
        if not -90 <= c.lat <= 90:
            raise ScenarioError(f"{w}.lat", c.lat, "a latitude in [-90, 90]")
        if not -180 <= c.lon <= 180:
            raise ScenarioError(f"{w}.lon", c.lon, "a longitude in [-180, 180]")
        _probability(c.amenity, f"{w}.amenity")
        if c.cost_of_living <= 0:
            raise ScenarioError(f"{w}.cost_of_living", c.cost_of_living, "a number > 0")
        _shares(c.sector_shares, s.sectors, f"{w}.sector_shares")

    _unique([i.name for i in s.institutes], "institutes", "name")
    for inst in s.institutes:
        w = f"institutes.{inst.name}"
        _known_city(inst.city, names, f"{w}.city")
        _choice(inst.kind, INSTITUTE_KINDS, f"{w}.kind")
        for deg, n in inst.graduates.items():
            if deg not in DEGREES:
                raise ScenarioError(f"{w}.graduates.{deg}", n, f"a degree among {DEGREES}")
            _non_negative(n, f"{w}.graduates.{deg}", integer=True)
        if not inst.ceremony_months:
            raise ScenarioError(f"{w}.ceremony_months", [], "at least one month in 1..12")
        for m in inst.ceremony_months:
            if not isinstance(m, int) or not 1 <= m <= 12:
                raise ScenarioError(f"{w}.ceremony_months", list(inst.ceremony_months),
                                    "months in 1..12")
        _non_negative(inst.researchers, f"{w}.researchers")
        _shares(inst.sector_shares, s.sectors, f"{w}.sector_shares")


    for i, fg in enumerate(s.factories):
        w = f"factories.{i}"
        _known_city(fg.city, names, f"{w}.city")
        for f in ("count", "employees", "engineers"):
            _non_negative(getattr(fg, f), f"{w}.{f}")
        if fg.engineers > fg.employees:
            raise ScenarioError(f"{w}.engineers", fg.engineers,
                                f"at most employees ({fg.employees})")
        for sec in fg.sectors:
            _choice(sec, s.sectors, f"{w}.sectors")

    # The initial stock holds the institutes' researchers, a founder per startup and
    # the factories' engineers (the world is staffed from it).
    for c in s.cities:
        staff = sum(i.researchers for i in s.institutes if i.city == c.name)
        engineers = sum(f.engineers * f.count for f in s.factories if f.city == c.name)
        if c.talent_stock < staff + c.venture_firms + engineers:
            raise ScenarioError(
                f"cities.{c.name}.talent_stock", c.talent_stock,
                f"at least the researchers of its institutes plus one founder per venture "
                f"firm plus its factories' engineers ({staff} + {c.venture_firms} + "
                f"{engineers} = {staff + c.venture_firms + engineers})")

    for i, ig in enumerate(s.investors):
        w = f"investors.{i}"
        _known_city(ig.city, names, f"{w}.city")
        _choice(ig.kind, INVESTOR_KINDS, f"{w}.kind")
        _non_negative(ig.count, f"{w}.count")
        _non_negative(ig.fund_size_krw, f"{w}.fund_size_krw")

    b = s.behaviour
    _non_negative(b.retirement_age, "behaviour.retirement_age")
    for name in ("retirement_hazard", "emigration_hazard", "exit_hazard", "on_the_job_search"):
        _probability(getattr(b, name), f"behaviour.{name}")
    # Signs are part of the model (a cost is subtracted): every weight is >= 0.
    if b.horizon_months < 1:
        raise ScenarioError("behaviour.horizon_months", b.horizon_months, "an integer >= 1")
    for name in (*_weights(b), "founding_experience", "density_wage_elasticity",
                 "investor_distance_exponent", "initial_ties", "alumni_ties", "colleague_ties"):
        _non_negative(getattr(b, name), f"behaviour.{name}")
    _keys_exactly(b.action_constants, ACTIONS, "behaviour.action_constants")
    for name, v in b.action_constants.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ScenarioError(f"behaviour.action_constants.{name}", v, "a finite number")

    lab = s.labour
    _keys_exactly(lab.monthly_wage_krw, ACTIONS, "labour.monthly_wage_krw")
    for name, v in lab.monthly_wage_krw.items():
        _non_negative(v, f"labour.monthly_wage_krw.{name}")
        if v == 0:
            raise ScenarioError(f"labour.monthly_wage_krw.{name}", v, "a wage > 0 (KRW)")
    _keys_exactly(lab.startup_headcount, STAGES, "labour.startup_headcount")
    for name, v in lab.startup_headcount.items():
        _non_negative(v, f"labour.startup_headcount.{name}")
        if v < 1:
            raise ScenarioError(f"labour.startup_headcount.{name}", v,
                                "at least 1 (the founder)")
    _non_negative(lab.corporate_openings, "labour.corporate_openings")
    _non_negative(lab.corporate_growth, "labour.corporate_growth")
    _validate_firms(s)
    _validate_capital(s)
    _validate_policy(s)
    _validate_ranking(s)
    _non_negative(b.initial_age_min, "behaviour.initial_age_min")
    if b.initial_age_max < b.initial_age_min:
        raise ScenarioError("behaviour.initial_age_max", b.initial_age_max,
                            f"a number >= initial_age_min ({b.initial_age_min})")
    for deg in DEGREES:
        if deg not in b.graduation_age:
            raise ScenarioError(f"behaviour.graduation_age.{deg}", None, "an age in years")
    for deg, age in b.graduation_age.items():
        if deg not in DEGREES:
            raise ScenarioError(f"behaviour.graduation_age.{deg}", age, f"a degree among {DEGREES}")
        _non_negative(age, f"behaviour.graduation_age.{deg}")

    _matrix(s.travel_time_hours, names, "travel_time_hours")
    if s.distance_km is not None:
        _matrix(s.distance_km, names, "distance_km")
    for section, where in ((s.labour, "labour"), (s.firms, "firms"), (s.capital, "capital"),
                           (s.policy, "policy"),
                           *((ig, f"investors.{i}") for i, ig in enumerate(s.investors)),
                           *((pkg, f"policy.packages.{pkg.city}") for pkg in s.policy.packages)):
        _amounts(section, where)
    _magnitudes(s)


_FIRM_PROBABILITIES = ("savings_rate", "founder_savings_share", "cofounder_join", "founder_pay",
                       "margin",
                       "acquisition_hazard", "ipo_hazard", "relocation_search", "angel_share")


def _validate_firms(s: Scenario) -> None:
    f = s.firms
    for name in _FIRM_PROBABILITIES:
        _probability(getattr(f, name), f"firms.{name}")
    for name in ("founding_grant_krw", "max_cofounders", "quality_skill", "quality_research",
                 "quality_sd", "traction_quality", "traction_fit", "traction_stage", "traction_sd",
                 "revenue_krw",
                 "traction_speed",
                 "overhead", "arr_multiple", "acquisition_premium", "ipo_valuation_krw",
                 "unicorn_krw", "demo_slots_per_1000", "demo_traction", "demo_acquisition",
                 *_weights(f), "angel_threshold_krw", "maturity_months"):
        _non_negative(getattr(f, name), f"firms.{name}")
    if f.traction_speed > 1:
        raise ScenarioError("firms.traction_speed", f.traction_speed, "a share in [0, 1]")
    if not 1 <= f.demo_month <= 12:
        raise ScenarioError("firms.demo_month", f.demo_month, "a calendar month in 1..12")


def _validate_capital(s: Scenario) -> None:
    k = s.capital
    _keys_exactly(k.round_min_krw, ROUND_STAGES, "capital.round_min_krw")
    _keys_exactly(k.round_max_krw, ROUND_STAGES, "capital.round_max_krw")
    _keys_exactly(k.bar, ROUND_STAGES, "capital.bar")
    for stage in ROUND_STAGES:
        lo, hi = k.round_min_krw[stage], k.round_max_krw[stage]
        _non_negative(lo, f"capital.round_min_krw.{stage}")
        if not (isinstance(hi, int | float) and hi >= lo > 0):
            raise ScenarioError(f"capital.round_max_krw.{stage}", hi,
                                f"a round size >= round_min_krw.{stage} ({lo}) and > 0")
        if isinstance(k.bar[stage], bool) or not isinstance(k.bar[stage], int | float):
            raise ScenarioError(f"capital.bar.{stage}", k.bar[stage], "a number")
    if not 0 < k.dilution < 1:
        raise ScenarioError("capital.dilution", k.dilution, "a share in (0, 1)")
    for name in ("screen", "commitments", "initial_dry_powder", "deployment"):
        _probability(getattr(k, name), f"capital.{name}")
    for name in ("runway_months", "round_interval", "sector_fit", "observation_sd",
                 "valuation_quality", "initial_valuation_sd",
                 "angel_distance_exponent"):
        _non_negative(getattr(k, name), f"capital.{name}")
    if not 1 <= k.candidates <= 64:
        raise ScenarioError("capital.candidates", k.candidates, "an integer in 1..64")
    if not 1 <= k.thesis_sectors <= len(s.sectors):
        raise ScenarioError("capital.thesis_sectors", k.thesis_sectors,
                            f"an integer in 1..{len(s.sectors)} (the number of sectors)")
    _keys_exactly(k.stages, INVESTOR_KINDS, "capital.stages")
    for kind, stages in k.stages.items():
        for stage in stages:
            _choice(stage, ROUND_STAGES, f"capital.stages.{kind}")



def _validate_policy(s: Scenario) -> None:
    p = s.policy
    seen = set()
    for pkg in p.packages:
        w = f"policy.packages.{pkg.city}"
        _known_city(pkg.city, s.city_names, f"{w}.city")
        if pkg.city in seen:
            raise ScenarioError(f"{w}.city", pkg.city, "one package per city")
        seen.add(pkg.city)
        _non_negative(pkg.budget_krw, f"{w}.budget_krw")
        _keys_exactly(pkg.levers, LEVERS, f"{w}.levers")
        _shares(pkg.levers, LEVERS, f"{w}.levers")
        for sec in pkg.focus_sectors:
            _choice(sec, s.sectors, f"{w}.focus_sectors")
        if not isinstance(pkg.open_factories, bool):
            raise ScenarioError(f"{w}.open_factories", pkg.open_factories, "true or false")
    _probability(p.fellowship_share, "policy.fellowship_share")
    _probability(p.stay_support_share, "policy.stay_support_share")
    for name in ("graduate_krw", "grant_krw", "testbed_krw", "demo_slot_krw", "amenity_krw",
                 "fellowship_monthly_krw", "fellowship_months", "stay_support_krw",
                 "fund_unit_krw"):
        v = getattr(p, name)
        _non_negative(v, f"policy.{name}")
        if v == 0:
            raise ScenarioError(f"policy.{name}", v, "a cost > 0 (KRW)")


def _validate_ranking(s: Scenario) -> None:
    from ecosim.inputs.index_points import load_index_points

    r = s.ranking
    try:
        load_index_points(r.points)
    except ScenarioError:
        raise
    except FileNotFoundError as err:
        raise ScenarioError("ranking.points", r.points,
                            "a packaged points file (startupblink_points.csv) or a path to "
                            "one") from err
    except (OSError, ValueError) as err:  # not UTF-8, not CSV, a folder, unreadable
        raise ScenarioError("ranking.points", r.points, "a readable CSV file of index points "
                            f"({type(err).__name__}: {err})") from None
    if not 2000 <= r.first_edition <= 2100:
        raise ScenarioError("ranking.first_edition", r.first_edition, "a year in 2000..2100")
    if not r.country.strip():
        raise ScenarioError("ranking.country", r.country,
                            "the index's name of the scenario's country, e.g. 'South Korea'")
    for city, name in r.published_names.items():
        _known_city(city, s.city_names, f"ranking.published_names.{city}")
        if not isinstance(name, str) or not name.strip():
            raise ScenarioError(f"ranking.published_names.{city}", name,
                                "the index's name of the city, e.g. 'Daejeon'")
    if len(set(r.published_names.values())) < len(r.published_names):
        raise ScenarioError("ranking.published_names", r.published_names,
                            "a different published name for each city")
    for i, c in enumerate(r.ranked_cities):
        _known_city(c, s.city_names, f"ranking.ranked_cities.{i}")
    _non_negative(r.support_weight, "ranking.support_weight")
    _keys_exactly(r.quality_weights, ("funding", "exits", "unicorns", "employees"),
                  "ranking.quality_weights")
    for k in ("funding", "exits", "unicorns", "employees"):
        if k not in r.quality_weights:
            raise ScenarioError(f"ranking.quality_weights.{k}", None,
                                "a weight for each of funding, exits, unicorns, employees")
        _non_negative(r.quality_weights[k], f"ranking.quality_weights.{k}")
    if r.quality_weights["funding"] <= 0:
        raise ScenarioError("ranking.quality_weights.funding", r.quality_weights["funding"],
                            "a weight > 0 (the unit of quality)")
    if not r.weight_spread >= 1.0:
        raise ScenarioError("ranking.weight_spread", r.weight_spread,
                            "a factor >= 1 (1 = weights fixed at their centre)")
    for name in ("world_growth", "country_growth"):
        if not -0.5 < getattr(r, name) < 1.0:
            raise ScenarioError(f"ranking.{name}", getattr(r, name),
                                "a yearly growth in (-0.5, 1)")
    lo_hi = r.world_growth_range
    if (len(lo_hi) != 2 or not all(isinstance(v, int | float) for v in lo_hi)
            or not -0.5 < lo_hi[0] <= r.world_growth <= lo_hi[1] < 1.0):
        raise ScenarioError("ranking.world_growth_range", lo_hi,
                            f"[low, high] with -0.5 < low <= world_growth ({r.world_growth}) "
                            "<= high < 1")
    if r.draws < 1:
        raise ScenarioError("ranking.draws", r.draws, "an integer >= 1")


#: Largest amount of money a scenario may name (KRW): about four years of Korea's GDP.
#: Sums over agents and months then stay far from float overflow.
MAX_KRW = 1e16


def _amounts(section: Any, where: str) -> None:
    """Every ``*_krw`` field of ``section`` (a number, or a table of numbers) <= MAX_KRW."""
    for f in dataclasses.fields(section):
        if not f.name.endswith("_krw"):
            continue
        value = getattr(section, f.name)
        items = value.items() if isinstance(value, dict) else [("", value)]
        for key, v in items:
            path = f"{where}.{f.name}" + (f".{key}" if key else "")
            if isinstance(v, int | float) and not isinstance(v, bool) and abs(v) > MAX_KRW:
                raise ScenarioError(path, v, f"an amount of at most {MAX_KRW:.0e} KRW "
                                    "(about four years of Korea's GDP)")


#: Largest magnitude of any other parameter (weights, hazards, shares, elasticities,
#: standard deviations, months, counts per firm): none needs more, and larger ones
#: overflow the model's arithmetic (exp of a traction, a count of slots).
MAX_PARAMETER = 1e6
#: Ages (years) and ties per person have natural limits of their own.
MAX_AGE_YEARS = 120
MAX_TIES = 100
#: Positions a startup may seek at one stage (est.: no startup in the data employs as many).
MAX_HEADCOUNT = 10_000


def _magnitudes(s: Scenario) -> None:
    """Upper bounds that keep the model's arithmetic finite (see the constants above)."""
    b = s.behaviour
    for name in ("retirement_age", "initial_age_min", "initial_age_max"):
        if getattr(b, name) > MAX_AGE_YEARS:
            raise ScenarioError(f"behaviour.{name}", getattr(b, name),
                                f"an age in years of at most {MAX_AGE_YEARS}")
    for deg, age in b.graduation_age.items():
        if age > MAX_AGE_YEARS:
            raise ScenarioError(f"behaviour.graduation_age.{deg}", age,
                                f"an age in years of at most {MAX_AGE_YEARS}")
    for name in ("initial_ties", "alumni_ties", "colleague_ties"):
        if getattr(b, name) > MAX_TIES:
            raise ScenarioError(f"behaviour.{name}", getattr(b, name),
                                f"at most {MAX_TIES} ties per person")
    for stage, n in s.labour.startup_headcount.items():
        if n > MAX_HEADCOUNT:
            raise ScenarioError(f"labour.startup_headcount.{stage}", n,
                                f"at most {MAX_HEADCOUNT:,} positions (est.: more than any "
                                "startup employs)")
    p = s.policy
    for name in ("graduate_krw", "grant_krw", "testbed_krw", "demo_slot_krw", "amenity_krw"):
        if getattr(p, name) < 1:
            raise ScenarioError(f"policy.{name}", getattr(p, name), "a unit cost of at least "
                                "1 KRW (budgets are divided by it)")
    # The ranking is not here: it scores the outputs (its weights convert people to
    # KRW-equivalents) and has rules of its own.
    for section, where in ((b, "behaviour"), (s.labour, "labour"), (s.firms, "firms"),
                           (s.capital, "capital"), (p, "policy")):
        for f in dataclasses.fields(section):
            if f.name.endswith("_krw") or f.name in ("sources", "points", "packages"):
                continue
            value = getattr(section, f.name)
            items = value.items() if isinstance(value, dict) else [("", value)]
            for key, v in items:
                if isinstance(v, int | float) and not isinstance(v, bool) \
                        and abs(v) > MAX_PARAMETER:
                    path = f"{where}.{f.name}" + (f".{key}" if key else "")
                    raise ScenarioError(path, v, f"a number of magnitude at most "
                                        f"{MAX_PARAMETER:.0e} (no weight, hazard, share or "
                                        "deviation needs more; larger ones overflow)")


def _weights(section: Any) -> list[str]:
    """The utility weights of a parameter section: its fields named ``w_*``."""
    return [f.name for f in dataclasses.fields(section) if f.name.startswith("w_")]


def _keys_exactly(table: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    for k in table:
        _choice(k, keys, f"{where}.{k}")
    for k in keys:
        if k not in table:
            raise ScenarioError(f"{where}.{k}", None, f"a value for each of: {', '.join(keys)}")


def _unique(values, where: str, key: str | None) -> None:
    seen = set()
    for v in values:
        if v in seen:
            raise ScenarioError(f"{where}.{key}" if key else where, v, "unique names")
        seen.add(v)


def _known_city(name: str, names: tuple[str, ...], where: str) -> None:
    if name not in names:
        raise ScenarioError(where, name, f"a defined city: {', '.join(names)}")


def _choice(value: str, allowed, where: str) -> None:
    if value not in allowed:
        raise ScenarioError(where, value, f"one of: {', '.join(allowed)}")


def _non_negative(value, where: str, integer: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ScenarioError(where, value, "an integer >= 0" if integer else "a number >= 0")
    if integer and not float(value).is_integer():
        raise ScenarioError(where, value, "an integer >= 0")
    if not math.isfinite(value) or value < 0:
        raise ScenarioError(where, value, "an integer >= 0" if integer else "a number >= 0")


def _probability(value: float, where: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ScenarioError(where, value, "a probability in [0, 1]")


def _shares(shares: dict[str, float], keys: tuple[str, ...], where: str) -> None:
    for key, v in shares.items():
        _choice(key, keys, f"{where}.{key}")
        _probability(v, f"{where}.{key}")
    total = sum(shares.values())
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        raise ScenarioError(where, shares, f"shares summing to 1 (they sum to {total:.6g})")


def _matrix(m: dict[str, dict[str, float]], names: tuple[str, ...], where: str) -> None:
    for a in m:
        _known_city(a, names, f"{where}.{a}")
        for b in m[a]:
            _known_city(b, names, f"{where}.{a}.{b}")
    for a in names:
        if a not in m:
            raise ScenarioError(f"{where}.{a}", None, f"a row for every city: {', '.join(names)}")
        for b in names:
            if b not in m[a]:
                raise ScenarioError(f"{where}.{a}.{b}", None, "a value for every pair of cities")
    for a in names:
        for b in names:
            v = m[a][b]
            _non_negative(v, f"{where}.{a}.{b}")
            if a == b and v != 0:
                raise ScenarioError(f"{where}.{a}.{b}", v, "0 on the diagonal")
            if abs(v - m[b][a]) > 1e-9 * max(1.0, abs(v)):
                raise ScenarioError(f"{where}.{a}.{b}", v,
                                    f"a symmetric matrix ({where}.{b}.{a} = {m[b][a]!r})")
