"""Morris screening: which behavioural weights drive the capital region's pull?

    python experiments/sensitivity_morris.py [--trajectories 10] [--months 24] [--scale 0.005]
        [--executor processes|serial|dask] [--workers 2] [--scheduler ADDRESS]
        [--out results/sensitivity_morris]

Five behavioural weights of the career and location choice, each over a range
around its packaged value, against four outputs: the capital region's share
of talent at the end, the total net movers into the capital region, the share
of graduates still in their institute's city a year after graduating, and the
capital region's share of funding over the run.
Runs trajectories x 6 points (60 by default; 7-15 s on 2 cores).
Prints mu* (mean absolute elementary effect, in output units per parameter
range) and sigma (spread: nonlinearity or interactions), ranked by mu*, and
writes them to <out>/morris_indices.csv. Results are kept per run in <out>; a
second call resumes (runs nothing if all are there).

Outputs added by later issues (each Startup City's rank) are summary metrics
too: name them with --outputs. ``retention_36m`` (retention after three years)
needs runs of 48+ months, e.g. ``--months 48 --outputs retention_36m``.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from ecosim.experiments.sensitivity import morris

BOUNDS = {
    "behaviour.w_ties": (0.0, 1.0),
    "behaviour.w_open": (0.0, 1.2),
    "behaviour.w_investor": (0.0, 0.8),
    "behaviour.w_home": (0.0, 1.6),
    "behaviour.w_amenity": (0.0, 2.0),
}
OUTPUTS = ["capital_share_talent", "capital_net_inflow", "retention_12m", "capital_share_funding"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trajectories", type=int, default=10)
    p.add_argument("--levels", type=int, default=4)
    p.add_argument("--months", type=int, default=24)
    p.add_argument("--scale", type=float, default=0.005)
    p.add_argument("--replicates", type=int, default=1)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--outputs", nargs="+", default=OUTPUTS)
    p.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--scheduler", help="Dask scheduler address (implies --executor dask)")
    p.add_argument("--out", default="results/sensitivity_morris")
    args = p.parse_args(argv)

    indices = morris(BOUNDS, args.outputs, trajectories=args.trajectories, levels=args.levels,
                     replicates=args.replicates, months=args.months, scale=args.scale,
                     root_seed=args.seed, out=args.out, name="sensitivity_morris",
                     executor="dask" if args.scheduler else args.executor,
                     workers=args.workers, scheduler=args.scheduler)
    indices.to_csv(f"{args.out}/morris_indices.csv", index=False)
    with pd.option_context("display.width", 140, "display.max_columns", 10):
        for output, table in indices.groupby("output", sort=False):
            ranked = table.sort_values("mu_star", ascending=False)
            print(f"\n{output}")
            print(ranked[["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]]
                  .round(4).to_string(index=False))
    print(f"\nindices: {args.out}/morris_indices.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
