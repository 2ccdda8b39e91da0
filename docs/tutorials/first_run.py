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
# # A first run and its outputs
#
# This page is a script that ran when the site was built (`make docs`): every
# number below was computed then, by the code above it. It builds the packaged
# world (Korea in January 2020), runs it for two years at a tiny scale and reads
# what came out. At this scale (0.005: one agent per 200 people or firms) the
# numbers are noisy; the point here is where they come from and how to read them.
#
# To run it yourself: `make venv`, then open `docs/tutorials/first_run.py` with
# Jupyter (jupytext reads it as a notebook) or run it with `.venv/bin/python`.

# %% [markdown]
# ## Build the world
#
# `EcosystemModel(spec, rng=..., **fields)` validates the scenario, applies the
# overrides (`scale=0.005`) and creates every agent of month 0. The model is a
# `mesa.Model`; the seed makes the run reproducible, whatever the backend or the
# number of threads.

# %%
import matplotlib.pyplot as plt
import pandas as pd

from ecosim import EcosystemModel
from ecosim.state.agents import Founder, Investor, Startup
from ecosim.vocab import STAGES

model = EcosystemModel("korea", rng=42, scale=0.005)
spec = model.spec
print(f"{spec.name}: {len(spec.cities)} cities, starting {spec.start_year}-{spec.start_month:02d}")
print(f"{len(model.agents):,} Mesa agents at month 0")
print({cls.__name__: len(agents) for cls, agents in model.agents_by_type.items()})

# %% [markdown]
# ## Run two years
#
# `run(months)` steps the model one month at a time (`EcosystemModel.step`, the
# schedule on the [model page](../model/index.md#3-process-overview-and-scheduling)).

# %%
model.run(24)
print(f"months simulated: {model.month}; now {model.calendar_year}-{model.calendar_month:02d}")

# %% [markdown]
# ## The per-city frame
#
# `city_frame()` is tidy: one row per (month, city), one column per metric
# ([Outputs](../guide/outputs.md) lists them). Month 0 is the world as built.
# Stocks (talent, startups) are counts at the model's scale; flows (hires,
# foundings, funding) are the month's events.

# %%
frame = model.city_frame()
last = frame[frame["month"] == model.month].set_index("city")
last[["talent", "searching", "founders", "startups", "investors", "factories"]]

# %% [markdown]
# Divide by the scale to read a count as a full-scale equivalent. Totals of
# the month's events over the run:

# %%
events = ["graduates", "hires", "inflow", "outflow", "foundings", "deaths", "rounds"]
totals = frame[frame["month"] > 0].groupby("city", observed=True)[events].sum()
(totals / spec.scale).round(-1).astype(int)

# %% [markdown]
# ## Over time
#
# The capital region (Seoul with Gyeonggi, and Incheon) against the other
# cities, month by month.

# %%
frame["region"] = frame["city"].astype(str).map(
    lambda c: "capital region" if c in spec.capital_region else "other cities")
by_region = frame.groupby(["month", "region"])[["talent", "startups"]].sum().unstack()
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, metric in zip(axes, ["talent", "startups"], strict=True):
    (by_region[metric] / spec.scale).plot(ax=ax)
    ax.set_title(f"{metric} (full-scale equivalent)")
    ax.set_xlabel("month")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Shares, flows and retention
#
# The capital region's share of talent and of funding, the net movers into it
# from each other city over the run, and where graduates are a year after
# graduating (`retention_frame()`: one row per institute cohort and horizon).

# %%
print(f"capital-region share of talent now: {model.capital_share('talent'):.3f}")
print(f"capital-region share of funding over the run: {model.capital_share_of_funding():.3f}")
model.capital_net_inflow().rename("net movers into the capital region")

# %%
retention = model.retention_frame()
one_year = retention[retention["horizon_months"] == 12]
pooled = one_year.groupby("city")[["cohort", "retained", "employed"]].sum()
pooled.assign(retained_share=(pooled["retained"] / pooled["cohort"]).round(3))

# %% [markdown]
# ## Agents are Mesa agents
#
# Every founder, startup, investor, institute and factory is a `mesa.Agent`;
# its attributes are views over one row of its table, so Mesa's `AgentSet`
# tools work on them.

# %%
founders = model.agents_by_type[Founder]
print(f"{len(founders):,} people; oldest {founders.agg('age_months', max) / 12:.1f} years")
startups = model.agents_by_type[Startup]
stage_names = pd.Series(startups.get("stage")).map(lambda i: STAGES[i])
stage_names.value_counts().reindex(STAGES).rename("startups by stage")

# %% [markdown]
# The same state as arrays, as the kernels see it:

# %%
people = model.population[Founder]
ages = people["age_months"][people.alive] / 12
investors = model.population[Investor]
print(f"mean age {ages.mean():.1f} years; "
      f"dry powder {investors['dry_powder_krw'][investors.alive].sum() / spec.scale / 1e12:.2f} "
      "trillion KRW (full-scale equivalent)")

# %% [markdown]
# ## Next
#
# One run answers little: the [sweep on Dask](dask_sweep.py) runs several,
# the [sensitivity analysis](sensitivity.py) varies parameters, and
# [the policy question](policy_question.py) runs the main job's ensemble.
