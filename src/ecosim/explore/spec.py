"""Declaring an exploration: uncertainties, levers, outcomes, and what to search.

Exploratory modelling's vocabulary (EMA Workbench, robust decision making):

* **uncertainties** (:class:`Uncertainties`): what we do not know: model
  parameters (ranges sampled by Latin hypercube or Sobol, or a table of
  parameter sets such as a posterior's draws), the ranking's uncertainty (its
  draws) and the simulation's own noise (seeds);
* **levers** (:class:`Levers`): what government chooses: the yearly budget,
  its share per city, each city's split across the four levers, the start
  year and which cities are designated (beyond the four Startup Cities, with
  one shared package);
* **outcomes** (:class:`Outcomes`): Korean cities in the top ``top`` in
  ``year``, each city's rank, graduate retention, the capital region's share
  of funding and the programme's cost;
* what to do with them: a robust search (:class:`Search`) and scenario
  discovery (:class:`Discovery`).

:class:`ExploreSpec` holds them all; it is built in Python or read from TOML
(:meth:`ExploreSpec.from_toml`) and validated before anything runs: a bad value
raises :class:`ExploreError` naming the field, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ecosim.experiments.design import ExperimentError
from ecosim.inputs.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["STAGES", "Discovery", "ExploreError", "ExploreSpec", "Levers", "Outcomes",
           "Search", "Uncertainties"]

#: What :func:`~ecosim.explore.job.explore` can do, in the order it does it.
STAGES = ("discover", "search", "frontier")
#: Ways to sample a space.
SAMPLINGS = ("lhs", "sobol")
#: How each designated city's budget is split across the four levers.
SPLITS = ("per_city", "shared", "announced")


class ExploreError(ExperimentError):
    """An exploration field holds a value that is not allowed.

    Attributes ``field`` (dotted path in the declaration), ``value`` and
    ``allowed``, as :class:`~ecosim.experiments.ExperimentError`.
    """

    def __init__(self, field: str, value: Any, allowed: str):
        super().__init__(field, value, allowed)
        self.args = (f"explore field '{field}' = {value!r} is invalid: allowed is {allowed}",)


@dataclass(frozen=True)
class Uncertainties:
    """What we do not know, sampled as points x seeds x ranking draws.

    Attributes:
        ranges: Scenario path -> (low, high): model parameters sampled over
            ``points`` points (``sampling``). Empty: the packaged values.
        parameter_sets: A table of parameter sets to draw points from:
            ``"packaged"`` (the calibrated posterior packaged with ecosim), a
            :class:`~ecosim.calibration.posterior.Posterior` or a posterior
            file (its particles, drawn by weight), or a DataFrame or a
            CSV/Parquet path, one column per scenario path, one row per set.
            ``points`` rows are drawn (seeded, without replacement while rows
            last).
        points: Uncertainty points (1 with neither ranges nor a table: the
            point estimate).
        sampling: ``"lhs"`` (Latin hypercube) or ``"sobol"`` for ``ranges``.
        replicates: Seeds per point (common random numbers across policies).
        ranking_draws: Draws of the ranking's uncertainty per run (0: the
            central fit only).
    """

    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    parameter_sets: Any = None
    points: int = 1
    sampling: str = "lhs"
    replicates: int = 2
    ranking_draws: int = 50


@dataclass(frozen=True)
class Levers:
    """What government chooses.

    Attributes:
        cities: Designated in every policy, each with a package of its own.
        extra_cities: May also be designated (one yes/no lever each), all with
            the same package: one budget each and one lever split.
        extra_focus_sectors: The extra package's focus sectors (default: those
            every package of ``cities`` in the base scenario shares).
        budget_krw: Total yearly budget across the designated cities (KRW): a
            value, or [low, high] for the discovery sample.
        budget_log: Sample the budget on a log scale (needs low > 0).
        start_year: Year the packages start: a value or [low, high] (default:
            the base scenario's).
        city_weights: Each city's share of the total is a lever (weights in
            [0, 1], normalised over the designated cities); false: equal shares.
        split: ``"per_city"`` (each city's four lever shares are levers; the
            extra cities share one split), ``"shared"`` (one split for all) or
            ``"announced"`` (the base scenario's splits; extra cities their mean).
    """

    cities: Sequence[str] = ("daegu", "daejeon", "gwangju", "ulsan")
    extra_cities: Sequence[str] = ()
    extra_focus_sectors: Sequence[str] | None = None
    budget_krw: float | Sequence[float] = 120e9
    budget_log: bool = False
    start_year: int | Sequence[int] | None = None
    city_weights: bool = True
    split: str = "per_city"


@dataclass(frozen=True)
class Outcomes:
    """What we measure, and the target.

    Attributes:
        year: The year read (runs end in December of it).
        top: World-rank threshold (a city is in if its rank is at most ``top``).
        k: Korean cities needed in the top (the project's goal: 5).
        target: Probability the inverse question asks for: P(at least k) >= target.
    """

    year: int = 2030
    top: int = 100
    k: int = 5
    target: float = 0.5


@dataclass(frozen=True)
class Search:
    """The robust search (optuna) and the budget frontier.

    Attributes:
        budget_krw: The given total yearly budget of the search (default: the
            base scenario's packages' total).
        trials: Lever settings tried at that budget (the announced one first).
        batch: Settings evaluated together (their runs in parallel).
        best_k_trials: Extra trials maximising P(at least k*) for the best k*
            reachable, when k* differs from ``outcomes.k`` (0: none).
        frontier_krw: Yearly budgets of the frontier, ascending; the last is
            the ceiling of the inverse question.
        frontier_trials: Settings tried at each frontier budget (the best ones
            found so far first).
        confirm_replicates: Fresh seeds on which each frontier budget's best
            setting is evaluated again (0: none): the frontier's estimate, free
            of the selection's optimism.
        bisect_steps: Bisection steps on the budget between the last frontier
            budget below the target and the first above it.
    """

    budget_krw: float | None = None
    trials: int = 24
    batch: int = 4
    best_k_trials: int = 0
    frontier_krw: Sequence[float] = (60e9, 120e9, 240e9, 480e9, 960e9)
    frontier_trials: int = 8
    confirm_replicates: int = 2
    bisect_steps: int = 3


@dataclass(frozen=True)
class Discovery:
    """Scenario discovery: a sample of lever settings and PRIM over the cases.

    Attributes:
        policies: Lever settings sampled over the whole lever space, each run
            at every uncertainty point and seed.
        sampling: ``"lhs"`` or ``"sobol"`` (a power of two).
        k: Cities in the top the cases of interest reach (default: ``outcomes.k``;
            when too few cases reach it, the largest k enough cases reach).
        min_cases: Cases of interest PRIM needs (a count)...
        min_share: ... and a share of all cases.
        rank_threshold: When given, the cases of interest are instead those whose
            k-th best Korean city ranks at or above this (no fallback): how to
            get closer when no case gets there.
        min_density: The box chosen on each peeling trajectory is the one with
            the largest coverage among those at least this dense (else the one
            with the largest coverage x density gain over the base rate).
        max_qp: Restrictions whose quasi-p value exceeds this are dropped.
        boxes: Boxes to find (each covers cases the earlier ones left).
        peel_alpha: Share of cases peeled per PRIM step.
    """

    policies: int = 32
    sampling: str = "lhs"
    k: int | None = None
    min_cases: int = 20
    min_share: float = 0.05
    rank_threshold: float | None = None
    min_density: float = 0.8
    max_qp: float = 0.05
    boxes: int = 2
    peel_alpha: float = 0.05


@dataclass(frozen=True)
class ExploreSpec:
    """An exploration: the world, uncertainties, levers, outcomes, and what to run.

    Attributes:
        name: Name (default results folder ``results/startup_cities_2030/<name>``).
        base: The scenario whose world runs and whose policy gives the unit
            costs, focus sectors and the announced packages.
        scale: Agents per real person or firm.
        root_seed: Seed of every replicate, sample and search.
        uncertainties: See :class:`Uncertainties`.
        levers: See :class:`Levers`.
        outcomes: See :class:`Outcomes`.
        search: See :class:`Search`.
        discovery: See :class:`Discovery`.
        stages: Which of :data:`STAGES` to run.
        execution: Defaults: ``executor``, ``workers``, ``scheduler``, ``out``.
    """

    name: str = "explore"
    base: Any = "startup_city"
    scale: float = 0.01
    root_seed: int = 2025
    uncertainties: Uncertainties = field(default_factory=Uncertainties)
    levers: Levers = field(default_factory=Levers)
    outcomes: Outcomes = field(default_factory=Outcomes)
    search: Search = field(default_factory=Search)
    discovery: Discovery = field(default_factory=Discovery)
    stages: Sequence[str] = STAGES
    execution: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:  # noqa: D105
        from ecosim.explore._check import normalise

        normalise(self)

    @classmethod
    def from_toml(cls, path: str | Path) -> ExploreSpec:
        """Read and validate an exploration file (paths are relative to its folder).

        Raises:
            ExploreError: A key is unknown or a value is not allowed.
            FileNotFoundError: The file does not exist.
        """
        path = Path(path)
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as err:
            raise ExploreError(str(path), "(file)", f"valid TOML ({err})") from err
        return cls.from_dict(raw, base_dir=path.parent).validate()

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], base_dir: str | Path = ".") -> ExploreSpec:
        """Build from the TOML layout: top-level keys and one table per part."""
        parts = {"uncertainties": Uncertainties, "levers": Levers, "outcomes": Outcomes,
                 "search": Search, "discovery": Discovery}
        known = [f.name for f in dataclasses.fields(cls)] + ["description"]
        for key in raw:
            if key not in known:
                raise ExploreError(key, raw[key], f"a known key: {', '.join(known)}")
        kwargs = {k: v for k, v in raw.items() if k != "description"}
        for key, part in parts.items():
            if key not in kwargs:
                continue
            table = kwargs[key]
            if not isinstance(table, dict):
                raise ExploreError(key, table, "a table")
            allowed = [f.name for f in dataclasses.fields(part)]
            for sub in table:
                if sub not in allowed:
                    raise ExploreError(f"{key}.{sub}", table[sub],
                                       f"a known key: {', '.join(allowed)}")
            table = dict(table)
            if key == "uncertainties":
                table["ranges"] = _flatten(table.get("ranges", {}), "uncertainties.ranges")
                sets = table.get("parameter_sets")
                if isinstance(sets, str) and sets != "packaged" and not Path(sets).is_absolute():
                    table["parameter_sets"] = str(Path(base_dir) / sets)
            kwargs[key] = part(**table)
        base = kwargs.get("base")
        if isinstance(base, str) and base.endswith(".toml") and not Path(base).is_absolute():
            candidate = Path(base_dir) / base
            if candidate.exists():
                kwargs["base"] = str(candidate.resolve())
        if "execution" in kwargs and not isinstance(kwargs["execution"], dict):
            raise ExploreError("execution", kwargs["execution"], "a table")
        return cls(**kwargs)

    # ------------------------------------------------------------------ derived
    @cached_property
    def base_scenario(self) -> Scenario:
        """The base scenario at the exploration's scale (validated)."""
        try:
            return load_scenario(self.base, scale=self.scale)
        except ScenarioError as err:
            raise ExploreError("base", _label(self.base), f"a valid scenario ({err})") from err
        except FileNotFoundError as err:
            raise ExploreError("base", _label(self.base),
                               f"a packaged scenario or a TOML file ({err})") from err

    @property
    def months(self) -> int:
        """Months each run covers: from the base scenario's start to December of ``year``."""
        s = self.base_scenario
        return (self.outcomes.year - s.start_year) * 12 + 13 - s.start_month

    @property
    def search_budget(self) -> float:
        """The search's total yearly budget (KRW)."""
        if self.search.budget_krw is not None:
            return float(self.search.budget_krw)
        total = sum(p.budget_krw for p in self.base_scenario.policy.packages)
        return float(total)

    @property
    def ceiling(self) -> float:
        """The largest yearly budget the inverse question considers (KRW)."""
        return float(max(self.search.frontier_krw))

    def validate(self) -> ExploreSpec:
        """Check the declaration against the base scenario (cities, years, paths).

        Returns:
            The spec (for chaining).

        Raises:
            ExploreError: The first invalid value.
        """
        from ecosim.explore._check import validate

        validate(self)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The declaration as plain data (for the results folder)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if dataclasses.is_dataclass(value):
                value = {g.name: getattr(value, g.name) for g in dataclasses.fields(value)}
            out[f.name] = value
        out["base"] = _label(self.base)
        sets = out["uncertainties"]["parameter_sets"]
        if sets is not None and not isinstance(sets, str):
            out["uncertainties"]["parameter_sets"] = f"(table of {len(sets)} rows)"
        return _plain(out)


def _label(source: Any) -> str:
    return source.name if isinstance(source, Scenario) else str(source)


def _flatten(table: Any, where: str) -> dict[str, Any]:
    """Nested TOML tables -> dotted paths (a leaf is anything that is not a table)."""
    if not isinstance(table, dict):
        raise ExploreError(where, table, "a table of path = [low, high]")
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in _flatten(value, f"{where}.{key}").items()})
        else:
            out[key] = value
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value

