"""Main job until the policy issue lands: Korea 2025, 24 months, full scale, per-city table.

    python experiments/baseline_24_months.py [--out results/main] [any `ecosim run` option]
"""

import sys

from ecosim.cli import main

if __name__ == "__main__":
    defaults = ["run", "--scenario", "korea_2025", "--months", "24", "--scale", "1.0",
                "--seed", "0"]
    sys.exit(main(defaults + sys.argv[1:]))
