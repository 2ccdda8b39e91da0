"""Main job: does the Startup City project put five Korean cities in the top 100 by 2030?

Baseline and startup_city, January 2020 to December 2030 (read from 2025), an ensemble of
replicates (sized to finish in about three minutes on two cores), summarised as
each city's world rank in 2025 and 2030, P(top 100), graduate retention after
three years, the capital region's share of funding, and the headline
P(at least five Korean cities in the top 100 in 2030). Same as `ecosim run`.

    python experiments/startup_cities_2030.py [--replicates 32] [--scale 0.1] [--out DIR]
"""

import sys

from ecosim.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
