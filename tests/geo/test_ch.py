"""Contraction hierarchy: exact against scipy's Dijkstra, whatever its tuning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo import StreetGraph, load_graph, snap, travel_matrices
from geo.ch import build_hierarchy, ch_rows, contract_csr, target_buckets
from geo.dijkstra import INF, many_to_many
from tests.geo.test_dijkstra import random_graph
from tests.geo.tiny import grid_nodes, write_osm


def _grid(tmp_path: Path, k: int = 12) -> StreetGraph:
    """A k x k street grid with random one-way streets and mixed classes (drive)."""
    rng = np.random.default_rng(k)
    nodes = grid_nodes(k, k, 90.0)
    ways: list[tuple[list[int], dict[str, str]]] = []
    for y in range(k):
        for x in range(k):
            here = 1 + x + y * k
            for nxt in ([here + 1] if x + 1 < k else []) + ([here + k] if y + 1 < k else []):
                tags = {"highway": str(rng.choice(["residential", "primary", "service"]))}
                if rng.random() < 0.2:
                    tags["oneway"] = "yes"
                ways.append(([here, nxt], tags))
    return load_graph(write_osm(tmp_path / "grid.osm", nodes, ways), "drive", cache=False)


def _all_pairs(g: StreetGraph, order: str) -> np.ndarray:
    rank = None
    if order == "random":
        rank = np.random.default_rng(5).permutation(g.n_route).astype(np.int64)
    elif order == "as numbered":
        rank = np.arange(g.n_route, dtype=np.int64)
    h = contract_csr(g.indptr, g.indices, g.arc_key, rank=rank)
    nodes = np.arange(g.n_route)
    one = np.column_stack([nodes, np.full_like(nodes, -1)])
    zero = np.zeros_like(one)
    buckets = target_buckets(h, g.n_route, one, zero)
    return ch_rows(h, buckets, one, zero)


@pytest.mark.parametrize("order", ["nested dissection", "random", "as numbered"])
def test_hierarchy_equals_dijkstra_on_every_pair(tmp_path: Path, order: str) -> None:
    """All-pairs keys from the hierarchy equal plain Dijkstra, whatever the node order."""
    g = _grid(tmp_path)
    nodes = np.arange(g.n_route)
    seeds = np.column_stack([nodes, np.full_like(nodes, -1)])
    ref = many_to_many(g.indptr, g.indices, g.arc_key, seeds, np.zeros_like(seeds), nodes)
    assert np.array_equal(_all_pairs(g, order), ref)


def test_hierarchy_on_random_graph_with_unreachable_pairs() -> None:
    """A random graph with dead ends: the hierarchy finds exactly scipy's reachable pairs."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    indptr, indices, w = random_graph(250, 600, seed=11)
    h = contract_csr(indptr, indices, w + 1)
    nodes = np.arange(250)
    one = np.column_stack([nodes, np.full_like(nodes, -1)])
    got = ch_rows(h, target_buckets(h, 250, one, np.zeros_like(one)), one, np.zeros_like(one))
    tail = np.repeat(nodes, np.diff(indptr))
    ref = dijkstra(csr_matrix(((w + 1).astype(float), (tail, indices)), shape=(250, 250)))
    assert np.array_equal(np.where(got < INF, got.astype(float), np.inf), ref)
    assert (got == INF).any()


def test_shortcuts_are_fewer_than_arcs_times_four(helsinki: dict[str, StreetGraph]) -> None:
    """On the Helsinki walk graph the hierarchy stays small (shortcuts < 4 x arcs)."""
    g = helsinki["walk"]
    h = build_hierarchy(g)
    assert 0 < h.shortcuts < 4 * g.n_edges


def test_matrix_engines_agree_on_grid(tmp_path: Path) -> None:
    """travel_matrices gives the same result through the hierarchy and plain Dijkstra."""
    g = _grid(tmp_path)
    rng = np.random.default_rng(0)
    w, s, e, n = g.bbox
    pts = list(zip(rng.uniform(w, e, 40), rng.uniform(s, n, 40), strict=True))
    sn = snap(g, pts)
    a = travel_matrices(g, sn, engine="ch")
    b = travel_matrices(g, sn, engine="dijkstra")
    assert np.array_equal(a.durations, b.durations)
    assert np.array_equal(a.distances, b.distances)


def test_rows_do_not_depend_on_thread_count(tmp_path: Path) -> None:
    """Buckets filled by one or three threads, rows by one or three: the same keys."""
    g = _grid(tmp_path)
    h = build_hierarchy(g)
    nodes = np.arange(g.n_route)
    one = np.column_stack([nodes, np.full_like(nodes, -1)])
    zero = np.zeros_like(one)
    got = [
        ch_rows(h, target_buckets(h, g.n_route, one, zero, threads=n), one, zero, threads=n)
        for n in (1, 3)
    ]
    ref = many_to_many(g.indptr, g.indices, g.arc_key, one, zero, nodes)
    assert np.array_equal(got[0], ref) and np.array_equal(got[1], ref)
