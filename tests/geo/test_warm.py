"""The install-time warm-up compiles what a plan on a cached map runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from geo import StreetGraph

#: Run in a process of its own with an empty numba cache: warm up, then what a plan does
#: on a real map read from the graph cache; prints the functions compiled after the
#: warm-up (each with the number of new argument types).
_CHILD = """
import json, sys
from pathlib import Path
import numpy as np
from numba.core.registry import CPUDispatcher
from geo import build, ch, dijkstra, load_graph, matrix, route_geometry, snap, travel_matrices
from geo.warm import warm_up

warm_up()
modules = (build, ch, dijkstra, matrix)
compiled = {
    f"{m.__name__}.{name}": f
    for m in modules for name, f in vars(m).items() if isinstance(f, CPUDispatcher)
}
before = {name: len(f.signatures) for name, f in compiled.items()}
graph = load_graph(Path(sys.argv[1]), "walk", cache_dir=Path(sys.argv[2]))
w, s, e, n = graph.bbox
rng = np.random.default_rng(0)
points = list(zip(rng.uniform(w, e, 20), rng.uniform(s, n, 20), strict=True))
snapped = snap(graph, points, max_snap_m=5000.0)
for engine in ("dijkstra", "ch"):
    travel_matrices(graph, snapped, engine=engine)
reachable = [int(k) for k in np.flatnonzero(snapped.reachable)[:3]]
route_geometry(graph, snapped, reachable)
added = {k: len(f.signatures) - before[k] for k, f in compiled.items()}
print(json.dumps({"checked": len(compiled), "added": {k: v for k, v in added.items() if v}}))
"""


def test_warm_up_leaves_nothing_to_compile_for_a_plan_on_a_cached_map(
    helsinki: dict[str, StreetGraph], helsinki_pbf: Path, geo_cache: Path, tmp_path: Path
) -> None:
    """With numba's cache empty, ``geo.warm.warm_up`` and then snapping, matrices by both
    engines and run geometry on the Helsinki walk graph read back from the graph cache:
    no compiled function of the street layer gets machine code for new argument types
    (the first plan after an install compiled 2.8 s of it, partly past its time limit)."""
    assert "walk" in helsinki  # the graph cache holds the walk graph
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(helsinki_pbf), str(geo_cache)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["checked"] >= 10
    assert report["added"] == {}
