"""make calibrate: screen the estimates, infer the influential ones, package the posterior.

Morris screening of every estimated behavioural and market parameter on the
distance to the facts of shared/data/korea_facts.md, ABC-SMC (pyabc) over the
10-20 most influential, and the last generation written with its provenance
to src/ecosim/inputs/data/posterior.parquet, which the main job draws from.
Every simulation runs on the experiment executors and is kept in --out: run
it again and it resumes.

    python experiments/calibrate.py                      # the full calibration
    python experiments/calibrate.py --budget 300         # a quick check: 300 runs in all
"""

import argparse
import time

import pandas as pd

from ecosim.calibration.abc import AbcSettings
from ecosim.calibration.pipeline import calibrate
from ecosim.calibration.runs import RunConfig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=int, help="total runs for a quick check (screening + ABC)")
    p.add_argument("--scenario", default="baseline", help="scenario (default baseline)")
    p.add_argument("--scale", type=float, default=0.02,
                   help="calibration scale (default 0.02; see experiments/scale_bias.py)")
    p.add_argument("--trajectories", type=int, default=4, help="Morris trajectories (4)")
    p.add_argument("--top", type=int, default=15, help="parameters kept by mu_star (15)")
    p.add_argument("--population", type=int, default=40, help="ABC population (40)")
    p.add_argument("--generations", type=int, default=8, help="most ABC generations (8)")
    p.add_argument("--max-simulations", type=int, default=2400,
                   help="most ABC simulations (2400; --budget sets its own)")
    p.add_argument("--min-epsilon", type=float, default=0.5,
                   help="stop at this distance threshold, in tolerances (0.5)")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786)")
    p.add_argument("--out", default="results/calibration", help="results folder")
    p.add_argument("--posterior-out", default="packaged",
                   help="where to write the posterior (default: the packaged one); 'none' "
                        "leaves it")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="hold a scenario field at a value in every run")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args()
    from ecosim.cli import _parse_set

    config = RunConfig(a.scenario, scale=a.scale, fixed=_parse_set(a.set))
    abc = AbcSettings(population=a.population, generations=a.generations,
                      min_epsilon=a.min_epsilon, max_simulations=a.max_simulations,
                      seed=a.seed)
    t0 = time.perf_counter()
    result = calibrate(a.out, config=config, budget=a.budget, trajectories=a.trajectories,
                       top=a.top, abc=abc, executor=a.executor, workers=a.workers,
                       scheduler=a.scheduler, progress=not a.no_progress,
                       write=None if a.posterior_out == "none" else a.posterior_out)
    pd.set_option("display.width", 200)
    post = result.posterior
    info = post.provenance
    print(f"\nscreening: {result.screening.runs} runs; the parameters kept (mu_star on the "
          "distance, in tolerances):")
    kept = result.screening.ranking.set_index("parameter").loc[[q.path for q in result.chosen]]
    print(kept[["mu_star", "sigma", "low", "high"]].to_string(float_format=lambda x: f"{x:.3g}"))
    print("\nABC-SMC generations:")
    print(result.abc.populations.to_string(index=False))
    print(f"\nposterior: {post.describe()}")
    print(f"acceptance rate (last generation) {info['acceptance_rate']:.3f}, overall "
          f"{info['acceptance_rate_overall']:.3f}; median distance {info['distance_median']:.2f}")
    q = post.quantiles().join(pd.Series(post.mean(), name="mean"))
    print(q.to_string(float_format=lambda x: f"{x:.4g}"))
    print(f"\n{info['total_runs']} runs in {time.perf_counter() - t0:.0f} s; results in {a.out}/"
          + (f"; posterior written to {result.written}" if result.written else ""))


if __name__ == "__main__":
    main()
