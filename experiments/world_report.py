"""What the baseline's world does from 2020 to 2030: drift, transients, unicorns.

    python experiments/world_report.py [--scale 0.1] [--seeds 1 2 3 4]

Prints, for the baseline without policy (full-scale equivalents, mean over
seeds): national indicators by year beside the observed figures of
korea_facts.md; each city's startups, capital raised by live startups and
Series B+ count in 2025, 2027 and 2030; the 2025 -> 2027 change against the
band of tests/test_world.py; new unicorns a year after 2025 and their share by
region.
"""

import argparse
import math

import numpy as np
import pandas as pd

from ecosim import EcosystemModel

OBSERVED = {  # korea_facts.md
    "venture investment, KRW T": {2021: 15.94, 2022: 12.47, 2023: 10.91, 2024: 11.95},
    "capital-region share of VC investment": {2020: 0.72, 2021: 0.751, 2022: 0.732,
                                              2023: 0.668, 2025: 0.795},
    "venture firms": {2020: 39_511, 2025: 37_419},
    "capital-region share of venture firms": {2020: 0.599, 2025: 0.656},
}
BAND = math.log(15.94 / 10.91)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    a = p.parse_args()
    years, cities, new_unicorns = [], [], []
    for seed in a.seeds:
        m = EcosystemModel("baseline", rng=seed, scale=a.scale).run()
        cap = list(m.spec.capital_region)
        y = m.yearly_frame()
        y[["startups", "funding_krw", "new_unicorns", "unicorns"]] /= a.scale
        f = m.city_frame()
        dec = f[f["date"].str.endswith("-12")].assign(year=lambda d: d["date"].str[:4].astype(int))
        dec = dec.assign(b_plus=dec["stage_series_b"] + dec["stage_series_c_plus"])
        dec[["raised_stock_krw", "b_plus", "startups"]] /= a.scale
        nat = y.groupby("year").agg(startups=("startups", "sum"), funding=("funding_krw", "sum"),
                                    new_unicorns=("new_unicorns", "sum"),
                                    unicorns=("unicorns", "sum"))
        capital = y[y["city"].isin(cap)].groupby("year")
        nat["capital share of startups"] = capital["startups"].sum() / nat["startups"]
        nat["capital share of funding"] = capital["funding_krw"].sum() / nat["funding"]
        nat["funding"] /= 1e12
        years.append(nat.assign(seed=seed))
        cities.append(dec.set_index(["year", "city"])[["startups", "raised_stock_krw", "b_plus"]]
                      .assign(seed=seed))
        later = y[y["year"] > 2025]
        new_unicorns.append(later.groupby("city", observed=True)["new_unicorns"].sum())
    pd.set_option("display.width", 200)
    nat = pd.concat(years).groupby(level=0).mean().drop(columns="seed")
    print(f"baseline, scale {a.scale:g}, seeds {a.seeds}: national, full-scale equivalents")
    print(nat.round(3).to_string())
    print("\nobserved (korea_facts.md):")
    for name, series in OBSERVED.items():
        print(f"  {name}: " + ", ".join(f"{k} {v:g}" for k, v in series.items()))
    c = pd.concat(cities).groupby(level=[0, 1]).mean().drop(columns="seed")
    c["raised_stock_krw"] /= 1e12
    table = c.loc[[2025, 2027, 2030]].unstack(0)
    print("\nper city, December (startups; capital raised by live startups, KRW T; Series B+):")
    print(table.round(1).to_string())
    ratio = np.log(c.xs(2027) / c.xs(2025))
    print(f"\n2025 -> 2027 log change (band |x| <= {BAND:.2f}, the largest two-year change of "
          "yearly venture investment observed):")
    print(ratio.round(2).to_string())
    u = pd.concat(new_unicorns, axis=1).mean(axis=1)
    print(f"\nnew unicorns a year after 2025 (2026-2030): {u.sum() / 5:.1f} "
          "(observed: 22 at end-2022, korea_facts)")
    share = (u / u.sum()).round(2) if u.sum() else u
    print("their share by city:", share[share > 0].to_dict())


if __name__ == "__main__":
    main()
