"""Bulk registration of Mesa agents gives the model the public per-agent path gives.

Every Mesa guarantee the model relies on is compared between the two paths:
``model.agents`` and ``agents_by_type`` (members and order), unique ids,
instance attributes (names, values and order), AgentSet operations, removal,
DataCollector agent and agent-type reporters, ``mesa.batch_run`` rows and the
``agent_added``/``agent_removed`` signals.
"""

import sys

import mesa
import numpy as np
import pandas as pd
import pytest

from ecosim import EcosystemModel
from ecosim.state import mesa_bulk
from ecosim.state.agents import Founder, Startup
from ecosim.state.mesa_bulk import SWITCH, internals_status, register_mode, remove_mode
from ecosim.state.tables import AgentTable


def test_the_installed_mesa_registration_code_is_known():
    ok, why = internals_status()
    assert ok, (f"{why}: the bulk path of ecosim.state.mesa_bulk would not be taken and "
                "agents are registered one at a time (slow). Read the new Mesa's "
                "Agent.__init__/remove, Model.register_agent/deregister_agent and "
                "_HardKeyAgentSet, check the bulk path still reproduces them, run this file "
                "and add the version and digest to KNOWN_INTERNALS.")
    assert register_mode(mesa.Model(rng=1), Founder) == ("bulk", "")


# --------------------------------------------------------------------------- one scenario


class TableModel(mesa.Model):
    """Two agent tables, births and deaths every step, agent reporters collected."""

    def __init__(self, n=300, path="auto", rng=None):
        super().__init__(rng=rng)
        self.people = AgentTable(self, Founder)
        self.firms = AgentTable(self, Startup)
        self.people.registration = self.firms.registration = path
        self._birth(n)
        self.datacollector = mesa.DataCollector(
            model_reporters={"agents": lambda m: len(m.agents)},
            agent_reporters={"city": "city", "row": "row", "twice": lambda a: 2 * a.unique_id},
            agenttype_reporters={Founder: {"skill": "skill"}, Startup: {"cash": "cash_krw"}},
        )
        self.datacollector.collect(self)

    def _birth(self, n):
        g = self.rng
        self.people.add(n, age_months=g.integers(0, 600, n), skill=g.normal(size=n))
        self.firms.add(n // 10, cash_krw=g.random(n // 10) * 1e9)
        self.people.add(n // 3, city=2)

    def step(self):
        self.shuffled = [a.unique_id for a in self.agents.shuffle()]  # draws from model.random
        for table in (self.people, self.firms):
            live = table.live_rows()
            table.remove(live[self.rng.random(live.size) < 0.2])
        self._birth(int(self.rng.integers(0, 200)))
        survivors = list(self.agents)
        for agent in survivors[3:9]:  # the public per-agent removal, on either path's agents
            agent.remove()
        mesa.Agent.remove(survivors[3])  # already removed: nothing happens
        self.datacollector.collect(self)


def fingerprint(model) -> dict:
    """Everything observable about the agent registry, as plain data."""
    agents = list(model.agents)

    def plain(value):
        if value is model:
            return "<model>"
        if isinstance(value, AgentTable):
            return f"<table {value.agent_class.__name__}>"
        return value

    return {
        "counter": model.agent_id_counter,
        "agents": [(type(a).__name__, a.unique_id, [(k, plain(v)) for k, v in vars(a).items()],
                    sys.getsizeof(vars(a))) for a in agents],
        "types": [c.__name__ for c in model.agent_types],
        "by_type": {c.__name__: [a.unique_id for a in s] for c, s in model.agents_by_type.items()},
        "contains": all(a in model.agents and a in model.agents_by_type[type(a)] for a in agents),
        "select": [a.unique_id for a in model.agents.select(at_most=0.1)],
        "select_type": [a.unique_id for a in model.agents.select(agent_type=Startup)],
        "agg": model.agents_by_type[Founder].agg("age_months", [min, max, sum, len]),
        "groupby": model.agents_by_type[Founder].groupby("city").count(),
        "get": model.agents.get(["unique_id", "row"]),
        "getitem": [model.agents[i].unique_id for i in (0, -1)],
        "shuffled": model.shuffled,
        "random": model.random.getstate(),
        "rng": str(model.rng.bit_generator.state),
        "tables": [(t[c][t.alive].tolist(), t.row_of_uid.tolist()) for t in (model.people,
                                                                           model.firms)
                   for c in ("uid", "age_months" if t is model.people else "cash_krw")],
    }


def frames(model) -> list[pd.DataFrame]:
    dc = model.datacollector
    return [dc.get_model_vars_dataframe(), dc.get_agent_vars_dataframe(),
            dc.get_agenttype_vars_dataframe(Founder), dc.get_agenttype_vars_dataframe(Startup)]


def run(path, seed=3, steps=4, observe=False):
    log = []
    model = TableModel(path=path, rng=seed)
    if observe:
        def record(message):
            agent = message.additional_kwargs["args"][0]
            log.append((str(message.signal_type), agent.unique_id, agent.row,
                        len(model.agents)))

        for signal in ("agent_added", "agent_removed"):
            model.observe("agents", signal, record)
    for _ in range(steps):
        model.step()
    return model, log


def assert_same_models(a, b):
    fa, fb = fingerprint(a), fingerprint(b)
    assert fa.keys() == fb.keys()
    for key in fa:
        assert fa[key] == fb[key], f"{key} differs between the paths"
    for x, y in zip(frames(a), frames(b), strict=True):
        pd.testing.assert_frame_equal(x, y)


@pytest.mark.parametrize("seed", [3, 4])
def test_bulk_and_public_paths_give_identical_models(seed):
    bulk, _ = run("auto", seed)
    assert register_mode(bulk, Founder)[0] == "bulk"
    public, _ = run("public", seed)
    assert_same_models(bulk, public)
    assert len(bulk.agents) > 300 and bulk.agent_id_counter > len(bulk.agents)


def test_the_per_agent_path_gives_the_same_model_too():
    assert_same_models(run("per_agent")[0], run("public")[0])


def test_signal_subscribers_see_every_agent_as_on_the_public_path():
    observed, log = run("auto", observe=True)
    assert register_mode(observed, Founder)[0] == "per_agent"
    assert remove_mode(observed, [Founder])[0] == "per_agent"
    public, public_log = run("public", observe=True)
    assert_same_models(observed, public)
    assert log == public_log and len(log) > 500
    added = [e for e in log if e[0] == "agent_added"]
    assert all(uid is not None for _, uid, _, _ in added)


def test_an_unknown_mesa_version_falls_back_to_the_public_path(monkeypatch):
    monkeypatch.setattr(mesa, "__version__", "9.9.9")
    internals_status.cache_clear()
    try:
        model = mesa.Model(rng=1)
        mode, why = register_mode(model, Founder)
        assert mode == "public" and "9.9.9" in why
        with pytest.raises(RuntimeError, match="not possible"):
            mesa_bulk.register_many(model, Founder, 3, None, Founder, path="bulk")
        assert_same_models(run("auto")[0], run("public")[0])
    finally:
        monkeypatch.undo()
        internals_status.cache_clear()
    assert internals_status()[0]


def test_the_switch_forces_the_public_path(monkeypatch):
    monkeypatch.setenv(SWITCH, "0")
    assert register_mode(mesa.Model(rng=1), Founder)[0] == "public"


def test_classes_and_models_the_bulk_path_cannot_reproduce_are_refused():
    class Hashed(Founder):
        def __hash__(self):
            return 1

    class OwnRegistry(mesa.Model):
        def register_agent(self, agent):
            super().register_agent(agent)

    assert register_mode(mesa.Model(rng=1), Hashed)[0] == "public"
    assert register_mode(OwnRegistry(rng=1), Founder)[0] == "public"
    model = mesa.Model(rng=1)
    with model.batch():
        assert register_mode(model, Founder)[0] == "per_agent"
    with model.suppress():
        assert register_mode(model, Founder)[0] == "bulk"


def test_init_that_creates_agents_is_refused_and_registers_nothing():
    model = mesa.Model(rng=1)

    def init(agent, k):
        mesa.Agent(model)

    with pytest.raises(RuntimeError, match="init created agents"):
        mesa_bulk.register_many(model, Founder, 300, init, Founder, path="bulk")
    assert all(type(a) is mesa.Agent for a in model.agents)


# --------------------------------------------------------------------------- the model


def test_batch_run_rows_are_identical_on_both_paths():
    rows = mesa.batch_run(TableModel, parameters={"n": [200], "path": ["auto", "public"]},
                          rng=[1, 2], max_steps=3, data_collection_period=1,
                          number_processes=1, display_progress=False)
    by_path = {}
    for row in rows:
        row = dict(row)
        by_path.setdefault(row.pop("path"), []).append(row)
        row.pop("RunId")
    assert len(by_path["auto"]) == len(by_path["public"]) > 1000
    for a, b in zip(by_path["auto"], by_path["public"], strict=True):
        assert a.keys() == b.keys()
        assert all(a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]) for k in a)


def test_the_model_is_identical_with_and_without_bulk_registration(monkeypatch):
    bulk = EcosystemModel("startup_city", rng=5, scale=0.004, months=14).run()
    monkeypatch.setenv(SWITCH, "0")
    public = EcosystemModel("startup_city", rng=5, scale=0.004, months=14).run()
    assert register_mode(public, Founder)[0] == "public"
    assert bulk.agent_id_counter == public.agent_id_counter
    assert [(type(a), a.unique_id, a.row) for a in bulk.agents] == \
        [(type(a), a.unique_id, a.row) for a in public.agents]
    for cls, s in bulk.agents_by_type.items():
        assert [a.unique_id for a in s] == [a.unique_id for a in public.agents_by_type[cls]]
    pd.testing.assert_frame_equal(bulk.city_frame(), public.city_frame())
    for table in bulk.population:
        other = public.population[table.agent_class]
        for column in table.dtypes:
            assert np.array_equal(table[column][table.alive], other[column][other.alive])
