"""Fixed-seed outputs stay bit-identical (see tests/golden.py for what and how to re-record).

Each case runs twice: with Mesa agents registered in bulk (the default) and
one at a time through Mesa's public path (``ECOSIM_MESA_BULK=0``).
"""

import pandas as pd
import pytest
from golden import CASES, DATA, run, tables

from ecosim.state.mesa_bulk import SWITCH


@pytest.mark.parametrize("registration", ["bulk", "public"])
@pytest.mark.parametrize(("scenario", "seed"), CASES)
def test_outputs_match_the_recorded_golden_run(scenario, seed, registration, monkeypatch):
    if registration == "public":
        monkeypatch.setenv(SWITCH, "0")
    got = tables(run(scenario, seed))
    for name, frame in got.items():
        want = pd.read_parquet(DATA / f"{scenario}_{seed}_{name}.parquet")
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), want, check_exact=True,
                                      check_categorical=False, obj=f"{scenario}/{name}")
