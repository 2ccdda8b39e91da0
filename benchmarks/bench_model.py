"""EcosystemModel: building the world and stepping one month, at scales 0.01, 0.1 and 1.0.

Scale 1.0 is the full Korea (1.5M people, 1.54M Mesa agents): 4-7 s to
build, so it is timed once per round (``number = 1``, ``repeat = 1``, no
warm-up: set in ``setup`` for that scale only) under a 300 s timeout, and
``asv run --quick`` stays within a few minutes.
"""

from typing import ClassVar

from .common import build_model

SCALES = [0.01, 0.1, 1.0]

#: Scales timed once per round (each call takes seconds).
ONCE = 1.0


def _once(bench, scale):
    """One timed call per round at the largest scale (asv re-reads these after setup)."""
    if scale >= ONCE:
        bench.number = 1
        bench.repeat = 1
        bench.warmup_time = 0.0


class ModelBuild:
    """Build the korea world (month 0) at ``scale``."""

    params: ClassVar[list] = [SCALES]
    param_names: ClassVar[list[str]] = ["scale"]
    timeout = 300

    def setup(self, scale):
        # Warm one-off costs (scenario parsing, first allocations) off the clock.
        build_model(0.001)
        _once(self, scale)

    def time_build(self, scale):
        build_model(scale)

    def peakmem_build(self, scale):
        build_model(scale)


class ModelStep:
    """One model month at ``scale``.

    Setup builds the model and steps it once (January, which also loads the
    compiled kernels), so the timed step is month 2: February, a graduation
    month, the heaviest month of the year. asv re-runs setup before every
    timed call, so each sample is a fresh month 2.
    """

    params: ClassVar[list] = [SCALES]
    param_names: ClassVar[list[str]] = ["scale"]
    timeout = 300
    number = 1  # each call needs a fresh model (setup runs between calls)

    def setup(self, scale):
        self.model = build_model(scale)
        self.model.step()
        _once(self, scale)

    def time_step(self, scale):
        self.model.step()
