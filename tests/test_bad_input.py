"""Every bad input is one clear error: a property test over scenario files, overrides and
experiment files (valid and invalid), and the model's own arguments.

The property: loading either gives a scenario the model builds, or raises exactly a
``ScenarioError`` (``ExperimentError`` for experiment files) that names the field,
the value and what is allowed, on one line; never another exception.
"""

from __future__ import annotations

import copy
import math
import os

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ecosim import EcosystemModel
from ecosim.experiments.design import Experiment, ExperimentError
from ecosim.inputs.memory import estimate_agents
from ecosim.inputs.scenario import ScenarioError, load_scenario, to_dict
from ecosim.inputs.validation import ArgumentError, InputError, ScenarioFileError, printable

#: The base every generated scenario starts from: Korea (every section, policy packages
#: included) at a tiny scale and a short run, so that valid cases build quickly.
BASE = to_dict(load_scenario("startup_city", scale=0.001, months=2))
#: Largest world the property test builds (agents at the start); larger valid ones are
#: only loaded, to keep the test quick.
BUILD_LIMIT = 30_000

#: ECOSIM_FUZZ_EXAMPLES=5000 explores further, with fresh random examples each time.
DEEP = int(os.environ.get("ECOSIM_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=DEEP or 120, deadline=None, derandomize=not DEEP,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _paths(node, prefix=()):
    """Every path into ``node``: keys of tables, indices of lists."""
    out = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return out
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


PATHS = _paths(BASE)


def _at(node, path):
    for key in path:
        node = node[key]
    return node


def _dotted(path) -> str:
    """A dotted override path: records in lists by name when they have one."""
    out, node = [], BASE
    for key in path:
        child = node[key]
        if isinstance(node, list) and isinstance(child, dict) and isinstance(child.get("name"),
                                                                             str):
            out.append(child["name"])
        else:
            out.append(str(key))
        node = child
    return ".".join(out)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-308, 0.0, -0.0, 0.5]),
    st.text(max_size=6),
    st.sampled_from(["", "seoul_capital", "daejeon", "vc", "ai", "est.", "korea"]),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=5), SCALARS, max_size=3),
)


@st.composite
def mutated(draw, allow_none: bool = True):
    """A copy of BASE with 1-3 changes: a value replaced (by anything, or the same
    value scaled), a key removed, or an unknown key added."""
    raw = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["set", "scale", "delete", "add"]))
        path = draw(st.sampled_from(PATHS))
        try:
            parent, key = _at(raw, path[:-1]), path[-1]
            old = parent[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this path
        if kind == "set":
            value = draw(VALUES)
            if value is None and not allow_none:
                kind = "delete"
            else:
                parent[key] = value
        if kind == "scale":
            if isinstance(old, int | float) and not isinstance(old, bool):
                factor = draw(st.sampled_from([0, -1, 0.5, 2, 1e3, 1e6, 1e300, math.nan]))
                parent[key] = old * factor
            else:
                kind = "delete"
        if kind == "delete":
            if isinstance(parent, list):
                parent.pop(key)
            else:
                del parent[key]
        if kind == "add":
            target = old if isinstance(old, dict) else parent if isinstance(parent, dict) else raw
            target[draw(st.text(min_size=1, max_size=6))] = draw(SCALARS.filter(
                lambda v: v is not None or allow_none))
    return raw


def _assert_clear(err: InputError) -> None:
    """The error names the field and what is allowed, on one line."""
    text = str(err)
    assert err.field and err.allowed, text
    assert f"'{printable(err.field)}'" in text and err.allowed in text, text
    assert "\n" not in text, text


def _load_and_build(source, overrides=None) -> str:
    """Load (and build, when small): 'built', 'loaded' or 'rejected'; any other
    exception fails the test."""
    try:
        scenario = load_scenario(source, overrides=overrides)
    except ScenarioError as err:
        assert type(err) in (ScenarioError, ScenarioFileError), repr(err)
        _assert_clear(err)
        return "rejected"
    if estimate_agents(scenario) > BUILD_LIMIT:
        return "loaded"
    try:
        model = EcosystemModel(scenario, rng=0)
    except ScenarioError as err:  # e.g. the world would not fit in memory
        assert type(err) is ScenarioError, repr(err)
        _assert_clear(err)
        return "rejected"
    assert len(model.agents) > 0 or estimate_agents(scenario) < 1
    return "built"


def _nulls_to_deletions(node):
    if isinstance(node, dict):
        return {k: _nulls_to_deletions(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_nulls_to_deletions(v) for v in node if v is not None]
    return node


@st.composite
def scenario_bytes(draw):
    """A scenario file: a mutated scenario as TOML, sometimes with broken syntax or
    a bad encoding."""
    raw = _nulls_to_deletions(draw(mutated(allow_none=False)))
    try:
        text = tomli_w.dumps(raw)
    except (TypeError, ValueError):  # not expressible in TOML (e.g. mixed arrays)
        assume(False)
    damage = draw(st.sampled_from(["none", "none", "syntax", "truncate", "bytes", "utf16",
                                   "latin1"]))
    data = text.encode()
    where = draw(st.integers(0, max(len(data) - 1, 0)))
    if damage == "syntax":
        junk = draw(st.sampled_from(["= =", "[", "]]", '"', "{", "x", "\n[[cities]]\nname = ",
                                     "\x00", "1979-13-45"]))
        data = data[:where] + junk.encode() + data[where:]
    elif damage == "truncate":
        data = data[:where]
    elif damage == "bytes":
        data = data[:where] + draw(st.binary(min_size=1, max_size=3)) + data[where:]
    elif damage == "utf16":
        data = text.encode("utf-16")
    elif damage == "latin1":
        data = text.replace('description = "', 'description = "é').encode("latin-1",
                                                                           errors="replace")
    return data


@FUZZ
@given(data=scenario_bytes())
def test_scenario_files_build_or_fail_with_one_clear_scenario_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.toml"
    path.write_bytes(data)
    _load_and_build(path)


@FUZZ
@given(path=st.one_of(st.sampled_from(PATHS).map(_dotted),
                      st.sampled_from(["", ".", "..", "a..b", "scale.x", "cities.mars.amenity",
                                       "cities.99.amenity", "behaviour", "cities", "__", "x",
                                       "institutes.KAIST.graduates.md"]),
                      st.text(max_size=8)),
       value=VALUES, scale=st.sampled_from([0.001, 0.002]))
def test_overrides_build_or_fail_with_one_clear_scenario_error(path, value, scale):
    _load_and_build("startup_city", {"scale": scale, "months": 2, path: value})


@FUZZ
@given(raw=mutated())
def test_scenario_dicts_build_or_fail_with_one_clear_scenario_error(raw):
    from ecosim.inputs.scenario import from_dict

    try:
        scenario = from_dict(raw)
    except ScenarioError as err:
        assert type(err) is ScenarioError, repr(err)
        _assert_clear(err)
        return
    _load_and_build(scenario)


def test_the_property_sees_every_outcome(tmp_path):
    """The generators reach valid, invalid and built cases (the property is not vacuous)."""
    outcomes = set()

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(raw=mutated())
    def collect(raw):
        from ecosim.inputs.scenario import from_dict

        try:
            outcomes.add(_load_and_build(from_dict(raw)))
        except ScenarioError:
            outcomes.add("rejected")

    collect()
    assert {"built", "rejected"} <= outcomes


# --------------------------------------------------------------------------- experiments

EXPERIMENT = {
    "name": "fuzz",
    "scenarios": ["korea"],
    "replicates": 2,
    "months": 2,
    "scale": 0.001,
    "root_seed": 1,
    "outputs": ["city", "summary"],
    "fixed": {"behaviour.on_the_job_search": 0.015},
    "parameters": {"behaviour.w_ties": [0.0, 0.5]},
    "execution": {"executor": "serial"},
}
EXPERIMENT_PATHS = _paths(EXPERIMENT)


@st.composite
def experiment_dicts(draw):
    raw = copy.deepcopy(EXPERIMENT)
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(EXPERIMENT_PATHS))
        try:
            parent, key = _at(raw, path[:-1]), path[-1]
            parent[key]
        except (KeyError, IndexError, TypeError):
            continue
        kind = draw(st.sampled_from(["set", "delete", "add"]))
        if kind == "set":
            parent[key] = draw(VALUES)
        elif kind == "delete":
            parent.pop(key)
        else:
            target = parent if isinstance(parent, dict) else raw
            target[draw(st.text(min_size=1, max_size=6))] = draw(SCALARS)
    return raw


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(raw=experiment_dicts())
def test_experiment_declarations_are_valid_or_one_clear_experiment_error(raw):
    try:
        Experiment.from_dict(raw).validate()
    except ExperimentError as err:
        _assert_clear(err)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=experiment_dicts(), damage=st.sampled_from(["none", "syntax", "bytes", "utf16"]),
       where=st.integers(0, 400))
def test_experiment_files_are_valid_or_one_clear_experiment_error(tmp_path, raw, damage,
                                                                   where):
    try:
        data = tomli_w.dumps(_nulls_to_deletions(raw)).encode()
    except (TypeError, ValueError):
        assume(False)
    where = min(where, len(data))
    if damage == "syntax":
        data = data[:where] + b"= = [" + data[where:]
    elif damage == "bytes":
        data = data[:where] + b"\xff\xfe" + data[where:]
    elif damage == "utf16":
        data = data.decode().encode("utf-16")
    path = tmp_path / "experiment.toml"
    path.write_bytes(data)
    try:
        Experiment.from_toml(path)
    except ExperimentError as err:
        _assert_clear(err)
        if damage != "none":
            assert str(path) in str(err) or err.field != str(path)


# --------------------------------------------------------------------------- fixed cases


def test_toml_syntax_errors_give_file_line_and_column(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nscale = = 2\n')
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(path)
    err = info.value
    assert (err.field, err.line, err.column) == (str(path), 2, 9)
    assert "line 2, column 9" in str(err) and "scale = = 2" in str(err)


def test_non_utf8_files_are_reported_with_the_byte_and_its_place(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes('name = "x"\ndescription = "é"\n'.encode("latin-1"))
    with pytest.raises(ScenarioFileError) as info:
        load_scenario(path)
    assert (info.value.line, info.value.column) == (2, 16)
    assert "UTF-8" in str(info.value) and "0xe9" in str(info.value)


def test_a_folder_is_not_a_scenario_file(tmp_path):
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(ScenarioFileError, match="a TOML file"):
        load_scenario(folder)


def test_extends_naming_no_scenario_is_a_scenario_error(tmp_path):
    path = tmp_path / "child.toml"
    path.write_text('extends = "no_such_scenario"\nmonths = 3\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.field == "extends" and "korea" in info.value.allowed


@pytest.mark.parametrize("rng", ["abc", -1, 1.5, [1, "x"], object(), {"seed": 1}])
def test_bad_seeds_are_argument_errors(rng):
    with pytest.raises(ArgumentError) as info:
        EcosystemModel(scale=0.001, rng=rng)
    assert info.value.field == "rng" and "seed" in info.value.allowed


@pytest.mark.parametrize("rng", [None, 0, 7, np.int64(3), [1, 2], np.random.SeedSequence(4),
                                 np.random.default_rng(5)])
def test_good_seeds_build(rng):
    assert len(EcosystemModel(scale=0.001, months=1, rng=rng).agents) > 0


def test_a_bad_backend_is_an_argument_error():
    with pytest.raises(ArgumentError, match="numba, python"):
        EcosystemModel(scale=0.001, backend="cuda")


@pytest.mark.parametrize("scale", [1e308, 1e6])
def test_a_world_that_cannot_fit_in_memory_is_refused_before_building(scale):
    with pytest.raises(ScenarioError) as info:
        EcosystemModel(scale=scale)
    err = info.value
    assert err.field == "scale" and err.value == scale
    assert "available" in err.allowed and "GB" in err.allowed


def test_overrides_must_be_named_by_strings():
    with pytest.raises(ScenarioError, match="overrides"):
        load_scenario("korea", overrides={3: 1})
