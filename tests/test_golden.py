"""Fixed-seed outputs stay bit-identical (see tests/golden.py for what and how to re-record)."""

import pandas as pd
import pytest
from golden import CASES, DATA, run, tables


@pytest.mark.parametrize(("scenario", "seed"), CASES)
def test_outputs_match_the_recorded_golden_run(scenario, seed):
    got = tables(run(scenario, seed))
    for name, frame in got.items():
        want = pd.read_parquet(DATA / f"{scenario}_{seed}_{name}.parquet")
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), want, check_exact=True,
                                      check_categorical=False, obj=f"{scenario}/{name}")
