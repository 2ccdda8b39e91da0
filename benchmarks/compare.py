"""Compiled kernels against their reference bodies, plus model build and step times.

A standalone script (asv is not needed)::

    python benchmarks/compare.py [--rows 100000] [--quick] [--run-months 72]

For each kernel in ``ecosim.kernels.KERNELS`` it times the compiled kernel
(``select(k, "numba")``) and the reference body run by the interpreter
(``select(k, "python")``) and prints their ratio. The reference body is slow, so
it runs on fewer rows and its time is scaled linearly to ``--rows`` (the output
says so). Every time is the best of several repeats (``time.perf_counter``).

Then:

* the choice kernel (``talent.choose_careers``) on ``--choice-rows`` searchers x
  7 cities x 4 actions: compiled, reference (on ``--choice-ref-rows`` searchers,
  scaled linearly), their ratio, and the compiled kernel on 1 thread and on 2;
* every parallel kernel (compiled with ``parallel=True``) on 1 thread and on 2
  (``numba.set_num_threads``; the setting is restored afterwards), at
  ``--thread-rows``; the two thread counts are timed in alternation, so a
  briefly busy core slows both alike;
* model build and step times, and one whole run of ``--run-months`` months at
  scale 0.1 (build and run timed separately; ``--run-months 0`` skips it).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

try:
    from .common import KERNEL_NAMES, SCENARIO, args_for, build_model, make_rng
except ImportError:  # run as a script: benchmarks/ is sys.path[0]
    from common import KERNEL_NAMES, SCENARIO, args_for, build_model, make_rng

SCALES = (0.01, 0.1)

#: The choice kernel, timed on its own.
CHOICE_KERNEL = "talent.choose_careers"

#: Scale, seed and default length (months) of the whole-run measurement.
RUN_SCALE = 0.1
RUN_SEED = 0
RUN_MONTHS, RUN_MONTHS_QUICK = 72, 12


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


def parallel_kernels() -> list[str]:
    """Names of the kernels compiled with ``parallel=True``, sorted."""
    from ecosim.kernels import KERNELS

    return [name for name in KERNEL_NAMES
            if getattr(KERNELS[name], "targetoptions", {}).get("parallel")]


def measure_threads(name: str, rows: int, repeat: int, threads: tuple[int, ...] = (1, 2)):
    """Best time (seconds) of compiled kernel ``name`` on ``rows`` rows for each thread count.

    The thread counts are timed in alternation, ``repeat`` rounds, and Numba's
    thread count is restored afterwards.
    """
    import numba

    from ecosim.kernels import KERNELS, select

    fn = select(KERNELS[name], "numba")
    args = args_for(name, rows, make_rng())
    before = numba.get_num_threads()
    best = dict.fromkeys(threads, float("inf"))
    try:
        for t in threads:  # warm each thread count off the clock
            numba.set_num_threads(t)
            fn(*args)
        for _ in range(max(repeat, 1)):
            for t in threads:
                numba.set_num_threads(t)
                best[t] = min(best[t], best_of(lambda: fn(*args), 1))
    finally:
        numba.set_num_threads(before)
    return best


def measure_run(months: int, scale: float = RUN_SCALE, seed: int = RUN_SEED):
    """(build seconds, run seconds, agents at the end) of one ``months``-month run at ``scale``."""
    from ecosim.model import EcosystemModel

    start = time.perf_counter()
    model = EcosystemModel(rng=seed, scale=scale, months=months)
    t_build = time.perf_counter() - start
    start = time.perf_counter()
    model.run()
    t_run = time.perf_counter() - start
    return t_build, t_run, len(model.agents)


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


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # not available on this platform
        return "n/a"


def _cpu_seconds() -> tuple[float, float, float] | None:
    """(wall, busy CPU seconds of the whole machine, CPU seconds of this process), or None.

    The machine's busy time comes from ``/proc/stat`` (Linux only).
    """
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    t = os.times()
    return time.perf_counter(), busy, t.user + t.system


def _others(start, end) -> str:
    """CPU seconds other processes used between two :func:`_cpu_seconds` readings."""
    if start is None or end is None:
        return "CPU used by other processes: n/a (no /proc/stat)"
    wall = end[0] - start[0]
    other = max((end[1] - start[1]) - (end[2] - start[2]), 0.0)
    return (f"CPU used by other processes during the measurements: {other:.1f} CPU-s over "
            f"{wall:.1f} s wall ({other / wall:.2f} cores on average; near 0 on a quiet machine)")


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
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats, reference rows, thread rows and run months")
    parser.add_argument("--choice-rows", type=int, default=100_000,
                        help="searchers for the choice kernel section")
    parser.add_argument("--choice-ref-rows", type=int, default=1_000,
                        help="searchers for the choice kernel's reference body (scaled linearly)")
    parser.add_argument(
        "--thread-rows", type=str, default=None,
        help="comma-separated rows for the 1 vs 2 thread table "
             "(default 100000,1000000, or 100000 with --quick)",
    )
    parser.add_argument(
        "--run-months", type=int, default=None,
        help=f"months of the whole-run line at scale {RUN_SCALE:g} "
             f"(default {RUN_MONTHS}, or {RUN_MONTHS_QUICK} with --quick; 0 skips it)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be >= 1")
    if args.choice_rows < 1 or args.choice_ref_rows < 1:
        parser.error("--choice-rows and --choice-ref-rows must be >= 1")
    try:
        thread_rows = [int(r) for r in (args.thread_rows or (
            "100000" if args.quick else "100000,1000000")).split(",")]
    except ValueError:
        parser.error("--thread-rows must be comma-separated integers")
    if min(thread_rows) < 1:
        parser.error("--thread-rows must be >= 1")
    run_months = args.run_months
    if run_months is None:
        run_months = RUN_MONTHS_QUICK if args.quick else RUN_MONTHS
    if run_months < 0:
        parser.error("--run-months must be >= 0")

    repeat, ref_repeat, model_repeat = (3, 1, 1) if args.quick else (7, 3, 3)
    ref_rows = args.ref_rows or max(args.rows // (100 if args.quick else 10), 1)
    ref_rows = min(ref_rows, args.rows)

    import numba
    import numpy as np

    load_before, cpu_before = _load(), _cpu_seconds()
    rows_kernels = []
    for name in KERNEL_NAMES:
        rows_kernels.append((name, *measure_kernel(name, args.rows, ref_rows, repeat, ref_repeat)))
    choice_ref_rows = min(args.choice_ref_rows, args.choice_rows)
    choice = measure_kernel(CHOICE_KERNEL, args.choice_rows, choice_ref_rows, repeat, ref_repeat)
    can_thread = numba.config.NUMBA_NUM_THREADS >= 2 and not numba.config.DISABLE_JIT
    choice_threads = None
    if can_thread:
        choice_threads = measure_threads(CHOICE_KERNEL, args.choice_rows, repeat)
    threads = []
    if can_thread:
        for name in parallel_kernels():
            for rows in thread_rows:
                threads.append((name, rows, measure_threads(name, rows, repeat)))
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run
        layer = "none"
    models = [(scale, *measure_model(scale, model_repeat)) for scale in SCALES]
    run = measure_run(run_months) if run_months else None
    load_after, cpu_after = _load(), _cpu_seconds()

    print(
        f"ecosim compare | Python {platform.python_version()} | NumPy {np.__version__} | "
        f"Numba {numba.__version__} (threads {numba.config.NUMBA_NUM_THREADS}, "
        f"layer {layer}, DISABLE_JIT={int(bool(numba.config.DISABLE_JIT))})"
    )
    print(f"CPUs {os.cpu_count()} | 1-minute load average {load_before} before, {load_after} after")
    print(_others(cpu_before, cpu_after))
    print("(other work on the machine slows the parallel kernels most)")
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
    _print_choice(choice, choice_threads, args.choice_rows, choice_ref_rows, repeat, ref_repeat)
    print()
    _print_threads(threads, repeat)
    print()
    print(f"Model {SCENARIO} (numba backend); best of {model_repeat}. "
          "Step = month 2 (February, graduation) after month 1.")
    print()
    header = f"{'scale':>8} {'agents':>10} {'build ms':>12} {'step ms':>12}"
    print(header)
    print("-" * len(header))
    for scale, agents, t_build, t_step in models:
        print(f"{scale:>8g} {agents:>10,} {_ms(t_build):>12} {_ms(t_step):>12}")
    print()
    if run is None:
        print("Model run: skipped (--run-months 0).")
    else:
        t_build, t_run, agents = run
        print(f"Model run: EcosystemModel(rng={RUN_SEED}, scale={RUN_SCALE:g}, "
              f"months={run_months}).run(), one run (numba backend):")
        print(f"  build {t_build:,.3f} s + run {t_run:,.3f} s = {t_build + t_run:,.3f} s "
              f"({t_run / run_months * 1e3:,.1f} ms/month; {agents:,} agents at the end)")
    return 0


def _print_choice(choice, threads, rows: int, ref_rows: int, repeat: int, ref_repeat: int):
    first, t_c, t_r = choice
    print(f"Choice kernel {CHOICE_KERNEL}: {rows:,} searchers x 7 cities x 4 actions "
          "(28 alternatives);")
    print(f"best of {repeat} (compiled), best of {ref_repeat} (reference).")
    if ref_rows != rows:
        print(f"Its reference body ran on {ref_rows:,} searchers; the time is scaled linearly "
              f"x{rows / ref_rows:g} to {rows:,} searchers.")
    print()
    print(f"  first call   {_ms(first):>12} ms")
    print(f"  compiled     {_ms(t_c):>12} ms   (default threads)")
    print(f"  reference    {_ms(t_r):>12} ms   ratio {t_r / t_c:,.1f}x")
    if threads is None:
        print("  1 vs 2 threads: skipped (fewer than 2 Numba threads, or the JIT is disabled)")
    else:
        print(f"  1 thread     {_ms(threads[1]):>12} ms")
        print(f"  2 threads    {_ms(threads[2]):>12} ms   speed-up {threads[1] / threads[2]:.2f}x")


def _print_threads(threads, repeat: int):
    print("Parallel kernels, compiled, 1 thread vs 2 (numba.set_num_threads);")
    print(f"best of {repeat}, the two thread counts timed in alternation.")
    print()
    if not threads:
        print("  skipped (fewer than 2 Numba threads, or the JIT is disabled)")
        return
    header = f"{'kernel':<26} {'rows':>10} {'1 thread ms':>13} {'2 threads ms':>13} {'speed-up':>9}"
    print(header)
    print("-" * len(header))
    for name, rows, best in threads:
        print(f"{name:<26} {rows:>10,} {_ms(best[1]):>13} {_ms(best[2]):>13} "
              f"{best[1] / best[2]:>8.2f}x")


if __name__ == "__main__":
    sys.exit(main())
