"""Snapping and travel matrices: exact against networkx, one-way rules, far points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo import StreetGraph, load_graph, snap, travel_matrices
from tests.geo.oracle import oracle_pairs
from tests.geo.tiny import DEG_PER_M, grid_nodes, write_osm


def _random_points(g: StreetGraph, n: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    w, s, e, nn = g.bbox
    return list(zip(rng.uniform(w, e, n), rng.uniform(s, nn, n), strict=True))


@pytest.mark.parametrize("engine", ["dijkstra", "ch"])
@pytest.mark.parametrize("profile", ["walk", "bike", "drive"])
def test_matrix_equals_networkx(
    helsinki: dict[str, StreetGraph], profile: str, engine: str
) -> None:
    """Durations and distances equal a networkx Dijkstra on sampled pairs, exactly."""
    g = helsinki[profile]
    pts = _random_points(g, 120, seed=7)
    pts += pts[:2]  # identical points are 0 apart
    sn = snap(g, pts, max_snap_m=150)
    m = travel_matrices(g, sn, engine=engine)
    rng = np.random.default_rng(3)
    sources = rng.choice(len(pts), 6, replace=False).tolist()
    targets = rng.choice(len(pts), 30, replace=False).tolist()
    pairs = [(i, j) for i in sources for j in targets]
    pairs += [(0, 120), (120, 0), (1, 121)]
    expected = oracle_pairs(g, sn, pairs)
    got = [(int(m.durations[p]), int(m.distances[p])) for p in pairs]
    assert got == expected
    assert m.durations[0, 120] == 0 and m.distances[1, 121] == 0


def test_far_points_unreachable(helsinki: dict[str, StreetGraph]) -> None:
    """A point far from every street is reported with its distance and never timed."""
    g = helsinki["walk"]
    w, s, e, n = g.bbox
    far = (e + 0.05, n + 0.05)  # several km outside the extract
    pts = [((w + e) / 2, (s + n) / 2), far, ((w + e) / 2 + 0.001, (s + n) / 2)]
    sn = snap(g, pts)
    assert list(sn.reachable) == [True, False, True]
    assert sn.snap_m[1] > 3000
    m = travel_matrices(g, sn)
    assert (m.durations[1] == -1).all() and (m.durations[:, 1] == -1).all()
    assert (m.distances[1] == -1).all()
    assert m.snap_m[1] == sn.snap_m[1]
    assert m.durations[0, 2] > 0


def test_snaps_to_edge_not_node(tmp_path: Path) -> None:
    """A point beside the middle of a long street snaps onto it, metres away."""
    nodes = {1: (0.0, 0.0), 2: (1000 * DEG_PER_M, 0.0)}
    path = write_osm(tmp_path / "line.osm", nodes, [([1, 2], {"highway": "residential"})])
    g = load_graph(path, "walk", cache=False)
    sn = snap(g, [(500 * DEG_PER_M, 20 * DEG_PER_M)])
    assert sn.snap_m[0] == pytest.approx(20, abs=0.1)
    assert sn.off_cm[0] == pytest.approx(50_000, abs=20)


def test_oneway_drive_not_walk(tmp_path: Path) -> None:
    """Drive A->B differs from B->A on a one-way loop; walk is symmetric."""
    # a square block 200 m: the south side is one-way eastbound, the rest two-way
    nodes = grid_nodes(2, 2, 200)
    ways = [
        ([1, 2], {"highway": "residential", "oneway": "yes"}),
        ([2, 4, 3, 1], {"highway": "residential"}),
    ]
    path = write_osm(tmp_path / "oneway.osm", nodes, ways)
    pts = [(50 * DEG_PER_M, 0.0), (150 * DEG_PER_M, 0.0)]  # on the one-way side
    drive = load_graph(path, "drive", cache=False)
    walk = load_graph(path, "walk", cache=False)
    md = travel_matrices(drive, snap(drive, pts))
    mw = travel_matrices(walk, snap(walk, pts))
    assert md.distances[0, 1] == 100
    assert md.distances[1, 0] == 700  # round the block
    assert md.durations[1, 0] > md.durations[0, 1]
    assert mw.distances[0, 1] == mw.distances[1, 0] == 100
    assert mw.durations[0, 1] == mw.durations[1, 0]


def test_door_walk_counts_in_duration(tmp_path: Path) -> None:
    """The walk from street to door is added to durations at the profile's door speed."""
    nodes = {1: (0.0, 0.0), 2: (1000 * DEG_PER_M, 0.0)}
    path = write_osm(tmp_path / "line.osm", nodes, [([1, 2], {"highway": "residential"})])
    g = load_graph(path, "drive", cache=False)
    pts = [(0.0, 0.0), (500 * DEG_PER_M, 50 * DEG_PER_M)]
    m = travel_matrices(g, snap(g, pts))
    drive_s = 500 / (25 / 3.6)
    door_s = 50 / (4.5 / 3.6)
    assert m.distances[0, 1] == 500
    assert abs(m.durations[0, 1] - (drive_s + door_s)) <= 1


def test_engines_agree_on_all_pairs(helsinki: dict[str, StreetGraph]) -> None:
    """The contraction hierarchy and plain Dijkstra give identical full matrices."""
    for profile in ("walk", "drive"):
        g = helsinki[profile]
        sn = snap(g, _random_points(g, 150, seed=5))
        a = travel_matrices(g, sn, engine="dijkstra")
        b = travel_matrices(g, sn, engine="ch", chunk=64)
        assert np.array_equal(a.durations, b.durations)
        assert np.array_equal(a.distances, b.distances)
