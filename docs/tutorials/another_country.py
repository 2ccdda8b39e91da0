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
# # Describing another country
#
# Nothing in ecosim is Korean except the packaged data: a country is a
# scenario file. This page writes one from scratch for a made-up country of
# three cities, checks it, runs it, and shows what a mistake in the file looks
# like. Every number in it is invented for the example (`source = "est."`);
# for a real country each record would cite where its figures come from, as the
# packaged `korea.toml` does ([Input data](../model/input-data.md)).
# [Write a scenario file](../how-to/scenario-file.md) is the reference for the
# format.

# %%
import tempfile
from pathlib import Path

from ecosim import EcosystemModel, ScenarioError, load_scenario
from ecosim.inputs.worlds import symmetric_world

# %% [markdown]
# ## The file
#
# The top-level fields say when the run starts, for how long, at what scale,
# which sectors exist and which cities form the capital region. Then one table
# per city, institute, factory group and investor group, and a travel-time
# matrix. The parameter sections (`[behaviour]`, `[labour]`, `[firms]`,
# `[capital]`) may be empty: every parameter has a default
# ([Parameters](../model/parameters.md)); here two weights are changed.
# Without a `[policy]` there is no policy. `[ranking]` must name the country as
# StartupBlink does (`country`); world ranks also need its cities' published
# names and the cities to rank (`published_names`, `ranked_cities`), so that
# the index's published ranks can anchor the scores. This made-up country has
# no published ranks, so none of its cities is ranked.

# %%
scenario_toml = """
name = "examplia"
description = "A made-up country of three cities (every figure est., for the tutorial)"
start_year = 2024
start_month = 1
months = 24
scale = 0.01
sectors = ["software", "hardware", "bio"]
capital_region = ["capital"]

[startup_stage_shares]
pre_seed = 0.6
seed = 0.25
series_a = 0.1
series_b = 0.03
series_c_plus = 0.02

[[cities]]
name = "capital"
label = "The capital"
population = 3000000
lat = 50.0
lon = 10.0
talent_stock = 150000
venture_firms = 3000
amenity = 0.8
cost_of_living = 1.0
sector_shares = { software = 0.5, hardware = 0.3, bio = 0.2 }
support_organisations = 40
source = "est."

[[cities]]
name = "port"
label = "The port city"
population = 1000000
lat = 49.0
lon = 12.0
talent_stock = 40000
venture_firms = 600
amenity = 0.6
cost_of_living = 0.8
sector_shares = { software = 0.3, hardware = 0.6, bio = 0.1 }
source = "est."

[[cities]]
name = "college_town"
label = "A university town"
population = 300000
lat = 51.0
lon = 11.5
talent_stock = 20000
venture_firms = 300
amenity = 0.7
cost_of_living = 0.75
sector_shares = { software = 0.4, hardware = 0.2, bio = 0.4 }
source = "est."

[[institutes]]
name = "tech_university"
city = "college_town"
kind = "institute"
graduates = { bs = 2000, ms = 800, phd = 150 }
ceremony_months = [2, 8]
researchers = 1500
sector_shares = { software = 0.4, hardware = 0.3, bio = 0.3 }
source = "est."

[[institutes]]
name = "capital_university"
city = "capital"
kind = "university"
graduates = { bs = 5000, ms = 1500, phd = 200 }
ceremony_months = [2]
researchers = 2000
sector_shares = { software = 0.5, hardware = 0.2, bio = 0.3 }
source = "est."

[[factories]]
city = "port"
industry = "shipbuilding"
count = 10
employees = 2000
engineers = 200
sectors = ["hardware", "software"]
source = "est."

[[investors]]
city = "capital"
kind = "vc"
count = 30
fund_size_krw = 50e9
source = "est. (money is in KRW, the model's currency)"

[[investors]]
city = "college_town"
kind = "regional_fund"
count = 2
fund_size_krw = 20e9
source = "est."

[behaviour]
w_ties = 0.7
w_home = 1.0

[labour]
[firms]
[capital]

[ranking]
country = "Examplia"   # the index's name of the country; no city of it is ranked

[travel_time_hours.capital]
capital = 0.0
port = 2.0
college_town = 1.5
[travel_time_hours.port]
capital = 2.0
port = 0.0
college_town = 3.0
[travel_time_hours.college_town]
capital = 1.5
port = 3.0
college_town = 0.0
"""
scratch = tempfile.TemporaryDirectory(prefix="ecosim-docs-")  # removed when the kernel exits
folder = Path(scratch.name)
path = folder / "examplia.toml"
path.write_text(scenario_toml, encoding="utf-8")
print(f"wrote {path.name}: {len(scenario_toml.splitlines())} lines")

# %% [markdown]
# ## Check it
#
# `load_scenario` reads the file into typed, frozen dataclasses and validates
# every field (`ecosim validate examplia.toml` does the same from the shell).
# Distances come from the coordinates, as no `distance_km` matrix is given.

# %%
spec = load_scenario(path)
print(f"{spec.name}: {len(spec.cities)} cities, {len(spec.institutes)} institutes, "
      f"{len(spec.factories)} factory groups, {len(spec.investors)} investor groups")
print("distances (km):")
print(spec.distance_matrix().round(0))
print(f"w_ties = {spec.behaviour.w_ties} (set in the file), "
      f"w_open = {spec.behaviour.w_open} (the default)")

# %% [markdown]
# ## A mistake, and what it says
#
# A bad value raises `ScenarioError` naming the field, the value and what is
# allowed; nothing is built. Three examples: a city that does not exist, a
# probability above one, and a misspelt parameter.

# %%
for overrides in ({"institutes.tech_university.city": "atlantis"},
                  {"behaviour.retirement_hazard": 1.5},
                  {"behaviour.w_tie": 0.2}):
    try:
        load_scenario(path, overrides=overrides)
    except ScenarioError as err:
        print(err)

# %% [markdown]
# ## Run it
#
# The file is a scenario like any packaged one: give its path to
# `EcosystemModel`, `ecosim simulate --scenario examplia.toml`, or an
# experiment's `scenarios`.

# %%
model = EcosystemModel(path, rng=1)
model.run()
frame = model.city_frame()
last = frame[frame["month"] == model.month].set_index("city")
print(f"{model.month} months at scale {spec.scale}")
last[["talent", "startups", "foundings", "investors"]]

# %%
model.flow_matrix().rename_axis(index="from", columns="to")

# %% [markdown]
# ## Variants without a file
#
# `extends = "examplia.toml"` at the top of another file changes only what
# differs (tables merge key by key). In code, `replace` and `with_overrides`
# return validated copies, and `symmetric_world` builds identical cities at
# equal distances, the model's null case (any city pulling ahead there comes
# from noise or from feedback amplifying it).

# %%
longer = spec.with_overrides({"months": 36, "cities.port.amenity": 0.7})
print(longer.months, longer.cities[1].amenity)
sym = symmetric_world(3, scale=0.005, months=12)
print(sym.name, [c.name for c in sym.cities], sym.cities[0].talent_stock)
