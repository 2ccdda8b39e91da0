"""Run an exploration's chosen policies again at a larger scale and on more seeds.

    python experiments/explore_confirm.py experiments/explore_korea.toml --scale 0.05 --replicates 4

Reads the exploration's results (policies.csv, search_trials.csv, frontier.csv),
takes the announced setting, the search's best and each frontier budget's best,
evaluates them (and the reference) at --scale on --replicates seeds, prints the
table and writes <out>/confirm_scale<scale>.csv. Their runs go to
<out>/confirm_scale<scale>/store, so this resumes too.
"""

import argparse

import pandas as pd

from ecosim.explore import ExploreSpec, LeverSpace
from ecosim.explore.job import confirm, default_out
from ecosim.explore.stats import ordinal


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file")
    p.add_argument("--scale", type=float, default=0.05)
    p.add_argument("--replicates", type=int, default=4)
    p.add_argument("--out", help="the exploration's output folder (default: the file's)")
    p.add_argument("--executor", default=None)
    p.add_argument("--workers", type=int, default=None)
    args = p.parse_args()
    spec = ExploreSpec.from_toml(args.file)
    out = default_out(spec) if args.out is None else args.out
    from pathlib import Path

    out = Path(out)
    space = LeverSpace.from_spec(spec)
    rows = pd.read_csv(out / "policies.csv").set_index("policy", drop=False)
    chosen: dict = {"reference": space.reference()}
    announced = rows[rows["label"] == "announced"]
    if not announced.empty:
        chosen["announced"] = space.policy_from_row(announced.iloc[0])
    trials = pd.read_csv(out / "search_trials.csv")
    best = trials.loc[trials["objective"].idxmax(), "policy"]
    chosen["search best"] = space.policy_from_row(rows.loc[best])
    for _, f in pd.read_csv(out / "frontier.csv").iterrows():
        if f["policy"] != "reference":
            chosen.setdefault(f"frontier {f['budget_krw'] / 1e9:,.0f} bn",
                              space.policy_from_row(rows.loc[f["policy"]]))
    table = confirm(spec, list(chosen.values()), scale=args.scale, replicates=args.replicates,
                    out=out / f"confirm_scale{args.scale:g}", executor=args.executor,
                    workers=args.workers)
    label: dict[str, str] = {}
    for name, policy in chosen.items():  # one policy may be several (the search's best at
        label[policy.id] = f"{label[policy.id]} = {name}" if policy.id in label else name
    table.insert(1, "label", table["policy"].map(label))
    table.to_csv(out / f"confirm_scale{args.scale:g}.csv", index=False)
    k = spec.outcomes.k
    cols = ["label", "runs", f"p_at_least_{k}", "p_low", "p_high", "p_at_least_1",
            "p_at_least_2", "p_at_least_3", "kth_rank_median",
            *[f"rank_median:{c}" for c in ("seoul", *spec.levers.cities)]]
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(f"scale {args.scale:g}, {args.replicates} seeds, {ordinal(k)} best city's rank:")
        print(table[cols].round(3).to_string(index=False))


if __name__ == "__main__":
    main()
