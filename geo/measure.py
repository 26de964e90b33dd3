"""Distances on the WGS-84 sphere and a local metric projection for snapping."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Mean Earth radius in metres (IUGG).
EARTH_RADIUS_M = 6_371_008.8

F64 = npt.NDArray[np.float64]


def haversine_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> F64:
    """Great-circle distance in metres between ``(lon1, lat1)`` and ``(lon2, lat2)`` degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0))), dtype=np.float64)


class LocalProjection:
    """Equirectangular projection to metres around a reference latitude.

    Accurate to well under 1% over a city (tens of km), which is all snapping needs;
    reported snap distances are recomputed with :func:`haversine_m`.
    """

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        self.kx = np.radians(1.0) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
        self.ky = np.radians(1.0) * EARTH_RADIUS_M

    def __call__(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[F64, F64]:
        """``(x, y)`` metres of ``(lon, lat)`` degrees."""
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * self.kx
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * self.ky
        return x, y
