"""ABC-SMC with pyabc, each generation's simulations run through ``ecosim.experiments``.

Why pyabc: it is a maintained ABC-SMC implementation (adaptive quantile
epsilons, adaptive multivariate-normal transitions, importance weights, every
generation stored in an SQLite history that a run can be continued from) that
installs cleanly with NumPy 2 and pandas 3 here (libs.md, item 1); ELFI would
downgrade matplotlib, ABCpy does not build, and sbi pulls in torch and CUDA.

How the simulations reach the executors: pyabc hands a sampler a closure,
``simulate_one``, that proposes a parameter (from the prior, or by perturbing
the last population), simulates it and accepts or rejects it, all in one.
:class:`ExperimentSampler` calls it twice per proposal with the same NumPy
seed. The first time, the model (:class:`EcosimModel`) only records the
proposed parameters and the run seed it drew, and stops; the batch of
recorded (parameters, seed) pairs then runs as one experiment on the serial,
process-pool or Dask executor (:func:`~ecosim.calibration.runs.simulate`),
each run written to ``<out>/simulations`` under an id that hashes its
parameters and seed. The second time, the model returns the run's target
values and pyabc computes the distance, the acceptance and the weight as
usual. Proposals are taken in order until the population is full, as a
sequential sampler would, so the batches do not bias the sample.

Resumable: each generation's proposals come from a NumPy seed derived from
(``seed``, generation) and from the last stored population, so after an
interruption :func:`infer` continues the pyabc run stored in ``<out>/abc.db``
(matched by a fingerprint of the calibration's settings and the model code
digest: other model code starts a new run) and finds the interrupted
generation's simulations on disk.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc

from ecosim.calibration.parameters import Parameter
from ecosim.calibration.posterior import Posterior
from ecosim.calibration.runs import HeldExecutor, RunConfig, open_executor, simulate
from ecosim.calibration.targets import Target, distance, targets_for
from ecosim.experiments.store import atomic_write_json, completed_runs, model_code_digest

__all__ = ["AbcSettings", "EcosimModel", "ExperimentSampler", "infer"]

_MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class AbcSettings:
    """ABC-SMC settings.

    Attributes:
        population: Accepted particles per generation.
        generations: Most generations.
        min_epsilon: Stop once the acceptance threshold (a distance, in
            tolerances) is at or below this.
        max_simulations: Most simulations in all (the calibration sample
            counts): no batch starts runs beyond it, and a generation it cuts
            short is dropped (pyabc keeps the ones before).
        min_acceptance_rate: Stop when a generation accepts fewer than this share.
        quantile: Each generation's threshold is this weighted quantile of the
            previous generation's distances (pyabc's ``QuantileEpsilon``).
        seed: Root of every proposal's NumPy seed and every run's seed.
    """

    population: int = 40
    generations: int = 8
    min_epsilon: float = 0.5
    max_simulations: int | None = 2400
    min_acceptance_rate: float = 0.01
    quantile: float = 0.5
    seed: int = 2020

    def __post_init__(self) -> None:  # noqa: D105
        for name, low in (("population", 2), ("generations", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValueError(f"AbcSettings.{name} = {v!r}: allowed is an integer >= {low}")
        if self.max_simulations is not None and self.max_simulations < self.population:
            raise ValueError(f"AbcSettings.max_simulations = {self.max_simulations}: allowed "
                             f"is at least the population ({self.population})")
        if not 0 < self.quantile < 1:
            raise ValueError(f"AbcSettings.quantile = {self.quantile}: allowed is in (0, 1)")


class _Recorded(Exception):
    """Raised by the model in recording mode: the proposal, and nothing simulated."""

    def __init__(self, values: dict[str, float], seed: int):
        super().__init__("recorded")
        self.values, self.seed = values, seed


class EcosimModel(pyabc.Model):
    """pyabc's view of the simulator: records proposals, then replays their results.

    In recording mode :meth:`sample` draws the run's seed from NumPy's global
    generator (which the sampler has seeded), raises with the proposal, and
    simulates nothing; in replay mode it returns the target values of the run
    with those parameters and that seed.

    Args:
        parameters: The calibrated parameters (pyabc names them by ``key``).
    """

    def __init__(self, parameters: Sequence[Parameter]):
        super().__init__("ecosim")
        self.keys = [p.key for p in parameters]
        self.paths = {p.key: p.path for p in parameters}
        self.recording = True
        self.results: dict[tuple, dict[str, float]] = {}

    def sample(self, pars: Mapping[str, float]) -> dict[str, float]:
        """Draw the run's seed, then record the proposal or return its result."""
        seed = int(np.random.randint(0, _MAX_SEED))  # noqa: NPY002  (pyabc's global RNG)
        values = {k: float(pars[k]) for k in self.keys}
        if self.recording:
            raise _Recorded(values, seed)
        return self.results[(tuple(values.values()), seed)]


class ExperimentSampler(pyabc.sampler.Sampler):
    """A pyabc sampler that runs each batch of proposals through ``ecosim.experiments``.

    Each batch is sized from the acceptance rate so far; proposals are
    evaluated in order until the population is full (see the module).

    Args:
        model: The :class:`EcosimModel` given to pyabc.
        config: Scenario, scale, months and fixed values of every run.
        folder: Results folder of the simulations.
        executor: A held executor (:func:`~ecosim.calibration.runs.open_executor`).
        seed: Root of the proposals' NumPy seeds.
        progress: Show each batch's progress bar.
        report: Called with one line per batch (default: print to stderr).
    """

    def __init__(self, model: EcosimModel, config: RunConfig, folder: str | Path,
                 executor: HeldExecutor, seed: int = 0, progress: bool = True,
                 report: Callable[[str], None] | None = None):
        super().__init__()
        self.model, self.config, self.folder = model, config, Path(folder)
        self.executor, self.seed, self.progress = executor, seed, progress
        self.report = report or (lambda line: print(line, file=sys.stderr, flush=True))
        self.simulations = 0
        self.exhausted = False
        #: Runs this sampler may still start (a generation that would need more stops
        #: unfinished, and pyabc keeps the generations before it).
        self.limit: float = math.inf

    def _propose(self, simulate_one: Callable, seed: int) -> _Recorded:
        np.random.seed(seed)  # noqa: NPY002  (pyabc draws from NumPy's global RNG)
        self.model.recording = True
        try:
            simulate_one()
        except _Recorded as proposal:
            return proposal
        raise RuntimeError("the proposal simulated nothing (pyabc did not call the model)")

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                all_accepted=False, ana_vars=None):
        """Evaluate proposals in order, in batches, until ``n`` are accepted."""
        rng = np.random.default_rng([self.seed, t + 1])  # t = -1: the calibration sample
        sample = self._create_empty_sample()
        evaluations = accepted = batch = 0
        minimum = max(2, self.executor.workers)
        while accepted < n and evaluations < max_eval:
            need = n - accepted
            rate = accepted / evaluations if evaluations else 1.0
            size = need if batch == 0 else math.ceil(need / max(rate, 0.02) * 1.2)
            size = int(min(max(size, minimum), 20 * n, max_eval - evaluations,
                           self.limit - self.simulations))
            if size <= 0:
                self.report(f"generation {t}: the simulation budget is spent "
                            f"({self.simulations} runs); stopping")
                self.exhausted = True
                break
            seeds = [int(s) for s in rng.integers(0, _MAX_SEED, size=size)]
            proposals = [self._propose(simulate_one, s) for s in seeds]
            rows = [{**{self.model.paths[k]: v for k, v in p.values.items()}, "seed": p.seed}
                    for p in proposals]
            stats = simulate(rows, self.config, self.folder, self.executor,
                             name=f"abc_t{t}", progress=self.progress)
            self.simulations += len(rows)
            self.model.results = {(tuple(p.values.values()), p.seed): s
                                  for p, s in zip(proposals, stats, strict=True)}
            self.model.recording = False
            try:
                for s in seeds:
                    np.random.seed(s)  # noqa: NPY002  (the same draws as the proposal)
                    particle = simulate_one()
                    sample.append(particle)
                    evaluations += 1
                    accepted += bool(particle.accepted)
                    if accepted >= n:
                        break
            finally:
                self.model.recording = True
            batch += 1
            self.report(f"generation {t}: batch {batch}, {len(rows)} runs; accepted "
                        f"{accepted}/{n} of {evaluations} evaluated")
        self.nr_evaluations_ = evaluations
        if accepted < n:
            sample.ok = False
        return sample


def _fingerprint(parameters: Sequence[Parameter], observed: Mapping[str, float],
                 targets: Sequence[Target], config: RunConfig, settings: AbcSettings) -> str:
    text = json.dumps({"code": model_code_digest(),
                       "parameters": [asdict(p) for p in parameters],
                       "observed": dict(observed),
                       "targets": [(t.name, t.tolerance, t.scale, t.weight) for t in targets],
                       "config": config.to_dict(),
                       "settings": {k: v for k, v in asdict(settings).items()
                                    if k not in ("generations", "max_simulations",
                                                 "min_epsilon", "min_acceptance_rate")}},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class AbcResult:
    """What :func:`infer` produced.

    Attributes:
        posterior: The last generation's particles and weights, with provenance.
        populations: One row per generation: t, epsilon, samples, particles, wall_time.
        db: The pyabc history database (``sqlite:///...``).
        abc_id: The run's id in it.
    """

    posterior: Posterior
    populations: pd.DataFrame
    db: str
    abc_id: int


def infer(parameters: Sequence[Parameter], config: RunConfig, out: str | Path, *,
          observed: Mapping[str, float] | None = None,
          targets: Sequence[Target] | None = None,
          settings: AbcSettings | None = None,
          executor: str | HeldExecutor = "serial", workers: int | None = None,
          scheduler: Any = None, progress: bool = True, resume: bool = True,
          provenance: Mapping[str, Any] | None = None) -> AbcResult:
    """ABC-SMC over ``parameters`` (uniform priors on their bounds) against the observed facts.

    Args:
        parameters: The parameters to infer, with their bounds.
        config: Scenario, scale, months and fixed values of every run.
        out: Folder for the pyabc history (``abc.db``) and the simulations
            (``simulations/``); an interrupted or finished calibration there resumes.
        observed: Observed statistics (``"<target>:<key>"`` -> value); default:
            the facts of ``targets``. Only these keys enter the distance.
        targets: Targets (default: every produced target the scenario can give).
        settings: ABC-SMC settings.
        executor: ``"serial"``, ``"processes"``, ``"dask"`` or a held executor.
        workers: Worker processes.
        scheduler: Dask scheduler address or Client.
        progress: Show progress (a bar per batch, a line per batch).
        resume: Continue a stored run with the same fingerprint; False starts anew.
        provenance: Extra provenance to record with the posterior.

    Returns:
        The posterior (last generation) and the generations' summary.

    Raises:
        ValueError: No parameter, or an observed key no target knows.
    """
    settings = settings or AbcSettings()
    if not parameters:
        raise ValueError("parameters: none given; allowed is at least one Parameter")
    spec = config.spec
    targets = tuple(targets if targets is not None else targets_for(spec))
    if observed is None:
        from ecosim.calibration.targets import observed_statistics

        observed = observed_statistics(targets)
    known = {k for t in targets for k in t.keys()}
    unknown = sorted(set(observed) - known)
    if unknown:
        raise ValueError(f"observed: keys {unknown} belong to no target; allowed are "
                         f"{sorted(known)}")
    observed = {k: float(v) for k, v in observed.items() if np.isfinite(v)}
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{out / 'abc.db'}"
    logging.getLogger("ABC").setLevel(logging.WARNING)
    t_start = time.perf_counter()

    model = EcosimModel(parameters)
    prior = pyabc.Distribution(**{p.key: pyabc.RV("uniform", p.low, p.high - p.low)
                                  for p in parameters})

    def pyabc_distance(x: Mapping[str, float], x_0: Mapping[str, float]) -> float:
        return distance(x, x_0, targets)

    fingerprint = _fingerprint(parameters, observed, targets, config, settings)
    runs_file = out / "abc_runs.json"
    stored = json.loads(runs_file.read_text()) if runs_file.exists() else {}
    with open_executor(executor, workers=workers, scheduler=scheduler) as held:
        sampler = ExperimentSampler(model, config, out / "simulations", held, settings.seed,
                                    progress)
        abc = pyabc.ABCSMC(model, prior, pyabc_distance,
                           population_size=settings.population, sampler=sampler,
                           eps=pyabc.QuantileEpsilon(alpha=settings.quantile))
        if resume and fingerprint in stored:
            record = stored[fingerprint]
            abc_id = int(record["id"])
            abc.load(db, abc_id)
        else:
            abc.new(db, dict(observed))
            abc_id = int(abc.history.id)
            record = stored[fingerprint] = {"id": abc_id, "budget_spent": None}
            atomic_write_json(stored, runs_file)
        if settings.max_simulations:
            sampler.limit = settings.max_simulations - abc.history.total_nr_simulations
        done = abc.history.max_t + 1
        remaining = settings.generations - done
        spent = record.get("budget_spent")
        finished = _finished(abc.history, settings) or bool(
            spent and settings.max_simulations and settings.max_simulations <= spent)
        if remaining > 0 and not finished:
            abc.run(minimum_epsilon=settings.min_epsilon, max_nr_populations=remaining,
                    min_acceptance_rate=settings.min_acceptance_rate,
                    max_total_nr_simulations=(settings.max_simulations
                                              if settings.max_simulations else np.inf))
            if sampler.exhausted:  # asked again with this budget, the run is finished
                record["budget_spent"] = settings.max_simulations
                atomic_write_json(stored, runs_file)
    history = pyabc.History(db, _id=abc_id)
    populations = history.get_all_populations()
    if history.max_t < 0:
        raise RuntimeError(f"the ABC run in {out} has no generation yet (budget too small?)")
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    particles = frame.rename(columns={p.key: p.path for p in parameters})[
        [p.path for p in parameters]].reset_index(drop=True)
    distances = history.get_weighted_distances(t=history.max_t)["distance"].to_numpy()
    gens = populations[populations["t"] >= 0]
    last = gens[gens["t"] == history.max_t].iloc[0]
    info = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "model_code_digest": model_code_digest(),
        "method": "ABC-SMC (pyabc " + pyabc.__version__ + "), QuantileEpsilon "
                  f"alpha={settings.quantile}, MultivariateNormalTransition, uniform priors",
        "config": config.to_dict(),
        "targets": [{"name": t.name, "observed": {k: observed[f"{t.name}:{k}"]
                                                   for k in t.observed
                                                   if f"{t.name}:{k}" in observed},
                     "tolerance": t.tolerance, "scale": t.scale, "weight": t.weight,
                     "source": t.source} for t in targets
                    if any(k in observed for k in t.keys())],
        "parameters": [asdict(p) for p in parameters],
        "settings": asdict(settings),
        "generations": len(gens),
        "epsilons": [float(e) for e in gens["epsilon"]],
        "simulations": int(history.total_nr_simulations),
        # Runs on disk from this model code, including those past a population's last
        # acceptance (and those of other calibrations sharing the folder).
        "runs": len(completed_runs(out / "simulations", ["targets"], model_code_digest())),
        "simulations_per_generation": [int(s) for s in gens["samples"]],
        "acceptance_rate": float(last["particles"] / last["samples"]),
        "acceptance_rate_overall": float(gens["particles"].sum() / gens["samples"].sum()),
        "population": len(particles),
        "distance_median": float(np.median(distances)),
        "abc_db": str(out / "abc.db"),
        "abc_id": abc_id,
        # Wall time of the generations as pyabc recorded them (across resumed runs), and of
        # this call (which, resumed, counts only what it ran).
        "abc_wall_seconds": round(float(populations["wall_time"].fillna(0).sum()), 1),
        "seconds": round(time.perf_counter() - t_start, 1),
        **dict(provenance or {}),
    }
    posterior = Posterior(particles, np.asarray(weights, dtype=np.float64), info)
    return AbcResult(posterior, populations, db, abc_id)


def _finished(history, settings: AbcSettings) -> bool:
    """A stored run that already met a stopping rule (epsilon or simulations)."""
    if history.max_t < 0:
        return False
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    if pops.empty:
        return False
    eps = float(pops["epsilon"].iloc[-1])
    if eps <= settings.min_epsilon:
        return True
    return bool(settings.max_simulations
                and history.total_nr_simulations >= settings.max_simulations)
