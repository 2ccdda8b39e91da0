"""EcosystemModel: building, stepping, Mesa integration, reproducibility."""

import os
import subprocess
import sys

import mesa
import numpy as np
import pandas as pd
import pytest

from ecosim import EcosystemModel, ScenarioError, load_scenario
from ecosim.outputs.metrics import CITY_METRICS
from ecosim.state.agents import AGENT_CLASSES, Factory, Founder, Institute, Investor, Startup
from ecosim.vocab import Degree, Role

SMALL = {"scale": 0.005, "months": 14}  # 14 months: two February and one August ceremony


@pytest.fixture(scope="module")
def run_small():
    return EcosystemModel(rng=7, **SMALL).run()


def test_every_row_is_one_mesa_agent(run_small):
    m = run_small
    for cls in AGENT_CLASSES:
        table = m.population[cls]
        agents = m.agents_by_type[cls]
        assert len(agents) == table.n_alive > 0, cls.__name__
        assert sorted(a.row for a in agents) == table.live_rows().tolist()
    assert len(m.agents) == sum(t.n_alive for t in m.population)


def test_world_is_built_at_scale():
    s = load_scenario(scale=0.01)
    m = EcosystemModel(rng=1, scale=0.01)
    talent = np.bincount(m.population[Founder]["city"], minlength=len(s.cities))
    for c, city in enumerate(s.cities):
        # stochastic rounding of a few groups per city: off by at most one per group
        assert abs(talent[c] - city.talent_stock * 0.01) <= 1 + len(s.institutes), city.name
    assert m.population[Institute].n_alive == len(s.institutes)
    assert m.population[Startup].n_alive == pytest.approx(
        sum(c.venture_firms for c in s.cities) * 0.01, abs=len(s.cities))
    # investors are whole funds, their number rounded stochastically per group;
    # every factory group keeps at least one agent
    n_funds = sum(g.count for g in s.investors) * 0.01
    assert abs(m.population[Investor].n_alive - n_funds) <= len(s.investors)
    assert m.population[Factory].n_alive >= len(s.factories)
    founders = m.population[Founder]
    assert np.count_nonzero(founders["role"] == Role.FOUNDER) == m.population[Startup].n_alive
    # every startup's founder works for it, in its city
    su = m.population[Startup]
    boss = founders["role"] == Role.FOUNDER
    firm_city = dict(zip(su["uid"].tolist(), su["city"].tolist(), strict=True))
    assert all(firm_city[e] == c for e, c in
               zip(founders["employer"][boss].tolist(), founders["city"][boss].tolist(),
                   strict=True))


def test_people_are_conserved_per_city(run_small):
    f = run_small.city_frame()
    flows = ["graduates", "inflow", "outflow", "retirements", "emigrations", "career_exits"]
    wide = f.pivot(index="month", columns="city", values=["talent", *flows])
    change = wide["talent"].diff().iloc[1:]
    expected = (wide["graduates"] + wide["inflow"] - wide["outflow"] - wide["retirements"]
                - wide["emigrations"] - wide["career_exits"]).iloc[1:]
    pd.testing.assert_frame_equal(change, expected.astype(change.dtypes.iloc[0]))
    # the monthly flow matrix adds up to the inflows and outflows
    moves = run_small.flow_matrix()
    last = f.groupby("city", observed=True)[["inflow", "outflow"]].sum()
    np.testing.assert_array_equal(moves.sum(axis=0).to_numpy(), last["inflow"].to_numpy())
    np.testing.assert_array_equal(moves.sum(axis=1).to_numpy(), last["outflow"].to_numpy())


def test_every_person_has_exactly_one_role_and_a_live_employer(run_small):
    m = run_small
    people = m.population[Founder]
    role = people["role"][people.alive]
    employer = people["employer"][people.alive]
    assert set(np.unique(role)) <= {int(r) for r in Role}
    assert np.all((employer >= 0) == (role != Role.SEARCHING))
    employed_by = {
        Role.FOUNDER: Startup, Role.STARTUP_EMPLOYEE: Startup,
        Role.CORPORATE_EMPLOYEE: Factory, Role.RESEARCHER: Institute,
    }
    for r, cls in employed_by.items():
        rows = m.population[cls].rows_of(employer[role == r])
        assert np.all(rows >= 0), f"{r.name} with an employer that is not a live {cls.__name__}"
    # staff counts are the people who work there
    fac = m.population[Factory]
    assert fac["staff"][fac.alive].sum() == np.count_nonzero(role == Role.CORPORATE_EMPLOYEE)


def test_startups_are_founded_and_end_and_the_stock_adds_up(run_small):
    m = run_small
    f = m.city_frame()
    assert f["foundings"].sum() > 0 and f["deaths"].sum() > 0
    assert (f["foundings"] == f["would_found"]).all()  # everyone who chose to found did
    events = f.pivot(index="month", columns="city",
                     values=["startups", "foundings", "deaths", "exits", "matured",
                             "relocations_in", "relocations_out"])
    change = events["startups"].diff().iloc[1:]
    expected = (events["foundings"] - events["deaths"] - events["exits"] - events["matured"]
                + events["relocations_in"] - events["relocations_out"]).iloc[1:]
    pd.testing.assert_frame_equal(change, expected.astype(change.dtypes.iloc[0]))
    # startups founded during the run have founders (unless all have since retired,
    # emigrated or left technical work, which happens to a few)
    su, people = m.population[Startup], m.population[Founder]
    new = su.alive & (su["founded_month"] > 0)
    assert new.any()
    assert np.mean(su["founders"][new] >= 1) > 0.9
    founders = people.alive & (people["role"] == Role.FOUNDER)
    assert set(people["employer"][founders]) <= set(su["uid"][su.alive])


def test_graduates_appear_in_ceremony_months_at_their_institute(run_small):
    m = run_small
    f = m.city_frame()
    by_month = f.groupby("month")["graduates"].sum()
    # January 2020 is month 1; ceremonies are in February (2, 14) and August (8)
    assert set(by_month[by_month > 0].index) == {2, 8, 14}
    people = m.population[Founder]
    kaist = m.spec.institutes.index(next(i for i in m.spec.institutes if i.name == "KAIST"))
    grads = people.alive & (people["alma_mater"] == kaist)
    assert grads.any()
    assert np.all(people["home_city"][grads] == m.cities.index("daejeon"))
    assert set(np.unique(people["degree"][grads])) <= {Degree.BS, Degree.MS, Degree.PHD}
    # graduates who found no position are still searching where they graduated
    idle = grads & (people["role"] == Role.SEARCHING)
    assert np.all(people["city"][idle] == m.cities.index("daejeon"))


def test_only_people_past_retirement_age_retire():
    m = EcosystemModel(rng=3, scale=0.005, behaviour__retirement_hazard=1.0,
                       behaviour__emigration_hazard=0.0, behaviour__exit_hazard=0.0)
    people = m.population[Founder]
    threshold = round(m.spec.behaviour.retirement_age * 12)
    eligible = int(np.count_nonzero(people.alive & (people["age_months"] + 1 >= threshold)))
    m.step()
    assert m.last_metrics["retirements"].sum() == eligible
    assert np.all(people["age_months"][people.alive] < threshold)


def test_same_seed_same_city_frame_and_different_seed_differs():
    a = EcosystemModel(rng=11, **SMALL).run().city_frame()
    b = EcosystemModel(rng=11, **SMALL).run().city_frame()
    c = EcosystemModel(rng=12, **SMALL).run().city_frame()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_python_backend_reproduces_numba_backend():
    a = EcosystemModel(rng=5, backend="numba", **SMALL).run()
    b = EcosystemModel(rng=5, backend="python", **SMALL).run()
    pd.testing.assert_frame_equal(a.city_frame(), b.city_frame())
    pd.testing.assert_frame_equal(a.flow_frame(), b.flow_frame())
    pd.testing.assert_frame_equal(a.retention_frame(), b.retention_frame())
    assert a.flow_frame()["movers"].sum() > 0


_DIGEST = """
import hashlib, sys
from ecosim import EcosystemModel
m = EcosystemModel(rng=9, scale=0.005, months=14).run()
frames = m.city_frame().to_csv() + m.flow_frame().to_csv() + m.retention_frame().to_csv()
print(hashlib.sha256(frames.encode()).hexdigest())
"""


def test_results_do_not_depend_on_thread_count():
    digests = []
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", _DIGEST], env=env, check=True,
                             capture_output=True, text=True)
        digests.append(out.stdout.strip())
    assert digests[0] == digests[1]
    assert len(digests[0]) == 64


def test_datacollector_agent_reporters_read_the_views(run_small):
    m = run_small
    dc = mesa.DataCollector(agenttype_reporters={Founder: {"age": "age_months", "city": "city"}})
    dc.collect(m)
    got = dc.get_agenttype_vars_dataframe(Founder)
    people = m.population[Founder]
    assert len(got) == people.n_alive
    want = dict(zip(people["uid"][people.alive].tolist(),
                    people["age_months"][people.alive].tolist(), strict=True))
    assert dict(zip(got.index.get_level_values("AgentID"), got["age"], strict=True)) == want


def test_city_frame_is_tidy(run_small):
    f = run_small.city_frame()
    assert list(f.columns) == ["month", "date", "city", *CITY_METRICS]
    assert len(f) == (SMALL["months"] + 1) * len(run_small.cities)
    assert f.loc[f["month"] == 1, "date"].unique().tolist() == ["2020-01"]
    assert f.loc[f["month"] == 0, "date"].unique().tolist() == ["2019-12"]
    assert not f.duplicated(["month", "city"]).any()


def test_two_live_models_are_independent():
    a = EcosystemModel(rng=1, scale=0.02)  # large enough to hold a fund of each kind
    before = a.population[Founder]["age_months"].copy()
    b = EcosystemModel(rng=2, scale=0.01)
    b.run(3)
    np.testing.assert_array_equal(a.population[Founder]["age_months"], before)
    assert {type(x).__name__ for x in a.agents} == {c.__name__ for c in AGENT_CLASSES}
    assert all(x.model is a for x in a.agents)
    assert len(a.agents) != len(b.agents)


def test_mesa_batch_run_passes_scenario_fields_as_keywords():
    results = mesa.batch_run(
        EcosystemModel,
        parameters={"scale": 0.002, "behaviour__retirement_hazard": [0.0, 1.0]},
        rng=[1],
        max_steps=2,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert set(df["behaviour__retirement_hazard"]) == {0.0, 1.0}
    last = df[df["Step"] == 2].set_index("behaviour__retirement_hazard")
    assert last.loc[0.0, "retirements:seoul"] == 0
    assert last.loc[1.0, "retirements:seoul"] > 0


def test_bad_arguments_fail_before_building():
    with pytest.raises(ValueError, match="backend = 'gpu'"):
        EcosystemModel(backend="gpu", scale=0.001)
    with pytest.raises(ScenarioError, match=r"behaviour\.retirement_hazard"):
        EcosystemModel(scale=0.001, behaviour__retirement_hazard=-1)
    with pytest.raises(ScenarioError, match="'colour'"):
        EcosystemModel(scale=0.001, colour="red")


def test_full_scale_korea_builds():
    m = EcosystemModel(rng=0, scale=1.0)
    s = m.spec
    assert m.population[Founder].n_alive == pytest.approx(
        sum(c.talent_stock for c in s.cities), abs=len(s.cities) * (2 + len(s.institutes)))
    assert m.population[Startup].n_alive == pytest.approx(39_511, abs=len(s.cities))
    assert m.population[Investor].n_alive == sum(i.count for i in s.investors)
    assert m.capital_share("startups") == pytest.approx(0.599, abs=0.001)  # 2020
