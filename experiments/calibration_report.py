"""Validation report: every target, simulated on the posterior beside observed; posterior plots.

For a posterior (default: the packaged one), draws (parameter set, seed)
pairs, runs them to the end of the facts (December 2025) on the experiment
executors and prints, for every target of shared/data/korea_facts.md, the
observed value beside the posterior predictive median and 90% interval, the
miss in tolerances and whether the interval covers the fact; the same for the
point estimate (the scenario as packaged, seeds only) unless --no-point; the
facts that are not targets, and why. Writes target_table.csv, marginals.png,
pairs.png, and the prior and posterior predictive of the 2030 headline (number
of Korean cities in the top 100 in 2030 under baseline and startup_city,
headline.png and headline.csv) unless --headline-draws 0.

    python experiments/calibration_report.py [--draws 32] [--headline-draws 8]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ecosim.calibration import load_posterior
from ecosim.calibration.posterior import Posterior
from ecosim.calibration.report import (
    default_targets,
    levers,
    not_produced,
    plot_marginals,
    plot_pairs,
    plot_predictive,
    predictive,
    prior_bounds,
    run_config,
    target_table,
)


def _band(row) -> str:
    if not np.isfinite(row["median"]):
        return "not produced"
    return f"{row['median']:.4g} [{row['q05']:.4g}-{row['q95']:.4g}]"


def _table(table: pd.DataFrame, label: str) -> pd.DataFrame:
    return pd.DataFrame({
        "target": table["target"], "key": table["key"], "observed": table["observed"],
        label: table.apply(_band, axis=1),
        f"miss ({label})": table["miss"].round(2),
        f"covered ({label})": np.where(table["produced"], table["covered"], "-"),
    })


def headline(posterior: Posterior, draws: int, scale: float, out: Path, executor: str,
             workers: int | None) -> pd.DataFrame:
    """Korean cities in the top 100 in 2030, per run and ranking draw, prior and posterior.

    Each predictive is a main job (``startup_cities_2030``) whose replicates are
    (parameter set, seed) pairs drawn from it; its ranking is fitted on its own
    reference runs, and every run is ranked under every draw of the ranking's
    uncertainty, as in the main job.
    """
    from ecosim.study import TOP, startup_cities_2030

    prior = Posterior.from_prior(prior_bounds(posterior), max(draws, 1), seed=1)
    rows = []
    for label, source in (("prior", prior), ("posterior", posterior)):
        folder = out / f"headline_{label}"
        startup_cities_2030(replicates=draws, scale=scale, out=folder, executor=executor,
                            workers=workers, plots=False, posterior=source)
        ranks = pd.read_parquet(folder / "ranks.parquet")
        if "draw" not in ranks:
            ranks = ranks.assign(draw=0)
        last = ranks[ranks["year"] == ranks["year"].max()]
        per_run = last.assign(top=last["rank"] <= TOP).groupby(
            ["scenario", "replicate", "draw"])["top"].sum()
        rows += [{"predictive": label, "scenario": s, "replicate": r, "draw": d,
                  "cities_in_top": int(n)} for (s, r, d), n in per_run.items()]
    return pd.DataFrame(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--posterior", default="packaged", help="'packaged' or a posterior file")
    p.add_argument("--draws", type=int, default=32, help="posterior predictive draws (32)")
    p.add_argument("--scale", type=float, help="scale of the runs (default: the calibration's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--headline-draws", type=int, default=8,
                   help="draws per predictive for the 2030 headline (8; 0 skips it)")
    p.add_argument("--headline-scale", type=float, default=0.02)
    p.add_argument("--no-point", action="store_true",
                   help="skip the point estimate's predictive (the scenario as packaged)")
    p.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    p.add_argument("--workers", type=int)
    p.add_argument("--screening", default="results/calibration/screening",
                   help="a screening folder: print each target's strongest parameters")
    p.add_argument("--out", default="results/calibration_report")
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    post = load_posterior(a.posterior)
    info = post.provenance
    config = run_config(post, **({"scale": a.scale} if a.scale else {}))
    print(f"posterior: {post.describe()}")
    print(f"calibrated on {info.get('config')} with model code {info.get('model_code_digest')}")
    print(f"acceptance rate {info.get('acceptance_rate')}, epsilons {info.get('epsilons')}")
    targets = default_targets(config)
    pred = predictive(post, a.draws, config, out / "runs", seed=a.seed, executor=a.executor,
                      workers=a.workers)
    table = target_table(pred, targets)
    shown = _table(table, "posterior")
    if not a.no_point:
        x0 = {q["path"]: q["value"] for q in info.get("parameters", [])}
        point = Posterior(pd.DataFrame([x0]), np.ones(1), {"kind": "point estimate"})
        base = target_table(predictive(point, a.draws, config, out / "runs", seed=a.seed,
                                       executor=a.executor, workers=a.workers), targets)
        shown = shown.merge(_table(base, "point").drop(columns=["observed"]),
                            on=["target", "key"])
        table = table.merge(base[["target", "key", "median", "q05", "q95", "miss", "covered"]],
                            on=["target", "key"], suffixes=("", "_point"))
    table.to_csv(out / "target_table.csv", index=False)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_colwidth", 40)
    print(f"\nevery target: observed, and the predictive median [90% interval] of {a.draws} "
          f"draws at scale {config.scale:g}; miss = |median - observed| in tolerances\n")
    print(shown.to_string(index=False))
    produced = table[table["produced"]]
    print(f"\nwithin tolerance (posterior median): {int(produced['within_tolerance'].sum())} of "
          f"{len(produced)} values; covered by the 90% interval: "
          f"{int(produced['covered'].sum())} of {len(produced)}")
    indices = Path(a.screening) / "morris_indices.csv"
    if indices.exists():
        print(f"\neach target's strongest parameters (Morris mu_star on its discrepancy, "
              f"{indices}):")
        print(levers(pd.read_csv(indices)).to_string(index=False))
    print("\nfacts that are not targets:")
    print(not_produced().to_string(index=False))
    plot_marginals(post, out / "marginals.png")
    plot_pairs(post, out / "pairs.png")
    if a.headline_draws > 0:
        h = headline(post, a.headline_draws, a.headline_scale, out, a.executor, a.workers)
        h.to_csv(out / "headline.csv", index=False)
        for scenario, g in h.groupby("scenario"):
            samples = {k: v["cities_in_top"].to_numpy() for k, v in g.groupby("predictive")}
            plot_predictive(samples, out / f"headline_{scenario}.png",
                            xlabel="Korean cities in the top 100 in 2030",
                            title=f"{scenario}: prior vs posterior predictive", marks={"5": 5})
            for k, v in samples.items():
                runs = h[(h["scenario"] == scenario) & (h["predictive"] == k)]["replicate"]
                print(f"{scenario}, {k} predictive ({runs.nunique()} runs x "
                      f"{len(v) // max(runs.nunique(), 1)} ranking draws at scale "
                      f"{a.headline_scale:g}): P(at least 5 in the top 100) = "
                      f"{float(np.mean(v >= 5)):.2f}; median {np.median(v):.0f}, mean "
                      f"{v.mean():.2f}, P(at least 2) = {float(np.mean(v >= 2)):.2f}")
    print(f"\n{time.perf_counter() - t0:.0f} s; tables and plots in {out}/")


if __name__ == "__main__":
    main()
