"""The Dask worker plugin that warms up each worker (imported only when Dask is used)."""

from __future__ import annotations

import asyncio
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from ecosim.experiments.worker import warm_up

__all__ = ["WarmUp"]


class WarmUp(WorkerPlugin):
    """Warm up a worker once when it joins, including a replacement for a dead one.

    Args:
        backend: The backend the runs use.
        imports: Modules each worker imports (plug-in outputs and metrics).
    """

    def __init__(self, backend: str, imports: tuple[str, ...]) -> None:
        self.backend = backend
        self.imports = imports

    async def setup(self, worker: Any) -> None:
        """Warm up in a thread, so the worker keeps answering its scheduler."""
        await asyncio.to_thread(warm_up, self.backend, self.imports, True)
