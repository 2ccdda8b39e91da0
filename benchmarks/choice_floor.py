"""The compute floor of the choice kernel (``talent.choose_careers``), for ``compare.py``.

The floor is what the kernel's unavoidable work costs on this machine: its
transcendental calls, random-number mixing and floating-point arithmetic,
counted exactly from the kernel's source and its inputs, times this machine's
cost of each operation, measured in the same run by small Numba kernels on the
same number of threads (``prange``, each thread doing independent operations,
so the cost is a throughput, the best case). What the kernel reads and writes
gives a memory floor, from the measured streaming bandwidth.

Counted per searcher (C = 7 cities, A = 4 actions; see ``choose_careers``):

* per city: 1 ``math.log`` (ties), 5 flops (``1 + ties``, 2 multiplies, 2
  adds), 3 more away from the current city (move + travel), 1 each for the
  home and alma-mater bonuses when they apply;
* per alternative evaluated (research needs ``research_ok``, founding
  ``found_ok``: 7 x (2 + research_ok + found_ok) of the 28): a uniform draw
  (two SplitMix64 finalisers, as ``rng._bits`` is written, plus 2 adds, 2 xors
  and 1 shift for the key and the 53 bits), a Gumbel transform (2 ``math.log``,
  2 negations), the utility (2 multiplies, 4 adds), adding the noise, the
  comparison with the best so far, the uint64-to-float conversion and 2 flops
  of the uniform; founding adds 2 (investor access) and 1 for a serial
  founder; the current position adds 1 (stay bonus).
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np
from numba import prange

from ecosim.kernels.rng import gumbel, mix, stream

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_RESEARCH, _FOUND = 2, 3

#: Integer operations in one SplitMix64 finaliser (3 shifts, 3 xors, 2 multiplies).
MIX_OPS = 8


def count_ops(who, where) -> dict[str, float]:
    """Operations ``choose_careers(who, where, ...)`` performs, summed over its searchers."""
    n_cities, n_actions = where.log_open.shape
    n = who.uid.shape[0]
    research = who.research_ok.astype(np.int64)
    found = who.found_ok.astype(np.int64)
    alts = n_cities * (n_actions - 2 + research + found)  # alternatives evaluated
    n_alts = int(alts.sum())
    cur_action = np.where(who.current >= 0, who.current % n_actions, -1)
    stay = ((who.current >= 0) & ((cur_action < _RESEARCH) | ((cur_action == _RESEARCH)
                                                              & who.research_ok)
                                  | ((cur_action == _FOUND) & who.found_ok)))
    found_alts = int((n_cities * found).sum())
    serial_alts = int((n_cities * (found & who.serial.astype(np.int64))).sum())
    city_flops = (5 * n_cities + 3 * (n_cities - 1)) * n + int((who.home >= 0).sum()) + int(
        (who.alma >= 0).sum())
    alt_flops = 13 * n_alts + 2 * found_alts + serial_alts + int(stay.sum())
    row_bytes = sum(int(a.dtype.itemsize * (a.size // n)) for a in who) + 2 * 8  # + choice
    return {
        "searchers": n,
        "alternatives": n_alts,
        "logs": n_cities * n + 2 * n_alts,
        "mixes": 2 * n_alts,
        "int_ops": 5 * n_alts,  # key adds and xors, the >> 11
        "flops": city_flops + alt_flops,
        "bytes": row_bytes * n,
    }


# --------------------------------------------------------------------- rate kernels
# Each does ``reps`` independent operations per element; none is vectorised by
# LLVM (checked with ``vectorised``), as the choice kernel's are not (its loop
# body branches and calls libm).


@numba.njit(parallel=True, fastmath=False)
def _log_rate(x, reps, out):
    for i in prange(x.shape[0]):
        v = x[i]
        acc = 0.0
        for j in range(reps):
            acc += math.log(v + j)
        out[i] = acc


@numba.njit(parallel=True)
def _mix_rate(n, reps, out):
    # Eight independent dependency chains: the out-of-order core overlaps them
    # (as it overlaps the choice kernel's draws), and unlike a reduction over
    # independent inputs, LLVM does not turn them into AVX-512 vector multiplies.
    for i in prange(n):
        a0 = np.uint64(i)
        a1 = a0 + _GOLDEN
        a2 = a1 + _GOLDEN
        a3 = a2 + _GOLDEN
        a4 = a3 + _GOLDEN
        a5 = a4 + _GOLDEN
        a6 = a5 + _GOLDEN
        a7 = a6 + _GOLDEN
        for _ in range(reps):
            a0 = mix(a0)
            a1 = mix(a1)
            a2 = mix(a2)
            a3 = mix(a3)
            a4 = mix(a4)
            a5 = mix(a5)
            a6 = mix(a6)
            a7 = mix(a7)
        out[i] = a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7


@numba.njit(parallel=True, fastmath=False)
def _flop_rate(x, reps, out):
    # Eight chains of a multiply and an add each, written differently so that
    # they are not packed into vector instructions.
    for i in prange(x.shape[0]):
        v = x[i]
        a0, a1, a2, a3 = v, v + 1.0, v + 2.0, v + 3.0
        a4, a5, a6, a7 = v + 4.0, v + 5.0, v + 6.0, v + 7.0
        for _ in range(reps):
            a0 = a0 * 0.999 + 0.5
            a1 = 0.25 + a1 * 0.998
            a2 = (a2 - 0.125) * 0.997
            a3 = 0.75 - a3 * 0.996
            a4 = a4 * 0.995 - 0.5
            a5 = 0.5 - 0.994 * a5
            a6 = (a6 + 0.375) * 0.993
            a7 = 0.625 + 0.992 * a7
        out[i] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7


@numba.njit(parallel=True)
def _read_rate(x):
    total = 0.0
    for i in prange(x.shape[0]):
        total += x[i]
    return total


def vectorised(kernel) -> bool:
    """Whether LLVM emitted packed double or 64-bit multiply instructions in ``kernel``."""
    asm = "\n".join(kernel.inspect_asm().values())
    return any(op in asm for op in ("vpmullq", "vmulpd", "vfmadd213pd", "vfmadd231pd"))


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure_rates(threads: int, n: int = 1 << 20, reps: int = 16, repeat: int = 7):
    """Seconds per operation on ``threads`` threads (wall time / operations, all threads busy).

    Returns:
        ``log`` (one ``math.log``), ``mix`` (one SplitMix64 finaliser), ``int_op``
        (``mix`` / 8), ``flop`` (one scalar add or multiply), ``byte`` (streaming
        read of one byte), and ``vectorised``: the rate kernels LLVM vectorised
        (should be empty).
    """
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        x = np.random.default_rng(1).random(n)
        out_f = np.empty(n)
        out_u = np.empty(n, dtype=np.uint64)
        big = np.random.default_rng(2).random(1 << 25)  # 256 MiB
        _log_rate(x, reps, out_f)
        _mix_rate(n, reps // 2, out_u)
        _flop_rate(x, reps, out_f)
        _read_rate(big)
        t_log = _best(lambda: _log_rate(x, reps, out_f), repeat) / (n * reps)
        t_mix = _best(lambda: _mix_rate(n, reps // 2, out_u), repeat) / (n * reps // 2 * 8)
        t_flop = _best(lambda: _flop_rate(x, reps, out_f), repeat) / (n * reps * 16)
        t_byte = _best(lambda: _read_rate(big), max(repeat // 2, 1)) / big.nbytes
    finally:
        numba.set_num_threads(before)
    return {"log": t_log, "mix": t_mix, "int_op": t_mix / MIX_OPS, "flop": t_flop,
            "byte": t_byte,
            "vectorised": [k.__name__ if hasattr(k, "__name__") else str(k)
                           for k in (_log_rate, _mix_rate, _flop_rate) if vectorised(k)]}


def floor(counts: dict[str, float], rates: dict[str, float]) -> dict[str, float]:
    """Floor times (seconds): each term, the compute sum, memory, and the larger of the two."""
    terms = {
        "logs": counts["logs"] * rates["log"],
        "mixes": counts["mixes"] * rates["mix"],
        "int_ops": counts["int_ops"] * rates["int_op"],
        "flops": counts["flops"] * rates["flop"],
    }
    compute = sum(terms.values())
    memory = counts["bytes"] * rates["byte"]
    return {**terms, "compute": compute, "memory": memory, "floor": max(compute, memory)}


@numba.njit(parallel=True)
def _noise_only(who, seed, month, n_cities, n_actions, out):
    # The choice kernel's draws and logs with nothing else: the same Gumbel
    # draws (same keys, same skipped alternatives) and tie logs, summed.
    s = stream(seed, month, 2)
    for i in prange(who.uid.shape[0]):
        acc = 0.0
        for c in range(n_cities):
            acc += math.log(1.0 + who.ties[i, c])
            for a in range(n_actions):
                if a == _RESEARCH and not who.research_ok[i]:
                    continue
                if a == _FOUND and not who.found_ok[i]:
                    continue
                acc += gumbel(s, who.uid[i], c * n_actions + a)
        out[i] = acc


@numba.njit(parallel=True)
def _gumbel_rate(n, reps, seed, out):
    # Independent Gumbel draws: their cost when the core can overlap them.
    s = stream(seed, 7, 2)
    for i in prange(n):
        acc = 0.0
        for j in range(reps):
            acc += gumbel(s, i, j)
        out[i] = acc


@numba.njit(parallel=True)
def _gumbel_chain(n, reps, seed, out):
    # Each draw's key depends on the previous draw: the latency of one draw.
    s = stream(seed, 7, 2)
    for i in prange(n):
        g = 0.0
        for j in range(reps):
            g = gumbel(s, i, j + np.int64(g > 1e300))
        out[i] = g


@numba.njit(parallel=True, fastmath=False)
def _log_chain(n, reps, out):
    # Each log's argument depends on the previous log: the latency of one log (+ an add).
    for i in prange(n):
        x = 0.5 + i * 1e-9
        for _ in range(reps):
            x = math.log(x + 2.0)
        out[i] = x
