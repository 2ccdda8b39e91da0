"""The bias of the calibration's scale: every target at a small and a larger scale.

Same parameters (the scenario as packaged), same seeds, two scales; per target
value, the mean at each scale and their difference in tolerances (log ratios
for amounts and ranks) with its standard error. The calibration's scale
(``make calibrate``'s ``--scale``) should be one whose bias is small beside 1.

    python experiments/scale_bias.py [--small 0.01] [--large 0.1] [--replicates 6]
"""

import argparse
import time

import pandas as pd

from ecosim.calibration.bias import scale_bias, summarise_bias
from ecosim.calibration.runs import RunConfig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="baseline")
    p.add_argument("--small", type=float, nargs="+", default=[0.01],
                   help="calibration scale(s) to measure (default 0.01)")
    p.add_argument("--large", type=float, default=0.1, help="reference scale (default 0.1)")
    p.add_argument("--replicates", type=int, default=6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    p.add_argument("--workers", type=int)
    p.add_argument("--out", default="results/scale_bias")
    a = p.parse_args()
    config = RunConfig(a.scenario)
    pd.set_option("display.width", 200)
    for small in a.small:
        t0 = time.perf_counter()
        frame = scale_bias(config, a.out, scales=(small, a.large), replicates=a.replicates,
                           seed=a.seed, executor=a.executor, workers=a.workers)
        print(f"\nscale {small:g} against {a.large:g}, {a.replicates} seeds each "
              f"({time.perf_counter() - t0:.0f} s):")
        print(frame.drop(columns=["tolerance"]).to_string(
            index=False, float_format=lambda x: f"{x:.3g}"))
        print(summarise_bias(frame).to_string(float_format=lambda x: f"{x:.2f}"))


if __name__ == "__main__":
    main()
