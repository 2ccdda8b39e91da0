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
# # The policy question
#
# *Does the Startup City project put at least five Korean cities in the
# world's top 100 startup ecosystems by 2030?* `make run` answers it with the
# main job, `ecosim.study.startup_cities_2030`: an ensemble of `baseline` and
# `startup_city`, January 2020 to December 2030, read from 2025 on. This page
# runs the same function at a tiny scale (0.002) with two replicates per
# scenario so that the site builds quickly. **Its numbers are not an answer**:
# two replicates at this scale only show what the job computes and how to read
# it. `make run` uses 32 replicates at scale 0.1.

# %%
import tempfile
import warnings
from pathlib import Path

from IPython.display import Image, display

from ecosim.inputs.scenario import load_scenario
from ecosim.study import startup_cities_2030

# %% [markdown]
# ## The two scenarios
#
# `startup_city` extends the packaged world (`korea`) with a package for each
# of Daegu, Daejeon, Gwangju and Ulsan from January 2026: a yearly budget split
# across four levers (talent, commercialization, investment, infrastructure),
# each acting on agents' inputs, never on an outcome
# ([Submodels: policy levers](../model/submodels.md#policy-levers-step-0)).

# %%
policy = load_scenario("startup_city").policy
print(f"packages from January {policy.start_year}:")
for p in policy.packages:
    levers = ", ".join(f"{k} {v:.0%}" for k, v in p.levers.items())
    print(f"  {p.city}: KRW {p.budget_krw / 1e9:.0f}B a year ({levers}); "
          f"focus {', '.join(p.focus_sectors)}; source: {p.source}")

# %% [markdown]
# ## Run the ensemble
#
# Each run starts in January 2020 and runs to December 2030 (the scenario's own
# 132 months). By default (`posterior="packaged"`) replicate *r* is a
# (parameter set, seed) pair drawn from the calibrated posterior packaged with
# ecosim ([Calibration](../guide/calibration.md)), the same pair in both
# scenarios (common random numbers, so the difference between scenarios is
# neither seed noise nor a different parameter set); `posterior=None`
# (`ecosim run --posterior none`) runs the scenarios as packaged, the point
# estimate. The job warns when the posterior was made on other model code; such
# a warning is printed below.

# %%
scratch = tempfile.TemporaryDirectory(prefix="ecosim-docs-")  # removed when the kernel exits
out = Path(scratch.name) / "study"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    result = startup_cities_2030(scenarios=("baseline", "startup_city"), replicates=2,
                                 scale=0.002, root_seed=2025, out=out, executor="serial",
                                 progress=False, posterior="packaged")
for w in caught:
    print("warning:", w.message)

# %% [markdown]
# ## The summary table
#
# One row per scenario and ranked city: the world rank in 2025 and in 2030
# (median and 90% interval over replicates and the ranking's draws, as
# `median [5%-95%]`); the probability of a top-100 place in 2030, over
# replicates and draws, and under the ranking's central fit alone ("ranking
# fixed"); the shares of the 2030 rank's spread (variance of ln rank) that come
# from the ranking's uncertainty and from the simulation; the share of the
# city's graduates still in the city three years after graduating; and the
# capital region's share of funding in 2030. This is what `make run` prints
# ([The ranking, fitted](../model/ranking.md) explains the draws).

# %%
result.table

# %% [markdown]
# ## The headline
#
# The share of (replicate, ranking draw) cases in which at least five Korean
# cities are in the top 100 in 2030, per scenario:

# %%
result.headline

# %% [markdown]
# ## The plots
#
# The job writes its tables (Parquet, CSV) and these plots to the output
# folder: the world rank of each ranked city over time (median and 5-95% band
# per scenario, dashed at 100), the capital region's shares and graduate
# retention over time, and the migration flows between cities.

# %%
print(sorted(p.name for p in out.iterdir() if p.is_file()))
for name in ("rank_fan.png", "retention_capital_share.png"):
    display(Image(filename=str(out / name), width=800))
