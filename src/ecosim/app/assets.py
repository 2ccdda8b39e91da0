"""Serve the charts' JavaScript from disk: no CDN is reached at run time.

Solara serves its own scripts from ``solara-assets`` (installed with the
``app`` extra) through a cache folder, ``solara.server.settings.assets.proxy_cache_dir``.
Its Altair widget, however, asks for ``vega@5``, ``vega-lite@5`` and
``vega-embed@6`` by major version only, names that are not in that folder, so
Solara would fetch them from the CDN and the charts stay blank offline.
:func:`prefill_chart_scripts` links those names to the exact versions
solara-assets ships (``vega@5.21.0`` ...), which is what Solara's cache would
hold after one online visit.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["CHART_SCRIPTS", "prefill_chart_scripts"]

#: The names Solara's VegaLite widget requests, and the package each stands for.
CHART_SCRIPTS = {"vega@5": "vega", "vega-lite@5": "vega-lite", "vega-embed@6": "vega-embed"}


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", path.name.rpartition("@")[2]))


def _newest(cache: Path, alias: str, package: str) -> Path | None:
    major = alias.rpartition("@")[2]
    found = [p for p in cache.glob(f"{package}@{major}.*")
             if p.is_dir() and re.fullmatch(rf"{re.escape(package)}@{major}\.\d+\.\d+", p.name)]
    return max(found, key=_version) if found else None


def prefill_chart_scripts(cache: Path | None = None) -> dict[str, Path]:
    """Link each of :data:`CHART_SCRIPTS` to the newest matching version in Solara's cache.

    Args:
        cache: The folder to fill (default: Solara's ``proxy_cache_dir``).

    Returns:
        Each name and the folder it resolves to.

    Raises:
        FileNotFoundError: A script is in neither form in the cache: the
            ``solara-assets`` package is missing (``pip install 'ecosim[app]'``).
        PermissionError: The cache folder is read-only; set
            ``SOLARA_ASSETS_PROXY_CACHE_DIR`` to a writable copy of it.
    """
    if cache is None:
        from solara.server import settings

        cache = Path(settings.assets.proxy_cache_dir)
    linked = {}
    for alias, package in CHART_SCRIPTS.items():
        link = cache / alias
        if not link.exists():
            target = _newest(cache, alias, package)
            if target is None:
                raise FileNotFoundError(
                    f"{cache}: has neither {alias} nor {package}@{alias.rpartition('@')[2]}.x.y; "
                    "the charts need solara-assets: pip install 'ecosim[app]'")
            try:
                link.symlink_to(target.name)
            except PermissionError as err:
                raise PermissionError(
                    f"{cache} is read-only, so {alias} cannot be linked to {target.name}: set "
                    "SOLARA_ASSETS_PROXY_CACHE_DIR to a writable copy of that folder") from err
        linked[alias] = link.resolve()
    return linked
