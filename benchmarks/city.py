"""City rows of ``python -m benchmarks.geo --city 7,11,22``: walk graphs of city size.

For each k, the k x k mirror-tiled Helsinki (``benchmarks/tiled.py``; 7 -> ~106k, 11 ->
~263k, 22 -> ~1M walk nodes) is measured in fresh processes, one after the other:

1. cold: read the map as PBF (written from the tiled OSM XML by osmium), build the walk
   graph, write the cache, prepare the hierarchy (each phase timed; "ready to route" is
   their sum; also in CPU seconds), peak resident memory; then the same map's streets read
   from its XML, timed beside;
2. cached: load graph and hierarchy from the cache, a 2,000 x 2,000 matrix through the
   hierarchy, exactness against scipy's Dijkstra from 50 random nodes (to the second),
   scipy's one-call Dijkstra as the ratio baseline (as many sources as fit in 1 GB,
   extrapolated linearly to 2,000 when fewer), peak resident memory and bytes per node.

Builds are capped with ``DOORSTEP_GEO_MEMORY`` (default 8 GiB here): a map whose estimate
exceeds it is refused up front and the row says so.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CAP_BYTES = 8 * 2**30
WORK = Path("/tmp/doorstep-bench-geo")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cold(k: int) -> dict[str, Any]:
    """Read, build, save and prepare the k x k walk graph from its OSM file."""
    from benchmarks.tiled import tiled_helsinki
    from geo import MapSourceError, load_graph
    from geo.ch import hierarchy
    from geo.osm import read_osm_file

    path = tiled_helsinki(k, WORK, "pbf")
    xml = tiled_helsinki(k, WORK)
    cache = WORK / f"cache-{k}"
    shutil.rmtree(cache, ignore_errors=True)  # a cold load: no graph of an earlier run
    phases: dict[str, float] = {}
    cpu_phases: dict[str, float] = {}
    cpu0 = time.process_time()
    last = [cpu0]

    def on_phase(phase: str, seconds: float) -> None:
        now = time.process_time()
        phases[phase], cpu_phases[phase], last[0] = seconds, now - last[0], now

    try:
        g = load_graph(path, "walk", cache_dir=cache, on_phase=on_phase)
    except MapSourceError as exc:
        return {"k": k, "refused": str(exc), "peak_mb": _rss_mb()}
    t0, c0 = time.perf_counter(), time.process_time()
    h = hierarchy(g)
    phases["hierarchy"] = time.perf_counter() - t0
    cpu_phases["hierarchy"] = time.process_time() - c0
    ready_cpu_s = time.process_time() - cpu0
    nodes, edges, shortcuts, peak_mb = g.n_nodes, g.n_edges, h.shortcuts, _rss_mb()
    del g, h
    t0, c0 = time.perf_counter(), time.process_time()
    read_osm_file(xml)  # the same map's streets from its OSM XML, beside the PBF read
    xml_read = [time.perf_counter() - t0, time.process_time() - c0]
    return {
        "k": k,
        "nodes": nodes,
        "edges": edges,
        "phases": phases,
        "ready_s": sum(phases.values()),
        "ready_cpu_s": ready_cpu_s,
        "source": "pbf",
        "xml_read": xml_read,
        "file_mb_xml": xml.stat().st_size / 1e6,
        "cpu_phases": cpu_phases,
        "hierarchy_cpu_s": cpu_phases["hierarchy"],
        "shortcuts": shortcuts,
        "peak_mb": peak_mb,
        "file_mb": path.stat().st_size / 1e6,
    }


def cached(k: int, n: int = 2000) -> dict[str, Any]:
    """Cached load, N x N matrix, exactness and the scipy baseline on the k x k graph."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from benchmarks.tiled import tiled_helsinki
    from geo import load_graph, snap, travel_matrices
    from geo.ch import Hierarchy, hierarchy

    path = tiled_helsinki(k, WORK, "pbf")
    t0 = time.perf_counter()
    g = load_graph(path, "walk", cache_dir=WORK / f"cache-{k}")
    h = hierarchy(g)
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(k)
    w, s, e, nn = g.bbox
    pts = list(zip(rng.uniform(w, e, n), rng.uniform(s, nn, n), strict=True))
    sn = snap(g, pts)
    travel_matrices(g, snap(g, pts[:10]), engine="ch")  # load the compiled kernels
    t0, c0 = time.perf_counter(), time.process_time()
    travel_matrices(g, sn, engine="ch")
    matrix_s = time.perf_counter() - t0
    matrix_cpu_s = time.process_time() - c0
    # exactness: 50 points on random nodes, against scipy node to node (seconds, half up)
    nodes = rng.choice(_alone(g), 50, replace=False)
    on = snap(g, list(zip(g.lon[nodes].tolist(), g.lat[nodes].tolist(), strict=True)))
    ours = travel_matrices(g, on, engine="ch").durations
    adj = csr_matrix((g.arc_ms.astype(np.float64), g.indices, g.indptr), shape=(g.n_route,) * 2)
    full = dijkstra(adj, indices=nodes)
    arrive = g.arrive_node[nodes]  # a compound's node is reached at its arrival copy
    ref_ms = np.minimum(full[:, nodes], np.where(arrive >= 0, full[:, arrive], np.inf))
    np.fill_diagonal(ref_ms, 0)
    ref_s = np.where(
        np.isfinite(ref_ms), (np.nan_to_num(ref_ms).astype(np.int64) + 500) // 1000, -1
    )
    exact = bool(np.array_equal(ours, ref_s))
    # scipy baseline: one call over as many sources as fit in 1 GB of output
    n_sci = int(min(n, max(1, 2**30 // (8 * g.n_route))))
    src = rng.choice(g.n_nodes, n_sci, replace=False)
    t0 = time.perf_counter()
    dijkstra(adj, indices=src)
    scipy_s = (time.perf_counter() - t0) * n / n_sci
    graph_bytes = sum(a.nbytes for a in g.arrays().values())
    ch_bytes = sum(
        np.asarray(getattr(h, f)).nbytes for f in Hierarchy.__dataclass_fields__ if f != "shortcuts"
    )
    return {
        "k": k,
        "load_s": load_s,
        "matrix_s": matrix_s,
        "matrix_cpu_s": matrix_cpu_s,
        "exact": exact,
        "scipy_s": scipy_s,
        "scipy_sources": n_sci,
        "peak_mb": _rss_mb(),
        "bytes_per_node": (graph_bytes + ch_bytes) / g.n_nodes,
    }


def _alone(g: Any) -> np.ndarray:
    """Nodes whose position no other node or link point shares (a mirror tiling puts some
    on top of another street: snapping such a node's coordinates may pick that street)."""
    xy = np.column_stack([g.pt_lon, g.pt_lat])
    _, first, counts = np.unique(xy, axis=0, return_index=True, return_counts=True)
    node_xy = np.column_stack([g.lon, g.lat])
    _, where = np.unique(np.vstack([xy[first], node_xy]), axis=0, return_inverse=True)
    per_point = np.bincount(where.reshape(-1)[: len(first)], weights=counts)
    # a node is its links' end point once per link: alone when no other node or interior
    # point lies there, i.e. the points there are all ends of its own links
    ends = np.zeros(len(g.lon), np.int64)
    np.add.at(ends, np.concatenate([g.link_a, g.link_b]), 1)
    return np.flatnonzero(per_point[where.reshape(-1)[len(first) :]] == ends)


def _child(step: str, k: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "DOORSTEP_GEO_MEMORY": os.environ.get("DOORSTEP_GEO_MEMORY", str(CAP_BYTES)),
    }
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.city", step, str(k)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(tiles: list[int]) -> list[dict[str, Any]]:
    """Cold then cached rows for each tiling, each step in a fresh process."""
    rows = []
    for k in tiles:
        c = _child("cold", k)
        print(json.dumps(c), flush=True)
        row = {**c}
        if "refused" not in c:
            w = _child("cached", k)
            print(json.dumps(w), flush=True)
            row.update({f"cached_{key}" if key == "peak_mb" else key: v for key, v in w.items()})
        rows.append(row)
    return rows


def _cell(row: dict[str, Any], phase: str) -> str:
    """Wall / CPU seconds of a cold phase (rows of runs before the CPU columns: wall)."""
    wall = row["phases"].get(phase, 0.0)
    cpu = row.get("cpu_phases", {}).get(phase)
    return f"{wall:.1f}" if cpu is None else f"{wall:.1f} / {cpu:.1f}"


def _pair(row: dict[str, Any], wall: str, cpu: str, digits: int = 1) -> str:
    """``wall / cpu`` of two keys of a row (the CPU part only when the row has it)."""
    text = f"{row[wall]:.{digits}f}"
    return text if cpu not in row else f"{text} / {row[cpu]:.{digits}f}"


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of the city rows: timings as wall / CPU seconds."""
    out = [
        "| tiles | walk nodes | source | read s | build s | save s | hierarchy s | ready s "
        "| XML read s | cached s | 2000x2000 s | scipy 1 call s | scipy/ours | exact (50 src) "
        "| build peak MB | loaded peak MB | bytes/node |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "refused" in r:
            out.append(f"| {r['k']}x{r['k']} | refused: {r['refused']} |" + " |" * 15)
            continue
        xml_read = "{:.1f} / {:.1f}".format(*r["xml_read"]) if "xml_read" in r else ""
        sci = f"{r['scipy_s']:.1f}" + (" (extrapolated)" if r["scipy_sources"] < 2000 else "")
        out.append(
            f"| {r['k']}x{r['k']} | {r['nodes']:,} | {r.get('source', 'xml')} | "
            f"{_cell(r, 'read')} | "
            f"{_cell(r, 'build walk')} | {_cell(r, 'save walk')} | {_cell(r, 'hierarchy')} | "
            f"{_pair(r, 'ready_s', 'ready_cpu_s')} | {xml_read} | {r['load_s']:.2f} | "
            f"{_pair(r, 'matrix_s', 'matrix_cpu_s', 2)} | {sci} | "
            f"{r['scipy_s'] / r['matrix_s']:.0f}x | "
            f"{r['exact']} | {r['peak_mb']:.0f} | {r['cached_peak_mb']:.0f} | "
            f"{r['bytes_per_node']:.0f} |"
        )
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """``cold K`` / ``cached K`` (one step, JSON on stdout) or ``K,K,...`` (all steps)."""
    if argv and argv[0] in {"cold", "cached"}:
        fn = cold if argv[0] == "cold" else cached
        print(json.dumps(fn(int(argv[1]))))
        return 0
    tiles = [int(x) for x in (argv[0] if argv else "7,11").split(",")]
    load = os.getloadavg()[0]
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    store = results / "geo-city.json"
    kept = {r["k"]: r for r in json.loads(store.read_text())} if store.is_file() else {}
    for row in run(tiles):  # rows of other tilings from earlier runs are kept
        kept[row["k"]] = row
    rows = [kept[k] for k in sorted(kept)]
    store.write_text(json.dumps(rows, indent=1))
    md = [
        "# City-size walk graphs (`python -m benchmarks.geo --city "
        + ",".join(map(str, tiles))
        + "`)",
        "",
        f"- date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}",
        f"- machine: {os.cpu_count()} cores, shared; load average {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end",
        "- each step in a fresh process; ready = read + build + save + hierarchy",
        "- timings as wall / CPU seconds (CPU: processor time of the step's process, all "
        "its threads); on a shared machine the wall times add the wait for a core",
        "- rows of other tilings come from earlier runs of this command (geo-city.json)",
        "",
        table(rows),
        "",
    ]
    (results / "geo-city.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
