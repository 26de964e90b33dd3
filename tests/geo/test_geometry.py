"""Street-following GeoJSON geometry of route legs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo import PointError, StreetGraph, route_geometry, snap, travel_matrices
from geo.geometry import path_length_cm


def test_leg_geometry_follows_streets(helsinki: dict[str, StreetGraph]) -> None:
    """Each leg's polyline is as long as its matrix distance plus the two door walks."""
    g = helsinki["walk"]
    rng = np.random.default_rng(11)
    w, s, e, n = g.bbox
    pts = list(zip(rng.uniform(w, e, 6), rng.uniform(s, n, 6), strict=True))
    sn = snap(g, pts, max_snap_m=1000)
    m = travel_matrices(g, sn)
    gj = route_geometry(g, sn, [0, 1, 2, 3, 4, 5])
    json.dumps(gj)  # plain JSON
    legs = [f for f in gj["features"] if f["properties"]["kind"] == "leg"]
    assert len(legs) == 5
    for f in legs:
        i, j = f["properties"]["from"], f["properties"]["to"]
        coords = f["geometry"]["coordinates"]
        assert coords[0] == [pts[i][0], pts[i][1]] and coords[-1] == [pts[j][0], pts[j][1]]
        street_m = path_length_cm(coords) / 100 - sn.snap_m[i] - sn.snap_m[j]
        assert street_m == pytest.approx(m.distances[i, j], abs=2 + 0.002 * m.distances[i, j])
    route = gj["features"][-1]
    assert route["properties"]["kind"] == "route"
    assert "OpenStreetMap" in gj["attribution"]


def test_geometry_refuses_unreachable(helsinki: dict[str, StreetGraph]) -> None:
    """Asking geometry for a point beyond the snap limit is a PointError."""
    g = helsinki["walk"]
    w, s, e, n = g.bbox
    sn = snap(g, [((w + e) / 2, (s + n) / 2), (e + 0.1, n)])
    with pytest.raises(PointError):
        route_geometry(g, sn, [0, 1])
