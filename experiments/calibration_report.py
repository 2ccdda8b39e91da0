"""Simulated against observed: the calibration figures of the talent and firm issues.

    python experiments/calibration_report.py [--scale 1.0] [--months 72] [--seed 0]

Prints, for the baseline from January 2020 (72 months by default: to December 2025,
the year of most observed figures): the share of Busan-Ulsan-Gyeongnam
graduates working in the capital region a year after graduating (observed 28.5%,
KEDI), graduate retention after 3 and 5 years, the capital region's share of
funding (observed 67-80%) and of startups (65.6%), yearly VC investment (about
KRW 11-12T), 5-year survival of founded startups (33.8%), unicorns, the net
movers into the capital region, and each city's world rank by year.
"""

import argparse
import time

from ecosim import EcosystemModel
from ecosim.outputs.ranking import city_scores

BUG = ["busan_universities", "ulsan_universities", "UNIST"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--months", type=int, default=72)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    t = time.perf_counter()
    m = EcosystemModel("baseline", rng=a.seed, scale=a.scale, months=a.months)
    build = time.perf_counter() - t
    m.run(progress=True)
    print(f"build {build:.1f} s, run {time.perf_counter() - t - build:.1f} s, "
          f"{len(m.agents):,} agents at the end")
    f, r = m.city_frame(), m.retention_frame()
    one = r[r["horizon_months"] == 12]
    bug = one[one["institute"].isin(BUG)]
    regional = one[~one["city"].isin(m.spec.capital_region)]
    print(f"BUG graduates employed in the capital region after 1 year: "
          f"{bug['employed_in_capital'].sum() / bug['employed'].sum():.3f} (observed 0.285)")
    print(f"all regional graduates: "
          f"{regional['employed_in_capital'].sum() / regional['employed'].sum():.3f}")
    for h in (36, 60):
        x = r[r["horizon_months"] == h]
        if len(x):
            g = x.groupby("institute")
            share = g["retained"].sum() / g["cohort"].sum()
            print(f"retention after {h} months:", share.round(3).to_dict())
    years = a.months / 12
    print(f"capital share of funding {m.capital_share_of_funding():.3f} (observed 0.67-0.80)")
    print(f"capital share of startups at the end {m.capital_share('startups'):.3f} "
          "(observed 0.656)")
    print(f"yearly VC investment, KRW T at full scale "
          f"{f['funding_krw'].sum() / a.scale / 1e12 / years:.2f} (observed about 11-12)")
    s = m.survival_frame()
    five = s[s["age_months"] == 60]
    if len(five):
        print(f"5-year survival {1 - five['died'].sum() / five['founded'].sum():.3f} "
              "(observed 0.338)")
    last = f[f["month"] == f["month"].max()]
    print(f"unicorns at the end {int(last['unicorns'].sum())}; exits {int(f['exits'].sum())}; "
          f"foundings a year (full scale) {f['foundings'].sum() / a.scale / years:.0f}")
    print("net movers into the capital region:", m.capital_net_inflow().to_dict())
    ranks = city_scores(m.city_frame(), m.spec)
    print(ranks.pivot(index="city", columns="year", values="rank").round(0))


if __name__ == "__main__":
    main()
