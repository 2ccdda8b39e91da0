"""Korea's outline for the map, shipped with the package (no tiles are fetched at run time).

The file ``data/korea_ne_50m.geojson`` is the feature "Korea" (``adm0_a3``
KOR) of Natural Earth's 1:50m Admin 0 - Countries, which is in the public
domain, taken from the per-country split of github.com/AshKyd/geojson-regions
(``countries/50m/KOR.geojson``, commit 4ea7968b) with coordinates rounded to
4 decimal places (about 10 m). The file records its source and licence.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["korea_outline", "outline_bounds"]

_FILE = "korea_ne_50m.geojson"


@cache
def korea_outline() -> dict[str, Any]:
    """The Republic of Korea's outline as a GeoJSON FeatureCollection (lon/lat degrees).

    Returns:
        The collection, with ``source`` and ``licence`` keys beside its features.
    """
    return json.loads(resources.files("ecosim.app.data").joinpath(_FILE).read_text())


def outline_bounds(outline: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of every coordinate in a FeatureCollection."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node[0], int | float):
            lons.append(node[0])
            lats.append(node[1])
        else:
            for child in node:
                walk(child)

    for feature in outline["features"]:
        walk(feature["geometry"]["coordinates"])
    return min(lons), min(lats), max(lons), max(lats)
