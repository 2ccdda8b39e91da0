"""One vocabulary: scenario-file names, enums and the kernels' comparisons cannot disagree."""

import ast
import inspect
from pathlib import Path

import pytest

import ecosim.kernels
from ecosim import load_scenario, vocab
from ecosim.inputs import validation
from ecosim.vocab import (
    ACTIONS,
    DEGREES,
    INSTITUTE_KINDS,
    INVESTOR_KINDS,
    LEVERS,
    ROUND_STAGES,
    STAGES,
    Action,
    Degree,
    InstituteKind,
    InvestorKind,
    Lever,
    Stage,
)

KERNEL_FILES = sorted(Path(ecosim.kernels.__file__).parent.glob("*.py"))


@pytest.mark.parametrize(("names", "enum"), [
    (ACTIONS, Action), (DEGREES, Degree), (STAGES, Stage), (INSTITUTE_KINDS, InstituteKind),
    (INVESTOR_KINDS, InvestorKind), (LEVERS, Lever),
])
def test_file_names_are_the_enum_members_in_value_order(names, enum):
    members = sorted((m for m in enum if m >= 0), key=int)
    assert names == tuple(m.name.lower() for m in members)
    assert [int(m) for m in members] == list(range(len(members)))  # names index by value


def test_round_stages_are_the_stages_a_round_leads_to():
    assert ROUND_STAGES == STAGES[Stage.SEED:]
    assert ROUND_STAGES[0] == "seed" and len(ROUND_STAGES) == len(Stage) - 1


def test_validation_and_scenarios_use_the_same_names():
    # validation reads its allowed values from the vocabulary, not a copy
    for name in ("ACTIONS", "DEGREES", "STAGES", "ROUND_STAGES", "INSTITUTE_KINDS",
                 "INVESTOR_KINDS", "LEVERS"):
        assert getattr(validation, name) is getattr(vocab, name)
    s = load_scenario("startup_city")
    assert set(s.labour.monthly_wage_krw) == set(ACTIONS)
    assert set(s.behaviour.action_constants) == set(ACTIONS)
    assert set(s.labour.startup_headcount) == set(STAGES)
    assert set(s.capital.bar) == set(ROUND_STAGES)
    assert set(s.capital.stages) == set(INVESTOR_KINDS)
    assert {i.kind for i in s.institutes} <= set(INSTITUTE_KINDS)
    assert {lever for p in s.policy.packages for lever in p.levers} == set(LEVERS)


def _literal_comparisons(path: Path) -> list[str]:
    """Comparisons in a kernel file against an integer literal other than -1, 0 and 1."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                value = operand
                if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub):
                    value = value.operand
                if (isinstance(value, ast.Constant) and type(value.value) is int
                        and value.value not in (0, 1)):
                    bad.append(f"{path.name}:{node.lineno}")
    return bad


def _module_int_constants(path: Path) -> list[str]:
    """Module-level names bound to a bare integer (a second copy of a code)."""
    tree = ast.parse(path.read_text())
    out = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant | ast.Tuple):
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            if values and all(isinstance(v, ast.Constant) and type(v.value) is int
                              for v in values):
                out.append(f"{path.name}:{node.lineno}")
    return out


@pytest.mark.parametrize("path", KERNEL_FILES, ids=[p.name for p in KERNEL_FILES])
def test_kernels_compare_against_the_enums_not_bare_codes(path):
    assert not _literal_comparisons(path)
    assert not _module_int_constants(path)


def test_the_literal_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("STAYS, RETIRES = 0, 1\n\ndef f(a):\n    return a == 3\n")
    assert _literal_comparisons(bad) == ["bad.py:4"]
    assert _module_int_constants(bad) == ["bad.py:1"]


def test_kernel_sources_name_the_enums_they_compare_against():
    from ecosim.kernels import firms, lifecycle, talent

    assert "Outcome.DIES" in inspect.getsource(firms.settle.py_func)
    assert "Stage.SERIES_A" in inspect.getsource(firms.settle.py_func)
    assert "Departure.RETIRES" in inspect.getsource(lifecycle.age_and_depart.py_func)
    assert "Action.FOUND" in inspect.getsource(talent.choose_careers.py_func)
