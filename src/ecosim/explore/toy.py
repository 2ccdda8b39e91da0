"""A toy world with a known optimum, to check the search and discovery machinery.

Each city has a base world rank; one lever (investment, by default) lowers
the rank of the city it is spent in, monotonically:
``rank = base / (1 + spend / unit) ** gain``, times noise per seed and city
(the simulation's) and per ranking draw (the ranking's, common to all cities).
Nothing else matters, so the best policy at a budget, and the smallest budget
that puts a city in the top, can be worked out by hand
(:meth:`ToyWorld.spend_needed`). It answers :meth:`evaluate` as
:class:`~ecosim.explore.evaluate.ModelEvaluator` does, in microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ecosim.explore.levers import Policy

__all__ = ["ToyWorld"]


class ToyWorld:
    """Ranked cities whose rank one lever lowers (see the module docstring).

    Args:
        base_ranks: City -> world rank without any policy.
        lever: The lever that works (the others do nothing).
        gain: Elasticity of rank to (1 + spend / unit).
        unit_krw: Spend (KRW a year) at which the rank falls by a factor 2**gain.
        noise_sd: Standard deviation of log rank, per seed and city and per draw.
        draws: Ranking draws per run.
        replicates: Seeds per evaluation.
        seed: Seed of the noise.
        top: World-rank threshold ``n_top`` counts against.
    """

    def __init__(self, base_ranks: Mapping[str, float], *, lever: str = "investment",
                 gain: float = 0.5, unit_krw: float = 10e9, noise_sd: float = 0.05,
                 draws: int = 20, replicates: int = 2, seed: int = 0, top: int = 100):
        self.base_ranks = dict(base_ranks)
        self.ranked_cities = tuple(base_ranks)
        self.lever = lever
        self.gain = gain
        self.unit_krw = unit_krw
        self.noise_sd = noise_sd
        self.draws = draws
        self.replicates = replicates
        self.seed = seed
        self.top = top
        self.evaluations = 0

    def rank(self, city: str, spend_krw: float) -> float:
        """The noise-free rank of ``city`` with ``spend_krw`` a year on the lever."""
        return self.base_ranks[city] / (1.0 + spend_krw / self.unit_krw) ** self.gain

    def spend_needed(self, city: str, rank: float) -> float:
        """Yearly spend on the lever that brings ``city`` to ``rank`` (noise-free)."""
        return float(self.unit_krw * ((self.base_ranks[city] / rank) ** (1 / self.gain) - 1))

    def evaluate(self, policies: Sequence[Policy], replicates: int | None = None
                 ) -> pd.DataFrame:
        """Cases of ``policies``: one row per (policy, replicate, draw), as the model's."""
        reps = replicates or self.replicates
        cities = self.ranked_cities
        rows = []
        for policy in {p.id: p for p in policies}.values():
            self.evaluations += 1
            spend = {p.city: p.budget_krw * p.shares[self.lever] for p in policy.packages}
            clean = np.array([self.rank(c, spend.get(c, 0.0)) for c in cities])
            for r in range(reps):
                rng = np.random.default_rng([self.seed, r])
                by_seed = rng.normal(0, self.noise_sd, len(cities))
                by_draw = np.random.default_rng([self.seed, 10**6]).normal(0, self.noise_sd,
                                                                          self.draws)
                ranks = clean[None, :] * np.exp(by_seed[None, :] + by_draw[:, None])
                for d in range(self.draws):
                    row = {"policy": policy.id, "point": 0, "replicate": r, "seed": r,
                           "run_id": f"{policy.id}-{r}", "draw": d,
                           "n_top": int((ranks[d] <= self.top).sum()),
                           "cost_krw": policy.budget_krw, "ranking:growth": by_draw[d]}
                    row.update({f"rank:{c}": float(ranks[d, i]) for i, c in enumerate(cities)})
                    rows.append(row)
        return pd.DataFrame(rows)
