"""Explore a run in the browser: a Mesa SolaraViz page with a map of Korea.

``ecosim app`` (or ``solara run ecosim.app.page``) serves it on 127.0.0.1.
The page's pieces are plain modules: :mod:`ecosim.app.views` (tables and
Altair charts of a model), :mod:`ecosim.app.controls` (the sidebar and the
model it builds), :mod:`ecosim.app.components` (Solara components),
:mod:`ecosim.app.page` (the page) and :mod:`ecosim.app.boundary` (Korea's
outline, shipped with the package). Nothing below this package imports it.
Needs the ``app`` extra: ``pip install 'ecosim[app]'``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

__all__ = ["serve", "solara_command"]

PAGE_MODULE = "ecosim.app.page"


def solara_command(host: str = "127.0.0.1", port: int = 8765,
                   open_browser: bool = False) -> list[str]:
    """The ``solara run`` command line that serves the page.

    Raises:
        ValueError: ``port`` is outside 0-65535 (0 picks a free port).
    """
    if not 0 <= port <= 65535:
        raise ValueError(f"port = {port}: allowed is 0-65535 (0 picks a free port)")
    return [sys.executable, "-m", "solara", "run", PAGE_MODULE, "--host", host,
            "--port", str(port), "--production", "--open" if open_browser else "--no-open"]


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> int:
    """Serve the page until interrupted; returns the server's exit status.

    Raises:
        ModuleNotFoundError: The ``app`` extra is not installed.
    """
    missing = [m for m in ("solara", "altair", "solara_assets")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise ModuleNotFoundError(f"ecosim app needs {', '.join(missing)}: "
                                  "install the app extra, pip install 'ecosim[app]'")
    try:
        return subprocess.call(solara_command(host, port, open_browser), env=os.environ.copy())
    except KeyboardInterrupt:
        return 0
