"""Ties formed on the job (step 3): a new hire meets people of the new city.

The tie structure and the ties formed at build and graduation are in
:mod:`ecosim.state.network`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.state.agents import Founder
from ecosim.state.network import add_pairs

if TYPE_CHECKING:
    from ecosim.state.world import World

__all__ = ["colleague_ties"]


def colleague_ties(world: World, rows: np.ndarray, k: int) -> None:
    """Tie each person in ``rows`` to ``k`` random people living in their city."""
    people = world.population[Founder]
    if k == 0 or rows.size == 0:
        return
    by_city, bounds = world.kernels.group_rows(people["city"], people.alive, world.n_cities)
    counts, starts = np.diff(bounds), bounds[:-1]
    city = people["city"][rows]
    pick = (world.rng.random((rows.size, k)) * counts[city][:, None]).astype(np.int64)
    others = by_city[starts[city][:, None] + pick]
    add_pairs(world, np.repeat(rows, k), others.ravel())
