"""Counter-based random numbers keyed by (run seed, month, phase, agent, draw).

A draw is a pure function of its key, so results do not depend on thread count,
iteration order or backend. The mixer is the SplitMix64 finaliser (Steele,
Lea & Flood 2014), a bijection on 64-bit integers with good avalanche; a key is
folded in one component at a time.

Usage inside a kernel::

    s = stream(seed, month, Phase.AGEING)  # once per kernel call (Phase: ecosim.vocab)
    u = uniform(s, uid[i], 0)              # draw 0 of agent uid[i]

Each variate an agent needs in one phase takes its own draw number.
"""

from __future__ import annotations

import math

import numpy as np

from ecosim.kernels._jit import kernel
from ecosim.vocab import Phase

__all__ = ["Phase", "alias_choice", "choice", "gumbel", "laplace", "mix", "normal", "stream",
           "uniform"]


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_NORMAL_SALT = np.uint64(0xD1B54A32D192ED03)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@kernel(register=False)
def mix(z):
    """SplitMix64 finaliser of a uint64."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@kernel(register=False)
def stream(seed, month, phase):
    """Key of the stream for one (run seed, month, phase): 63 bits in a uint64.

    The top bit is dropped so that a reference body, which handles the key as a
    Python int, passes it to the compiled helpers as a valid int64.
    """
    h = mix(np.uint64(seed) + _GOLDEN)
    h = mix(h ^ (np.uint64(month) + _GOLDEN))
    return mix(h ^ (np.uint64(phase) + _GOLDEN)) >> np.uint64(1)


@kernel(register=False)
def _bits(s, agent, draw):
    # np.uint64(...) on entry: a caller in the interpreter passes Python ints,
    # which Numba would otherwise type as int64 and mix as signed.
    h = mix(np.uint64(s) ^ (np.uint64(agent) + _GOLDEN))
    return mix(h ^ (np.uint64(draw) + _GOLDEN))


@kernel(register=False)
def uniform(s, agent, draw):
    """Uniform on the open interval (0, 1) for (stream ``s``, agent, draw)."""
    return (float(_bits(s, agent, draw) >> _S11) + 0.5) * _INV53


@kernel(register=False)
def normal(s, agent, draw):
    """Standard normal (Box-Muller) for (stream ``s``, agent, draw)."""
    u1 = uniform(s, agent, draw)
    u2 = uniform(np.uint64(s) ^ _NORMAL_SALT, agent, draw)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@kernel(register=False)
def laplace(s, agent, draw):
    """Laplace with mean 0 and variance 1 (scale 1/sqrt(2)) for (stream ``s``, agent, draw).

    Heavier tails than the normal: the shape of firms' growth rates (Stanley et
    al. 1996, Nature 379; Bottazzi & Secchi 2006, RAND J. Econ. 37).
    """
    u = uniform(s, agent, draw) - 0.5
    magnitude = -math.log(1.0 - 2.0 * abs(u)) / math.sqrt(2.0)
    return magnitude if u >= 0.0 else -magnitude


@kernel(register=False)
def gumbel(s, agent, draw):
    """Standard Gumbel (location 0, scale 1) for (stream ``s``, agent, draw)."""
    return -math.log(-math.log(uniform(s, agent, draw)))


@kernel(register=False)
def choice(cum_weights, s, agent, draw):
    """Index drawn with probability proportional to weights, given their cumulative sum.

    ``cum_weights`` is non-decreasing with a positive last entry; zero-weight
    entries are never chosen.
    """
    target = uniform(s, agent, draw) * cum_weights[cum_weights.shape[0] - 1]
    lo = 0
    hi = cum_weights.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum_weights[mid] > target:
            hi = mid
        else:
            lo = mid + 1
    return lo


@kernel(register=False)
def alias_choice(accept, alias, s, agent, draw):
    """Index drawn with probability proportional to weights, from their alias table.

    ``accept`` and ``alias`` are one row of :func:`ecosim.kernels.capital.alias_tables`
    (Walker's alias method, Vose's construction): one uniform picks a column j
    and, from its fractional part, either j or ``alias[j]``. Constant time,
    whatever the number of entries; zero-weight entries are never chosen.
    """
    n = accept.shape[0]
    x = uniform(s, agent, draw) * n
    j = int(x)
    if j >= n:  # x rounds up to n when the uniform is within 2**-53 of 1
        j = n - 1
    if x - j < accept[j]:
        return j
    return alias[j]


@kernel
def fill_uniform(seed, month, phase, ids, draw, out):
    """Write uniform draws for each agent id in ``ids`` into ``out`` (same length)."""
    s = stream(seed, month, phase)
    for i in range(ids.shape[0]):
        out[i] = uniform(s, ids[i], draw)


@kernel
def fill_normal(seed, month, phase, ids, draw, out):
    """Write standard-normal draws for each agent id in ``ids`` into ``out``."""
    s = stream(seed, month, phase)
    for i in range(ids.shape[0]):
        out[i] = normal(s, ids[i], draw)


@kernel
def fill_laplace(seed, month, phase, ids, draw, out):
    """Write unit-variance Laplace draws for each agent id in ``ids`` into ``out``."""
    s = stream(seed, month, phase)
    for i in range(ids.shape[0]):
        out[i] = laplace(s, ids[i], draw)


@kernel
def fill_gumbel(seed, month, phase, ids, draw, out):
    """Write Gumbel draws for each agent id in ``ids`` into ``out``."""
    s = stream(seed, month, phase)
    for i in range(ids.shape[0]):
        out[i] = gumbel(s, ids[i], draw)


@kernel
def fill_choice(cum_weights, seed, month, phase, ids, draw, out):
    """Write weighted choices (indices into ``cum_weights``) for each agent id into ``out``."""
    s = stream(seed, month, phase)
    for i in range(ids.shape[0]):
        out[i] = choice(cum_weights, s, ids[i], draw)
