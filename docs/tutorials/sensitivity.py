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
# # A sensitivity analysis
#
# Which behavioural weights matter for the capital region's pull on talent?
# Morris screening (SALib) answers cheaply: it moves one parameter at a time
# along random trajectories through the parameter space and records how much
# each move changes the outputs (the elementary effects). `mu_star`, the mean
# absolute effect, ranks the parameters; `sigma`, their spread, flags
# non-linearity and interactions.
#
# This page runs a *tiny* screening so that it builds in seconds: two
# parameters, two trajectories, one replicate per point, six months at scale
# 0.002. Its indices are dominated by noise and are shown to explain the
# method, not to rank anything. `experiments/sensitivity_morris.py` is a real
# screening (five weights, 60 runs of 24 months); the
# [Sensitivity guide](../guide/sensitivity.md) covers Sobol indices and
# experiment files.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from ecosim.experiments import load_results
from ecosim.experiments.sensitivity import morris

# %% [markdown]
# ## The design
#
# Bounds are scenario paths and ranges. The outputs are summary metrics of a
# run (registered in `ecosim.experiments.registry`): here the capital region's
# share of talent at the end and the net movers into it over the run.

# %%
bounds = {"behaviour.w_ties": (0.0, 1.0), "behaviour.w_open": (0.0, 1.2)}
outputs = ["capital_share_talent", "capital_net_inflow"]
trajectories = 2
print(f"Morris: {trajectories} trajectories x ({len(bounds)} parameters + 1) = "
      f"{trajectories * (len(bounds) + 1)} points at most, one run each")

# %% [markdown]
# ## Run it
#
# `morris` declares the experiment, validates it (a bound outside what the
# scenario allows fails here, before any run), runs it on the chosen executor
# and analyses the summary outputs. The results folder holds every run, so a
# second call resumes instead of starting again.

# %%
scratch = tempfile.TemporaryDirectory(prefix="ecosim-docs-")  # removed when the kernel exits
out = Path(scratch.name) / "morris"
indices = morris(bounds, outputs, trajectories=trajectories, months=6, scale=0.002,
                 root_seed=3, out=out, executor="serial", progress=False)
indices

# %% [markdown]
# ## The runs behind the indices
#
# Each row of the `summary` output is one run: the parameter values of its
# point and the metrics.

# %%
runs = load_results(out, "summary")
runs[["behaviour__w_ties", "behaviour__w_open", *outputs]]

# %% [markdown]
# ## Reading the indices
#
# A parameter far from the origin on the `mu_star` axis matters; one high on
# `sigma` relative to `mu_star` acts non-linearly or through interactions.

# %%
fig, axes = plt.subplots(1, len(outputs), figsize=(10, 3.5))
for ax, output in zip(axes, outputs, strict=True):
    d = indices[indices["output"] == output]
    ax.scatter(d["mu_star"], d["sigma"])
    for _, row in d.iterrows():
        ax.annotate(row["parameter"].removeprefix("behaviour."), (row["mu_star"], row["sigma"]))
    ax.set_xlabel("mu_star")
    ax.set_ylabel("sigma")
    ax.set_title(output)
fig.tight_layout()
plt.show()
