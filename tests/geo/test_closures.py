"""Closed streets: only legs that passed along a closed street change (longer or no path
left), exactly, whichever engine computes the closed graph's matrices; a street is closed by
two points on it or by its OSM way id."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from geo import StreetGraph, load_graph, route_geometry, snap, travel_matrices
from geo.closures import close_links, closed_travel_matrices, street_links, way_links
from tests.geo.tiny import DEG_PER_M, write_osm


def _busy_link(graph: StreetGraph) -> int:
    """A two-way link near the middle of the map with a few points of geometry."""
    lon, lat = graph.pt_lon[graph.link_ptr[:-1]], graph.pt_lat[graph.link_ptr[:-1]]
    sizes = np.diff(graph.link_ptr)
    ok = graph.link_fwd & graph.link_bwd & (sizes >= 3) & ~graph.link_local
    centre = (np.median(lon), np.median(lat))
    far = np.hypot(lon - centre[0], lat - centre[1])
    return int(np.flatnonzero(ok)[np.argmin(far[ok])])


def _ends(graph: StreetGraph, link: int) -> tuple[tuple[float, float], tuple[float, float]]:
    lo, hi = int(graph.link_ptr[link]), int(graph.link_ptr[link + 1]) - 1
    inner = lo + 1, hi - 1  # points of the link itself, off the junctions
    return (
        (float(graph.pt_lon[inner[0]]), float(graph.pt_lat[inner[0]])),
        (float(graph.pt_lon[inner[1]]), float(graph.pt_lat[inner[1]])),
    )


def _segments(graph: StreetGraph, links: np.ndarray) -> set[tuple[float, ...]]:
    out = set()
    for k in links:
        pts = list(
            zip(
                graph.pt_lon[graph.link_ptr[k] : graph.link_ptr[k + 1]],
                graph.pt_lat[graph.link_ptr[k] : graph.link_ptr[k + 1]],
                strict=True,
            )
        )
        for p, q in itertools.pairwise(pts):
            out.add((*map(float, p), *map(float, q)))
            out.add((*map(float, q), *map(float, p)))
    return out


def _beyond(graph: StreetGraph, node: int, closed: np.ndarray) -> tuple[float, float]:
    """A point inside an open link at ``node``: legs from it towards the closed street's
    other end went along the closed street."""
    touching = np.flatnonzero((graph.link_a == node) | (graph.link_b == node))
    other = int(next(k for k in touching if k not in closed.tolist()))
    mid = (int(graph.link_ptr[other]) + int(graph.link_ptr[other + 1])) // 2
    return float(graph.pt_lon[mid]), float(graph.pt_lat[mid])


@pytest.fixture(scope="module")
def walk(helsinki: dict[str, StreetGraph]) -> StreetGraph:
    """The Helsinki walking graph."""
    return helsinki["walk"]


def test_two_points_on_one_link_close_that_link(walk: StreetGraph) -> None:
    """Two points on the same street piece close exactly that piece."""
    link = _busy_link(walk)
    assert street_links(walk, *_ends(walk, link)).tolist() == [link]


def test_points_far_from_streets_close_nothing(walk: StreetGraph) -> None:
    """A point kilometres away from the map closes nothing on it."""
    link = _busy_link(walk)
    a, _ = _ends(walk, link)
    assert len(street_links(walk, a, (a[0] + 0.5, a[1]))) == 0


def test_only_legs_along_the_closed_street_change(walk: StreetGraph) -> None:
    """Legs whose fastest path avoided the closed street keep their exact travel; the others
    take longer or have no path left; the hierarchy on the closed graph agrees."""
    rng = np.random.default_rng(5)
    link = _busy_link(walk)
    first, _ = _ends(walk, link)
    b = int(walk.link_ptr[link + 1]) - 1
    far_end = (float(walk.pt_lon[b]), float(walk.pt_lat[b]))
    closed_ids = street_links(walk, first, far_end)
    assert link in closed_ids.tolist()
    closed = close_links(walk, closed_ids)
    picks = rng.choice(len(walk.pt_lon), 14, replace=False)
    near = [_beyond(walk, int(walk.link_a[link]), closed_ids)]
    near.append(_beyond(walk, int(walk.link_b[link]), closed_ids))
    points = near + [(float(walk.pt_lon[p]), float(walk.pt_lat[p])) for p in picks]
    snapped = snap(walk, points)
    before = travel_matrices(walk, snapped, engine="dijkstra")
    after = closed_travel_matrices(closed, snapped)
    assert np.array_equal(after.durations, travel_matrices(closed, snapped, engine="ch").durations)
    changed = after.durations != before.durations
    assert changed.any()
    assert ((after.durations > before.durations) | (after.durations == -1))[changed].all()
    along = _segments(walk, closed_ids)
    for i, j in itertools.permutations(range(len(points)), 2):
        coords = route_geometry(walk, snapped, [i, j])["features"][0]["geometry"]["coordinates"]
        used = any((*p, *q) in along for p, q in itertools.pairwise(map(tuple, coords)))
        if not used:
            assert after.durations[i, j] == before.durations[i, j], (i, j)
            assert after.distances[i, j] == before.distances[i, j], (i, j)
    assert not changed[2:, 2:].all()


def test_no_closure_is_the_same_graph(walk: StreetGraph) -> None:
    """Closing nothing returns the open graph itself (its hierarchy and caches stay)."""
    assert close_links(walk, []) is walk


def _ladder(path: Path, geo_cache: Path) -> StreetGraph:
    """A ladder of two streets 400 m long joined at both ends, each corner with a dead-end
    spur: the south street is OSM ways 1 and 9 meeting end to end (one street piece), the
    north one (way 2) bends 50 m out, so it is the longer way from end to end."""
    m = DEG_PER_M
    nodes = {
        **{10 + k: (100 * k * m, 0.0) for k in range(5)},
        20: (0.0, 100 * m),
        21: (100 * m, 100 * m),
        22: (200 * m, 150 * m),
        23: (300 * m, 100 * m),
        24: (400 * m, 100 * m),
        30: (-100 * m, 0.0),
        34: (500 * m, 0.0),
        40: (-100 * m, 100 * m),
        44: (500 * m, 100 * m),
    }
    road = {"highway": "residential"}
    ways = [
        ([10, 11, 12], road),  # way 1
        ([20, 21, 22, 23, 24], road),  # way 2
        ([10, 20], road),
        ([14, 24], road),
        ([10, 30], road),
        ([14, 34], road),
        ([20, 40], road),
        ([24, 44], road),
        ([12, 13, 14], road),  # way 9
    ]
    return load_graph(write_osm(path, nodes, ways), "walk", cache_dir=geo_cache)


def test_each_link_names_the_osm_ways_it_was_made_from(tmp_path: Path, geo_cache: Path) -> None:
    """Two ways meeting end to end fold into one street piece naming both; a way id closes
    exactly the pieces made from it; an id of no street closes nothing."""
    graph = _ladder(tmp_path / "ladder.osm", geo_cache)
    south = way_links(graph, 1)
    assert len(south) == 1 and way_links(graph, 9).tolist() == south.tolist()
    k = int(south[0])
    assert graph.link_way[graph.link_way_ptr[k] : graph.link_way_ptr[k + 1]].tolist() == [1, 9]
    lats = graph.pt_lat[graph.link_ptr[k] : graph.link_ptr[k + 1]]
    assert np.allclose(lats, 0.0) and len(lats) == 5
    assert len(way_links(graph, 2)) == 1 and len(way_links(graph, 77)) == 0
    named = [
        graph.link_way[graph.link_way_ptr[j] : graph.link_way_ptr[j + 1]]
        for j in range(graph.n_links)
    ]
    assert sorted(int(w) for ids in named for w in ids) == list(range(1, 10))


def test_closing_a_way_changes_the_legs_that_used_it_and_only_those(
    tmp_path: Path, geo_cache: Path
) -> None:
    """Way 1 closed: every leg whose fastest path ran along the south street takes the
    north one (longer); every other leg keeps its exact travel."""
    graph = _ladder(tmp_path / "ladder.osm", geo_cache)
    m = DEG_PER_M
    points = [
        (0.0, 50 * m),  # west rung
        (400 * m, 50 * m),  # east rung
        (100 * m, 100 * m),  # on the north street
        (300 * m, 100 * m),
        (-50 * m, 0.0),  # west spur, south corner
        (450 * m, 100 * m),  # east spur, north corner
    ]
    snapped = snap(graph, points)
    before = travel_matrices(graph, snapped, engine="dijkstra")
    after = closed_travel_matrices(close_links(graph, way_links(graph, 1)), snapped)
    used = np.zeros_like(before.durations, dtype=bool)
    for i, j in itertools.permutations(range(len(points)), 2):
        coords = route_geometry(graph, snapped, [i, j])["features"][0]["geometry"]["coordinates"]
        used[i, j] = any(abs(y) < 1e-12 and 1e-12 < x < 400 * m - 1e-12 for x, y in coords)
    assert used[0, 1] and used[4, 1] and not used[2, 3]
    assert (after.durations[used] > before.durations[used]).all()
    assert (after.distances[used] > before.distances[used]).all()
    assert np.array_equal(after.durations[~used], before.durations[~used])
    assert np.array_equal(after.distances[~used], before.distances[~used])
