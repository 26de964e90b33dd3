"""GCJ-02 and BD-09 against published reference pairs, round trips and China's border."""

from __future__ import annotations

import numpy as np
import pytest

from geo.crs import (
    CoordSystem,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    parse_coord_system,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.measure import haversine_m


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


def test_wgs84_to_gcj02_matches_amap_documented_example() -> None:
    """Amap's coordinate-convert example (coordsys=gps): 116.481499,39.990475 ->
    116.487585177952,39.991754014757, reproduced to within 0.1 m."""
    got = wgs84_to_gcj02(116.481499, 39.990475)
    assert _metres(got, (116.487585177952, 39.991754014757)) < 0.1


def test_gcj02_to_bd09_matches_aliyun_documented_example() -> None:
    """Aliyun's TransferCoord example: GCJ-02 120.026268,30.279164 is BD-09
    120.032768,30.285238 (6 decimals), both ways within 0.2 m."""
    gcj, bd = (120.026268, 30.279164), (120.032768, 30.285238)
    assert _metres(gcj02_to_bd09(*gcj), bd) < 0.2
    assert _metres(bd09_to_gcj02(*bd), gcj) < 0.2


def test_gcj02_to_wgs84_within_metres_of_aliyun_example() -> None:
    """Aliyun's WGS-84 for that GCJ-02 point (a one-step inverse) is within 2 m of the exact one,
    and the exact one maps forward onto the GCJ-02 point within 1 cm."""
    gcj = (120.026268, 30.279164)
    wgs = gcj02_to_wgs84(*gcj)
    assert _metres(wgs, (120.021519, 30.281543)) < 2.0
    assert _metres(wgs84_to_gcj02(*wgs), gcj) < 0.01


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(116.3184, 39.9975), (87.6168, 43.8256), (121.4737, 31.2304), (113.2644, 23.1291)],
)
def test_round_trips_return_to_the_point(lon: float, lat: float) -> None:
    """WGS-84 -> GCJ-02/BD-09 -> WGS-84 returns within 1 cm; the shift itself is 100-700 m."""
    g = wgs84_to_gcj02(lon, lat)
    assert 100 < _metres(g, (lon, lat)) < 900
    assert _metres(gcj02_to_wgs84(*g), (lon, lat)) < 0.01
    b = wgs84_to_bd09(lon, lat)
    assert _metres(bd09_to_wgs84(*b), (lon, lat)) < 0.01
    for system in CoordSystem:
        assert _metres(to_wgs84(system, *from_wgs84(system, lon, lat)), (lon, lat)) < 0.01


def test_arrays_convert_like_scalars() -> None:
    """Vectorised conversion gives the scalar results, point by point."""
    lon = np.array([116.30, 116.32, 87.61])
    lat = np.array([39.98, 40.00, 43.82])
    x, y = gcj02_to_wgs84(lon, lat)
    for i in range(3):
        sx, sy = gcj02_to_wgs84(float(lon[i]), float(lat[i]))
        assert abs(x[i] - sx) < 1e-12 and abs(y[i] - sy) < 1e-12


def test_outside_china_gcj02_is_wgs84() -> None:
    """Outside China GCJ-02 leaves points where they are (Helsinki, Philadelphia)."""
    for p in ((24.9384, 60.1699), (-75.1652, 39.9526)):
        assert wgs84_to_gcj02(*p) == p
        assert gcj02_to_wgs84(*p) == p


def test_parse_coord_system_names() -> None:
    """Names are read loosely (WGS-84, GCJ_02, bd09) and an unknown one is refused by name."""
    assert parse_coord_system("WGS-84") is CoordSystem.WGS84
    assert parse_coord_system("GCJ_02") is CoordSystem.GCJ02
    assert parse_coord_system(" bd09 ") is CoordSystem.BD09
    with pytest.raises(ValueError, match="one of wgs84, gcj02, bd09"):
        parse_coord_system("utm")
