"""Counting kernels: staff per employer and agents per (city, category), one pass each.

Shapes: N = rows of the founder table (or of whichever table is counted),
U = uids ever given out (the length of a table's ``row_of_uid`` map),
C = cities, K = categories.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ecosim.kernels._jit import kernel
from ecosim.vocab import Role


class Employers(NamedTuple):
    """Where each employer's uid has its row, in each employer table.

    Attributes:
        factory_row: (U_f,) int64 factory-table row of each uid (-1: not a live factory).
        institute_row: (U_i,) int64 institute-table row of each uid.
        startup_row: (U_s,) int64 startup-table row of each uid.
        n_factories: Rows of the factory table (length of its staff count).
        n_institutes: Rows of the institute table.
        n_startups: Rows of the startup table.
    """

    factory_row: np.ndarray
    institute_row: np.ndarray
    startup_row: np.ndarray
    n_factories: int
    n_institutes: int
    n_startups: int


class Staff(NamedTuple):
    """Technical staff per employer row (what :func:`count_staff` returns).

    Attributes:
        factory_staff: (n_factories,) int64 people employed by each factory row.
        institute_staff: (n_institutes,) int64 researchers of each institute row.
        startup_headcount: (n_startups,) int64 people working for each startup
            row, founders included.
        startup_founders: (n_startups,) int64 of whom founders.
    """

    factory_staff: np.ndarray
    institute_staff: np.ndarray
    startup_headcount: np.ndarray
    startup_founders: np.ndarray


@kernel
def count_staff(employer, role, alive, employers):
    """Count every employer's staff from the people's ``employer`` uids, in one pass.

    A live person with employer uid u counts for the row ``factory_row[u]``,
    ``institute_row[u]`` or ``startup_row[u]`` that holds u (uids are unique
    across tables); a founder (``role == Role.FOUNDER``) of a startup also counts
    in its ``startup_founders``. Uids that no table holds (-1, established firms
    outside the tables, employers that have left) count nowhere.

    Args:
        employer: (N,) int64 employer uid of each person (-1: none).
        role: (N,) int :class:`~ecosim.vocab.Role` of each person.
        alive: (N,) bool.
        employers: :class:`Employers`.

    Returns:
        :class:`Staff`.
    """
    factory_row = employers.factory_row
    institute_row = employers.institute_row
    startup_row = employers.startup_row
    factory = np.zeros(employers.n_factories, dtype=np.int64)
    institute = np.zeros(employers.n_institutes, dtype=np.int64)
    headcount = np.zeros(employers.n_startups, dtype=np.int64)
    founders = np.zeros(employers.n_startups, dtype=np.int64)
    for i in range(employer.shape[0]):
        if not alive[i]:
            continue
        u = employer[i]
        if u < 0:
            continue
        if u < startup_row.shape[0] and startup_row[u] >= 0:
            r = startup_row[u]
            headcount[r] += 1
            if role[i] == Role.FOUNDER:
                founders[r] += 1
        elif u < factory_row.shape[0] and factory_row[u] >= 0:
            factory[factory_row[u]] += 1
        elif u < institute_row.shape[0] and institute_row[u] >= 0:
            institute[institute_row[u]] += 1
    return Staff(factory, institute, headcount, founders)


@kernel
def census(city, category, alive, n_cities, n_categories):
    """Live rows per (city, category), in one pass.

    Rows whose category is outside ``[0, n_categories)`` count nowhere.

    Args:
        city: (N,) int city of each row, in ``[0, n_cities)``.
        category: (N,) int category of each row (a role, a stage, a sector, ...).
        alive: (N,) bool.
        n_cities: C.
        n_categories: K.

    Returns:
        (C, K) int64 counts.
    """
    out = np.zeros((n_cities, n_categories), dtype=np.int64)
    for i in range(city.shape[0]):
        k = category[i]
        if alive[i] and k >= 0 and k < n_categories:
            out[city[i], k] += 1
    return out


class Groups(NamedTuple):
    """Live rows grouped by a key (what :func:`group_rows` returns).

    Attributes:
        rows: (n,) int64 the live rows, by key, and by row within a key.
        start: (K + 1,) int64 offsets: the rows of key k are ``rows[start[k]:start[k + 1]]``.
    """

    rows: np.ndarray
    start: np.ndarray


@kernel
def group_rows(key, alive, n_keys):
    """Live rows grouped by ``key`` (a counting sort, stable: ascending rows within a key).

    The same as ``live[np.argsort(key[live], kind="stable")]`` with ``live`` the
    live rows, in two passes instead of a sort.

    Args:
        key: (N,) int key of each row, in ``[0, n_keys)``.
        alive: (N,) bool.
        n_keys: K.

    Returns:
        :class:`Groups`.
    """
    start = np.zeros(n_keys + 1, dtype=np.int64)
    for i in range(key.shape[0]):
        if alive[i]:
            start[key[i] + 1] += 1
    for k in range(n_keys):
        start[k + 1] += start[k]
    rows = np.empty(start[n_keys], dtype=np.int64)
    fill = start[:n_keys].copy()
    for i in range(key.shape[0]):
        if alive[i]:
            rows[fill[key[i]]] = i
            fill[key[i]] += 1
    return Groups(rows, start)


@kernel
def members(employer, alive, employer_row, chosen):
    """Live people whose employer is one of the chosen rows of an employer table.

    The same as ``np.flatnonzero(alive & np.isin(employer, uids of the chosen
    rows))``, in one pass and without sorting.

    Args:
        employer: (N,) int64 employer uid of each person (-1: none).
        alive: (N,) bool.
        employer_row: (U,) int64 the employer table's row of each uid (-1: not there).
        chosen: (R,) bool, one per row of the employer table.

    Returns:
        (n,) int64 the people's rows, ascending.
    """
    out = np.empty(employer.shape[0], dtype=np.int64)
    n = 0
    for i in range(employer.shape[0]):
        u = employer[i]
        if alive[i] and u >= 0 and u < employer_row.shape[0]:
            r = employer_row[u]
            if r >= 0 and chosen[r]:
                out[n] = i
                n += 1
    return out[:n].copy()
