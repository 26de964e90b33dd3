"""Points of a map for ``street_closed`` tests: the ends of a street piece, and points off
the streets (inside the map's area, and outside it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import geo


def piece_ends(path: Path) -> dict[str, float]:
    """``lon``, ``lat``, ``lon2``, ``lat2``: the two ends of one walk street piece."""
    graph = geo.load_graph(path, "walk")
    k = len(graph.link_a) // 3
    a, b = int(graph.link_a[k]), int(graph.link_b[k])
    ends = {"lon": float(graph.lon[a]), "lat": float(graph.lat[a])}
    return ends | {"lon2": float(graph.lon[b]), "lat2": float(graph.lat[b])}


def off_the_streets(path: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """A point inside the walk map's area farther than 60 m from every street of every
    mode (the farthest of a 30 x 30 grid), and one 3 km east of the map."""
    graphs = geo.load_graphs(path, ["walk", "bike", "drive"])
    west, south, east, north = graphs["walk"].bbox
    grid = [
        (float(x), float(y))
        for x in np.linspace(west, east, 30)
        for y in np.linspace(south, north, 30)
    ]
    near = np.min([geo.snap(g, grid, max_snap_m=50).snap_m for g in graphs.values()], axis=0)
    far = int(np.argmax(near))
    assert near[far] > 60, near[far]
    return grid[far], (east + 0.05, (south + north) / 2)
