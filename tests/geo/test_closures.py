"""Closed streets: only legs that passed along a closed street change (longer or no path
left), exactly, whichever engine computes the closed graph's matrices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo import StreetGraph, route_geometry, snap, travel_matrices
from geo.closures import close_links, closed_travel_matrices, street_links


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
