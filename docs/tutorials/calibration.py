# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Calibration, in small
#
# `make calibrate` infers the model's estimated parameters from observed facts
# (Morris screening, then ABC-SMC with pyabc) and packages the posterior that
# the main job draws its parameters from. A calibration is thousands of runs;
# this page shows its parts on two runs: the targets, the parameters that may
# be calibrated, how far one run is from the facts (the distance), and the
# packaged posterior. The runs are at scale 0.005, where the
# [scale bias](../guide/calibration.md#the-calibrations-scale) of several targets
# exceeds their tolerance (the calibration runs at 0.02), and one seed each, so
# **their distances show the arithmetic, not how good either parameter set is**.

# %%
import warnings

import pandas as pd

from ecosim import EcosystemModel
from ecosim.calibration import (
    TARGETS,
    distance,
    load_posterior,
    observed_statistics,
    parameter_table,
    simulated_statistics,
    targets_for,
)
from ecosim.calibration.targets import discrepancies

# %% [markdown]
# ## The targets
#
# Each target is an observed fact with its source, a tolerance and an error
# model (`absolute`, or `log` for amounts and ranks, where the tolerance is a
# log ratio), and a function that computes the same figure from a finished run.
# One target cannot be produced by the model, and says why.

# %%
pd.DataFrame({
    "target": [t.name for t in TARGETS],
    "values": [len(t.observed) for t in TARGETS],
    "scale": [t.scale for t in TARGETS],
    "tolerance": [round(t.tolerance, 3) for t in TARGETS],
    "produced": [t.produced for t in TARGETS],
}).set_index("target")

# %% [markdown]
# ## The parameters that may be calibrated
#
# Every behavioural and market parameter whose source is `est.` is a candidate,
# with bounds derived from its packaged value; the others say why they are left
# out (a source, an integer, the numeraire, a definition).

# %%
table = parameter_table("baseline")
print(f"{int(table['calibrated'].sum())} of {len(table)} fields are candidates")
table[table["calibrated"]].head(8)[["path", "value", "low", "high", "reason"]]

# %% [markdown]
# ## One run against the facts
#
# The facts run to June 2025 and five-year survival needs the 2020 cohort's
# fifth year, so a calibration run covers January 2020 to December 2025 (72
# months). A value's miss is counted in tolerances; a target's discrepancy is
# the mean over its values, and the distance the mean over targets (1 = one
# tolerance off on average). A value the run cannot produce (no funding at all
# in a year, which happens at tiny scales) counts 10.

# %%
point = EcosystemModel("baseline", rng=1, scale=0.005, months=72).run()
targets = targets_for(point.spec)
observed = observed_statistics(targets)
simulated = simulated_statistics(point, targets)
print(f"distance of the point estimate (one run): {distance(simulated, observed, targets):.2f}")
pd.Series(discrepancies(simulated, observed, targets), name="discrepancy (tolerances)").round(2)

# %% [markdown]
# Side by side, for two targets:

# %%
keys = [k for k in observed if k.startswith(("venture_investment", "capital_share_vc"))]
pd.DataFrame({"observed": [observed[k] for k in keys],
              "simulated": [simulated[k] for k in keys]}, index=keys).round(3)

# %% [markdown]
# ## The packaged posterior
#
# `load_posterior()` reads the posterior shipped with ecosim: weighted parameter
# sets and their provenance (how, when and on which model code it was made).
# Which one is packaged, and whether it is the full calibration or a quick
# check, is in its description:

# %%
posterior = load_posterior("packaged")
print(posterior.describe())
posterior.quantiles().round(3)

# %% [markdown]
# The main job draws one (parameter set, seed) pair per replicate, by weight;
# the same pairs in every scenario. One such pair, run like the point estimate
# above (if the posterior was made on other model code, `check` says so):

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    posterior.check("baseline")
for w in caught:
    print("warning:", w.message)
draw = posterior.draw(1, root_seed=1)[0]
seed = draw.pop("seed")
drawn = EcosystemModel("baseline", rng=seed, scale=0.005, months=72, overrides=draw).run()
print(f"distance of one posterior draw (one run): "
      f"{distance(simulated_statistics(drawn, targets), observed, targets):.2f}")

# %% [markdown]
# ## At scale
#
# `make calibrate` screens all the candidates, keeps the influential ones, runs
# ABC-SMC over them on the experiment executors (resumable: every run is kept)
# and writes `src/ecosim/inputs/data/posterior.parquet`;
# `python experiments/calibration_report.py` then sets every target's posterior
# predictive interval beside the fact. The [Calibration guide](../guide/calibration.md)
# describes each step and what the packaged posterior is.
