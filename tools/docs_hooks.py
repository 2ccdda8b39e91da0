"""MkDocs hook: tables generated from the code and the packaged data, so pages never drift.

mkdocs.yml names this file under ``hooks:``. A page asks for a table with an
HTML comment on a line of its own; :func:`render` replaces it before MkDocs
reads the Markdown:

``<!-- ecosim:params SECTION [FIELD ...] -->``
    The parameters of a scenario section (``behaviour``, ``labour``, ``firms``,
    ``capital``, ``policy``, ``policy.packages``, ``ranking``, ``scenario``
    for the top-level fields, or a record list: ``cities``, ``institutes``,
    ``factories``, ``investors``), all of them or the FIELDs listed: meaning
    (from the dataclass's docstring), default, packaged value and its source
    (from the packaged TOML's ``sources`` tables).
``<!-- ecosim:columns AGENT -->``
    An agent class's state variables (``Founder``, ``Startup``, ...): column,
    type, meaning (from its ``Columns:`` docstring section).
``<!-- ecosim:metrics -->``
    The per-city metrics of ``city_frame()`` (``ecosim.outputs.metrics.CITY_METRICS``).
``<!-- ecosim:scenarios -->``
    The packaged scenarios with their descriptions.
``<!-- ecosim:sources SCENARIO -->``
    The scenario file's top-level ``[sources]`` table.
``<!-- ecosim:records SCENARIO LIST -->``
    The records of a list (``cities``, ...) with their figures and ``source``.

A field the docstring does not describe, a description of a field that no
longer exists, or an unknown section, field or marker stops the build with an
error that names it (``tests/test_docs.py`` runs the same functions).
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

# The tutorials' kernels: nbconvert reads tools/jupyter/jupyter_nbconvert_config.json,
# which asks jupyter_client for CurveZMQ-encrypted kernel sockets (the kernel's
# "running over TCP without encryption" warning otherwise).
os.environ["JUPYTER_CONFIG_DIR"] = str(Path(__file__).resolve().parent / "jupyter")
# The kernels run in docs/tutorials/: a relative PYTHONPATH (`PYTHONPATH=src mkdocs build`)
# would point elsewhere there, and the tutorials would import another ecosim than the build's.
if os.environ.get("PYTHONPATH"):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        str(Path(entry).resolve()) if entry else entry
        for entry in os.environ["PYTHONPATH"].split(os.pathsep))

MARKER = re.compile(r"^<!--[ \t]*ecosim:(\w+)[ \t]*(.*?)[ \t]*-->[ \t]*$", re.MULTILINE)

#: Scenario sections whose fields are parameters, their dataclass, and the
#: packaged scenario whose values the tables show.
SECTIONS = {
    "scenario": ("ecosim.inputs.scenario", "Scenario", "korea"),
    "cities": ("ecosim.inputs.scenario", "City", None),
    "institutes": ("ecosim.inputs.scenario", "Institute", None),
    "factories": ("ecosim.inputs.scenario", "FactoryGroup", None),
    "investors": ("ecosim.inputs.scenario", "InvestorGroup", None),
    "behaviour": ("ecosim.inputs.params", "Behaviour", "korea"),
    "labour": ("ecosim.inputs.params", "Labour", "korea"),
    "firms": ("ecosim.inputs.params", "Firms", "korea"),
    "capital": ("ecosim.inputs.params", "Capital", "korea"),
    "policy": ("ecosim.inputs.params", "Policy", "startup_city"),
    "policy.packages": ("ecosim.inputs.params", "PolicyPackage", None),
    "ranking": ("ecosim.inputs.params", "Ranking", "korea"),
}


class DocsError(ValueError):
    """A generated table cannot be made: the message says what to fix."""


# --------------------------------------------------------------------------- docstrings


def docstring_fields(obj: Any, section: str = "Attributes") -> dict[str, str]:
    """The ``name: description`` entries of a Google-style docstring section.

    Args:
        obj: A class (or anything with a docstring).
        section: The section's title (``Attributes``, ``Columns``).

    Returns:
        Descriptions by name, continuation lines joined, in docstring order.
    """
    doc = inspect.cleandoc(obj.__doc__ or "")
    lines = doc.splitlines()
    try:
        start = lines.index(f"{section}:") + 1
    except ValueError:
        return {}
    out: dict[str, str] = {}
    name = None
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break  # the next section
        entry = re.match(r"^    (\w+):\s*(.*)$", line)
        if entry:
            name = entry.group(1)
            out[name] = entry.group(2).strip()
        elif line.startswith("        ") and name:
            out[name] += " " + line.strip()
    return out


def _section(name: str) -> tuple[type, str | None]:
    if name not in SECTIONS:
        raise DocsError(f"unknown scenario section {name!r}; allowed: {', '.join(SECTIONS)}")
    module, cls, scenario = SECTIONS[name]
    return getattr(__import__(module, fromlist=[cls]), cls), scenario


def field_docs(name: str) -> dict[str, str]:
    """Description of every field of scenario section ``name``, checked against the dataclass.

    Raises:
        DocsError: A field has no description, or a description names no field.
    """
    cls, _ = _section(name)
    fields = [f.name for f in dataclasses.fields(cls)]
    docs = docstring_fields(cls)
    missing = [f for f in fields if not docs.get(f)]
    stale = [d for d in docs if d not in fields]
    if missing or stale:
        raise DocsError(
            f"{cls.__module__}.{cls.__name__}: the docstring's Attributes section must describe "
            f"every field and only fields; undescribed: {missing or 'none'}; "
            f"describing no field: {stale or 'none'}")
    return {f: docs[f] for f in fields}


# --------------------------------------------------------------------------- values


@cache
def _scenario(name: str):
    from ecosim.inputs.scenario import load_scenario

    return load_scenario(name)


def fmt(value: Any) -> str:
    """A parameter value as a table cell."""
    if dataclasses.is_dataclass(value):
        return f"({type(value).__name__})"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.4g}".replace("e+", "e")
        return f"{value:g}"
    if isinstance(value, dict):
        if len(value) > 8:
            return f"({len(value)} entries)"
        return "<br>".join(f"{k} = {fmt(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        if value and (isinstance(value[0], dict | tuple) or dataclasses.is_dataclass(value[0])
                      or len(value) > 8):
            return f"({len(value)} entries)"
        return ", ".join(fmt(v) for v in value) or "(none)"
    if value is None:
        return "(none)"
    if value == "":
        return '""'
    return str(value)


_ROLE = re.compile(r":\w+:`~?([\w.]+)`")


def _cell(text: str) -> str:
    """Text for a table cell: Sphinx roles as code, no pipes or newlines."""
    text = _ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)
    return text.replace("|", "\\|").replace("\n", " ")


def _default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


# --------------------------------------------------------------------------- tables


def params_table(section: str, only: list[str] | None = None) -> str:
    """The Markdown table of a scenario section's fields (``only``: these, in this order)."""
    cls, packaged = _section(section)
    docs = field_docs(section)
    names = only or list(docs)
    unknown = [n for n in names if n not in docs]
    if unknown:
        raise DocsError(f"ecosim:params {section}: unknown field(s) {unknown}; "
                        f"allowed: {', '.join(docs)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    prefix = "" if section == "scenario" else f"{section}."
    if packaged is None:  # records: the figures are in the input data
        rows = ["| field | meaning | default |", "|---|---|---|"]
        for n in names:
            d = _default(fields[n])
            rows.append(f"| `{prefix}{n}` | {_cell(docs[n])} | "
                        f"{'required' if d is dataclasses.MISSING else _cell(fmt(d))} |")
        return "\n".join(rows)
    spec = _scenario(packaged)
    obj = spec if section == "scenario" else getattr(spec, section)
    sources = getattr(obj, "sources", {}) if section != "scenario" else {}
    rows = [f"| parameter | meaning | default | `{packaged}` | source |", "|---|---|---|---|---|"]
    for n in names:
        d = _default(fields[n])
        default = "required" if d is dataclasses.MISSING else fmt(d)
        value = fmt(getattr(obj, n))
        if n == "sources":  # shown in the source column, or on the input data page
            value = "(the source column)" if section != "scenario" else "(input data page)"
        source = sources.get(n, "")
        rows.append(f"| `{prefix}{n}` | {_cell(docs[n])} | {_cell(default)} | {_cell(value)} "
                    f"| {_cell(source)} |")
    return "\n".join(rows)


def columns_table(agent: str) -> str:
    """The Markdown table of an agent class's columns (its state variables)."""
    from ecosim.state import agents

    cls = getattr(agents, agent, None)
    if cls is None or not hasattr(cls, "columns"):
        raise DocsError(f"ecosim:columns {agent!r}: allowed: "
                        f"{', '.join(c.__name__ for c in agents.AGENT_CLASSES)}")
    # every agent table has a ``uid`` column (TableAgent adds it): Mesa's unique_id
    docs = {"uid": "Mesa's ``unique_id``: the agent's id, model-wide (the key of its "
            "random draws in kernels).", **docstring_fields(cls, "Columns")}
    missing = [c for c in cls.columns if c not in docs]
    stale = [d for d in docs if d not in cls.columns]
    if missing or stale:
        raise DocsError(f"{cls.__module__}.{agent}: the docstring's Columns section must "
                        f"describe every column and only columns; undescribed: "
                        f"{missing or 'none'}; describing no column: {stale or 'none'}")
    rows = ["| column | type | meaning |", "|---|---|---|"]
    for name, dtype in cls.columns.items():
        kind = f"{dtype[0]} x {dtype[1][0]}" if isinstance(dtype, tuple) else dtype
        rows.append(f"| `{name}` | `{kind}` | {_cell(docs[name])} |")
    return "\n".join(rows)


def metrics_table() -> str:
    """The Markdown table of the per-city metrics."""
    from ecosim.outputs.metrics import CITY_METRICS

    rows = ["| column | meaning |", "|---|---|"]
    rows += [f"| `{k}` | {_cell(v)} |" for k, v in CITY_METRICS.items()]
    return "\n".join(rows)


def scenarios_table() -> str:
    """The packaged scenarios, what each extends and its description."""
    import tomllib
    from importlib import resources

    from ecosim.inputs.scenario import packaged_scenarios

    rows = ["| scenario | extends | description |", "|---|---|---|"]
    for name in packaged_scenarios():
        path = resources.files("ecosim.inputs.data").joinpath(f"{name}.toml")
        base = tomllib.loads(path.read_text(encoding="utf-8")).get("extends", "")
        rows.append(f"| `{name}` | {f'`{base}`' if base else ''} | "
                    f"{_cell(_scenario(name).description)} |")
    return "\n".join(rows)


def sources_table(scenario: str) -> str:
    """A scenario's top-level ``[sources]`` table: topic and source."""
    spec = _scenario(scenario)
    rows = ["| topic | source |", "|---|---|"]
    rows += [f"| {k} | {_cell(v)} |" for k, v in spec.sources.items()]
    return "\n".join(rows)


_RECORD_COLUMNS = {
    "cities": ("name", "population", "talent_stock", "venture_firms", "amenity",
               "cost_of_living", "support_organisations"),
    "institutes": ("name", "city", "kind", "graduates", "ceremony_months", "researchers"),
    "factories": ("city", "industry", "count", "employees", "engineers"),
    "investors": ("city", "kind", "count", "fund_size_krw"),
}


def records_table(scenario: str, part: str) -> str:
    """A scenario's records of one list with their main figures and ``source``."""
    if part not in _RECORD_COLUMNS:
        raise DocsError(f"ecosim:records {part!r}: allowed: {', '.join(_RECORD_COLUMNS)}")
    cols = _RECORD_COLUMNS[part]
    rows = ["| " + " | ".join(cols) + " | source |", "|" + "---|" * (len(cols) + 1)]
    for rec in getattr(_scenario(scenario), part):
        cells = [_cell(fmt(getattr(rec, c))) for c in cols]
        rows.append("| " + " | ".join(cells) + f" | {_cell(rec.source)} |")
    return "\n".join(rows)


# --------------------------------------------------------------------------- the hook


def expand(kind: str, args: list[str]) -> str:
    """The Markdown a marker stands for."""
    if kind == "params":
        if not args:
            raise DocsError("ecosim:params needs a section, e.g. <!-- ecosim:params firms -->")
        return params_table(args[0], args[1:] or None)
    if kind == "columns" and len(args) == 1:
        return columns_table(args[0])
    if kind == "metrics" and not args:
        return metrics_table()
    if kind == "scenarios" and not args:
        return scenarios_table()
    if kind == "sources" and len(args) == 1:
        return sources_table(args[0])
    if kind == "records" and len(args) == 2:
        return records_table(*args)
    raise DocsError(f"unknown marker ecosim:{kind} {' '.join(args)}; allowed: params SECTION "
                    "[FIELD ...], columns AGENT, metrics, scenarios, sources SCENARIO, "
                    "records SCENARIO LIST")


def render(markdown: str, where: str = "page") -> str:
    """``markdown`` with every ``<!-- ecosim:... -->`` marker replaced by its table."""
    def sub(m: re.Match) -> str:
        try:
            return f"\n{expand(m.group(1), m.group(2).split())}\n"
        except DocsError as err:
            raise DocsError(f"{where}: {err}") from None

    return MARKER.sub(sub, markdown)


def markers(markdown: str) -> list[tuple[str, list[str]]]:
    """The markers of a page, as (kind, arguments)."""
    return [(m.group(1), m.group(2).split()) for m in MARKER.finditer(markdown)]


def _plugin_error(err: Exception) -> Exception:
    from mkdocs.exceptions import PluginError

    return PluginError(str(err))


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """MkDocs event: expand the page's markers."""
    try:
        return render(markdown, page.file.src_uri)
    except DocsError as err:
        raise _plugin_error(err) from None


_LINK = re.compile(r'href="(?![a-z]+:|#|/)([^"#]+\.(?:md|py))(#[^"]*)?"')


def notebook_links(html: str, src_uri: str, url_of: Any, page_url: str) -> str:
    """Links to ``.md``/``.py`` pages in a tutorial's HTML, pointed at the built pages.

    MkDocs resolves links in Markdown pages; a tutorial is converted by
    mkdocs-jupyter, whose links stay as written. A link to a page that does
    not exist is an error, as in Markdown pages under ``--strict``.
    """
    from posixpath import dirname, normpath

    from mkdocs.utils import get_relative_url

    def sub(m: re.Match) -> str:
        target = normpath(f"{dirname(src_uri)}/{m.group(1)}")
        url = url_of(target)
        if url is None:
            raise DocsError(f"{src_uri}: link to {m.group(1)!r}: no such page ({target})")
        return f'href="{get_relative_url(url, page_url)}{m.group(2) or ""}"'

    return _LINK.sub(sub, html)


def on_page_content(html: str, page: Any, files: Any, **kwargs: Any) -> str:
    """MkDocs event: resolve the links of tutorial pages (notebooks) as MkDocs does for Markdown."""
    if not page.file.src_uri.endswith(".py"):
        return html

    def url_of(path: str) -> str | None:
        f = files.get_file_from_path(path)
        return f.url if f is not None else None

    try:
        return notebook_links(html, page.file.src_uri, url_of, page.url)
    except DocsError as err:
        raise _plugin_error(err) from None
