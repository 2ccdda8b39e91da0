"""Carry the packaged posterior over to model code that computes the same runs.

    python tools/restamp_posterior.py --reason "..."   # runs tests/test_golden.py first

The posterior records the model-code digest it was calibrated on, and the main
job warns when the code differs. When a change provably leaves every run's
results as they were (the golden test's fixed-seed outputs are bit-identical,
and the change is, say, a guard on a case no run reaches), re-running the
calibration would repeat the same runs and give the same posterior: this
records the new digest instead, keeping the old one, the date and the reason
in the provenance (``restamped``), so the file says what was done. Anything
that may change a result needs ``make calibrate``.
"""

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

from ecosim.calibration.posterior import Posterior, packaged_path
from ecosim.state.checkpoint import model_code_digest

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reason", required=True, help="why no run's results changed")
    p.add_argument("--path", default=str(packaged_path()), help="posterior file")
    p.add_argument("--skip-golden", action="store_true",
                   help="do not run tests/test_golden.py first (it must pass)")
    a = p.parse_args()
    if not a.skip_golden:
        golden = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 str(ROOT / "tests" / "test_golden.py")], cwd=ROOT)
        if golden.returncode:
            print("error: the golden test fails: results changed; run `make calibrate`",
                  file=sys.stderr)
            return 1
    post = Posterior.read(a.path)
    old, new = post.provenance.get("model_code_digest"), model_code_digest()
    if old == new:
        print(f"the posterior already records this model code ({new})")
        return 0
    post.provenance.setdefault("restamped", []).append({
        "from": old, "to": new, "reason": a.reason,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    post.provenance["model_code_digest"] = new
    post.write(a.path)
    print(f"{a.path}: model code {old} -> {new} ({a.reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
