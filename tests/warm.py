"""Compile the street-graph kernels (numba, cached on disk beside their modules) in a
process of its own, so that on a fresh checkout ``python3 -m tests`` compiles them while
ruff, mypy and the provisioning run instead of inside the first geo test.

``python -m tests.warm`` builds a tiny map (a square with a side street), snaps two
stops and computes their matrices with both engines (Dijkstra, contraction hierarchy)
and one leg's geometry: every kernel a first test would otherwise compile.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.geo.tiny import DEG_PER_M, write_osm

#: Node id -> (x, y) metres: a 500 m square with a side street.
_NODES_M = {1: (0, 0), 2: (0, 500), 3: (500, 500), 4: (500, 0), 5: (0, 700)}
_WAYS = [([1, 2, 3, 4, 1], {"highway": "residential"}), ([2, 5], {"highway": "residential"})]
#: Two stops (x, y metres) on the square.
_STOPS = [(0, 100), (500, 100)]


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return (x * DEG_PER_M, y * DEG_PER_M)


def compile_geo_kernels(folder: Path) -> None:
    """Run every street-graph kernel once on a tiny map written in ``folder``."""
    from geo import load_graph, route_geometry, snap, travel_matrices

    path = write_osm(folder / "warm.osm", {k: _lonlat(*v) for k, v in _NODES_M.items()}, _WAYS)
    graph = load_graph(path, "walk", cache=False)
    snapped = snap(graph, [_lonlat(*p) for p in _STOPS])
    for engine in ("dijkstra", "ch"):
        travel_matrices(graph, snapped, engine=engine)
    route_geometry(graph, snapped, [0, 1])


def start(python: str, cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``python -m tests.warm`` in ``cwd`` (its output discarded: a failure here
    only means the first geo test compiles, and that test reports any real fault)."""
    return subprocess.Popen(
        [python, "-m", "tests.warm"],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="doorstep-warm-") as tmp:
        compile_geo_kernels(Path(tmp))
    sys.exit(0)
