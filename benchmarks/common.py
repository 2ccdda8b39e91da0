"""Shared helpers for the benchmarks: seeded data, tables, models and kernel inputs.

Everything here is deterministic: each helper takes (or makes) a seeded NumPy
Generator, so two runs of a benchmark see the same data.
"""

from __future__ import annotations

import functools
from typing import Any

import mesa
import numpy as np

from ecosim.kernels import KERNELS
from ecosim.kernels.capital import Investors, Seekers
from ecosim.kernels.firms import Candidates, Hosts, Relocation, Startups
from ecosim.kernels.lifecycle import Ageing
from ecosim.kernels.talent import Applicants, Network, Openings, Places, Searchers
from ecosim.state.agents import TIE_SLOTS, Founder
from ecosim.state.tables import AgentTable, Table
from ecosim.vocab import ACTIONS, Action, Phase, Role

#: Seed of every benchmark's data.
SEED = 20250101

#: Scenario the model benchmarks build.
SCENARIO = "korea"

#: Kernel names, sorted (the parameter of the kernel benchmarks).
KERNEL_NAMES: list[str] = sorted(KERNELS)

#: Columns and defaults of the generic table benchmarks (the founder table's).
COLUMNS: dict[str, str] = dict(Founder.columns)
DEFAULTS: dict[str, Any] = dict(Founder.defaults)

# Shapes and behaviour of the korea scenario, and a fixed stream key.
_KERNEL_SEED = 0x5EED
_MONTH = 7
_N_CITIES = 12
_N_SECTORS = 7
_N_ACTIONS = len(Action)  # startup job, corporate job, research, found
_STARTUP_JOB, _RESEARCH, _FOUND = int(Action.STARTUP_JOB), int(Action.RESEARCH), int(Action.FOUND)
_TIE_SLOTS = TIE_SLOTS
_ALIVE_FRACTION = 0.95
_SEARCHING_FRACTION = 0.1



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


def _age_and_depart(n: int, rng: np.random.Generator) -> tuple:
    # Every row is past retirement age, so each live row takes the same draws
    # however often the benchmark ages the same arrays (ages grow by a month a
    # call). Live non-retiring rows draw for emigration; searchers also for exit.
    from ecosim.phases.demography import hazards

    h = hazards(_spec().behaviour)
    age = rng.integers(h.retirement_age_months, h.retirement_age_months + 120, size=n,
                       dtype=np.int32)
    people = Ageing(age_months=age,
                    months_in_city=rng.integers(0, 240, size=n, dtype=np.int32),
                    experience_months=rng.integers(0, 400, size=n, dtype=np.int32),
                    alive=rng.random(n) < _ALIVE_FRACTION,
                    searching=rng.random(n) < _SEARCHING_FRACTION, uid=_agent_ids(n, rng))
    return people, h, _KERNEL_SEED, _MONTH


def _tie_table(n: int, rng: np.random.Generator) -> Network:
    """A founder table of ``n`` rows with ties, as the tie kernels take it.

    uids are unique in [0, 2n) (some turnover); a tenth of the tie slots are
    empty (-1) and a tenth point to people who left (uids with no row).
    """
    uid = _agent_ids(n, rng)
    row_of_uid = np.full(2 * n, -1, dtype=np.int64)
    row_of_uid[uid] = np.arange(n, dtype=np.int64)
    u = rng.random((n, _TIE_SLOTS))
    ties = np.where(u < 0.8, uid[rng.integers(0, n, size=(n, _TIE_SLOTS))],
                    rng.integers(0, 2 * n, size=(n, _TIE_SLOTS)))  # some departed
    ties[u >= 0.9] = -1
    return Network(ties=np.ascontiguousarray(ties, dtype=np.int64),
                   ties_added=rng.integers(0, 3 * _TIE_SLOTS, size=n, dtype=np.int32),
                   uid=uid, row_of_uid=row_of_uid, alive=rng.random(n) < _ALIVE_FRACTION,
                   city=rng.integers(0, _N_CITIES, size=n, dtype=np.int16))


def _add_ties(n: int, rng: np.random.Generator) -> tuple:
    # E = n random pairs over N = n rows (a few a == b, which the kernel skips).
    net = _tie_table(n, rng)
    a_rows = rng.integers(0, n, size=n, dtype=np.int64)
    b_rows = rng.integers(0, n, size=n, dtype=np.int64)
    return net, a_rows, b_rows


def _count_ties_by_city(n: int, rng: np.random.Generator) -> tuple:
    # n searchers over a table of N = n rows: every row searches, in ascending
    # row order as ``labour.searchers`` returns them; the random access is in
    # following each tie to its row.
    net = _tie_table(n, rng)
    return net, np.arange(n, dtype=np.int64), _N_CITIES


def _current_positions(city: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """About half without a position (-1), the rest in a job in their city."""
    action = rng.integers(_STARTUP_JOB, _RESEARCH + 1, size=city.size)
    return np.where(rng.random(city.size) < 0.5, -1, city * _N_ACTIONS + action).astype(np.int64)


@functools.cache
def _spec():
    """The benchmark scenario, loaded once per process on first use."""
    from ecosim.inputs.scenario import load_scenario

    return load_scenario(SCENARIO)


@functools.cache
def _scenario_places():
    """(weights, log base wage by action, amenity, log cost, travel hours, constant) of SCENARIO.

    Built by the library's own builders (``ecosim.phases.labour.choice_weights``,
    ``ecosim.state.world.Statics``, ``ecosim.state.cities.Cities``), so a new
    weight or action follows the model; loaded once per process, on first use.
    """
    from ecosim.phases.labour import choice_weights
    from ecosim.state.cities import Cities
    from ecosim.state.levers import PolicyLevers
    from ecosim.state.world import Statics

    spec = _spec()
    return (
        choice_weights(spec.behaviour),
        np.log([spec.labour.monthly_wage_krw[a] for a in ACTIONS]),
        PolicyLevers.none(spec).amenity,
        Statics.of(spec).log_cost,
        np.ascontiguousarray(Cities.from_scenario(spec).travel_time_hours, dtype=np.float64),
        np.array([spec.behaviour.action_constants[a] for a in ACTIONS], dtype=np.float64),
    )


def choice_inputs(n: int, rng: np.random.Generator) -> tuple[Searchers, Places, tuple]:
    """``choose_careers`` inputs: ``n`` searchers over 7 cities x 4 actions (28 alternatives).

    Weights, wages, amenity, cost of living, travel times (symmetric, zero
    diagonal) and action constants are the korea scenario's, as
    ``ecosim.phases.labour`` builds them; the per-searcher columns, open positions and
    investor access are random with the model's shapes and magnitudes.
    """
    w, base_wage, amenity, log_cost, travel, constant = _scenario_places()
    n_cities, n_actions = travel.shape[0], base_wage.size
    city = rng.integers(0, n_cities, size=n).astype(np.int64)
    home = np.where(rng.random(n) < 0.6, city, rng.integers(0, n_cities, size=n))
    alma = np.where(rng.random(n) < 0.7, rng.integers(0, n_cities, size=n), -1)
    # Up to K ties each, most in one's own city: counts per (searcher, city).
    tie_city = np.where(rng.random((n, _TIE_SLOTS)) < 0.6, city[:, None],
                        rng.integers(0, n_cities, size=(n, _TIE_SLOTS)))
    live_tie = rng.random((n, _TIE_SLOTS)) < 0.75
    flat = (np.arange(n)[:, None] * n_cities + tie_city)[live_tie]
    ties = np.bincount(flat, minlength=n * n_cities).astype(np.float64).reshape(n, n_cities)
    columns = {
        "uid": _agent_ids(n, rng),
        "city": city,
        "home": home.astype(np.int64),
        "alma": alma.astype(np.int64),
        "sector": rng.integers(0, _N_SECTORS, size=n).astype(np.int64),
        "current": _current_positions(city, rng),
        "research_ok": rng.random(n) < 0.35,
        "found_ok": rng.random(n) < 0.5,
        "serial": rng.random(n) < 0.02,
        "ties": ties,
    }
    # Density wage premium of a few percent around the base wage of each action.
    log_wage = base_wage + rng.normal(0.0, 0.05, size=(n_cities, _N_SECTORS, 1))
    log_open = rng.uniform(0.0, 10.0, size=(n_cities, n_actions))
    log_open[:, _FOUND] = 0.0  # no employer offers a founder's position
    where = {
        "log_wage": np.ascontiguousarray(log_wage),
        "log_open": log_open,
        "log_investor": rng.uniform(9.0, 10.7, size=n_cities),
        "amenity": amenity,
        "log_cost": log_cost,
        "travel": travel,
        "incentive": np.zeros((n_cities, n_actions)),
        "constant": constant,
    }
    return _named(Searchers, columns), _named(Places, where), w


def _named(cls, values: dict[str, np.ndarray]):
    """``cls(**values)``, failing with the fields a changed NamedTuple now wants."""
    missing = [f for f in cls._fields if f not in values]
    if missing:
        raise KeyError(f"benchmarks/common.py builds no {cls.__name__} field(s) {missing}: "
                       "add them to the kernel's input builder there")
    return cls(**{f: values[f] for f in cls._fields})


def _choose_careers(n: int, rng: np.random.Generator) -> tuple:
    who, where, w = choice_inputs(n, rng)
    return who, where, w, _KERNEL_SEED, _MONTH


def _match_jobs(n: int, rng: np.random.Generator) -> tuple:
    # n applicants choosing among 28 markets (those already in their choice
    # stay put), about n/4 open positions spread unevenly over the job markets
    # (none in the "found" markets, which no employer offers).
    n_markets = _N_CITIES * _N_ACTIONS
    city = rng.integers(0, _N_CITIES, size=n).astype(np.int64)
    current = _current_positions(city, rng)
    appeal = rng.random(n_markets) ** 2
    appeal[_FOUND::_N_ACTIONS] *= 0.05
    choice = rng.choice(n_markets, size=n, p=appeal / appeal.sum()).astype(np.int64)
    stay = (current >= 0) & (rng.random(n) < 0.3)
    choice[stay] = current[stay]
    skill = rng.standard_normal(n).astype(np.float32)
    share = rng.random(n_markets) ** 2
    share[_FOUND::_N_ACTIONS] = 0.0
    slots = rng.multinomial(max(n // 4, 1), share / share.sum())
    market_start = np.r_[0, np.cumsum(slots)].astype(np.int64)
    slot_employer = _agent_ids(int(market_start[-1]), rng)
    return Applicants(choice, current, skill), Openings(market_start, slot_employer)


# Startups, investors and factories: the startup table's columns as
# ``ecosim.phases.firms`` and ``ecosim.phases.capital`` pass them; parameters are the scenario's.
_N_STAGES = 5  # Stage: pre-seed, seed, series A, series B, series C+
_N_ROUNDS = 4  # round stages of the capital market: seed, A, B, C+
_N_INVESTORS = 300
_N_FACTORIES = 200
_BIG = 1 << 40  # slots / budgets that never run out, however often a call repeats


def _startups(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` startup rows: 95% live, most early-stage, a few with negative cash."""
    stage = rng.choice(_N_STAGES, size=n, p=[0.45, 0.3, 0.15, 0.07, 0.03]).astype(np.int8)
    traction = rng.normal(-1.5, 1.0, size=n)
    return {
        "alive": rng.random(n) < _ALIVE_FRACTION,
        "uid": _agent_ids(n, rng),
        "city": rng.integers(0, _N_CITIES, size=n).astype(np.int64),
        "sector": rng.integers(0, _N_SECTORS, size=n).astype(np.int64),
        "stage": stage,
        "quality": rng.standard_normal(n).astype(np.float32),
        "traction": traction,
        "revenue": 10e6 * np.exp(traction),
        "cash": rng.lognormal(np.log(500e6), 1.0, size=n) * np.where(rng.random(n) < 0.02, -1, 1),
        "paid_heads": rng.integers(1, 40, size=n) - 0.5 * rng.integers(0, 3, size=n),
        "months_since_round": rng.integers(0, 36, size=n, dtype=np.int32),
        "valuation": rng.lognormal(np.log(5e9), 1.5, size=n),
        "demos": (rng.random(n) < 0.1).astype(np.int16),
    }


def _startup_table(su: dict[str, np.ndarray]) -> Startups:
    return Startups(**{f: su[f] for f in Startups._fields})


def _progress(n: int, rng: np.random.Generator) -> tuple:
    from ecosim.phases.firms import growth

    su = _startups(n, rng)
    fit = rng.uniform(0.0, 3.0, size=n)
    return _startup_table(su), fit, su["paid_heads"], growth(_spec()), _KERNEL_SEED, _MONTH


def _settle(n: int, rng: np.random.Generator) -> tuple:
    from ecosim.phases.firms import exit_rules

    return _startup_table(_startups(n, rng)), exit_rules(_spec().firms), _KERNEL_SEED, _MONTH


def _candidates(su: dict[str, np.ndarray]) -> Candidates:
    return Candidates(su["uid"], su["city"], su["sector"])


def _relocate(n: int, rng: np.random.Generator) -> tuple:
    from ecosim.phases.firms import relocation_weights

    su = _startups(n, rng)
    _, _, _, log_cost, travel, _ = _scenario_places()
    r = Relocation(
        log_investor=rng.uniform(9.0, 10.7, size=_N_CITIES),
        log_factories=np.log1p(rng.integers(0, 400, size=(_N_CITIES, _N_SECTORS))),
        log_talent=np.log1p(rng.integers(0, 200_000, size=(_N_CITIES, _N_SECTORS))),
        log_cost=log_cost,
        travel=travel,
        incentive=np.zeros(_N_CITIES),
    )
    return _candidates(su), r, relocation_weights(_spec().firms), _KERNEL_SEED, _MONTH


def _cum_weights(shape: tuple[int, int], rows: int, rng: np.random.Generator) -> np.ndarray:
    """Cumulative sampling weights (``shape`` x ``rows``): distance decay times relevance."""
    w = rng.uniform(0.2, 1.0, size=(*shape, rows)) * (rng.random((1, *shape[1:], rows)) < 0.4)
    return np.ascontiguousarray(np.cumsum(w, axis=-1))


def _match_demonstrations(n: int, rng: np.random.Generator) -> tuple:
    # n applicants in a random order, each sampling one of 200 factories.
    su = _startups(n, rng)
    cum = _cum_weights((_N_CITIES, _N_SECTORS), _N_FACTORIES, rng)
    slots = np.full(_N_FACTORIES, _BIG, dtype=np.int64)  # never exhausted across calls
    return (_candidates(su), Hosts(cum, slots, _agent_ids(_N_FACTORIES, rng)), _KERNEL_SEED,
            _MONTH)


def _match_deals(n: int, rng: np.random.Generator) -> tuple:
    # n seekers, each approaching ``candidates`` of 300 investors sampled by city and round.
    from ecosim.phases.capital import market

    su = _startups(n, rng)
    round_stage = rng.choice(_N_ROUNDS, size=n, p=[0.6, 0.25, 0.1, 0.05]).astype(np.int64)
    cum = _cum_weights((_N_CITIES, _N_ROUNDS), _N_INVESTORS, rng)
    thesis = np.zeros(_N_INVESTORS, dtype=np.int64)
    for _ in range(3):  # about three sectors per thesis
        thesis |= np.int64(1) << rng.integers(0, _N_SECTORS, size=_N_INVESTORS)
    # Reach of each investor to each city, in [0, 1]: distance decay, 1 at home.
    reach = rng.uniform(0.3, 1.0, size=(_N_CITIES, _N_INVESTORS))
    reach[rng.integers(0, _N_CITIES, size=_N_INVESTORS), np.arange(_N_INVESTORS)] = 1.0
    budget = np.full(_N_INVESTORS, float(_BIG) * 1e9)  # never runs out across calls
    seekers = Seekers(uid=su["uid"], city=su["city"], sector=su["sector"],
                      quality=su["quality"], revenue=su["revenue"], round_stage=round_stage)
    investors = Investors(cum, np.ascontiguousarray(reach), thesis, budget)
    return seekers, investors, market(_spec()), _KERNEL_SEED, _MONTH


#: Input builders by kernel name. A kernel added to ``ecosim.kernels.KERNELS``
#: must get an entry here before the kernel benchmarks run.
_ARG_BUILDERS = {
    "rng.fill_uniform": _fill(np.float64),
    "rng.fill_normal": _fill(np.float64),
    "rng.fill_gumbel": _fill(np.float64),
    "rng.fill_laplace": _fill(np.float64),
    "rng.fill_choice": _fill_choice,
    "capital.match_deals": _match_deals,
    "firms.progress": _progress,
    "firms.settle": _settle,
    "firms.relocate": _relocate,
    "firms.match_demonstrations": _match_demonstrations,
    "lifecycle.age_and_depart": _age_and_depart,
    "talent.add_ties": _add_ties,
    "talent.count_ties_by_city": _count_ties_by_city,
    "talent.choose_careers": _choose_careers,
    "talent.match_jobs": _match_jobs,
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
