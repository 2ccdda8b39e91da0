"""The documentation site: the model description agrees with the code, and the site builds.

* Every scenario parameter (every field of the dataclasses in
  ``ecosim.inputs.params`` and of ``Scenario`` and its records) is described in
  its docstring, listed in a generated table of the model pages, attached to a
  submodel, and named in the model's prose.
* Every ODD+D element is a heading of the model description.
* The code of the how-to pages runs as written.
* ``mkdocs build --strict`` builds the site from the working tree with no
  warning, running every tutorial; a failing tutorial cell fails the build.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ecosim.inputs import params, scenario
from ecosim.outputs.metrics import CITY_METRICS
from ecosim.state.agents import AGENT_CLASSES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MODEL_PAGES = sorted((DOCS / "model").glob("*.md"))
BIN = Path(sys.executable).parent


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "tools" / "docs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _hooks()

#: Scenario sections whose fields are model parameters: each must sit in a submodel.
PARAMETER_SECTIONS = {
    "behaviour": params.Behaviour,
    "labour": params.Labour,
    "firms": params.Firms,
    "capital": params.Capital,
    "policy": params.Policy,
    "policy.packages": params.PolicyPackage,
    "ranking": params.Ranking,
}
#: The scenario's top level and its records: described on the ODD and input data pages.
RECORD_SECTIONS = {
    "scenario": scenario.Scenario,
    "cities": scenario.City,
    "institutes": scenario.Institute,
    "factories": scenario.FactoryGroup,
    "investors": scenario.InvestorGroup,
}
#: Bookkeeping fields: where a value comes from, not a parameter of a process.
NOT_A_PROCESS = {"sources", "source"}

#: The ODD protocol's elements (Grimm et al. 2020) and ODD+D's additions (Müller et al. 2013).
ODD_ELEMENTS = [
    "Purpose and patterns", "Entities, state variables and scales",
    "Process overview and scheduling", "Design concepts", "Basic principles", "Emergence",
    "Adaptation", "Objectives", "Learning", "Prediction", "Sensing", "Interaction",
    "Stochasticity", "Collectives", "Observation", "Individual decision-making",
    "Heterogeneity", "Initialisation", "Input data", "Submodels",
]


def _fields(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def _prose(text: str) -> str:
    """A page without its generated-table markers (what a person wrote)."""
    return hooks.MARKER.sub("", text)


def test_the_sections_cover_every_scenario_dataclass():
    covered = {*PARAMETER_SECTIONS.values(), *RECORD_SECTIONS.values()}
    in_params = {getattr(params, n) for n in params.__all__}
    assert in_params <= covered
    assert set(hooks.SECTIONS) == set(PARAMETER_SECTIONS) | set(RECORD_SECTIONS)


@pytest.mark.parametrize("section", [*PARAMETER_SECTIONS, *RECORD_SECTIONS])
def test_every_field_is_described_in_its_docstring(section):
    cls = {**PARAMETER_SECTIONS, **RECORD_SECTIONS}[section]
    docs = hooks.field_docs(section)  # raises on an undescribed or stale field
    assert list(docs) == _fields(cls)
    assert all(len(d.split()) >= 2 for d in docs.values()), docs


def test_every_parameter_is_attached_to_a_submodel():
    text = (DOCS / "model" / "submodels.md").read_text()
    listed: dict[str, set[str]] = {s: set() for s in PARAMETER_SECTIONS}
    for kind, args in hooks.markers(text):
        if kind == "params" and args[0] in listed:
            assert args[1:], f"submodels.md: list the fields of {args[0]} each submodel reads"
            listed[args[0]].update(args[1:])
    for section, cls in PARAMETER_SECTIONS.items():
        missing = set(_fields(cls)) - NOT_A_PROCESS - listed[section]
        assert not missing, f"{section}: parameters in no submodel's table: {sorted(missing)}"


@pytest.mark.parametrize("section", [*PARAMETER_SECTIONS, *RECORD_SECTIONS])
def test_every_field_is_named_in_the_model_prose(section):
    cls = {**PARAMETER_SECTIONS, **RECORD_SECTIONS}[section]
    prose = "\n".join(_prose(p.read_text()) for p in MODEL_PAGES)
    fence = re.compile(r"```[^\n]*\n(.*?)```", re.DOTALL)
    # names in code: equations in fenced blocks, and `inline` code in the text
    in_code = " ".join(fence.findall(prose) + re.findall(r"`([^`\n]+)`", fence.sub("", prose)))
    missing = [f for f in _fields(cls) if f not in NOT_A_PROCESS
               and not re.search(rf"(?<![\w.]){re.escape(f)}(?!\w)|\.{re.escape(f)}(?!\w)",
                                 in_code)]
    assert not missing, f"{section}: fields never named in the model pages' prose: {missing}"


def test_generated_model_pages_show_every_field_with_its_path():
    rendered = "\n".join(hooks.render(p.read_text(), p.name) for p in MODEL_PAGES)
    for section, cls in {**PARAMETER_SECTIONS, **RECORD_SECTIONS}.items():
        prefix = "" if section == "scenario" else f"{section}."
        for f in _fields(cls):
            assert f"`{prefix}{f}`" in rendered, f"{prefix}{f}"
    for agent in AGENT_CLASSES:
        for column in agent.columns:
            assert f"| `{column}` |" in rendered, f"{agent.__name__}.{column}"


def test_every_odd_element_is_a_heading_of_the_model_description():
    text = (DOCS / "model" / "index.md").read_text()
    headings = [re.sub(r"^[\d.]+\s*", "", h).strip()
                for h in re.findall(r"^#{2,4}\s+(.+)$", text, re.MULTILINE)]
    missing = [e for e in ODD_ELEMENTS if e not in headings]
    assert not missing, f"ODD elements without a heading: {missing}; headings: {headings}"
    assert headings.index("Purpose and patterns") < headings.index("Design concepts") \
        < headings.index("Initialisation") < headings.index("Submodels")


def test_every_city_metric_is_in_the_outputs_page():
    rendered = hooks.render((DOCS / "guide" / "outputs.md").read_text())
    for metric in CITY_METRICS:
        assert f"| `{metric}` |" in rendered, metric


def test_a_stale_docstring_stops_the_build_naming_the_field(monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Broken:
        """A section.

        Attributes:
            described: A field.
            removed: A field that no longer exists.
        """

        described: float = 1.0
        undescribed: float = 2.0

    monkeypatch.setitem(hooks.SECTIONS, "broken", (__name__, "Broken", None))
    monkeypatch.setitem(globals(), "Broken", Broken)
    with pytest.raises(hooks.DocsError, match=r"undescribed: \['undescribed'\].*"
                                              r"describing no field: \['removed'\]"):
        hooks.field_docs("broken")
    with pytest.raises(hooks.DocsError, match="unknown field"):
        hooks.render("<!-- ecosim:params firms no_such_parameter -->", "page.md")
    with pytest.raises(hooks.DocsError, match="unknown marker"):
        hooks.render("<!-- ecosim:parameters firms -->", "page.md")


def test_tutorial_links_point_at_built_pages_and_a_missing_one_fails():
    pages = {"tutorials/first_run.py": "tutorials/first_run.html",
             "guide/outputs.md": "guide/outputs.html"}
    html = '<a href="../guide/outputs.md#per-city-metrics">x</a><a href="https://x.org/a.md">y</a>'
    out = hooks.notebook_links(html, "tutorials/first_run.py", pages.get,
                               "tutorials/first_run.html")
    assert 'href="../guide/outputs.html#per-city-metrics"' in out
    assert 'href="https://x.org/a.md"' in out
    with pytest.raises(hooks.DocsError, match="no such page"):
        hooks.notebook_links('<a href="missing.md">x</a>', "tutorials/first_run.py", pages.get,
                             "tutorials/first_run.html")


# --------------------------------------------------------------------------- how-to pages


def _code_blocks(page: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", (DOCS / page).read_text(), re.DOTALL)


def _env(tmp_path: Path) -> dict[str, str]:
    # Kernels defined by a page are cached in a folder of their own.
    return {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "MPLBACKEND": "Agg"}


def test_the_kernel_how_to_runs_and_its_test_passes(tmp_path):
    script = tmp_path / "test_howto_kernel.py"
    script.write_text("\n\n".join(_code_blocks("how-to/kernel.md", "python")))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(script)], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_the_metric_how_to_runs(tmp_path):
    script = tmp_path / "howto_metric.py"
    script.write_text("\n\n".join(_code_blocks("how-to/metric-output.md", "python")))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_scenario_file_how_to_example_is_valid(tmp_path):
    (tmp_path / "busan.toml").write_text(_code_blocks("how-to/scenario-file.md", "toml")[0])
    s = scenario.load_scenario(tmp_path / "busan.toml")
    assert [p.city for p in s.policy.packages] == ["busan"]


# --------------------------------------------------------------------------- the site


def _mkdocs(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "--config-file",
                           str(config), "--site-dir", str(site)], cwd=config.parent, env=env,
                          capture_output=True, text=True, timeout=900)


def test_the_site_builds_strict_with_no_warning_and_every_tutorial_runs(tmp_path):
    site = tmp_path / "site"
    done = _mkdocs(ROOT / "mkdocs.yml", site)
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-6000:]
    assert "WARNING" not in log, [line for line in log.splitlines() if "WARNING" in line]
    assert "Traceback" not in log
    tutorials = sorted((DOCS / "tutorials").glob("*.py"))
    assert len(tutorials) >= 5
    for py in tutorials:
        html = (site / "tutorials" / f"{py.stem}.html").read_text()
        assert html.count("jp-OutputArea-output") >= 3, f"{py.name}: no outputs"
        # no cell wrote to stderr (a warning, a traceback): the CSS mentions the mime
        # type once, as a selector; an output would add an element with it
        assert 'data-mime-type="application/vnd.jupyter.stderr">' not in html, py.name
        assert 'href="' in html and ".md\"" not in html and ".md#" not in html, py.name
    for page in ("model/index.html", "model/submodels.html", "model/parameters.html",
                 "model/input-data.html", "api/model.html", "benchmarks.html"):
        assert (site / page).stat().st_size > 0, page
    api = (site / "api" / "model.html").read_text()
    assert "ecosim.model.EcosystemModel" in api
    params_page = (site / "model" / "parameters.html").read_text()
    assert "firms.traction_speed" in params_page


def test_a_failing_tutorial_cell_fails_the_build(tmp_path):
    """The project's mkdocs-jupyter settings, on a one-page site whose tutorial raises."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    jupyter = next(p["mkdocs-jupyter"] for p in config["plugins"]
                   if isinstance(p, dict) and "mkdocs-jupyter" in p)
    assert jupyter["allow_errors"] is False and jupyter["execute"] is True
    docs = tmp_path / "docs"
    (docs / "tutorials").mkdir(parents=True)
    (docs / "index.md").write_text("# x\n")
    header = (DOCS / "tutorials" / "first_run.py").read_text().split("# %%")[0]
    (docs / "tutorials" / "broken.py").write_text(
        header + '# %%\nprint("before")\n\n# %%\nraise ValueError("a failing cell")\n')
    mini = {"site_name": "t", "docs_dir": "docs", "strict": True,
            "hooks": [str(ROOT / "tools" / "docs_hooks.py")],
            "nav": [{"Home": "index.md"}, {"Broken": "tutorials/broken.py"}],
            "plugins": [{"mkdocs-jupyter": jupyter}]}
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(mini))
    done = _mkdocs(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "a failing cell" in done.stdout + done.stderr
