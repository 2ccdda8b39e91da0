"""Compiled kernels against their reference bodies, plus model build and step times.

A standalone script (asv is not needed)::

    python benchmarks/compare.py [--rows 100000] [--quick]

For each kernel in ``ecosim.kernels.KERNELS`` it times the compiled kernel
(``select(k, "numba")``) and the reference body run by the interpreter
(``select(k, "python")``) and prints their ratio. The reference body is slow, so
it runs on fewer rows and its time is scaled linearly to ``--rows`` (the output
says so). Every time is the best of several repeats (``time.perf_counter``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable

try:
    from .common import KERNEL_NAMES, SCENARIO, args_for, build_model, make_rng
except ImportError:  # run as a script: benchmarks/ is sys.path[0]
    from common import KERNEL_NAMES, SCENARIO, args_for, build_model, make_rng

SCALES = (0.01, 0.1)


def best_of(fn: Callable[[], object], repeat: int, prepare: Callable[[], None] | None = None):
    """Smallest wall time (seconds) of ``repeat`` calls of ``fn``.

    ``prepare`` runs before each call, off the clock.
    """
    best = float("inf")
    for _ in range(max(repeat, 1)):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure_kernel(name: str, rows: int, ref_rows: int, repeat: int, ref_repeat: int):
    """(first call, compiled, reference scaled to ``rows``) times of kernel ``name``, seconds."""
    from ecosim.kernels import KERNELS, select

    k = KERNELS[name]
    compiled, reference = select(k, "numba"), select(k, "python")

    args = args_for(name, rows, make_rng())
    start = time.perf_counter()
    compiled(*args)  # compiles, or loads Numba's on-disk cache
    first = time.perf_counter() - start
    t_compiled = best_of(lambda: compiled(*args), repeat)

    ref_args = args_for(name, ref_rows, make_rng())
    # Warm: the reference body calls compiled helpers, whose first call with
    # interpreter-typed arguments compiles (or loads) one more specialisation.
    reference(*args_for(name, min(ref_rows, 16), make_rng()))
    t_reference = best_of(lambda: reference(*ref_args), ref_repeat) * (rows / ref_rows)
    return first, t_compiled, t_reference


def measure_model(scale: float, repeat: int):
    """(agents at month 0, build seconds, step seconds) of the benchmark scenario at ``scale``.

    The step timed is month 2 (February, a graduation month) of a freshly built
    model that has already stepped month 1, as in ``bench_model.ModelStep``.
    """
    build_model(0.001)  # warm: scenario parsing, kernels loaded
    t_build = best_of(lambda: build_model(scale), repeat)

    state = {}

    def prepare():
        state["model"] = build_model(scale)
        state["model"].step()

    t_step = best_of(lambda: state["model"].step(), repeat, prepare)
    return len(build_model(scale).agents), t_build, t_step


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.3f}"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, measure, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per kernel call")
    parser.add_argument(
        "--ref-rows", type=int, default=None,
        help="rows for the reference bodies (default rows//10, or rows//100 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and reference rows")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be >= 1")

    repeat, ref_repeat, model_repeat = (3, 1, 1) if args.quick else (7, 3, 3)
    ref_rows = args.ref_rows or max(args.rows // (100 if args.quick else 10), 1)
    ref_rows = min(ref_rows, args.rows)

    import numba
    import numpy as np

    rows_kernels = []
    for name in KERNEL_NAMES:
        rows_kernels.append((name, *measure_kernel(name, args.rows, ref_rows, repeat, ref_repeat)))
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run
        layer = "none"
    models = [(scale, *measure_model(scale, model_repeat)) for scale in SCALES]

    print(
        f"ecosim compare | Python {platform.python_version()} | NumPy {np.__version__} | "
        f"Numba {numba.__version__} (threads {numba.config.NUMBA_NUM_THREADS}, "
        f"layer {layer}, DISABLE_JIT={int(bool(numba.config.DISABLE_JIT))})"
    )
    print()
    print(f"Kernels at {args.rows:,} rows; best of {repeat} (compiled), "
          f"best of {ref_repeat} (reference).")
    if ref_rows != args.rows:
        print(f"Reference bodies ran on {ref_rows:,} rows; their times are scaled linearly "
              f"x{args.rows / ref_rows:g} to {args.rows:,} rows.")
    print("'first call' is the compiled kernel's first call: compile or load from cache.")
    print()
    header = (f"{'kernel':<26} {'first call ms':>14} {'compiled ms':>13} "
              f"{'reference ms':>14} {'ratio':>10}")
    print(header)
    print("-" * len(header))
    for name, first, t_c, t_r in rows_kernels:
        ratio = f"{t_r / t_c:,.1f}x" if t_c > 0 else "inf"
        print(f"{name:<26} {_ms(first):>14} {_ms(t_c):>13} {_ms(t_r):>14} {ratio:>10}")
    print()
    print(f"Model {SCENARIO} (numba backend); best of {model_repeat}. "
          "Step = month 2 (February, graduation) after month 1.")
    print()
    header = f"{'scale':>8} {'agents':>10} {'build ms':>12} {'step ms':>12}"
    print(header)
    print("-" * len(header))
    for scale, agents, t_build, t_step in models:
        print(f"{scale:>8g} {agents:>10,} {_ms(t_build):>12} {_ms(t_step):>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
