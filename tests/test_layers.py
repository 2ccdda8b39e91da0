"""The package's layers: imports point down only, and phases never import each other."""

import ast
from pathlib import Path

import pytest

import ecosim

PACKAGE = Path(ecosim.__file__).parent

#: Layers from the bottom up; a module may import its own layer and those below.
LAYERS = ("vocab", "inputs", "kernels", "state", "phases", "outputs", "model", "experiments",
          "calibration", "explore", "top")


def layer_of(module: str) -> int:
    """Layer index of an ``ecosim`` module name (``ecosim.state.world`` -> state)."""
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else ""
    return LAYERS.index(head) if head in LAYERS else LAYERS.index("top")


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(p for p in rel.parts if p != "__init__")
        out.append((name, path))
    return out


def imports_of(path: Path) -> set[str]:
    """Every ecosim module a file imports, anywhere in it (functions and type checks too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ecosim")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ecosim"):
            found.add(node.module)
            # ``from ecosim import kernels`` / ``from ecosim.phases import labour``: submodules
            found |= {f"{node.module}.{a.name}" for a in node.names
                      if (PACKAGE.parent / node.module.replace(".", "/") / a.name).exists()
                      or (PACKAGE.parent / f"{node.module.replace('.', '/')}/{a.name}.py").exists()}
    return found


MODULES = modules()


def test_the_walk_sees_every_layer():
    seen = {LAYERS[layer_of(name)] for name, _ in MODULES}
    assert seen == set(LAYERS)


@pytest.mark.parametrize(("name", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down_only(name, path):
    if name == "ecosim":  # the package's own API re-exports from every layer
        return
    mine = layer_of(name)
    upward = sorted(m for m in imports_of(path) if m != "ecosim" and layer_of(m) > mine)
    assert not upward, f"{name} ({LAYERS[mine]}) imports from a higher layer: {upward}"


def test_no_lower_layer_reaches_the_model_outputs_or_experiments():
    lower = ("inputs", "kernels", "state", "phases", "vocab")
    banned = ("ecosim.model", "ecosim.experiments", "ecosim.outputs")
    for name, path in MODULES:
        if LAYERS[layer_of(name)] in lower:
            bad = [m for m in imports_of(path) if m.startswith(banned)]
            assert not bad, f"{name} imports {bad}"


def test_phases_never_import_each_other():
    for name, path in MODULES:
        if name.startswith("ecosim.phases."):
            others = [m for m in imports_of(path)
                      if m.startswith("ecosim.phases") and m not in ("ecosim.phases", name)]
            assert not others, f"{name} imports other phases: {others}"
