"""The lever space: named variables, and the policy (Startup City packages) a setting gives.

A **setting** is a mapping from variable name to value:

* ``budget_krw``: total yearly budget across the designated cities (KRW);
* ``start_year``: the year the packages start;
* ``designate:<city>``: whether an extra city is designated (1/0);
* ``weight:<city>`` (and ``weight:extra``, the weight of each designated extra
  city): the city's share of the total, normalised over the designated cities;
* ``split:<city>:<lever>`` (``split:extra:<lever>`` for the extra cities, or
  ``split:<lever>`` when one split is shared): the budget's split across the
  four levers, normalised per city.

:meth:`LeverSpace.policy` turns a setting into a :class:`Policy`: one package
per designated city, rounded (budgets to a million KRW, shares to 1e-4) so that
equal policies have equal ids; :meth:`Policy.scenario` is the base scenario with
those packages. Variables fixed by the declaration (a single budget, a single
start year) are not in the space; :meth:`LeverSpace.variables` lists the rest.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ecosim.explore.spec import Levers
from ecosim.inputs.scenario import Scenario, to_dict
from ecosim.vocab import LEVERS

if TYPE_CHECKING:
    from ecosim.explore.spec import ExploreSpec

__all__ = ["REFERENCE", "LeverSpace", "Package", "Policy", "Variable"]

#: Label and id of the policy with no packages (the ranking is fitted on it).
REFERENCE = "reference"
_BUDGET_STEP = 1e6   # KRW: package budgets are rounded to this
_SHARE_DIGITS = 4
#: Weights (of cities, of levers) are sampled log-uniformly in [_W_LOW, 1]: a share can then
#: come near 0 or 1 (the simplex's corners) as easily as near the middle.
_W_LOW = 0.01


@dataclass(frozen=True)
class Variable:
    """One lever variable.

    Attributes:
        name: ``budget_krw``, ``start_year``, ``designate:<city>``, ``weight:<city>``,
            ``split:<city>:<lever>``, ...
        kind: ``"real"``, ``"int"`` or ``"bool"``.
        low: Lowest value.
        high: Highest value.
        log: Sampled on a log scale.
    """

    name: str
    kind: str
    low: float
    high: float
    log: bool = False

    def from_unit(self, u: float) -> float | int:
        """The value at position ``u`` in [0, 1] of the variable's range."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind == "bool":
            return int(u >= 0.5)
        if self.kind == "int":
            return int(min(self.high, math.floor(self.low + u * (self.high - self.low + 1))))
        if self.log:
            return float(math.exp(math.log(self.low) + u * (math.log(self.high)
                                                            - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class Package:
    """One designated city's yearly package.

    Attributes:
        city: The city.
        budget_krw: Yearly budget (KRW).
        shares: Share of the budget per lever (sums to 1).
        focus_sectors: Focus sectors.
        open_factories: Factories open their floors to startups.
    """

    city: str
    budget_krw: float
    shares: Mapping[str, float]
    focus_sectors: tuple[str, ...]
    open_factories: bool = False


@dataclass(frozen=True)
class Policy:
    """A policy: the packages a lever setting gives, from a start year.

    Attributes:
        start_year: Year the packages start.
        packages: One per designated city.
        values: The lever setting it came from.
        label: A name for tables (``announced``, ``reference``), or empty.
    """

    start_year: int
    packages: tuple[Package, ...]
    values: Mapping[str, Any] = field(default_factory=dict, compare=False)
    label: str = field(default="", compare=False)

    @property
    def budget_krw(self) -> float:
        """Total yearly budget (KRW)."""
        return float(sum(p.budget_krw for p in self.packages))

    @cached_property
    def id(self) -> str:
        """A stable id of the packages and start year (``reference`` for no packages)."""
        if not self.packages:
            return REFERENCE
        body = json.dumps({"start_year": self.start_year, "packages": [
            [p.city, p.budget_krw, [p.shares[k] for k in LEVERS], list(p.focus_sectors),
             p.open_factories] for p in self.packages]}, sort_keys=True)
        return "p" + hashlib.sha256(body.encode()).hexdigest()[:11]

    def scenario(self, base: Scenario) -> Scenario:
        """``base`` with this policy's packages and start year (validated), named by the id."""
        policy = to_dict(base)["policy"]
        policy["start_year"] = int(self.start_year)
        policy["packages"] = [
            {"city": p.city, "budget_krw": p.budget_krw, "levers": dict(p.shares),
             "focus_sectors": list(p.focus_sectors), "open_factories": p.open_factories,
             "source": f"ecosim explore: lever setting {self.id} (est.)"}
            for p in self.packages]
        return base.replace(name=self.id, description=f"explore policy {self.id}",
                            policy=policy)


class LeverSpace:
    """The variables of a :class:`~ecosim.explore.spec.Levers` declaration, and their policies.

    Args:
        levers: The declaration.
        start_year: Default start year (the base scenario's).
        focus: Focus sectors per city (cities without any get ``extra_focus``).
        open_factories: Open factory floors per city (default false).
        extra_focus: The extra cities' package's focus sectors.
        announced: The base scenario's packages, city -> (budget, shares).
    """

    def __init__(self, levers: Levers, *, start_year: int,
                 focus: Mapping[str, Sequence[str]] | None = None,
                 open_factories: Mapping[str, bool] | None = None,
                 extra_focus: Sequence[str] = (),
                 announced: Mapping[str, tuple[float, Mapping[str, float]]] | None = None):
        self.levers = levers
        self.start_year = int(start_year)
        self.focus = {k: tuple(v) for k, v in (focus or {}).items()}
        self.open_factories = dict(open_factories or {})
        self.extra_focus = tuple(extra_focus)
        self.announced_packages = dict(announced or {})

    @classmethod
    def from_spec(cls, spec: ExploreSpec) -> LeverSpace:
        """The lever space of ``spec`` over its base scenario."""
        from ecosim.explore._check import shared_focus_sectors

        s = spec.base_scenario
        lv = spec.levers
        pk = {p.city: p for p in s.policy.packages}
        extra = lv.extra_focus_sectors
        if extra is None:
            extra = shared_focus_sectors(s, lv.cities)
        return cls(lv, start_year=s.policy.start_year,
                   focus={c: p.focus_sectors for c, p in pk.items()},
                   open_factories={c: p.open_factories for c, p in pk.items()},
                   extra_focus=extra,
                   announced={c: (p.budget_krw, dict(p.levers)) for c, p in pk.items()
                              if c in lv.cities})

    # ------------------------------------------------------------------ variables
    @property
    def cities(self) -> tuple[str, ...]:
        """Every city a policy may designate: the core cities, then the extra ones."""
        return (*self.levers.cities, *self.levers.extra_cities)

    def split_owners(self) -> tuple[str, ...]:
        """Whose split is a variable: each core city (and ``extra``), or none (shared/announced)."""
        if self.levers.split != "per_city":
            return ()
        return (*self.levers.cities, *(("extra",) if self.levers.extra_cities else ()))

    def variables(self, budget: float | None = None) -> list[Variable]:
        """The free variables; ``budget`` fixes the total yearly budget (KRW)."""
        lv = self.levers
        out: list[Variable] = []
        if budget is None and isinstance(lv.budget_krw, tuple):
            lo, hi = lv.budget_krw
            out.append(Variable("budget_krw", "real", lo, hi, lv.budget_log))
        if isinstance(lv.start_year, tuple):
            out.append(Variable("start_year", "int", *lv.start_year))
        out += [Variable(f"designate:{c}", "bool", 0, 1) for c in lv.extra_cities]
        if lv.city_weights:
            out += [Variable(f"weight:{c}", "real", _W_LOW, 1.0, True) for c in lv.cities]
            if lv.extra_cities:
                out.append(Variable("weight:extra", "real", _W_LOW, 1.0, True))
        for owner in self.split_owners():
            out += [Variable(f"split:{owner}:{k}", "real", _W_LOW, 1.0, True) for k in LEVERS]
        if lv.split == "shared":
            out += [Variable(f"split:{k}", "real", _W_LOW, 1.0, True) for k in LEVERS]
        return out

    def fixed_budget(self) -> float | None:
        """The declared budget when it is a single value."""
        b = self.levers.budget_krw
        return None if isinstance(b, tuple) else float(b)

    # ------------------------------------------------------------------ policies
    def policy(self, values: Mapping[str, Any], budget: float | None = None,
               label: str = "") -> Policy:
        """The policy of a setting; ``budget`` (KRW a year) overrides ``budget_krw``.

        Raises:
            KeyError: A free variable of the space is missing from ``values``.
        """
        lv = self.levers
        total = budget if budget is not None else values.get("budget_krw", self.fixed_budget())
        if total is None:
            raise KeyError("budget_krw: the setting has no budget and levers.budget_krw is a "
                           "range; pass budget=")
        start = int(values.get("start_year", lv.start_year if isinstance(lv.start_year, int)
                               else self.start_year))
        extras = [c for c in lv.extra_cities if bool(round(float(values[f"designate:{c}"])))]
        designated = [*lv.cities, *extras]
        if lv.city_weights:
            weights = [float(values[f"weight:{c}"]) for c in lv.cities]
            if extras:
                weights += [float(values["weight:extra"])] * len(extras)
        else:
            weights = [1.0] * len(designated)
        if sum(weights) <= 0:
            weights = [1.0] * len(designated)
        budgets = _round_budgets(float(total), weights)
        packages = []
        for city, b in zip(designated, budgets, strict=True):
            core = city in lv.cities
            packages.append(Package(
                city=city, budget_krw=b, shares=self._shares(city if core else "extra", values),
                focus_sectors=self.focus.get(city, self.extra_focus) if core
                else self.extra_focus,
                open_factories=bool(self.open_factories.get(city, False)) if core else False))
        return Policy(start_year=start, packages=tuple(packages), values=dict(values),
                      label=label)

    def _shares(self, owner: str, values: Mapping[str, Any]) -> dict[str, float]:
        split = self.levers.split
        if split == "per_city":
            raw = [float(values[f"split:{owner}:{k}"]) for k in LEVERS]
        elif split == "shared":
            raw = [float(values[f"split:{k}"]) for k in LEVERS]
        elif owner in self.announced_packages:
            raw = [self.announced_packages[owner][1][k] for k in LEVERS]
        else:  # extra cities under the announced splits: their mean
            pk = list(self.announced_packages.values())
            raw = [sum(s[k] for _, s in pk) / len(pk) for k in LEVERS] if pk else [1.0] * 4
        return dict(zip(LEVERS, _round_shares(raw), strict=True))

    def reference(self) -> Policy:
        """No packages: the world without the project (the ranking is fitted on it)."""
        return Policy(start_year=self.start_year, packages=(), label=REFERENCE)

    def announced(self) -> dict[str, float] | None:
        """The setting closest to the base scenario's packages (None without any)."""
        pk = self.announced_packages
        if not all(c in pk for c in self.levers.cities):
            return None
        values: dict[str, float] = {}
        top = max(pk[c][0] for c in self.levers.cities) or 1.0
        budget = sum(pk[c][0] for c in self.levers.cities)
        if isinstance(self.levers.budget_krw, tuple):
            values["budget_krw"] = budget
        if isinstance(self.levers.start_year, tuple):
            values["start_year"] = self.start_year
        values.update({f"designate:{c}": 0 for c in self.levers.extra_cities})
        if self.levers.city_weights:
            values.update({f"weight:{c}": pk[c][0] / top for c in self.levers.cities})
            if self.levers.extra_cities:
                values["weight:extra"] = 1.0
        mean = {k: sum(pk[c][1][k] for c in self.levers.cities) / len(self.levers.cities)
                for k in LEVERS}
        for owner in self.split_owners():
            shares = pk[owner][1] if owner in pk else mean
            values.update({f"split:{owner}:{k}": shares[k] for k in LEVERS})
        if self.levers.split == "shared":
            values.update({f"split:{k}": mean[k] for k in LEVERS})
        return values

    def announced_budget(self) -> float:
        """Total yearly budget of the base scenario's packages of the core cities (KRW)."""
        return float(sum(self.announced_packages[c][0] for c in self.levers.cities
                         if c in self.announced_packages))

    def from_unit(self, u: Sequence[float], budget: float | None = None) -> dict[str, Any]:
        """The setting at point ``u`` of the unit hypercube (one coordinate per variable)."""
        variables = self.variables(budget)
        return {v.name: v.from_unit(x) for v, x in zip(variables, u, strict=True)}

    def policy_from_row(self, row: Mapping[str, Any]) -> Policy:
        """The policy a :meth:`row` describes (e.g. a line of ``policies.csv``); same id."""
        return _from_row(self, row)

    def row(self, policy: Policy) -> dict[str, Any]:
        """A policy's realised levers as flat columns (the same columns for every policy).

        ``budget_krw``, ``start_year``, ``designated`` (how many cities),
        ``budget:<city>`` (KRW a year; 0 when not designated),
        ``share:<city>:<lever>`` for the core cities and ``share:extra:<lever>``
        (the extra cities' split), ``designate:<city>`` (1/0).
        """
        by_city = {p.city: p for p in policy.packages}
        row: dict[str, Any] = {"policy": policy.id, "label": policy.label,
                               "budget_krw": policy.budget_krw, "start_year": policy.start_year,
                               "designated": len(policy.packages)}
        for city in self.cities:
            row[f"budget:{city}"] = by_city[city].budget_krw if city in by_city else 0.0
        for c in self.levers.extra_cities:
            row[f"designate:{c}"] = int(c in by_city)
        owners = list(self.levers.cities) + (["extra"] if self.levers.extra_cities else [])
        for owner in owners:
            if owner in by_city:
                shares = by_city[owner].shares
            elif policy.values:  # not designated: the split it would have had
                shares = self._shares(owner, policy.values)
            else:
                shares = dict.fromkeys(LEVERS, 0.0)
            row.update({f"share:{owner}:{k}": float(shares[k]) for k in LEVERS})
        return row


def _from_row(space: LeverSpace, row: Mapping[str, Any]) -> Policy:
    lv = space.levers
    if row.get("policy") == REFERENCE or not int(row.get("designated", 0)):
        return space.reference()
    packages = []
    extras = [c for c in lv.extra_cities if int(row[f"designate:{c}"])]
    for city in (*lv.cities, *extras):
        owner = city if city in lv.cities else "extra"
        core = city in lv.cities
        packages.append(Package(
            city=city, budget_krw=float(row[f"budget:{city}"]),
            shares={k: float(row[f"share:{owner}:{k}"]) for k in LEVERS},
            focus_sectors=space.focus.get(city, space.extra_focus) if core
            else space.extra_focus,
            open_factories=bool(space.open_factories.get(city, False)) if core else False))
    return Policy(start_year=int(row["start_year"]), packages=tuple(packages),
                  label=str(row.get("label", "") or ""))


def _round_shares(raw: Sequence[float]) -> list[float]:
    """Shares from weights: normalised (equal when all are zero), rounded, summing to 1."""
    raw = [max(0.0, float(x)) for x in raw]
    total = sum(raw)
    shares = [x / total for x in raw] if total > 0 else [1.0 / len(raw)] * len(raw)
    out = [round(x, _SHARE_DIGITS) for x in shares]
    i = max(range(len(out)), key=lambda j: out[j])
    out[i] = round(1.0 - sum(x for j, x in enumerate(out) if j != i), _SHARE_DIGITS)
    return out


def _round_budgets(total: float, weights: Sequence[float]) -> list[float]:
    """The total split by weight, each rounded to a million KRW."""
    s = sum(weights)
    return [float(round(total * w / s / _BUDGET_STEP) * _BUDGET_STEP) for w in weights]
