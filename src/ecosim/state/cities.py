"""City registry: index <-> name, population, coordinates, distances, travel times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecosim.inputs.scenario import Scenario


@dataclass(frozen=True)
class Cities:
    """The cities of one model, as arrays in index order.

    Attributes:
        names: City names; position is the city index used in every table.
        population: Residents (persons, full scale), shape (C,).
        lat: Latitudes (degrees), shape (C,).
        lon: Longitudes (degrees), shape (C,).
        distance_km: Distances (km), shape (C, C).
        travel_time_hours: Travel times (hours), shape (C, C).
        capital: True for cities in the capital region, shape (C,).
    """

    names: tuple[str, ...]
    population: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    distance_km: np.ndarray
    travel_time_hours: np.ndarray
    capital: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Cities:
        """Build the registry from a validated scenario."""
        names = scenario.city_names
        return cls(
            names=names,
            population=np.array([c.population for c in scenario.cities], dtype=np.float64),
            lat=np.array([c.lat for c in scenario.cities]),
            lon=np.array([c.lon for c in scenario.cities]),
            distance_km=scenario.distance_matrix(),
            travel_time_hours=scenario.travel_time_matrix(),
            capital=np.array([n in scenario.capital_region for n in names]),
        )

    def __len__(self) -> int:
        """Number of cities."""
        return len(self.names)

    def index(self, name: str) -> int:
        """Index of city ``name``.

        Raises:
            KeyError: No such city; the message lists the cities.
        """
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no city {name!r}; cities: {', '.join(self.names)}") from None
