"""Compile the street layer's numba code once, at install, not inside a first plan's budget.

Numba compiles each function on its first call and caches the machine code on disk
(``cache=True``). Without this, the first plan after an install compiled the searches of
the matrices (2.0 s) and of the run geometry (0.8 s, after the solver's search: past the
time limit) on the Intel host of benchmarks/README.md (2026-12-06).
:func:`warm_up` runs every compiled path a plan takes (graph build, snapping, matrices by
plain Dijkstra and by the contraction hierarchy, run geometry) on a map of three streets
written to a temporary folder, without reading or writing the map cache.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

#: Three streets of about 100 m, end to end along three sides of a square near (0, 0).
_MAP = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="0.000000000" lon="0.000000000"/>
  <node id="2" lat="0.000000000" lon="0.000900000"/>
  <node id="3" lat="0.000900000" lon="0.000900000"/>
  <node id="4" lat="0.000900000" lon="0.000000000"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
  <way id="2"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="3"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
</osm>
"""

#: Points along the three streets.
_POINTS = ((0.0003, 0.00001), (0.00089, 0.0005), (0.0004, 0.00089))


def warm_up() -> float:
    """Load (or, the first time on a machine, compile) the street layer's compiled code;
    returns the seconds taken."""
    from geo.geometry import route_geometry
    from geo.load import load_graph
    from geo.matrix import travel_matrices
    from geo.snap import snap

    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="doorstep-warm-") as tmp:
        source = Path(tmp) / "warm.osm"
        source.write_text(_MAP, encoding="utf-8")
        # As built (a new map) and as read back from the cache (read-only arrays: other
        # machine code).
        for _ in range(2):
            graph = load_graph(source, "walk", cache_dir=Path(tmp) / "cache")
            snapped = snap(graph, list(_POINTS))
            for engine in ("dijkstra", "ch"):
                travel_matrices(graph, snapped, engine=engine)
            route_geometry(graph, snapped, [0, 1, 2])
    return time.monotonic() - t0
