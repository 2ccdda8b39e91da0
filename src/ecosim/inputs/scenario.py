"""Typed, validated scenario: the world a model is built from.

A scenario is read from TOML (``load_scenario("korea")`` for a packaged one,
``load_scenario(path)`` for a user's file) into frozen dataclasses. Every field is
validated; a bad value raises :class:`ScenarioError` naming the field, the value and
what is allowed.

Overrides never need an edited file:

* top-level fields as keywords: ``load_scenario("korea", scale=0.1, months=24)``;
* nested fields as dotted paths in ``overrides``, where a list of records is
  addressed by the record's ``name`` (cities, institutes) or its position
  (factories, investors)::

      load_scenario("korea", overrides={
          "behaviour.retirement_hazard": 0.2,
          "cities.daejeon.amenity": 0.7,
          "institutes.KAIST.graduates.phd": 900,
      })

* the same paths with ``__`` instead of dots as keywords, which is the form
  ``mesa.batch_run`` and sweeps pass: ``EcosystemModel(behaviour__retirement_hazard=0.2)``.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, get_type_hints

import numpy as np

from ecosim.inputs.params import Behaviour, Capital, Firms, Labour, Policy, PolicyPackage, Ranking
from ecosim.inputs.validation import ScenarioError, validate

__all__ = [
    "Behaviour",
    "City",
    "FactoryGroup",
    "Institute",
    "InvestorGroup",
    "Labour",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "packaged_scenarios",
]

# --------------------------------------------------------------------------- parts


@dataclass(frozen=True)
class City:
    """A region with its people, firms and place.

    Attributes:
        name: Identifier used everywhere else in the scenario.
        label: Human-readable description.
        population: Residents (persons).
        lat: Latitude of the city centre (degrees).
        lon: Longitude of the city centre (degrees).
        talent_stock: Technical workers living there at the start (persons).
        venture_firms: Startups (certified venture firms) at the start (firms).
        amenity: Quality-of-life index in [0, 1] (estimate).
        cost_of_living: Relative cost of living, capital region = 1.0.
        sector_shares: Share of the talent stock in each sector; sums to 1.
        support_organisations: Accelerators and other startup support
            organisations (for the ranking's quantity score).
        source: Where the numbers come from, or "est." for estimates.
    """

    name: str
    label: str
    population: int
    lat: float
    lon: float
    talent_stock: int
    venture_firms: int
    amenity: float
    cost_of_living: float
    sector_shares: dict[str, float]
    support_organisations: int = 0
    source: str = ""


@dataclass(frozen=True)
class Institute:
    """A university or research institute that trains technical talent.

    Attributes:
        name: Identifier, e.g. "KAIST".
        city: The city it is in.
        kind: One of ``institute``, ``university``, ``research_institute``.
        graduates: Degrees awarded per year by degree (``bs``, ``ms``, ``phd``).
        ceremony_months: Calendar months (1-12) in which degrees are awarded; the
            yearly graduates are split evenly across them.
        researchers: Research staff (persons).
        sector_shares: Share of graduates in each sector; sums to 1.
        source: Where the numbers come from, or "est." for estimates.
    """

    name: str
    city: str
    kind: str
    graduates: dict[str, int]
    ceremony_months: tuple[int, ...]
    researchers: int
    sector_shares: dict[str, float]
    source: str = ""


@dataclass(frozen=True)
class FactoryGroup:
    """Factories of one industry in one city.

    Attributes:
        city: The city they are in.
        industry: Industry name, e.g. "automotive".
        count: Number of plants (each becomes one Factory agent, at least one
            at any scale when ``count`` > 0).
        employees: Employees per plant (persons).
        engineers: Engineering positions per plant (persons).
        sectors: Startup sectors this industry buys from (for demonstration).
        source: Where the numbers come from, or "est." for estimates.
    """

    city: str
    industry: str
    count: int
    employees: int
    engineers: int
    sectors: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class InvestorGroup:
    """Investors of one kind in one city.

    Attributes:
        city: The city where they are based.
        kind: One of ``vc``, ``fund_of_funds``, ``regional_fund``,
            ``corporate_vc``, ``angel``.
        count: Number of firms (each becomes one Investor agent, at least one at
            any scale when ``count`` > 0).
        fund_size_krw: Committed capital per firm (KRW).
        source: Where the numbers come from, or "est." for estimates.
    """

    city: str
    kind: str
    count: int
    fund_size_krw: float
    source: str = ""


@dataclass(frozen=True)
class Scenario:
    """Everything a model is built from.

    Attributes:
        name: Scenario name.
        description: What it describes.
        start_year: Calendar year of month 1.
        start_month: Calendar month (1-12) of month 1.
        months: Default run length (months).
        scale: Agents per real person or firm (1.0 = one agent each).
        sectors: Sector names used by cities, institutes and factories.
        capital_region: Cities that form the capital region (for metrics only).
        startup_stage_shares: Share of the initial startups at each stage
            (``pre_seed``, ``seed``, ``series_a``, ``series_b``, ``series_c_plus``).
        cities: The cities.
        institutes: Universities and research institutes.
        factories: Factory groups.
        investors: Investor groups.
        behaviour: Behavioural weights and hazards.
        labour: Wages and positions.
        firms: Founding, growth, demonstration, exits and relocation of startups.
        capital: Investors' search, screening and round sizes.
        distance_km: Optional explicit distance matrix by city name (km); when
            absent, great-circle distances from the coordinates are used.
        travel_time_hours: Travel-time matrix by city name (hours).
        sources: Sources for scenario-wide facts, by topic.
        policy: The Startup City policy (no packages: no policy).
        ranking: How city scores and world ranks are computed.
    """

    name: str
    description: str
    start_year: int
    start_month: int
    months: int
    scale: float
    sectors: tuple[str, ...]
    capital_region: tuple[str, ...]
    startup_stage_shares: dict[str, float]
    cities: tuple[City, ...]
    institutes: tuple[Institute, ...]
    factories: tuple[FactoryGroup, ...]
    investors: tuple[InvestorGroup, ...]
    behaviour: Behaviour
    labour: Labour
    firms: Firms
    capital: Capital
    travel_time_hours: dict[str, dict[str, float]]
    distance_km: dict[str, dict[str, float]] | None = None
    sources: dict[str, str] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    ranking: Ranking = field(default_factory=Ranking)

    def __post_init__(self):  # noqa: D105
        validate(self)

    # ------------------------------------------------------------------ views
    @property
    def city_names(self) -> tuple[str, ...]:
        """City names in index order."""
        return tuple(c.name for c in self.cities)

    def city_index(self, name: str) -> int:
        """Index of the city called ``name``."""
        return self.city_names.index(name)

    def distance_matrix(self) -> np.ndarray:
        """Distances between cities (km), shape (cities, cities)."""
        names = self.city_names
        if self.distance_km is not None:
            return np.array([[self.distance_km[a][b] for b in names] for a in names])
        lat = np.radians([c.lat for c in self.cities])
        lon = np.radians([c.lon for c in self.cities])
        dlat = lat[:, None] - lat[None, :]
        dlon = lon[:, None] - lon[None, :]
        cos_cos = np.cos(lat[:, None]) * np.cos(lat[None, :])
        h = np.sin(dlat / 2) ** 2 + cos_cos * np.sin(dlon / 2) ** 2
        return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))

    def travel_time_matrix(self) -> np.ndarray:
        """Travel times between cities (hours), shape (cities, cities)."""
        names = self.city_names
        return np.array([[self.travel_time_hours[a][b] for b in names] for a in names])

    def replace(self, **changes: Any) -> Scenario:
        """Return a validated copy with top-level fields changed."""
        raw = to_dict(self)
        raw.update(_plain(changes))
        return from_dict(raw)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """Return a validated copy with dotted-path fields changed (see module docs)."""
        raw = to_dict(self)
        for path, value in overrides.items():
            _set_path(raw, path.replace("__", "."), value)
        return from_dict(raw)


# --------------------------------------------------------------------------- loading


def packaged_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``ecosim/inputs/data``."""
    files = resources.files("ecosim.inputs.data").iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def load_scenario(
    source: str | Path | Scenario = "korea",
    *,
    overrides: dict[str, Any] | None = None,
    **fields: Any,
) -> Scenario:
    """Load and validate a scenario.

    Args:
        source: A packaged scenario name (see :func:`packaged_scenarios`), a path
            to a TOML file, or a :class:`Scenario` to copy.
        overrides: Dotted paths to nested fields and their new values.
        **fields: Top-level fields (``scale``, ``months``...) or nested ones with
            ``__`` in place of dots.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: A field is unknown or holds a value that is not allowed.
        FileNotFoundError: ``source`` is neither a packaged name nor a file.
    """
    if isinstance(source, Scenario):
        raw = to_dict(source)
    else:
        raw = _read_toml(source)
    for path, value in {**(overrides or {}), **fields}.items():
        _set_path(raw, path.replace("__", "."), value)
    return from_dict(raw)


def _read_toml(source: str | Path, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """Read a scenario file; ``extends = "name or path"`` merges it over another one."""
    path = Path(source)
    if path.suffix == ".toml" or path.exists():
        if not path.exists():
            raise FileNotFoundError(f"scenario file not found: {path}")
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    else:
        names = packaged_scenarios()
        if str(source) not in names:
            raise FileNotFoundError(
                f"no packaged scenario named {str(source)!r}; packaged: {', '.join(names)}; "
                "or give the path of a .toml file"
            )
        with resources.files("ecosim.inputs.data").joinpath(f"{source}.toml").open("rb") as fh:
            raw = tomllib.load(fh)
    base = raw.pop("extends", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise ScenarioError("extends", base, "the name or path of another scenario")
    if str(base) in _seen:
        raise ScenarioError("extends", base, f"no cycle (chain: {' -> '.join(_seen)})")
    if not Path(base).is_absolute() and path.suffix == ".toml" and (path.parent / base).exists():
        base = str(path.parent / base)
    return _merge(_read_toml(base, (*_seen, str(source))), raw)


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``: tables merge key by key; anything else replaces."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def to_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain nested dict of a scenario (the TOML layout: lists, dicts and scalars)."""
    return _plain(scenario)


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return copy.copy(obj)


def _set_path(raw: dict[str, Any], path: str, value: Any) -> None:
    keys = path.split(".")
    node: Any = raw
    for depth, key in enumerate(keys[:-1]):
        where = ".".join(keys[: depth + 1])
        if isinstance(node, list):
            node = _find_record(node, key, where)
        elif isinstance(node, dict):
            if key not in node:
                raise ScenarioError(where, key, f"one of: {', '.join(map(str, node))}")
            node = node[key]
        else:
            raise ScenarioError(where, key, "a path into a table or list of records")
    if isinstance(node, list):
        raise ScenarioError(path, value, "a field of a record, not a whole record")
    if not isinstance(node, dict):
        raise ScenarioError(path, value, "a path into a table")
    # Unknown keys are reported by from_dict with this same path.
    node[keys[-1]] = _plain(value)


def _find_record(records: list[dict[str, Any]], key: str, where: str) -> dict[str, Any]:
    for rec in records:
        if isinstance(rec, dict) and rec.get("name") == key:
            return rec
    if key.isdigit() and int(key) < len(records):
        return records[int(key)]
    names = [str(r.get("name", i)) for i, r in enumerate(records)]
    raise ScenarioError(where, key, f"a record name or index among: {', '.join(names)}")


def from_dict(raw: dict[str, Any]) -> Scenario:
    """Build a validated :class:`Scenario` from a nested dict (the TOML layout)."""
    raw = copy.deepcopy(raw)
    _check_keys(raw, Scenario, "")
    for part, cls in (
        ("cities", City),
        ("institutes", Institute),
        ("factories", FactoryGroup),
        ("investors", InvestorGroup),
    ):
        records = raw.get(part, [])
        if not isinstance(records, list):
            raise ScenarioError(part, records, "a list of tables ([[...]] in TOML)")
        built = []
        for i, rec in enumerate(records):
            label = rec.get("name", i) if isinstance(rec, dict) else i
            where = f"{part}.{label}"
            if not isinstance(rec, dict):
                raise ScenarioError(where, rec, "a table")
            _check_keys(rec, cls, where)
            built.append(cls(**_coerce(rec, cls, where)))
        raw[part] = tuple(built)
    for part, cls in (("behaviour", Behaviour), ("labour", Labour), ("firms", Firms),
                      ("capital", Capital)):
        table = raw.get(part, {})
        if not isinstance(table, dict):
            raise ScenarioError(part, table, "a table")
        _check_keys(table, cls, part)
        raw[part] = cls(**_coerce(table, cls, part))
    pol = raw.get("policy", {})
    if not isinstance(pol, dict):
        raise ScenarioError("policy", pol, "a table")
    _check_keys(pol, Policy, "policy")
    packages = []
    for i, rec in enumerate(pol.get("packages", [])):
        where = f"policy.packages.{rec.get('city', i) if isinstance(rec, dict) else i}"
        if not isinstance(rec, dict):
            raise ScenarioError(where, rec, "a table")
        _check_keys(rec, PolicyPackage, where)
        packages.append(PolicyPackage(**_coerce(rec, PolicyPackage, where)))
    raw["policy"] = Policy(**_coerce({**pol, "packages": packages}, Policy, "policy"))
    rk = raw.get("ranking", {})
    if not isinstance(rk, dict):
        raise ScenarioError("ranking", rk, "a table")
    _check_keys(rk, Ranking, "ranking")
    raw["ranking"] = Ranking(**_coerce(rk, Ranking, "ranking"))
    return Scenario(**_coerce(raw, Scenario, ""))


def _check_keys(rec: dict[str, Any], cls: type, where: str) -> None:
    valid = [f.name for f in dataclasses.fields(cls)]
    required = [
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    for key in rec:
        if key not in valid:
            raise ScenarioError(_join(where, key), rec[key], f"a known key: {', '.join(valid)}")
    for key in required:
        if key not in rec:
            raise ScenarioError(_join(where, key), None, "a value (this field is required)")


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


_TYPE_CACHE: dict[type, dict[str, Any]] = {}


def _coerce(rec: dict[str, Any], cls: type, where: str) -> dict[str, Any]:
    """Check scalar types and turn TOML lists into tuples."""
    hints = _TYPE_CACHE.setdefault(cls, get_type_hints(cls))
    out = {}
    for key, value in rec.items():
        hint = hints[key]
        path = _join(where, key)
        if hint is int:
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise ScenarioError(path, value, "an integer")
            value = int(value)
        elif hint is float:
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise ScenarioError(path, value, "a number")
            value = float(value)
            if not math.isfinite(value):
                raise ScenarioError(path, value, "a finite number")
        elif hint is str:
            if not isinstance(value, str):
                raise ScenarioError(path, value, "a string")
        elif str(hint).startswith("tuple"):
            if isinstance(value, str) or not isinstance(value, list | tuple):
                raise ScenarioError(path, value, "a list")
            value = tuple(value)
        elif str(hint).startswith("dict") and value is not None:
            if not isinstance(value, dict):
                raise ScenarioError(path, value, "a table")
        out[key] = value
    return out


