"""Golden outputs: fixed-seed runs whose tables must not change under refactoring.

``python tests/golden.py`` records them into ``tests/data/golden/`` from the
current code. Record again only for a deliberate change of model behaviour,
and say which in the commit message; ``test_golden.py`` compares against them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).parent / "data" / "golden"
#: (scenario, seed): the baseline and a policy scenario whose packages act within the run.
CASES = (("korea", 1), ("startup_city", 2))
SETTINGS = {"scale": 0.01, "months": 24}
#: Per-scenario overrides: the world starts in January 2020 and the packages in 2026,
#: so the policy case moves them to January 2021 to act within its 24 months.
OVERRIDES = {"startup_city": {"policy.start_year": 2021}}


def tables(model) -> dict[str, pd.DataFrame]:
    """The outputs the golden test compares, as frames."""
    funding = model.funding_matrix().reset_index()
    funding.columns = [str(c) for c in funding.columns]
    return {
        "city": model.city_frame(),
        "flows": model.flow_frame(),
        "retention": model.retention_frame(),
        "survival": model.survival_frame(),
        "funding": funding,
    }


def run(scenario: str, seed: int):
    """The model of one golden case, run to its end."""
    from ecosim import EcosystemModel

    return EcosystemModel(scenario, rng=seed, overrides=OVERRIDES.get(scenario), **SETTINGS).run()


def record() -> None:
    """Write every case's tables to ``tests/data/golden``."""
    DATA.mkdir(parents=True, exist_ok=True)
    for scenario, seed in CASES:
        for name, frame in tables(run(scenario, seed)).items():
            path = DATA / f"{scenario}_{seed}_{name}.parquet"
            frame.to_parquet(path, index=False)
            print(f"wrote {path} ({len(frame)} rows)")


if __name__ == "__main__":
    sys.exit(record())
