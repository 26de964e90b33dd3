"""China's map coordinate systems, GCJ-02 and BD-09, to and from WGS-84.

Every map app a coordinator in China has gives GCJ-02 ("Mars coordinates": Amap/Gaode,
Tencent, WeChat location sharing) or BD-09 (Baidu); OpenStreetMap and the rest of Doorstep
are WGS-84. The forward transform WGS-84 -> GCJ-02 is the published one (Krasovsky 1940
ellipsoid constants, applied only inside mainland China's bounding box as the standard does:
outside it GCJ-02 is WGS-84). BD-09 is GCJ-02 with Baidu's further published offset. The
inverses have no closed form; they are solved by fixed-point iteration to below
:data:`TOLERANCE_DEG` (about 1 cm), so a round trip returns the input to well under a metre.

All functions take and return ``(lon, lat)`` degrees, scalars or numpy arrays of equal
shape, vectorised with numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from geo.measure import LocalProjection

Coord = TypeVar("Coord", float, npt.NDArray[np.float64])

#: Semi-major axis (m) and eccentricity squared of the Krasovsky 1940 ellipsoid used by GCJ-02.
_A = 6378245.0
_EE = 0.00669342162296594323
#: Baidu's angular constant of BD-09.
_X_PI = np.pi * 3000.0 / 180.0
#: Inverses iterate until the step is below this (degrees; about 1 cm).
TOLERANCE_DEG = 1e-9
_MAX_ITER = 30

#: The bounding box inside which GCJ-02 differs from WGS-84: (lon_min, lat_min, lon_max, lat_max).
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)


class CoordSystem(StrEnum):
    """The coordinate system a ledger's ``lon``/``lat`` are written in."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def parse_coord_system(text: str) -> CoordSystem:
    """Read a coordinate system name: ``wgs84``, ``gcj02`` or ``bd09`` (case, ``-`` and ``_``
    ignored, so ``WGS-84`` and ``GCJ_02`` are understood).

    Raises
    ------
    ValueError
        For any other name, listing the accepted ones.
    """
    key = text.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    for system in CoordSystem:
        if key == system.value:
            return system
    names = ", ".join(s.value for s in CoordSystem)
    raise ValueError(f"unknown coordinate system {text!r}; one of {names}")


def in_china(lon: Coord, lat: Coord) -> npt.NDArray[np.bool_]:
    """Whether points lie inside the box where GCJ-02 applies (degrees in, booleans out)."""
    x, y = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
    lo_x, lo_y, hi_x, hi_y = CHINA_BBOX
    return np.asarray((x >= lo_x) & (x <= hi_x) & (y >= lo_y) & (y <= hi_y))


def _offset_lat(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _as_output(
    template: Coord, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[Coord, Coord]:
    if np.ndim(template) == 0:
        return float(lon), float(lat)  # type: ignore[return-value]
    return lon, lat  # type: ignore[return-value]


def wgs84_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """WGS-84 -> GCJ-02 (degrees), the published transform; unchanged outside China."""
    x = np.asarray(lon, np.float64)
    y = np.asarray(lat, np.float64)
    d_lat = _offset_lat(x - 105.0, y - 35.0)
    d_lon = _offset_lon(x - 105.0, y - 35.0)
    rad = y / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = d_lat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = d_lon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(x, y)
    return _as_output(lon, np.where(inside, x + d_lon, x), np.where(inside, y + d_lat, y))


def gcj02_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """GCJ-02 -> BD-09 (degrees), Baidu's published offset."""
    x = np.asarray(lon, np.float64)
    y = np.asarray(lat, np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _as_output(lon, z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def wgs84_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """WGS-84 -> BD-09 (degrees): GCJ-02 first, then Baidu's offset."""
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(g_lon, g_lat)


_Arrays = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]


def _invert(
    forward: Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], _Arrays],
    lon: Coord,
    lat: Coord,
) -> _Arrays:
    """Solve ``forward(p) == (lon, lat)`` for ``p`` by fixed-point iteration (the forward
    shifts vary by far less than a metre per metre, so the step contracts quickly)."""
    fwd = forward
    tx = np.asarray(lon, np.float64)
    ty = np.asarray(lat, np.float64)
    x, y = tx.copy(), ty.copy()
    for _ in range(_MAX_ITER):
        fx, fy = fwd(x, y)
        dx, dy = tx - fx, ty - fy
        x, y = x + dx, y + dy
        if float(np.max(np.abs(dx), initial=0.0)) < TOLERANCE_DEG and (
            float(np.max(np.abs(dy), initial=0.0)) < TOLERANCE_DEG
        ):
            break
    return x, y


def gcj02_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """GCJ-02 -> WGS-84 (degrees), the inverse of :func:`wgs84_to_gcj02` by iteration."""
    x, y = _invert(wgs84_to_gcj02, lon, lat)
    return _as_output(lon, x, y)


def bd09_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """BD-09 -> GCJ-02 (degrees), the inverse of :func:`gcj02_to_bd09` by iteration."""
    x, y = _invert(gcj02_to_bd09, lon, lat)
    return _as_output(lon, x, y)


def bd09_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """BD-09 -> WGS-84 (degrees)."""
    g_lon, g_lat = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(g_lon, g_lat)


def _same(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    return lon, lat


#: ``system -> (to WGS-84, from WGS-84)``.
_CONVERSIONS: dict[CoordSystem, tuple[Callable[..., Any], Callable[..., Any]]] = {
    CoordSystem.WGS84: (_same, _same),
    CoordSystem.GCJ02: (gcj02_to_wgs84, wgs84_to_gcj02),
    CoordSystem.BD09: (bd09_to_wgs84, wgs84_to_bd09),
}


def to_wgs84(system: CoordSystem | str, lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """Convert ``(lon, lat)`` given in ``system`` to WGS-84 (degrees)."""
    result: tuple[Coord, Coord] = _CONVERSIONS[parse_coord_system(system)][0](lon, lat)
    return result


def from_wgs84(system: CoordSystem | str, lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """Convert WGS-84 ``(lon, lat)`` to ``system`` (degrees)."""
    result: tuple[Coord, Coord] = _CONVERSIONS[parse_coord_system(system)][1](lon, lat)
    return result


def nearest_m(
    points: npt.NDArray[np.float64], landmarks: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Distance (m) from each ``(lon, lat)`` point to the nearest landmark ``(lon, lat)``.

    Local equirectangular metres around the points' mean latitude (exact to a few parts in
    a thousand over a city); ``inf`` for every point when there are no landmarks.
    """
    from pykdtree.kdtree import KDTree

    pts = np.asarray(points, np.float64).reshape(-1, 2)
    marks = np.asarray(landmarks, np.float64).reshape(-1, 2)
    if len(marks) == 0 or len(pts) == 0:
        return np.full(len(pts), np.inf)
    proj = LocalProjection(float(pts[:, 0].mean()), float(pts[:, 1].mean()))
    dist, _ = KDTree(np.column_stack(proj(marks[:, 0], marks[:, 1]))).query(
        np.column_stack(proj(pts[:, 0], pts[:, 1]))
    )
    return np.asarray(dist, np.float64).reshape(-1)
