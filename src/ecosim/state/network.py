"""Social ties: who knows whom, kept as a ring of tie slots per person.

Ties are stored as ``uid``s in the founder table's ``ties`` column (shape
(N, TIE_SLOTS)); a new tie replaces the oldest when the ring is full, and a tie
to someone who has left is ignored. Ties form:

* in the initial stock, among people of the same city (``initial_ties``, at build);
* at graduation, within each graduating cohort of an institute (``alumni_ties``);
* on joining a position, with people of the new city (``colleague_ties``,
  :mod:`ecosim.phases.social`).

"Ties in city c" for a person comes from the ``count_ties_by_city`` kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.kernels.talent import Network
from ecosim.state.agents import Founder

if TYPE_CHECKING:
    from ecosim.state.tables import AgentTable
    from ecosim.state.world import World

__all__ = ["add_pairs", "network", "ring_ties"]


def network(people: AgentTable) -> Network:
    """The founder table's tie columns, as the tie kernels take them."""
    return Network(ties=people["ties"], ties_added=people["ties_added"], uid=people["uid"],
                   row_of_uid=people.row_of_uid, alive=people.alive, city=people["city"])


def ring_ties(world: World, rows: np.ndarray, groups: np.ndarray, k: int,
              keys: np.ndarray | None = None) -> None:
    """Tie each person to about ``k`` others of the same group.

    Members of each group are put in a random order (the world's ``rng``) on a
    ring and each is tied to the next ``k // 2`` members on it, so everyone
    gains ``2 * (k // 2)`` ties when the group is large enough. Groups never
    share a tie, so tying several groups in one call gives each person the same
    ties, in the same slots, as one call per group.

    Args:
        world: The world.
        rows: (n,) founder rows.
        groups: (n,) group label of each row (a city, a cohort).
        k: Ties per person.
        keys: (n,) the random order within each group, already drawn
            (default: ``world.rng.random(n)``, drawn here).
    """
    half = k // 2
    if half == 0 or rows.size < 2:
        return
    rows = np.asarray(rows, dtype=np.int64)
    order = np.lexsort((world.rng.random(rows.size) if keys is None else keys, groups))
    rows, groups = rows[order], np.asarray(groups)[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    sizes = np.diff(np.r_[starts, rows.size])
    pos = np.arange(rows.size) - np.repeat(starts, sizes)
    size = np.repeat(sizes, sizes)
    a_list, b_list = [], []
    for d in range(1, half + 1):
        # a step d around the ring; skip when the ring is too small to add a new pair
        ok = size > 2 * d if d > 1 else size > 1
        ok &= ~((size == 2) & (pos == 1))  # a ring of two has one pair
        nxt = np.repeat(starts, sizes) + (pos + d) % size
        a_list.append(rows[ok])
        b_list.append(rows[nxt[ok]])
    add_pairs(world, np.concatenate(a_list), np.concatenate(b_list))


def add_pairs(world: World, a_rows: np.ndarray, b_rows: np.ndarray) -> None:
    """Add a symmetric tie for each pair of founder rows."""
    world.kernels.add_ties(network(world.population[Founder]), np.asarray(a_rows, dtype=np.int64),
                           np.asarray(b_rows, dtype=np.int64))
