"""The posterior: weighted parameter sets with provenance, packaged with the model.

A :class:`Posterior` is the last ABC-SMC generation: one row per particle
(a column per scenario path), its importance weight, and a provenance record
(date, model code digest, targets and tolerances, number of simulations,
acceptance rates, generations, settings). It is stored as one Parquet file
whose schema metadata holds the provenance as JSON under ``ecosim.posterior``;
the packaged one is ``ecosim/inputs/data/posterior.parquet``, which ``make
calibrate`` writes.

The main job draws (parameter set, seed) pairs from it (:meth:`Posterior.draw`),
so its intervals carry the parameters' uncertainty as well as the seed's.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PACKAGED", "Posterior", "load_posterior", "packaged_path"]

#: Name of the packaged posterior in ``ecosim.inputs.data``.
PACKAGED = "posterior.parquet"
_META = b"ecosim.posterior"


def packaged_path() -> Path:
    """Where the packaged posterior lives (in the installed package's data)."""
    return Path(str(resources.files("ecosim.inputs.data") / PACKAGED))


@dataclass(frozen=True)
class Posterior:
    """Weighted parameter sets and where they came from.

    Attributes:
        particles: One row per particle, one column per dotted scenario path.
        weights: Importance weights (normalised to sum to 1 on construction).
        provenance: How the posterior was made (JSON-able).
    """

    particles: pd.DataFrame
    weights: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:  # noqa: D105
        w = np.asarray(self.weights, dtype=np.float64)
        if len(w) != len(self.particles) or len(w) == 0:
            raise ValueError(f"posterior: {len(w)} weights for {len(self.particles)} "
                             "particles; allowed is one weight per particle, at least one")
        if not (np.all(np.isfinite(w)) and np.all(w >= 0) and w.sum() > 0):
            raise ValueError("posterior weights: allowed are finite, non-negative weights "
                             "with a positive sum")
        object.__setattr__(self, "weights", w / w.sum())

    @property
    def parameters(self) -> list[str]:
        """The scenario paths the posterior sets."""
        return list(self.particles.columns)

    def mean(self) -> pd.Series:
        """Weighted mean of each parameter."""
        return pd.Series(self.weights @ self.particles.to_numpy(dtype=np.float64),
                         index=self.particles.columns)

    def quantiles(self, q: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Weighted quantiles of each parameter (rows: parameters, columns: q)."""
        out = {}
        for col in self.particles.columns:
            x = self.particles[col].to_numpy(dtype=np.float64)
            order = np.argsort(x)
            cum = np.cumsum(self.weights[order])
            out[col] = [float(np.interp(qq, cum - self.weights[order] / 2, x[order]))
                        for qq in q]
        return pd.DataFrame(out, index=list(q)).T

    def effective_size(self) -> float:
        """Effective sample size of the weights (Kish)."""
        return float(1.0 / np.sum(self.weights ** 2))

    def draw(self, n: int, root_seed: int = 0) -> list[dict[str, Any]]:
        """``n`` (parameter set, seed) pairs: particles drawn by weight, one seed each.

        Seeds are those of an experiment's replicates with ``root_seed``
        (``SeedSequence(root_seed).spawn(n)``), so pair *r* has the seed that
        replicate *r* of a run without a posterior has.

        Returns:
            Rows ``{path: value, ..., "seed": int}`` for an experiment's ``samples``.
        """
        if n < 1:
            raise ValueError(f"n = {n}: allowed is at least one draw")
        rng = np.random.default_rng([root_seed, 1])
        picks = rng.choice(len(self.weights), size=n, p=self.weights)
        seeds = _replicate_seeds(root_seed, n)
        cols = self.parameters
        values = self.particles.to_numpy(dtype=np.float64)
        return [{**{c: float(values[i, j]) for j, c in enumerate(cols)}, "seed": s}
                for i, s in zip(picks, seeds, strict=True)]

    def check(self, scenario: Any = "baseline") -> None:
        """Check that every parameter applies to ``scenario`` and the code is the same.

        Raises:
            ScenarioError: A parameter path or value the scenario rejects.

        Warns:
            UserWarning: The model code differs from the one calibrated
                (``model_code_digest``): the posterior may be stale.
        """
        from ecosim.experiments.store import model_code_digest
        from ecosim.inputs.scenario import load_scenario

        spec = load_scenario(scenario)
        values = self.particles.to_numpy(dtype=np.float64)
        for row in (values.min(axis=0), values.max(axis=0)):
            spec.with_overrides(dict(zip(self.parameters, row.tolist(), strict=True)))
        calibrated = self.provenance.get("model_code_digest")
        if calibrated and calibrated != model_code_digest():
            warnings.warn(f"the posterior was calibrated on model code {calibrated}; this is "
                          f"{model_code_digest()}: run `make calibrate` to refresh it",
                          UserWarning, stacklevel=2)

    def describe(self) -> str:
        """One line: particles, simulations, date, kind."""
        p = self.provenance
        kind = p.get("kind", "")
        return (f"{len(self.particles)} particles over {len(self.parameters)} parameters "
                f"(effective size {self.effective_size():.0f}); "
                f"{p.get('simulations', '?')} simulations, {p.get('generations', '?')} "
                f"generations, created {p.get('created', '?')}"
                + (f"; {kind}" if kind else ""))

    # ------------------------------------------------------------------ files
    def write(self, path: str | Path) -> Path:
        """Write the posterior (particles, weights, provenance) to a Parquet file."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = self.particles.assign(weight=self.weights)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[_META] = json.dumps(self.provenance, default=str).encode()
        tmp = path.with_name(f".{path.name}.tmp")
        pq.write_table(table.replace_schema_metadata(meta), tmp)
        tmp.replace(path)
        return path

    @classmethod
    def read(cls, path: str | Path) -> Posterior:
        """Read a posterior written by :meth:`write`.

        Raises:
            FileNotFoundError: No such file.
            ValueError: The file is not a posterior (no weights or provenance).
        """
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = table.schema.metadata or {}
        if _META not in meta or "weight" not in table.column_names:
            raise ValueError(f"{path}: not a posterior file (allowed is a file written by "
                             "Posterior.write, with a weight column and provenance)")
        frame = table.to_pandas()
        weights = frame.pop("weight").to_numpy(dtype=np.float64)
        return cls(frame, weights, json.loads(meta[_META]))

    @classmethod
    def from_prior(cls, bounds: dict[str, tuple[float, float]], n: int,
                   seed: int = 0) -> Posterior:
        """Equal-weight uniform draws on ``bounds``: the prior, in a posterior's shape."""
        rng = np.random.default_rng([seed, 2])
        cols = {p: rng.uniform(lo, hi, size=n) for p, (lo, hi) in bounds.items()}
        return cls(pd.DataFrame(cols), np.full(n, 1.0 / n),
                   {"kind": "prior: uniform on the calibration bounds", "bounds": bounds})


def _replicate_seeds(root_seed: int, n: int) -> list[int]:
    """The seeds of replicates 0..n-1 (as ``Experiment.seeds``)."""
    from ecosim.experiments import Experiment

    return Experiment(name="seeds", replicates=n, root_seed=root_seed).seeds()


def load_posterior(source: str | Path | Posterior | None = "packaged") -> Posterior | None:
    """A posterior by name: ``"packaged"``, a file path, a Posterior, or None (none).

    Raises:
        FileNotFoundError: ``"packaged"`` and no posterior is packaged (run
            ``make calibrate``), or no file at the path.
    """
    if source is None or (isinstance(source, str) and source.lower() == "none"):
        return None
    if isinstance(source, Posterior):
        return source
    if isinstance(source, str) and source == "packaged":
        path = packaged_path()
        if not path.exists():
            raise FileNotFoundError(f"no packaged posterior at {path}: run `make calibrate` "
                                    "(or pass posterior=None for the point estimate)")
        return Posterior.read(path)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"posterior file {path} does not exist; allowed is "
                                "'packaged', 'none' or the path of a posterior file")
    return Posterior.read(path)
