"""Griffe extension for the API reference: ecosim's Sphinx conventions, read by mkdocstrings.

* Sphinx roles in docstrings (``:class:`~ecosim.state.world.World```), which
  mkdocstrings does not read, become mkdocstrings cross-references
  (``[World][ecosim.state.world.World]``) for ecosim's own objects, checked by
  the strict build, and code for anything else (Mesa, NumPy, ...).
* ``#:`` comments above a module or class attribute (Sphinx's attribute
  docstrings, e.g. ``CITY_METRICS``) become the attribute's docstring, so it is
  documented and can be linked to.

mkdocs.yml loads it under mkdocstrings' ``extensions``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([\w.]+)`")


def rewrite(text: str) -> str:
    """Docstring ``text`` with its Sphinx roles as cross-references or code."""
    def sub(m: re.Match) -> str:
        short, target = m.group(1), m.group(2)
        shown = target.rsplit(".", 1)[-1] if short else target
        if target.startswith("ecosim."):
            return f"[`{shown}`][{target}]"
        return f"`{shown}`"

    return ROLE.sub(sub, text)


def comment_docstring(obj: griffe.Object) -> str | None:
    """The ``#:`` comment lines right above attribute ``obj``'s definition, if any."""
    if obj.filepath is None or obj.lineno is None or isinstance(obj.filepath, list):
        return None
    lines = Path(obj.filepath).read_text(encoding="utf-8").splitlines()
    found: list[str] = []
    i = obj.lineno - 2
    while i >= 0 and lines[i].strip().startswith("#:"):
        found.insert(0, lines[i].strip()[2:].strip())
        i -= 1
    return " ".join(found) or None


class SphinxRoles(griffe.Extension):
    """Sphinx roles and ``#:`` attribute comments, for mkdocstrings (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Give an attribute its ``#:`` comment as docstring; rewrite roles in any docstring."""
        if obj.docstring is None and obj.is_attribute:
            text = comment_docstring(obj)
            if text:
                obj.docstring = griffe.Docstring(text, lineno=obj.lineno, parent=obj)
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
