"""Declaring experiments: ensembles, sweeps and sensitivity designs over many runs.

An :class:`Experiment` declares scenarios, parameter points (a grid, a table of
samples, or a Morris/Sobol design), replicates, run length, scale, a root seed
and the outputs to keep; it validates itself before anything runs and plans
its runs (:attr:`Experiment.plan`). :func:`~ecosim.experiments.run.run_experiment`
executes it.

Seeds: ``SeedSequence(root_seed).spawn(replicates)``; replicate *r* uses the
same seed at every scenario and parameter point (common random numbers), and
growing ``replicates`` keeps the seeds (and runs) of the existing ones.

Layout of a results folder::

    experiment.json        the declaration and the ids of its runs
    city/<run_id>.parquet  one file per run and output (city, flows, retention, summary, ...)
    runs/<run_id>.json     completion marker: written last, so a run is done iff it exists
    failures/<run_id>.json a run that raised: error, traceback, parameters (retried on resume)
    summary.json           the last execution's summary
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosim.experiments.executors import EXECUTORS
from ecosim.experiments.worker import RunTask
from ecosim.inputs.memory import check_fits
from ecosim.inputs.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    read_toml_file,
    to_dict,
)

__all__ = ["Experiment", "ExperimentError", "Sampling", "salib_problem", "sample_matrix",
           "sample_points"]

SAMPLING_METHODS = ("morris", "sobol")
#: Reserved key of a sample row: the run's own seed (the row is then one run, see Experiment).
SEED = "seed"


class ExperimentError(ScenarioError):
    """An experiment field holds a value that is not allowed.

    A subclass of :class:`~ecosim.inputs.scenario.ScenarioError`, with the same
    attributes: ``field`` (dotted path in the experiment, or the file's path
    when the file cannot be read), ``value`` and ``allowed``; ``line`` and
    ``column`` locate a TOML syntax error (None otherwise).
    """

    kind = "experiment field"

    def __init__(self, field: str, value: Any, allowed: str, line: int | None = None,
                 column: int | None = None):
        self.line = line
        self.column = column
        super().__init__(field, value, allowed)

    def __reduce__(self):  # noqa: D105
        return (type(self), (self.field, self.value, self.allowed, self.line, self.column))


@dataclass(frozen=True)
class Sampling:
    """A sensitivity design: SALib's Morris or Sobol sampling of parameter ranges.

    Attributes:
        method: ``"morris"`` or ``"sobol"``.
        bounds: Dotted (or ``__``) scenario path -> (low, high).
        n: Morris: trajectories; Sobol: base sample size, a power of two
            (``n * (D + 2)`` points, ``n * (2D + 2)`` with second order).
        levels: Morris grid levels (even, >= 2).
        second_order: Sobol: also estimate second-order indices.
        outputs: Summary metrics to analyse (see :data:`ecosim.experiments.registry.METRICS`).
    """

    method: str
    bounds: Mapping[str, tuple[float, float]]
    n: int
    levels: int = 4
    second_order: bool = False
    outputs: tuple[str, ...] = ("capital_share_talent", "capital_net_inflow")


@dataclass(frozen=True)
class Experiment:
    """Many runs: scenarios x parameter points x replicates.

    Attributes:
        name: Name (default results folder ``results/<name>``).
        scenarios: Packaged scenario names, TOML paths or
            :class:`~ecosim.inputs.scenario.Scenario` objects.
        parameters: A grid: scenario path (``behaviour.w_ties`` or
            ``behaviour__w_ties``) -> values; every combination is a point.
        samples: Points given one by one: a list of ``{path: value}`` (or a DataFrame).
            A row may carry its own seed under the reserved key ``"seed"`` (every
            row then must): each row is then one run, paired with that seed,
            instead of a point run once per replicate seed. ``replicates`` must
            be 1; the design's ``replicate`` column numbers the rows; identical
            (parameters, seed) pairs share a run. Draws from a posterior
            (parameter set, seed) and ABC particles are such rows.
        sampling: A Morris or Sobol design (:class:`Sampling`).
        replicates: Runs per scenario and point, each with its own seed.
        months: Months per run (default: each scenario's ``months``).
        scale: Agents per real person or firm (default: each scenario's ``scale``).
        root_seed: Seed from which every replicate's seed is derived.
        outputs: Outputs to keep per run (see :data:`ecosim.experiments.registry.OUTPUTS`).
        fixed: Scenario paths set to one value in every run.
        backend: Model backend, ``"numba"`` or ``"python"``.
        imports: Modules each worker imports first (plug-in outputs and metrics).
        execution: Defaults for :func:`run_experiment`: ``executor``,
            ``workers``, ``scheduler``, ``out`` (the TOML ``[execution]`` table).

    At most one of ``parameters``, ``samples`` and ``sampling`` may be given;
    none gives a single point (an ensemble of replicates). Construction checks
    the declaration; :meth:`validate` also checks every value against each
    scenario. Both raise :class:`ExperimentError`.
    """

    name: str = "experiment"
    scenarios: Sequence[Any] = ("korea",)
    parameters: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    samples: Any = None
    sampling: Sampling | None = None
    replicates: int = 1
    months: int | None = None
    scale: float | None = None
    root_seed: int = 0
    outputs: Sequence[str] = ("city", "summary")
    fixed: Mapping[str, Any] = field(default_factory=dict)
    backend: str = "numba"
    imports: Sequence[str] = ()
    execution: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:  # noqa: D105
        _normalise(self)

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_toml(cls, path: str | Path) -> Experiment:
        """Read and fully validate an experiment file (before any run starts).

        Scenario paths are relative to the file's folder.

        Raises:
            ExperimentError: A key is unknown or a value is not allowed; the
                field, the value and what is allowed are named.
            FileNotFoundError: The file does not exist.
        """
        path = Path(path)
        raw = read_toml_file(path, ExperimentError)
        experiment = cls.from_dict(raw, base=path.parent)
        experiment.validate()
        return experiment

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], base: str | Path = ".") -> Experiment:
        """Build an experiment from the TOML layout (nested tables are flattened to paths)."""
        known = [f.name for f in dataclasses.fields(cls) if f.name != "sampling"]
        known += ["sensitivity", "description"]
        for key in raw:
            if key not in known:
                raise ExperimentError(key, raw[key], f"a known key: {', '.join(known)}")
        raw = dict(raw)
        raw.pop("description", None)
        scenarios = raw.pop("scenarios", ["korea"])
        if isinstance(scenarios, str):
            scenarios = [scenarios]
        if not isinstance(scenarios, list):
            raise ExperimentError("scenarios", scenarios, "a list of scenario names or paths")
        raw["scenarios"] = [_resolve(s, Path(base)) for s in scenarios]
        for key in ("parameters", "fixed", "execution"):
            if key in raw and not isinstance(raw[key], dict):
                raise ExperimentError(key, raw[key], "a table")
        raw["parameters"] = _flatten(raw.get("parameters", {}), "parameters", leaf=list)
        raw["fixed"] = _flatten(raw.get("fixed", {}), "fixed", leaf=None)
        if "samples" in raw:
            rows = raw["samples"]
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ExperimentError("samples", rows, "an array of tables ([[samples]] in TOML)")
            raw["samples"] = [_flatten(r, f"samples.{i}", leaf=None) for i, r in enumerate(rows)]
        if "sensitivity" in raw:
            raw["sampling"] = _sampling_from_dict(raw.pop("sensitivity"))
        return cls(**raw)

    # ------------------------------------------------------------------ points and runs
    def points(self) -> list[dict[str, Any]]:
        """Parameter points in order: ``{dotted path: value}`` each."""
        if self.sampling is not None:
            return sample_points(self.sampling, self.root_seed)
        if self.samples is not None:
            return [dict(row) for row in self.samples]
        names = list(self.parameters)
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(self.parameters[n] for n in names))]

    def seeds(self) -> list[int]:
        """One seed per replicate, from ``SeedSequence(root_seed).spawn(replicates)``."""
        children = np.random.SeedSequence(self.root_seed).spawn(self.replicates)
        return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]

    def validate(self) -> Experiment:
        """Check every scenario, override and parameter value by loading the scenario.

        Each scenario is loaded with ``scale``, ``months`` and the fixed values;
        then every parameter value (each grid value, each sample row, each
        sampling bound) is applied on its own, so the scenario's own validation
        names the field.

        Returns:
            The experiment (for chaining).

        Raises:
            ExperimentError: The first invalid value.
        """
        for label, source in zip(self.labels, self.scenarios, strict=True):
            base = _load(source, self._base_overrides(), "scenarios", label)
            if self.sampling is not None:
                checks = [({p: lo}, f"sensitivity.bounds.{p}") for p, (lo, _) in
                          self.sampling.bounds.items()]
                checks += [({p: hi}, f"sensitivity.bounds.{p}") for p, (_, hi) in
                           self.sampling.bounds.items()]
            elif self.samples is not None:
                checks = [({k: v for k, v in row.items() if k != SEED}, f"samples.{i}")
                          for i, row in enumerate(self.samples)]
            else:
                checks = [({p: v}, f"parameters.{p}") for p, vs in self.parameters.items()
                          for v in vs]
            for overrides, where in checks:
                _load(base, overrides, where, label)
        return self

    @property
    def seeded(self) -> bool:
        """True when every sample row carries its own seed (one run per row)."""
        return bool(self.samples) and SEED in self.samples[0]

    @property
    def labels(self) -> list[str]:
        """The scenario column's value for each scenario."""
        return [s.name if isinstance(s, Scenario) else str(s) for s in self.scenarios]

    def _base_overrides(self) -> dict[str, Any]:
        base: dict[str, Any] = {}
        if self.scale is not None:
            base["scale"] = self.scale
        if self.months is not None:
            base["months"] = self.months
        base.update(self.fixed)
        return base

    @cached_property
    def plan(self) -> tuple[list[RunTask], pd.DataFrame]:
        """The runs (unique by ``run_id``) and the design table.

        The design table has one row per (scenario, point, replicate) with
        columns ``scenario``, ``point``, ``replicate``, ``run_id`` and the
        point's parameters; identical points share a run.
        """
        seeds = self.seeds()
        points = self.points()
        tasks: dict[str, RunTask] = {}
        design = []
        for label, source in zip(self.labels, self.scenarios, strict=True):
            digest = _scenario_digest(source)
            for p, point in enumerate(points):
                if self.seeded:  # one run per row, with the row's seed
                    point = {k: v for k, v in point.items() if k != SEED}
                    pairs = [(p, self.samples[p][SEED])]
                else:
                    pairs = list(enumerate(seeds))
                overrides = {**self._base_overrides(), **point}
                for r, seed in pairs:
                    ident = {"scenario": digest, "overrides": overrides, "seed": seed}
                    if not self.seeded:
                        ident["replicate"] = r
                    key = json.dumps(ident, sort_keys=True, default=str)
                    run_id = hashlib.sha256(key.encode()).hexdigest()[:16]
                    if run_id not in tasks:
                        tasks[run_id] = RunTask(run_id, len(tasks), label, source, overrides,
                                                r, seed)
                    design.append({"scenario": label, "point": p, "replicate": r,
                                   "seed": seed, "run_id": run_id,
                                   **{k.replace(".", "__"): v for k, v in point.items()}})
        return list(tasks.values()), pd.DataFrame(design)

    def to_dict(self) -> dict[str, Any]:
        """The declaration as plain JSON-able data (scenario objects by name)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["scenarios"] = self.labels
        out["sampling"] = dataclasses.asdict(self.sampling) if self.sampling else None
        out["samples"] = list(self.samples) if self.samples is not None else None
        return json.loads(json.dumps(out, default=str))


# --------------------------------------------------------------------------- normalising


def _set(obj: Experiment, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _normalise(e: Experiment) -> None:
    """Check the declaration's shape and bring it to canonical form (dotted paths, tuples)."""
    if not isinstance(e.name, str) or not e.name or "/" in e.name:
        raise ExperimentError("name", e.name, "a non-empty string without '/'")
    scenarios = e.scenarios
    if isinstance(scenarios, str | Path | Scenario):
        scenarios = [scenarios]
    if not isinstance(scenarios, Sequence):
        raise ExperimentError("scenarios", scenarios, "a list of scenario names or paths")
    for i, s in enumerate(scenarios):
        if not isinstance(s, str | Path | Scenario) or not str(s):
            raise ExperimentError(f"scenarios.{i}", s, "a packaged scenario name, a TOML path "
                                  "or a Scenario")
    scenarios = tuple(str(s) if isinstance(s, Path) else s for s in scenarios)
    if not scenarios:
        raise ExperimentError("scenarios", [], "at least one scenario name or path")
    _set(e, "scenarios", scenarios)
    labels = e.labels
    if len(set(labels)) != len(labels):
        raise ExperimentError("scenarios", labels, "distinct scenarios")
    _set(e, "replicates", _int(e.replicates, "replicates", 1))
    _set(e, "root_seed", _int(e.root_seed, "root_seed", 0))
    if e.months is not None:
        _set(e, "months", _int(e.months, "months", 1))
    if e.scale is not None:
        if isinstance(e.scale, bool) or not isinstance(e.scale, int | float) or not (
                math.isfinite(e.scale) and e.scale > 0):
            raise ExperimentError("scale", e.scale, "a number > 0 (1.0 = one agent per person)")
        _set(e, "scale", float(e.scale))
    from ecosim.kernels import BACKENDS

    if not isinstance(e.backend, str) or e.backend not in BACKENDS:
        raise ExperimentError("backend", e.backend, f"one of {', '.join(BACKENDS)}")
    imports = [e.imports] if isinstance(e.imports, str) else e.imports
    if not isinstance(imports, Sequence) or not all(isinstance(m, str) for m in imports):
        raise ExperimentError("imports", e.imports, "a list of module names")
    _set(e, "imports", tuple(imports))
    for module in e.imports:
        import importlib

        try:
            importlib.import_module(module)
        except Exception as err:  # ImportError, or anything the module raises on import
            raise ExperimentError("imports", module, f"an importable module ({err})") from err
    for key in ("parameters", "fixed", "execution"):
        if not isinstance(getattr(e, key), Mapping):
            raise ExperimentError(key, getattr(e, key), "a table (a mapping of paths to values)")
    _normalise_outputs(e)
    fixed = {_path(k, "fixed"): _plain(v) for k, v in dict(e.fixed).items()}
    _set(e, "fixed", fixed)

    given = [k for k, v in (("parameters", e.parameters), ("samples", e.samples),
                            ("sampling", e.sampling)) if v]
    if len(given) > 1:
        raise ExperimentError(given[1], "(given)", f"only one of parameters, samples and "
                              f"sensitivity; {given[0]} is given too")
    grid: dict[str, tuple] = {}
    for key, values in dict(e.parameters).items():
        path = _path(key, "parameters")
        where = f"parameters.{path}"
        if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
            raise ExperimentError(where, values, "a non-empty list of values")
        values = _uniform(_distinct([_plain(v) for v in values]))
        if not values:
            raise ExperimentError(where, [], "a non-empty list of values")
        grid[path] = tuple(values)
    _set(e, "parameters", grid)
    if e.samples is not None:
        _set(e, "samples", _normalise_samples(e.samples))
        _check_seeds(e)
    if e.sampling is not None:
        _set(e, "sampling", _normalise_sampling(e.sampling))
    for path in {*grid, *(e.samples[0] if e.samples else {}),
                 *(e.sampling.bounds if e.sampling else {})}:
        if path in fixed:
            raise ExperimentError(f"fixed.{path}", fixed[path],
                                  "a path that is not also a varied parameter")
    _normalise_execution(e)


def _normalise_outputs(e: Experiment) -> None:
    from ecosim.experiments.registry import OUTPUTS

    outputs = [e.outputs] if isinstance(e.outputs, str) else e.outputs
    if not isinstance(outputs, Sequence) or not all(isinstance(o, str) for o in outputs):
        raise ExperimentError("outputs", e.outputs, f"a list of outputs among {', '.join(OUTPUTS)}")
    outputs = list(outputs)
    if e.sampling is not None and "summary" not in outputs:
        outputs.append("summary")  # the sensitivity indices are computed from it
    if not outputs:
        raise ExperimentError("outputs", outputs, f"at least one of {', '.join(OUTPUTS)}")
    for name in outputs:
        if name not in OUTPUTS:
            raise ExperimentError("outputs", name, f"one of {', '.join(OUTPUTS)} (or an output "
                                  "registered with ecosim.experiments.registry.register_output)")
    _set(e, "outputs", tuple(dict.fromkeys(outputs)))


def _normalise_samples(samples: Any) -> tuple[dict[str, Any], ...]:
    if isinstance(samples, pd.DataFrame):
        samples = samples.to_dict("records")
    if isinstance(samples, str | Mapping) or not isinstance(samples, Sequence) or not all(
            isinstance(r, Mapping) for r in samples):
        raise ExperimentError("samples", samples, "a list of tables, one per point")
    rows = [dict(r) for r in samples]
    if not rows:
        raise ExperimentError("samples", [], "at least one row")
    keys = list(rows[0])
    out = []
    for i, row in enumerate(rows):
        if list(row) != keys and set(row) != set(keys):
            raise ExperimentError(f"samples.{i}", sorted(row), f"the same paths in every row: "
                                  f"{', '.join(keys)}")
        out.append({_path(k, f"samples.{i}"): _plain(row[k]) for k in keys})
    for key in out[0]:  # one type per column (ints become floats when a column mixes them)
        for row, value in zip(out, _uniform([r[key] for r in out]), strict=True):
            row[key] = value
    return tuple(out)


def _check_seeds(e: Experiment) -> None:
    """Rows with their own seed: every row has one (an integer >= 0), one replicate."""
    rows = e.samples
    if not any(SEED in row for row in rows):
        return
    for i, row in enumerate(rows):
        seed = row.get(SEED)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ExperimentError(f"samples.{i}.{SEED}", seed, "an integer >= 0 in every row "
                                  "(rows carry their own seeds in all rows or in none)")
    if e.replicates != 1:
        raise ExperimentError("replicates", e.replicates, "1 when the samples carry their own "
                              "seeds (each row is one run with its seed)")


def _normalise_sampling(s: Sampling) -> Sampling:
    from ecosim.experiments.registry import METRICS

    if s.method not in SAMPLING_METHODS:
        raise ExperimentError("sensitivity.method", s.method,
                              f"one of {', '.join(SAMPLING_METHODS)}")
    bounds: dict[str, tuple[float, float]] = {}
    for key, pair in dict(s.bounds).items():
        path = _path(key, "sensitivity.bounds")
        where = f"sensitivity.bounds.{path}"
        ok = (isinstance(pair, Sequence) and not isinstance(pair, str) and len(pair) == 2
              and all(isinstance(v, int | float) and not isinstance(v, bool)
                      and math.isfinite(v) for v in pair))
        if not ok or not pair[0] < pair[1]:
            raise ExperimentError(where, pair if not isinstance(pair, tuple) else list(pair),
                                  "[low, high]: two finite numbers with low < high")
        bounds[path] = (float(pair[0]), float(pair[1]))
    if not bounds:
        raise ExperimentError("sensitivity.bounds", {}, "at least one parameter with [low, high]")
    n = _int(s.n, "sensitivity.n", 1)
    if s.method == "sobol" and (n < 2 or n & (n - 1)):
        raise ExperimentError("sensitivity.n", n, "a power of two for Sobol sampling "
                              "(e.g. 32, 64, 128)")
    levels = _int(s.levels, "sensitivity.levels", 2)
    if s.method == "morris" and levels % 2:
        raise ExperimentError("sensitivity.levels", levels, "an even number of levels >= 2")
    if s.method == "morris" and n < 2:
        raise ExperimentError("sensitivity.n", n, "at least 2 Morris trajectories")
    if not isinstance(s.second_order, bool):
        raise ExperimentError("sensitivity.second_order", s.second_order, "true or false")
    outputs = (s.outputs,) if isinstance(s.outputs, str) else tuple(s.outputs)
    if not outputs:
        raise ExperimentError("sensitivity.outputs", [], "at least one summary metric")
    for name in outputs:
        if name.split(":", 1)[0] not in METRICS:
            raise ExperimentError("sensitivity.outputs", name, f"a summary metric: "
                                  f"{', '.join(METRICS)} (or one registered with "
                                  "ecosim.experiments.registry.register_metric)")
    return Sampling(s.method, bounds, n, levels, s.second_order, outputs)


def _normalise_execution(e: Experiment) -> None:
    ex = dict(e.execution)
    allowed = ("executor", "workers", "scheduler", "out")
    for key in ex:
        if key not in allowed:
            raise ExperimentError(f"execution.{key}", ex[key],
                                  f"a known key: {', '.join(allowed)}")
    if "executor" in ex and (not isinstance(ex["executor"], str)
                             or ex["executor"] not in EXECUTORS):
        raise ExperimentError("execution.executor", ex["executor"],
                              f"one of {', '.join(EXECUTORS)}")
    if "workers" in ex:
        ex["workers"] = _int(ex["workers"], "execution.workers", 1)
    for key in ("scheduler", "out"):
        if key in ex and not isinstance(ex[key], str):
            raise ExperimentError(f"execution.{key}", ex[key], "a string")
    if "scheduler" in ex:
        if ex.setdefault("executor", "dask") != "dask":
            raise ExperimentError("execution.scheduler", ex["scheduler"], "a scheduler only "
                                  "with executor = 'dask'")
    _set(e, "execution", ex)


def _sampling_from_dict(raw: Any) -> Sampling:
    if not isinstance(raw, dict):
        raise ExperimentError("sensitivity", raw, "a table")
    allowed = [f.name for f in dataclasses.fields(Sampling)]
    for key in raw:
        if key not in allowed:
            raise ExperimentError(f"sensitivity.{key}", raw[key],
                                  f"a known key: {', '.join(allowed)}")
    for key in ("method", "bounds", "n"):
        if key not in raw:
            raise ExperimentError(f"sensitivity.{key}", None, "a value (this field is required)")
    if not isinstance(raw["bounds"], dict):
        raise ExperimentError("sensitivity.bounds", raw["bounds"], "a table of path = [low, high]")
    bounds = _flatten(raw["bounds"], "sensitivity.bounds", leaf=list)
    return Sampling(**{**raw, "bounds": bounds})


def _flatten(table: Mapping[str, Any], where: str, leaf: type | None) -> dict[str, Any]:
    """Nested TOML tables -> dotted paths. A leaf is a ``leaf`` instance, or any non-table."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and (leaf is None or not isinstance(value, leaf)):
            for sub, v in _flatten(value, f"{where}.{key}", leaf).items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def _path(key: Any, where: str) -> str:
    if not isinstance(key, str) or not key.strip("._"):
        raise ExperimentError(where, key, "a scenario path such as behaviour.w_ties")
    return key.replace("__", ".")


def _int(value: Any, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ExperimentError(where, value, f"an integer >= {minimum}")
    return int(value)


def _plain(value: Any) -> Any:
    """NumPy scalars to Python ones (for hashing, JSON and Parquet)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value


def _distinct(values: list[Any]) -> list[Any]:
    """Values without repeats, in order (lists and tables compared by content)."""
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(json.dumps(value, sort_keys=True, default=str), value)
    return list(seen.values())


def _uniform(values: list[Any]) -> list[Any]:
    """Numbers of one column: all floats when ints and floats are mixed."""
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) == len(values) and any(isinstance(v, float) for v in values):
        return [float(v) for v in values]
    return values


def _resolve(source: Any, base: Path) -> Any:
    """A scenario path relative to the experiment file, when it exists there."""
    if isinstance(source, str) and source.endswith(".toml") and not Path(source).is_absolute():
        candidate = base / source
        if candidate.exists():
            return str(candidate.resolve())
    return source


def _load(source: Any, overrides: dict[str, Any], where: str, label: str) -> Scenario:
    """load_scenario, re-raising a ScenarioError as an ExperimentError.

    The experiment field is ``where`` (``parameters.<path>``,
    ``sensitivity.bounds.<path>``), or for the overrides every run shares the
    one at fault (``scale``, ``months``, ``fixed.<path>``), or for a sample row
    ``samples.<i>.<path>``; ``scenarios`` when the scenario itself is invalid.
    The scenario's own field is named when it differs.
    """
    try:
        scenario = load_scenario(source, overrides=overrides)
        check_fits(scenario)  # refuse before any run what no run could build here
        return scenario
    except ScenarioError as err:
        if isinstance(err, ExperimentError):
            raise
        culprit = [p for p in overrides if p == err.field or p.startswith(f"{err.field}.")]
        field = where
        if where == "scenarios" and culprit:
            path = culprit[0]
            field = path if path in ("scale", "months") else f"fixed.{path}"
        elif where.startswith("samples") and culprit:
            field = f"{where}.{culprit[0]}"
        if field == "scenarios":  # the scenario itself is invalid
            raise ExperimentError(field, label, f"a valid scenario ({err})") from err
        note = "" if field.endswith(err.field) else f" (scenario field '{err.field}')"
        raise ExperimentError(field, err.value, f"{err.allowed}{note} [scenario {label}]") \
            from err
    except FileNotFoundError as err:
        raise ExperimentError("scenarios", label, f"a packaged scenario or a TOML file ({err})") \
            from err


def _scenario_digest(source: Any) -> str:
    scenario = source if isinstance(source, Scenario) else load_scenario(source)
    text = json.dumps(to_dict(scenario), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- sampling


def salib_problem(sampling: Sampling) -> dict[str, Any]:
    """SALib's problem description (names and bounds) of ``sampling``."""
    names = list(sampling.bounds)
    return {"num_vars": len(names), "names": names,
            "bounds": [list(sampling.bounds[n]) for n in names]}


def sample_matrix(sampling: Sampling, seed: int) -> np.ndarray:
    """SALib's sample for ``sampling`` (rows are points, columns the parameters)."""
    problem = salib_problem(sampling)
    if sampling.method == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(problem, sampling.n, num_levels=sampling.levels,
                                    seed=seed)
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(problem, sampling.n, calc_second_order=sampling.second_order,
                               scramble=True, seed=seed)


def sample_points(sampling: Sampling, seed: int) -> list[dict[str, float]]:
    """The design's points as ``{dotted path: value}`` rows (deterministic in ``seed``)."""
    names = list(sampling.bounds)
    return [{n: float(v) for n, v in zip(names, row, strict=True)}
            for row in sample_matrix(sampling, seed)]
