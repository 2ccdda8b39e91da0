"""Tables and agent views: consistency under random add/remove, independence of models."""

import mesa
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosim.state.agents import Founder, Startup
from ecosim.state.tables import AgentTable, Table

# A sequence of operations: ("add", n) or ("remove", fraction-seed)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, 150)),
        st.tuples(st.just("remove"), st.integers(0, 2**32 - 1)),
    ),
    max_size=25,
)


@given(ops)
def test_table_matches_a_dict_model_under_random_add_remove(operations):
    t = Table({"x": "i8", "y": "f4"}, defaults={"y": -1.0}, capacity=4)
    reference = {}  # row -> x
    counter = 0
    for op, arg in operations:
        if op == "add":
            xs = np.arange(counter, counter + arg)
            counter += arg
            free_before = sorted(set(range(t.size)) - set(reference))
            rows = t.add(arg, x=xs)
            assert len(set(rows.tolist())) == arg
            # reused rows are taken first, lowest first
            assert rows[: len(free_before)].tolist() == free_before[:arg]
            for r, x in zip(rows.tolist(), xs.tolist(), strict=True):
                assert r not in reference
                reference[r] = x
        else:
            live = sorted(reference)
            rng = np.random.default_rng(arg)
            size = rng.integers(0, len(live) + 1)
            drop = rng.choice(live, size=size, replace=False) if live else []
            t.remove(np.asarray(drop, dtype=np.int64))
            for r in np.asarray(drop).tolist():
                del reference[r]
        assert t.n_alive == len(reference)
        assert t.live_rows().tolist() == sorted(reference)
        live = sorted(reference)
        assert [int(t["x"][r]) for r in live] == [reference[r] for r in live]
        assert np.all(t["y"][t.alive] == -1.0)
        assert t.capacity >= t.size


def test_table_rejects_bad_operations():
    t = Table({"x": "i8"})
    rows = t.add(3)
    with pytest.raises(ValueError, match="already dead"):
        t.remove(rows[:1])
        t.remove(rows[:1])
    with pytest.raises(ValueError, match="out of range"):
        t.remove(np.array([10]))
    with pytest.raises(ValueError, match="duplicates"):
        t.remove(np.array([1, 1]))
    with pytest.raises(KeyError, match="no column 'nope'"):
        t.add(1, nope=3)
    with pytest.raises(ValueError, match=r"expected \(2,\)"):
        t.add(2, x=[1, 2, 3])
    with pytest.raises(ValueError, match="reserved"):
        Table({"alive": "?"})


@given(ops)
def test_agent_table_keeps_one_mesa_agent_per_live_row(operations):
    model = mesa.Model(rng=0)
    table = AgentTable(model, Founder, capacity=2)
    for op, arg in operations:
        if op == "add":
            table.add(arg, city=arg % 7, age_months=np.arange(arg))
        else:
            live = table.live_rows()
            rng = np.random.default_rng(arg)
            table.remove(rng.choice(live, size=rng.integers(0, live.size + 1), replace=False))
        agents = model.agents_by_type.get(Founder, [])
        assert len(agents) == table.n_alive
        rows = sorted(a.row for a in agents)
        assert rows == table.live_rows().tolist()
        for a in agents:
            assert a.unique_id == int(table["uid"][a.row])
            assert a.age_months == int(table["age_months"][a.row])


def test_views_read_and_write_their_row_and_return_python_scalars():
    model = mesa.Model(rng=0)
    table = AgentTable(model, Startup)
    rows = table.add(3, city=[0, 1, 2], cash_krw=[1e6, 2e6, 3e6])
    a = table.agent(int(rows[1]))
    assert a.city == 1 and type(a.city) is int
    assert a.cash_krw == 2e6 and type(a.cash_krw) is float
    a.cash_krw = 5.0
    assert table["cash_krw"][rows[1]] == 5.0
    table["city"][rows[1]] = 6  # a kernel writing the array
    assert a.city == 6
    a.remove()
    assert a not in model.agents
    assert table.n_alive == 2
    with pytest.raises(RuntimeError, match="removed"):
        _ = a.city


def test_mesa_agentset_operations_work_on_views():
    model = mesa.Model(rng=0)
    table = AgentTable(model, Founder)
    table.add(10, city=np.arange(10) % 3, age_months=np.arange(10) * 12)
    founders = model.agents_by_type[Founder]
    assert founders.agg("age_months", sum) == sum(range(10)) * 12
    assert len(founders.select(lambda f: f.city == 0)) == 4
    groups = founders.groupby("city")
    assert {k: len(v) for k, v in groups} == {0: 4, 1: 3, 2: 3}
    founders.set("role", 5)
    assert np.all(table["role"][table.alive] == 5)


def test_two_live_models_never_share_state():
    m1, m2 = mesa.Model(rng=1), mesa.Model(rng=2)
    t1, t2 = AgentTable(m1, Founder), AgentTable(m2, Founder)
    t1.add(5, city=1)
    t2.add(3, city=2)
    assert {a.city for a in m1.agents_by_type[Founder]} == {1}
    assert {a.city for a in m2.agents_by_type[Founder]} == {2}
    t2.add(100, city=4)  # growth in m2 must not move m1's arrays
    m1.agents_by_type[Founder][0].city = 3
    assert t2["city"][0] == 2
    assert len(m1.agents) == 5 and len(m2.agents) == 103


def test_column_names_may_not_shadow_mesa_attributes():
    from ecosim.state.tables import TableAgent

    with pytest.raises(TypeError, match="clashes"):

        class Bad(TableAgent):
            columns = {"pos": "i4"}
