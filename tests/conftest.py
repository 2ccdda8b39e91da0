import os

import pytest

# Hypothesis: deterministic in CI, enough examples to find table bugs.
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def tiny_model_kwargs():
    """A small Korea run: every city present, a few thousand agents."""
    return {"scale": 0.005, "months": 14}
