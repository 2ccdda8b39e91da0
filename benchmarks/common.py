"""Shared helpers for the benchmarks: seeded data, tables, models and kernel inputs.

Everything here is deterministic: each helper takes (or makes) a seeded NumPy
Generator, so two runs of a benchmark see the same data.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from ecosim.agents import Founder, Role
from ecosim.kernels import KERNELS
from ecosim.kernels.rng import Phase
from ecosim.population import AgentTable, Table

#: Seed of every benchmark's data.
SEED = 20250101

#: Scenario the model benchmarks build.
SCENARIO = "korea_2025"

#: Kernel names, sorted (the parameter of the kernel benchmarks).
KERNEL_NAMES: list[str] = sorted(KERNELS)

#: Columns and defaults of the generic table benchmarks (the founder table's).
COLUMNS: dict[str, str] = dict(Founder.columns)
DEFAULTS: dict[str, Any] = dict(Founder.defaults)

# Shapes and behaviour of the korea_2025 scenario, and a fixed stream key.
_KERNEL_SEED = 0x5EED
_MONTH = 7
_N_CITIES = 7
_N_SECTORS = 7
_RETIREMENT_AGE_MONTHS = 60 * 12
_MONTHLY_HAZARD = 1.0 - (1.0 - 0.25) ** (1.0 / 12.0)
_ALIVE_FRACTION = 0.95


def make_rng(seed: int = SEED) -> np.random.Generator:
    """A NumPy Generator seeded with ``seed``."""
    return np.random.default_rng(seed)


def founder_values(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Column values for ``n`` founder rows (everything but ``uid``), as ``add`` takes them."""
    age = rng.integers(24 * 12, 64 * 12, size=n, dtype=np.int32)
    return {
        "city": rng.integers(0, _N_CITIES, size=n, dtype=np.int16),
        "home_city": rng.integers(0, _N_CITIES, size=n, dtype=np.int16),
        "sector": rng.integers(0, _N_SECTORS, size=n, dtype=np.int8),
        "skill": rng.standard_normal(n).astype(np.float32),
        "age_months": age,
        "experience_months": np.maximum(age - 24 * 12, 0),
        "role": np.full(n, int(Role.CORPORATE_EMPLOYEE), dtype=np.int8),
        "savings_krw": rng.lognormal(17.0, 1.0, size=n),
    }


def make_table(n: int, rng: np.random.Generator | None = None) -> Table:
    """A plain :class:`Table` with the founder columns and ``n`` live rows."""
    rng = make_rng() if rng is None else rng
    table = Table(COLUMNS, DEFAULTS)
    values = founder_values(n, rng)
    values["uid"] = np.arange(n, dtype=np.int64)
    table.add(n, **values)
    return table


def make_model(seed: int = SEED) -> mesa.Model:
    """An empty Mesa model with a seeded generator."""
    return mesa.Model(rng=seed)


def make_agent_table(
    n: int, model: mesa.Model | None = None, rng: np.random.Generator | None = None
) -> AgentTable:
    """A founder :class:`AgentTable` with ``n`` agents registered with ``model``."""
    model = make_model() if model is None else model
    rng = make_rng() if rng is None else rng
    table = AgentTable(model, Founder)
    table.add(n, **founder_values(n, rng))
    return table


def build_model(scale: float, seed: int = SEED, backend: str = "numba"):
    """The benchmark scenario built at ``scale`` (month 0)."""
    from ecosim.model import EcosystemModel

    return EcosystemModel(SCENARIO, rng=seed, scale=scale, backend=backend)


# --------------------------------------------------------------------------- kernels


def _agent_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    # Unique, unordered ids as a live table holds them after some turnover.
    return rng.permutation(np.int64(n) * 2)[:n].astype(np.int64)


def _fill(dtype):
    def build(n: int, rng: np.random.Generator) -> tuple:
        return (_KERNEL_SEED, _MONTH, int(Phase.CAREER), _agent_ids(n, rng), 0,
                np.empty(n, dtype=dtype))

    return build


def _fill_choice(n: int, rng: np.random.Generator) -> tuple:
    weights = rng.random(_N_SECTORS)
    weights[3] = 0.0  # a zero-weight entry, as sector shares have
    cum_weights = np.cumsum(weights)
    return (cum_weights, _KERNEL_SEED, _MONTH, int(Phase.MATCHING), _agent_ids(n, rng), 0,
            np.empty(n, dtype=np.int64))


def _age_and_retire(n: int, rng: np.random.Generator) -> tuple:
    # Every row is past retirement age, so each live row takes a draw: the work
    # per call is the same however often the benchmark ages the same arrays.
    age = rng.integers(_RETIREMENT_AGE_MONTHS, _RETIREMENT_AGE_MONTHS + 120, size=n,
                       dtype=np.int32)
    alive = rng.random(n) < _ALIVE_FRACTION
    uid = np.arange(n, dtype=np.int64)
    retired = np.empty(n, dtype=np.bool_)
    return (age, alive, uid, _KERNEL_SEED, _MONTH, _RETIREMENT_AGE_MONTHS, _MONTHLY_HAZARD,
            retired)


#: Input builders by kernel name. A kernel added to ``ecosim.kernels.KERNELS``
#: must get an entry here before the kernel benchmarks run.
_ARG_BUILDERS = {
    "rng.fill_uniform": _fill(np.float64),
    "rng.fill_normal": _fill(np.float64),
    "rng.fill_gumbel": _fill(np.float64),
    "rng.fill_choice": _fill_choice,
    "lifecycle.age_and_retire": _age_and_retire,
}


def args_for(name: str, n: int, rng: np.random.Generator) -> tuple:
    """Valid positional arguments for kernel ``name`` over ``n`` rows.

    Args:
        name: A key of :data:`ecosim.kernels.KERNELS` (``"module.function"``).
        n: Rows (the length of every per-row array).
        rng: Generator for the input data.

    Raises:
        KeyError: ``name`` has no input builder here (a new kernel: add one to
            ``_ARG_BUILDERS`` in ``benchmarks/common.py``).
    """
    try:
        build = _ARG_BUILDERS[name]
    except KeyError:
        raise KeyError(
            f"no benchmark inputs for kernel {name!r}: add a builder for it to "
            f"_ARG_BUILDERS in benchmarks/common.py (known: {sorted(_ARG_BUILDERS)})"
        ) from None
    return build(n, rng)
