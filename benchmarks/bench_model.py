"""EcosystemModel: building the world and stepping one month."""

from typing import ClassVar

from .common import build_model


class ModelBuild:
    """Build the korea_2025 world (month 0) at ``scale``."""

    params: ClassVar[list] = [[0.01, 0.1]]
    param_names: ClassVar[list[str]] = ["scale"]
    timeout = 180

    def setup(self, scale):
        # Warm one-off costs (scenario parsing, first allocations) off the clock.
        build_model(0.001)

    def time_build(self, scale):
        build_model(scale)

    def peakmem_build(self, scale):
        build_model(scale)


class ModelStep:
    """One model month at ``scale``.

    Setup builds the model and steps it once (January, which also loads the
    compiled kernels), so the timed step is month 2: February, a graduation
    month, the heaviest month of the year.
    """

    params: ClassVar[list] = [[0.01, 0.1]]
    param_names: ClassVar[list[str]] = ["scale"]
    timeout = 180

    def setup(self, scale):
        self.model = build_model(scale)
        self.model.step()

    def time_step(self, scale):
        self.model.step()
