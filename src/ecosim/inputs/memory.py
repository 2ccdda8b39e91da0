"""How much memory a scenario's world needs at its scale, checked before it is built.

A scenario is valid whatever the machine; whether its world fits is a
question about this machine. :func:`check_fits` answers it before any table
is allocated: it estimates the agents the run will hold at most (those built
at month 0 plus every graduate the institutes add over the run) and the bytes
they take, and refuses with both figures and the memory available.

:data:`BYTES_PER_AGENT` is measured, not guessed: ``python
benchmarks/memory_per_agent.py`` runs Korea at several scales and lengths in
fresh processes and prints, for each, the peak resident memory the build and
the run added, divided by :func:`estimate_agents`; the constant is the
largest of them, rounded up.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ecosim.inputs.validation import ScenarioError

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario

__all__ = ["BYTES_PER_AGENT", "available_bytes", "check_fits", "estimate_agents",
           "estimate_bytes"]

#: Peak resident bytes a run adds per agent of :func:`estimate_agents` (tables with
#: their spare capacity, Mesa agent objects and registries, ties, logs, the
#: DataCollector). ``benchmarks/memory_per_agent.py`` measured 443-564 bytes on the
#: packaged Korea (2020 start, 12 regions) at scales 0.02, 0.1, 0.3 and 1.0 for 12 to
#: 132 months (the largest, 564, at scale 1.0 and 12 months: 928 MB for 1.65M
#: estimated agents); rounded up to the next hundred.
BYTES_PER_AGENT = 600
#: Set this environment variable to 1 to build worlds the estimate says do not fit.
SKIP_ENV = "ECOSIM_NO_MEMORY_CHECK"


def estimate_agents(s: Scenario) -> float:
    """The most agents a run of ``s`` holds at once, as built plus graduates (a float).

    People (the talent stock) and startups at the scenario's scale; one agent
    per institute; at least one per factory and investor group, plus each
    city's aggregate of established firms; and every graduate the institutes
    award over ``months`` (departures are not subtracted, so this bounds the
    people from above). Computed in floating point: an absurd scale gives
    ``inf``, never an overflow.
    """
    scale = float(s.scale)
    people = sum(float(c.talent_stock) for c in s.cities) * scale
    startups = sum(float(c.venture_firms) for c in s.cities) * scale
    firms = sum(_group_agents(g.count, scale) for g in (*s.factories, *s.investors))
    yearly = sum(float(sum(i.graduates.values())) for i in s.institutes)
    graduates = yearly * scale * float(s.months) / 12.0
    return people + startups + firms + graduates + len(s.institutes) + len(s.cities)


def _group_agents(count: float, scale: float) -> float:
    return 0.0 if count == 0 else max(1.0, float(count) * scale)


def estimate_bytes(s: Scenario) -> float:
    """Peak memory (bytes) a model of ``s`` adds: agents x :data:`BYTES_PER_AGENT`."""
    return estimate_agents(s) * BYTES_PER_AGENT


def available_bytes() -> int:
    """Memory this process may still use (bytes).

    The system's available memory, or less when a cgroup (a container's
    limit) allows less.
    """
    import psutil

    available = int(psutil.virtual_memory().available)
    limit = _cgroup_room()
    return min(available, limit) if limit is not None else available


def _cgroup_room() -> int | None:
    """Room left under this process's cgroup memory limit, if it has one."""
    pairs = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
             ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
              "/sys/fs/cgroup/memory/memory.usage_in_bytes"))
    for limit_file, usage_file in pairs:
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if not limit.isdigit() or int(limit) >= 1 << 60:  # "max", or v1's "no limit"
            return None
        return max(int(limit) - usage, 0)
    return None


def check_fits(s: Scenario) -> None:
    """Refuse a scenario whose world would not fit in the memory available now.

    Raises:
        ScenarioError: On field ``scale``, with the estimate (agents and GB) and
            the memory available; unless the environment variable
            ``ECOSIM_NO_MEMORY_CHECK`` is 1.
    """
    if os.environ.get(SKIP_ENV) == "1":
        return
    need = estimate_bytes(s)
    have = available_bytes()
    if need <= have:
        return
    agents = estimate_agents(s)
    size = (f"about {_gb(need)} for {agents:.3g} agents" if math.isfinite(need)
            else "more memory than exists (the number of agents overflows)")
    raise ScenarioError(
        "scale", s.scale,
        f"a scale whose world fits in memory: at this scale the scenario needs {size} "
        f"({BYTES_PER_AGENT} bytes per agent, measured), and {_gb(have)} is available; "
        f"lower scale (or months), or run where more memory is free ({SKIP_ENV}=1 skips "
        "this check)")


def _gb(n: float) -> str:
    return f"{n / 1e9:.3g} GB"
