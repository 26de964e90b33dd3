"""Path keys sized by one path, not by the map: huge maps build and stay exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo import StreetGraph, load_graph, snap, travel_matrices
from geo.keys import diameter_bound_ms, length_bound_cm
from tests.geo.tiny import DEG_PER_M, write_osm

STREETS = 60
STREET_KM = 170.0
GAP_M = 1000.0


def long_ladder(path: Path, seed: int = 3) -> Path:
    """60 parallel 170 km streets between two spines, rungs of steps between neighbours.

    Their total length (over 10,000 km) overflowed keys sized by the whole map.
    """
    rng = np.random.default_rng(seed)
    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], dict[str, str]]] = []
    rows: list[list[int]] = []
    for s in range(STREETS):
        xs = np.r_[0.0, np.sort(rng.uniform(0.0, STREET_KM * 1000, 8)), STREET_KM * 1000]
        ids = [s * 100 + i + 1 for i in range(len(xs))]
        for nid, x in zip(ids, xs, strict=True):
            nodes[nid] = (float(x) * DEG_PER_M, s * GAP_M * DEG_PER_M)
        rows.append(ids)
        ways.append((ids, {"highway": "residential"}))
    for side in (0, -1):
        ways.append(([r[side] for r in rows], {"highway": "residential"}))
    for s in range(STREETS - 1):
        for _ in range(3):
            a, b = rng.integers(1, 9, 2)
            ways.append(([rows[s][a], rows[s + 1][b]], {"highway": "steps"}))
    return write_osm(path, nodes, ways)


def _scipy_seconds(g: StreetGraph, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Fastest times (s, half up) between graph nodes by scipy on the arc milliseconds."""
    adj = csr_matrix((g.arc_ms.astype(np.float64), g.indices, g.indptr), shape=(g.n_route,) * 2)
    ms = dijkstra(adj, indices=src)[:, dst]
    return (ms.astype(np.int64) + 500) // 1000


def _check_against_scipy(g: StreetGraph, n_sources: int, n_points: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    nodes = rng.choice(g.n_nodes, size=n_points, replace=False)
    pts = list(zip(g.lon[nodes].tolist(), g.lat[nodes].tolist(), strict=True))
    sn = snap(g, pts)
    assert sn.reachable.all()
    expected = _scipy_seconds(g, nodes[:n_sources], nodes)
    for engine in ("dijkstra", "ch"):
        m = travel_matrices(g, sn, engine=engine)
        assert np.array_equal(m.durations[:n_sources], expected), engine


def test_map_too_long_for_whole_map_keys_builds(tmp_path: Path) -> None:
    """A map whose total length overflowed whole-map keys builds with a small shift."""
    g = load_graph(long_ladder(tmp_path / "ladder.osm"), "walk", cache=False)
    total_bits = int(g.link_length_cm().sum()).bit_length()
    total_bits += int(g.link_time_ms().sum()).bit_length()
    assert total_bits > 62  # the former scheme refused this map
    assert g.key_shift < int(g.link_length_cm().sum()).bit_length()


def test_long_map_matrices_match_scipy(tmp_path: Path) -> None:
    """Both engines equal scipy's Dijkstra to the second on the long map."""
    g = load_graph(long_ladder(tmp_path / "ladder.osm"), "walk", cache=False)
    _check_against_scipy(g, n_sources=50, n_points=120, seed=1)


def test_diameter_bound_covers_every_pair(tmp_path: Path) -> None:
    """No fastest time between two nodes exceeds the two-search diameter bound."""
    g = load_graph(long_ladder(tmp_path / "ladder.osm", seed=5), "walk", cache=False)
    adj = csr_matrix((g.arc_ms.astype(np.float64), g.indices, g.indptr), shape=(g.n_route,) * 2)
    worst = dijkstra(adj).max()
    bound = diameter_bound_ms(g.indptr, g.indices, g.arc_ms, centre=g.n_nodes // 2)
    assert worst <= bound <= 2 * worst


def test_length_bound_covers_fastest_paths(helsinki: dict[str, StreetGraph]) -> None:
    """The length bound exceeds the length of every fastest path of the Helsinki walk graph."""
    g = helsinki["walk"]
    adj = csr_matrix((g.arc_ms.astype(np.float64), g.indices, g.indptr), shape=(g.n_route,) * 2)
    src = np.arange(0, g.n_nodes, 97)
    keys_ms, pred = dijkstra(adj, indices=src, return_predecessors=True)
    cm_of = {(int(t), int(h)): int(c) for t, h, c in _arcs(g)}
    longest = 0
    for row, s in enumerate(src):
        for v in range(0, g.n_route, 31):
            if not np.isfinite(keys_ms[row, v]):
                continue
            cm, cur = 0, v
            while cur != s and pred[row, cur] >= 0:
                cm += cm_of[(int(pred[row, cur]), cur)]
                cur = int(pred[row, cur])
            longest = max(longest, cm)
    bound = length_bound_cm(g.pt_ms, g.pt_cm, g.link_ptr, int(keys_ms[np.isfinite(keys_ms)].max()))
    assert longest <= bound < 8 * longest


def _arcs(g: StreetGraph) -> zip[tuple[int, int, int]]:
    tail = np.repeat(np.arange(g.n_route), np.diff(g.indptr))
    return zip(tail.tolist(), g.indices.tolist(), g.arc_cm.tolist(), strict=True)


def test_tiled_helsinki_matches_scipy(helsinki_pbf: Path) -> None:
    """On Helsinki tiled 2 x 2 both engines equal scipy to the second from 50 sources."""
    from benchmarks.tiled import tile_osm
    from geo import PROFILES
    from geo.build import build_graph
    from geo.osm import read_osm_file

    g = build_graph(tile_osm(read_osm_file(helsinki_pbf), 2), PROFILES["walk"])
    assert g.n_nodes > 8000
    core = np.flatnonzero(g.arrive_node < 0)
    rng = np.random.default_rng(2)
    nodes = rng.choice(core, size=300, replace=False)  # core nodes: reached as themselves
    pts = list(zip(g.lon[nodes].tolist(), g.lat[nodes].tolist(), strict=True))
    sn = snap(g, pts)
    expected = _scipy_seconds(g, nodes[:50], nodes)
    np.fill_diagonal(expected[:, :50], 0)
    for engine in ("dijkstra", "ch"):
        m = travel_matrices(g, sn, engine=engine)
        assert np.array_equal(m.durations[:50], expected), engine
