"""Distances on the earth and a grid of points for "what is near this latitude/longitude"."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Generic, TypeVar

EARTH_RADIUS_M = 6_371_000.0
# One grid cell is about 1.1 km north-south; the search widens by whole cells up to the radius.
CELL_DEG = 0.01
# Beijing's extent with a margin: a point outside is not ours to place.
BEIJING_BOX = (39.40, 41.10, 115.40, 117.55)  # lat min, lat max, lon min, lon max

T = TypeVar("T")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def in_beijing(lat: float, lon: float) -> bool:
    """Inside the box around Beijing municipality."""
    lat_min, lat_max, lon_min, lon_max = BEIJING_BOX
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


@dataclass
class PointGrid(Generic[T]):
    """Items with a position, bucketed by grid cell so a radius search looks at few of them."""

    cells: dict[tuple[int, int], list[tuple[float, float, T]]] = field(default_factory=dict)

    def add(self, lat: float, lon: float, item: T) -> None:
        """Put an item at a position."""
        self.cells.setdefault(_cell(lat, lon), []).append((lat, lon, item))

    def within(self, lat: float, lon: float, radius_m: float, limit: int = 10) -> list[tuple[T, float]]:
        """Items within radius_m of the point, nearest first, with their distance in metres."""
        reach = max(1, math.ceil(radius_m / 111_000 / CELL_DEG))
        ci, cj = _cell(lat, lon)
        # A degree of longitude is shorter than a degree of latitude at 40°N: look wider east-west.
        reach_lon = max(1, math.ceil(reach / max(0.2, math.cos(math.radians(lat)))))
        found = []
        for i in range(ci - reach, ci + reach + 1):
            for j in range(cj - reach_lon, cj + reach_lon + 1):
                for plat, plon, item in self.cells.get((i, j), ()):
                    d = distance_m(lat, lon, plat, plon)
                    if d <= radius_m:
                        found.append((item, d))
        found.sort(key=lambda f: f[1])
        return found[:limit]


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(math.floor(lat / CELL_DEG)), int(math.floor(lon / CELL_DEG))
