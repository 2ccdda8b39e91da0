"""The stage mix of startups that the model's dynamics sustain, for the packaged world's start.

No census of Korean startups by funding stage was found, so the packaged world
(`src/ecosim/inputs/data/korea.toml`, ``startup_stage_shares``) starts from the
mix the model itself sustains: the mean stage shares over the last years of a
long baseline run (two seeds). Starting there shortens the start-up transient;
re-run this when the firm or capital parameters change, and paste the printed
line into the scenario file.

    python tools/stationary_stage_mix.py [--scale 0.02] [--years 2032 2035]
"""

import argparse

import pandas as pd

from ecosim import EcosystemModel
from ecosim.vocab import STAGES


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.02)
    p.add_argument("--years", type=int, nargs=2, default=(2032, 2035))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    a = p.parse_args()
    months = 12 * (a.years[1] - 2020 + 1)
    shares = []
    for seed in a.seeds:
        m = EcosystemModel("baseline", rng=seed, scale=a.scale, months=months).run()
        f = m.city_frame()
        f = f[f["date"].str.endswith("-12")].assign(year=lambda d: d["date"].str[:4].astype(int))
        f = f[f["year"].between(*a.years)]
        counts = f.groupby("year")[[f"stage_{s}" for s in STAGES]].sum().sum()
        shares.append(counts / counts.sum())
    mean = pd.concat(shares, axis=1).mean(axis=1)
    body = ", ".join(f"{s} = {mean[f'stage_{s}']:.3f}" for s in STAGES)
    print(f"startup_stage_shares = {{ {body} }}")


if __name__ == "__main__":
    main()
