"""Deal matching at the issue's size: 40k seeking startups x 2k investors, one month.

    python benchmarks/deal_matching.py [--seekers 40000] [--investors 2000]

Prints the compiled kernel's time (best of 5), and its reference body's time on
a twentieth of the seekers, scaled linearly, in process (random-number helpers
compiled) and in a subprocess with NUMBA_DISABLE_JIT=1 (all interpreted).
The inputs are built as ``ecosim.phases.capital.fundraise`` builds them
(:func:`inputs`), so a change of the kernel's arguments shows here.
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from ecosim.kernels import capital
from ecosim.kernels._jit import reference
from ecosim.kernels.capital import Investors, Market, Seekers

alias_tables = getattr(capital, "alias_tables", None)  # None before the alias-table draw


def inputs(n, n_inv, seed=0):
    """Seekers, investors, market, seed and month for ``n`` seekers and ``n_inv`` investors."""
    g = np.random.default_rng(seed)
    cities, stages = 7, 4
    inv_city = g.integers(0, cities, n_inv)
    able = g.random((stages, n_inv)) < 0.7
    weights = g.random(n_inv) * 5 * able
    dist = g.random((cities, cities)) * 300
    dist = dist + dist.T
    np.fill_diagonal(dist, 0)
    reach = np.ascontiguousarray((1 + dist[:, inv_city]) ** -0.3)
    mk = Market(np.log([50e6, 0.3e9, 8e9, 30e9]), np.log([300e6, 8e9, 30e9, 100e9]),
                np.array([0.0, 0.5, 1.0, 1.5]), 8, 0.5, 6.0, 0.5, 0.2, 8.0, 0.3)
    seekers = Seekers(uid=g.permutation(n).astype(np.int64) + 1,
                      city=g.integers(0, cities, n), sector=g.integers(0, 7, n),
                      quality=g.normal(0.5, 1, n), revenue=g.random(n) * 1e7,
                      round_stage=g.integers(0, stages, n), grown_value=np.zeros(n))
    thesis, budget = g.integers(0, 2**7, n_inv), g.random(n_inv) * 1e12
    if alias_tables is None:
        cum = np.ascontiguousarray(np.broadcast_to(np.cumsum(weights, axis=1),
                                                   (cities, stages, n_inv)))
        investors = Investors(cum, reach, thesis, budget)
    else:
        investors = Investors(*alias_tables(weights), reach, thesis, budget, budget.copy())
    return seekers, investors, mk, 1, 4


def timed(fn, n, n_inv, repeat):
    """Best wall time of ``fn`` on fresh inputs, ``repeat`` times."""
    best = np.inf
    for _ in range(repeat):
        args = inputs(n, n_inv)
        t = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t)
    return best


def measure(seekers: int = 40_000, investors: int = 2_000) -> dict:
    """Seconds of the compiled kernel and of its reference bodies (mixed, interpreted)."""
    small = max(seekers // 20, 1)
    capital.match_deals(*inputs(100, investors))
    compiled = timed(capital.match_deals, seekers, investors, 5)
    mixed = timed(reference(capital.match_deals), small, investors, 1) * seekers / small
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    out = subprocess.run([sys.executable, __file__, "--seekers", str(seekers), "--investors",
                          str(investors), "--reference-only"], env=env, check=True,
                         capture_output=True, text=True)
    pure = float(out.stdout.strip()) * seekers / small
    return {"seekers": seekers, "investors": investors, "compiled": compiled, "mixed": mixed,
            "pure": pure}


def main():
    """Time the kernel and its reference bodies; print the ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seekers", type=int, default=40_000)
    p.add_argument("--investors", type=int, default=2_000)
    p.add_argument("--reference-only", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.reference_only:
        print(timed(reference(capital.match_deals), max(a.seekers // 20, 1), a.investors, 1))
        return
    r = measure(a.seekers, a.investors)
    compiled, mixed, pure = r["compiled"], r["mixed"], r["pure"]
    print(f"deal matching, {a.seekers:,} seekers x {a.investors:,} investors, one month")
    print(f"  compiled        {compiled * 1e3:9.1f} ms")
    print(f"  reference body  {mixed * 1e3:9.1f} ms  ({mixed / compiled:.0f}x; helpers compiled)")
    print(f"  interpreted     {pure * 1e3:9.1f} ms  ({pure / compiled:.0f}x; NUMBA_DISABLE_JIT=1)")


if __name__ == "__main__":
    main()
