"""Scenarios made in code, for experiments on the model itself.

:func:`symmetric_world` gives identical cities at equal distances: any city
gaining on another there comes from noise (or from feedback amplifying noise),
never from an endowment. The model's emergence tests use it.
"""

from __future__ import annotations

from typing import Any

from ecosim.inputs.scenario import Scenario, from_dict, load_scenario, to_dict


def symmetric_world(n_cities: int = 4, template: str | Scenario = "korea",
                    **fields: Any) -> Scenario:
    """``n_cities`` identical cities, each a copy of the template's first city's kind.

    Every city has the same population, talent, firms, amenity and cost of
    living, one university, one factory group and one investor group of the
    same size, and every pair of cities is the same distance and travel time
    apart. Behaviour and labour sections come from ``template``. The first city
    is labelled the capital region so capital-share metrics are defined.

    Args:
        n_cities: Number of cities (at least 2).
        template: Scenario whose behaviour, labour, sectors and stage mix are used.
        **fields: Top-level or ``__``-path overrides, as for :func:`load_scenario`.

    Returns:
        The validated symmetric scenario.
    """
    if n_cities < 2:
        raise ValueError(f"n_cities = {n_cities}: allowed is n_cities >= 2")
    raw = to_dict(load_scenario(template))
    names = [f"city_{i}" for i in range(n_cities)]
    sectors = raw["sectors"]
    even = {s: 1.0 / len(sectors) for s in sectors}
    raw["name"] = f"symmetric_{n_cities}"
    raw["description"] = f"{n_cities} identical cities at equal distances (est. by construction)"
    raw["capital_region"] = [names[0]]
    raw["ranking"] = {**raw["ranking"], "anchor_city": names[0], "ranked_cities": names}
    raw["policy"] = {**raw["policy"], "packages": []}
    raw["cities"] = [
        {"name": n, "label": n, "population": 2_000_000, "lat": 36.0, "lon": 127.5,
         "talent_stock": 100_000, "venture_firms": 2_000, "amenity": 0.6,
         "cost_of_living": 0.8, "sector_shares": even, "source": "est. (symmetric by design)"}
        for n in names
    ]
    raw["institutes"] = [
        {"name": f"university_{i}", "city": n, "kind": "university",
         "graduates": {"bs": 4000, "ms": 1000, "phd": 250}, "ceremony_months": [2, 8],
         "researchers": 2000, "sector_shares": even, "source": "est."}
        for i, n in enumerate(names)
    ]
    raw["factories"] = [
        {"city": n, "industry": "manufacturing", "count": 20, "employees": 800, "engineers": 100,
         "sectors": list(sectors), "source": "est."}
        for n in names
    ]
    raw["investors"] = [
        {"city": n, "kind": "vc", "count": 10, "fund_size_krw": 50e9, "source": "est."}
        for n in names
    ]
    hours = {a: {b: (0.0 if a == b else 1.5) for b in names} for a in names}
    raw["travel_time_hours"] = hours
    raw["distance_km"] = {a: {b: (0.0 if a == b else 200.0) for b in names} for a in names}
    return load_scenario(from_dict(raw), **fields)
