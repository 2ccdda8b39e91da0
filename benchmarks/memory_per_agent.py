"""Bytes of memory per agent: the figure behind ``ecosim.inputs.memory.BYTES_PER_AGENT``.

For each (scale, months), a fresh Python process imports ecosim, warms the
kernels up on a tiny model, notes its resident memory, then builds and runs
Korea; the peak resident memory it reached (``ru_maxrss``) minus that baseline
is what the world took. Divided by ``estimate_agents`` (agents at month 0 plus
every graduate of the run), it gives the bytes per estimated agent that the
memory check multiplies by. A checkpoint written at the end is timed too.

    python benchmarks/memory_per_agent.py          # scales 0.02 0.1 0.3; 12 and 72 months
    python benchmarks/memory_per_agent.py --scales 1.0 --months 72
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(scenario: str, scale: float, months: int) -> dict:
    import gc
    import resource

    import psutil

    from ecosim import EcosystemModel, load_scenario
    from ecosim.inputs.memory import BYTES_PER_AGENT, estimate_agents

    EcosystemModel(scenario, rng=0, scale=0.001, months=12).run()  # load the kernels
    gc.collect()
    base = psutil.Process().memory_info().rss
    spec = load_scenario(scenario, scale=scale, months=months)
    t0 = time.perf_counter()
    model = EcosystemModel(spec, rng=1)
    start_agents = len(model.agents)
    model.run()
    run_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.ckpt"
        t1 = time.perf_counter()
        model.save(path)
        save_s = time.perf_counter() - t1
        size = path.stat().st_size
        del model
        gc.collect()
        t2 = time.perf_counter()
        loaded = EcosystemModel.load(path)
        load_s = time.perf_counter() - t2
        end_agents = len(loaded.agents)
    estimate = estimate_agents(spec)
    return {"scale": scale, "months": months, "estimate_agents": estimate,
            "agents_start": start_agents, "agents_end": end_agents,
            "peak_added_mb": (peak - base) / 1e6,
            "bytes_per_agent": (peak - base) / estimate, "constant": BYTES_PER_AGENT,
            "run_s": run_s, "checkpoint_mb": size / 1e6, "save_s": save_s, "load_s": load_s}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="korea")
    p.add_argument("--scales", type=float, nargs="+", default=[0.02, 0.1, 0.3])
    p.add_argument("--months", type=int, nargs="+", default=[12, 72])
    p.add_argument("--child", nargs=3, metavar=("SCENARIO", "SCALE", "MONTHS"),
                   help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], float(args.child[1]), int(args.child[2]))))
        return
    rows = []
    for scale in args.scales:
        for months in args.months:
            out = subprocess.run([sys.executable, __file__, "--child", args.scenario,
                                  str(scale), str(months)], capture_output=True, text=True,
                                 check=True)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"scale {scale:<5g} months {months:<3d} estimate {r['estimate_agents']:>10,.0f} "
                  f"agents (start {r['agents_start']:>9,}, end {r['agents_end']:>9,})  "
                  f"peak +{r['peak_added_mb']:7.1f} MB  = {r['bytes_per_agent']:6.0f} B/agent  "
                  f"run {r['run_s']:6.1f} s  checkpoint {r['checkpoint_mb']:6.1f} MB "
                  f"save {r['save_s']:5.2f} s load {r['load_s']:5.2f} s", flush=True)
    worst = max(r["bytes_per_agent"] for r in rows)
    print(f"\nlargest: {worst:.0f} bytes per estimated agent "
          f"(ecosim.inputs.memory.BYTES_PER_AGENT = {rows[0]['constant']})")


if __name__ == "__main__":
    main()
