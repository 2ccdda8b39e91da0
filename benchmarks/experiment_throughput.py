"""Throughput of the experiment executors: 16 small runs on serial, processes and Dask.

    python benchmarks/experiment_throughput.py [--runs 16] [--workers 2] [--scale 0.01]
                                               [--months 12] [--repeat 3] [--no-cold]

Serial runs twice: with Numba's default threads (all cores) and with one
(``serial-1t``); speed-ups are over the faster of the two. Prints, for each
executor: start-up (workers started and warmed up), wall time
of the runs alone, runs/s, speed-up over serial, the mean time of one run inside
a worker, and the overhead per run (a worker's time not spent in a run:
scheduling, transfer, idle). For Dask also the round trip of an empty task. The
per-worker warm-up (import + Numba kernels loaded from the disk cache) is
reported, and, unless --no-cold, the one-off cold compile (an empty Numba cache).

The executors take turns for ``--repeat`` rounds (each time from scratch, with
a fresh pool or cluster); for each, the try with the shortest run wall time is
shown, and every try's wall time is listed (the machine may be shared).
Not an asv benchmark: it starts process pools and clusters and takes ~1-2 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ecosim.experiments import Experiment, run_experiment


def _experiment(runs: int, scale: float, months: int) -> Experiment:
    points = 4 if runs % 4 == 0 else 1
    return Experiment(name="throughput",
                      parameters={"behaviour.w_ties": [0.2, 0.4, 0.6, 0.8][:points]},
                      replicates=runs // points, months=months, scale=scale, root_seed=1,
                      outputs=["city", "summary"])


def _dask_task_overhead(n: int = 200) -> float:
    """Seconds per empty task on a fresh 2-worker LocalCluster (submit to result)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(int, 0, pure=False).result()
        t0 = time.perf_counter()
        for i in range(n):
            client.submit(int, i, pure=False).result()
        return (time.perf_counter() - t0) / n


def _cold_compile() -> float:
    """Warm-up in a fresh process with an empty Numba cache (the first time on a machine)."""
    code = ("import time; t = time.perf_counter(); "
            "from ecosim.experiments.worker import warm_up; "
            "warm_up(); print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={**os.environ, "NUMBA_CACHE_DIR": cache})
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--scale", type=float, default=0.01)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--repeat", type=int, default=3, help="best of this many tries (default 3)")
    p.add_argument("--no-cold", action="store_true", help="skip the cold-compile measurement")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args(argv)

    e = _experiment(args.runs, args.scale, args.months)
    print(f"{len(e.plan[0])} runs: korea, scale {args.scale}, {args.months} months, "
          f"outputs city+summary; {os.cpu_count()} CPUs, {args.workers} workers, best of "
          f"{args.repeat} rounds; load average {os.getloadavg()[0]:.2f}\n", flush=True)
    configs = (("serial", "serial", None), ("serial-1t", "serial", 1),
               ("processes", "processes", None), ("dask", "dask", None))
    tries: dict[str, list] = {label: [] for label, _, _ in configs}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):  # rounds: every executor once per round
            for label, executor, threads in configs:
                s = run_experiment(e, Path(tmp) / label, executor=executor,
                                   numba_threads=threads, workers=args.workers, resume=False,
                                   progress=False)
                assert s.ok, str(s)
                tries[label].append(s)
                loads.append(os.getloadavg()[0])
    rows = {}
    for label, runs in tries.items():
        s = min(runs, key=lambda t: t.run_seconds)  # best of: the machine may be shared
        rows[label] = {
            "startup_s": s.startup_seconds, "wall_s": s.run_seconds,
            "runs_per_s": s.executed / s.run_seconds, "mean_run_s": s.busy_seconds / s.executed,
            "overhead_per_run_s": (s.run_seconds * s.workers - s.busy_seconds) / s.executed,
            "warm_up_s": list(s.worker_startup.values()), "workers": s.workers,
            "all_walls_s": [t.run_seconds for t in runs],
        }
    base = max(rows["serial"]["runs_per_s"], rows["serial-1t"]["runs_per_s"])
    print(f"{'executor':10s} {'start-up s':>10s} {'runs wall s':>11s} {'runs/s':>7s} "
          f"{'speed-up':>8s} {'run s':>6s} {'overhead/run s':>14s}  warm-up per worker s")
    for name, r in rows.items():
        r["speed_up"] = r["runs_per_s"] / base
        warm = ", ".join(f"{w:.2f}" for w in r["warm_up_s"])
        print(f"{name:10s} {r['startup_s']:10.2f} {r['wall_s']:11.2f} {r['runs_per_s']:7.2f} "
              f"{r['speed_up']:7.2f}x {r['mean_run_s']:6.3f} {r['overhead_per_run_s']:14.3f}  "
              f"{warm}")
    print("run walls per round: " + "; ".join(
        f"{k} " + " ".join(f"{w:.2f}" for w in r["all_walls_s"]) for k, r in rows.items())
        + f"\nload average during the rounds: {min(loads):.2f}-{max(loads):.2f}")
    empty = _dask_task_overhead()
    print(f"\nDask round trip of an empty task (submit -> result, 2 workers): {empty * 1e3:.1f} ms")
    extra = rows["dask"]["overhead_per_run_s"] - rows["processes"]["overhead_per_run_s"]
    print(f"Dask overhead per run beyond the process pool's: {extra * 1e3:+.0f} ms "
          f"(overhead/run: dask {rows['dask']['overhead_per_run_s'] * 1e3:.0f} ms, "
          f"processes {rows['processes']['overhead_per_run_s'] * 1e3:.0f} ms)")
    warm = rows["processes"]["warm_up_s"] + rows["dask"]["warm_up_s"]
    print(f"per-worker start-up (import + kernels from Numba's disk cache, once per worker): "
          f"median {statistics.median(warm):.2f} s")
    figures = {"executors": rows, "dask_empty_task_s": empty}
    if not args.no_cold:
        cold = _cold_compile()
        figures["cold_compile_s"] = cold
        print(f"first start on a machine (empty Numba cache: compile every kernel): {cold:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
