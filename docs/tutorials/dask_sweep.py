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
# # A sweep on Dask
#
# An experiment is declared once (`ecosim.experiments.Experiment`) and run by
# any executor: `serial`, `processes` or `dask`, with the same results. This
# page starts a Dask cluster of two worker processes on this machine
# (127.0.0.1 only), runs a two-point sweep on it, reads the results back and
# checks them against the same experiment run serially. The runs are tiny
# (scale 0.002, six months) so that the page builds in seconds; the numbers are
# there to show where they come from, not to be read as findings.
#
# The [Experiments guide](../guide/experiments.md) covers declarations, seeds,
# resuming and failures; [Run on a Dask cluster](../how-to/dask-cluster.md)
# covers clusters that span machines.

# %%
import tempfile
from pathlib import Path

import pandas as pd
from distributed import Client, LocalCluster

from ecosim.experiments import Experiment, load_results, run_experiment

# %% [markdown]
# ## Declare the sweep
#
# One scenario, one parameter with two values (a grid point each), one
# replicate per point. Parameters are scenario paths, with dots (or `__`).

# %%
experiment = Experiment(
    name="ties_on_dask",
    scenarios=["korea"],
    parameters={"behaviour.w_ties": [0.0, 1.0]},
    replicates=1,
    months=6,
    scale=0.002,
    root_seed=7,
    outputs=["city", "summary"],
)
tasks, table = experiment.plan  # the runs, and the design table
table[["run_id", "scenario", "replicate", "seed", "behaviour__w_ties"]]

# %% [markdown]
# ## Start a cluster and run
#
# `LocalCluster` on 127.0.0.1: two worker processes with one thread each (a
# worker runs one model at a time). Passing the `Client` as `scheduler` makes
# `run_experiment` use this cluster; each worker first loads every kernel from
# Numba's disk cache (a warm-up, once per worker, never per run). With a
# cluster of several machines you would pass its address instead,
# `scheduler="tcp://host:8786"`.

# %%
scratch = tempfile.TemporaryDirectory(prefix="ecosim-docs-")  # removed when the kernel exits
workdir = Path(scratch.name)
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       host="127.0.0.1", dashboard_address="127.0.0.1:0")
client = Client(cluster)
print(f"{len(client.scheduler_info(n_workers=-1)['workers'])} workers; "
      f"dashboard at {client.dashboard_link}")

summary = run_experiment(experiment, workdir / "dask", executor="dask", scheduler=client,
                         progress=False)
print(summary)

# %%
client.close()
cluster.close()

# %% [markdown]
# ## Read the results
#
# Every run wrote its own Parquet files as it finished (`city/<run_id>.parquet`,
# `summary/<run_id>.parquet`, and a completion marker under `runs/`).
# `load_results` reads one output of every run as one tidy frame: each row
# starts with the run's id, scenario, replicate, seed and parameters.

# %%
print(sorted(p.name for p in (workdir / "dask").iterdir()))
summary_rows = load_results(workdir / "dask", "summary")
summary_rows[["behaviour__w_ties", "seed", "capital_share_talent", "capital_net_inflow",
              "talent"]]

# %%
city = load_results(workdir / "dask", "city")
final = city[city["month"] == city["month"].max()]
final.pivot_table(index="city", columns="behaviour__w_ties", values="talent",
                  observed=True)

# %% [markdown]
# ## The same results on every executor
#
# The same experiment, run serially in this process, gives the same numbers:
# each run's seed and overrides are part of its description, and draws inside
# kernels are keyed by (seed, month, phase, agent), not by where or in which
# order runs execute.

# %%
run_experiment(experiment, workdir / "serial", executor="serial", progress=False)
serial_rows = load_results(workdir / "serial", "summary")
columns = ["capital_share_talent", "capital_net_inflow", "talent"]
pd.testing.assert_frame_equal(summary_rows[columns], serial_rows[columns])
print("dask and serial summaries are identical")

# %% [markdown]
# Run the same experiment again on the same folder and nothing runs: the runs
# on disk are skipped (resume).

# %%
again = run_experiment(experiment, workdir / "serial", executor="serial", progress=False)
print(f"skipped {again.skipped}, executed {again.executed}")

# %% [markdown]
# The results were written to a scratch folder; remove it.

# %%
scratch.cleanup()
print(f"removed: {not workdir.exists()}")
