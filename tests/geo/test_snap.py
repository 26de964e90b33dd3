"""Snapping against a brute-force search over every street segment."""

from __future__ import annotations

import numpy as np
import pytest

from geo import PointError, StreetGraph, snap

M_PER_DEG = 111_195.0


def _brute(g: StreetGraph, lon: float, lat: float) -> tuple[float, int, float]:
    """(distance m, link, metres along it) of the nearest segment, in a flat local frame."""
    k = np.cos(np.radians(lat))
    x, y = (g.pt_lon - lon) * k * M_PER_DEG, (g.pt_lat - lat) * M_PER_DEG
    link_of = np.repeat(np.arange(g.n_links), np.diff(g.link_ptr))
    same = link_of[:-1] == link_of[1:]
    ax, ay, bx, by = x[:-1][same], y[:-1][same], x[1:][same], y[1:][same]
    dx, dy = bx - ax, by - ay
    t = np.clip(-(ax * dx + ay * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
    d = np.hypot(ax + t * dx, ay + t * dy)
    i = int(np.argmin(d))
    start = np.flatnonzero(same)[i]
    along = g.pt_cm[start] / 100.0 + t[i] * np.hypot(dx[i], dy[i])
    return float(d[i]), int(link_of[start]), float(along)


def test_nearest_segment_matches_brute_force(helsinki: dict[str, StreetGraph]) -> None:
    """Each point lands on the nearest segment, at the right distance and offset."""
    g = helsinki["walk"]
    rng = np.random.default_rng(4)
    w, s, e, n = g.bbox
    pts = list(zip(rng.uniform(w, e, 200), rng.uniform(s, n, 200), strict=True))
    sn = snap(g, pts)
    for i, (lon, lat) in enumerate(pts):
        d, link, along = _brute(g, lon, lat)
        assert sn.snap_m[i] == pytest.approx(d, abs=0.3)
        if link == sn.link[i]:
            assert sn.off_cm[i] / 100.0 == pytest.approx(along, abs=0.5)
        else:  # a tie between two segments within the tolerance
            assert sn.snap_m[i] - d < 0.3


def test_offsets_lie_within_their_link(helsinki: dict[str, StreetGraph]) -> None:
    """Offsets are between 0 and the link totals, time and length alike."""
    g = helsinki["bike"]
    rng = np.random.default_rng(5)
    w, s, e, n = g.bbox
    sn = snap(g, list(zip(rng.uniform(w, e, 300), rng.uniform(s, n, 300), strict=True)))
    assert (sn.off_cm >= 0).all() and (sn.off_cm <= g.link_length_cm()[sn.link]).all()
    assert (sn.off_ms >= 0).all() and (sn.off_ms <= g.link_time_ms()[sn.link]).all()


def test_limit_marks_far_points_unreachable(helsinki: dict[str, StreetGraph]) -> None:
    """A point beyond ``max_snap_m`` is unreachable with its true distance reported."""
    g = helsinki["walk"]
    w, s, _, _ = g.bbox
    far = (w - 0.02, s)  # about 1.1 km west of the map
    sn = snap(g, [far], max_snap_m=300)
    assert not sn.reachable[0] and sn.snap_m[0] > 1000
    assert snap(g, [far], max_snap_m=5000).reachable[0]


@pytest.mark.parametrize("bad", [[(200.0, 0.0)], [(0.0, float("nan"))]])
def test_invalid_points_are_refused(helsinki: dict[str, StreetGraph], bad: list) -> None:
    """Coordinates outside WGS-84 or not numbers raise a point error naming the point."""
    with pytest.raises(PointError, match="point 0"):
        snap(helsinki["walk"], bad)


def test_pieces_within_reach_are_every_piece_that_close(helsinki: dict[str, StreetGraph]) -> None:
    """The bounded nearest-neighbour queries that stand in for a ball query return every
    indexed piece within reach and no other, also where there are many times more than
    the first query asks for (the queries grow until one comes back short)."""
    from geo.snap import _index

    idx = _index(helsinki["walk"])
    pieces = idx.tree.data_pts.reshape(-1, 2)  # (pykdtree keeps them flat)
    rng = np.random.default_rng(9)
    counts = []
    for qx, qy in pieces[rng.choice(len(pieces), 20, replace=False)]:
        for reach in (15.0, 120.0, 400.0):
            near = np.hypot(pieces[:, 0] - qx, pieces[:, 1] - qy) < reach
            found = idx.pieces_within(float(qx), float(qy), reach)
            assert sorted(found.tolist()) == np.flatnonzero(near).tolist()
            counts.append(len(found))
    assert max(counts) > 16 * 64  # the queries grew at least twice
