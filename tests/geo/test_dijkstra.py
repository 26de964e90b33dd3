"""Compiled Dijkstra against scipy's on random integer graphs (multi-seeded sources)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.dijkstra import INF, many_to_many, shortest_tree

I64 = npt.NDArray[np.int64]


def random_graph(n: int, m: int, seed: int) -> tuple[I64, I64, I64]:
    """CSR of a random directed graph, one arc per (tail, head), weights 0..999."""
    rng = np.random.default_rng(seed)
    pairs = np.unique(rng.integers(0, n, (m, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    w = rng.integers(0, 1000, len(pairs)).astype(np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(pairs[:, 0], minlength=n), out=indptr[1:])
    return indptr, pairs[:, 1].astype(np.int64), w


def scipy_from_seeds(indptr: I64, indices: I64, w: I64, nodes: I64, keys: I64) -> np.ndarray:
    """Distances from a virtual node joined to each seed by its key (scipy, float)."""
    n = len(indptr) - 1
    tail = np.repeat(np.arange(n), np.diff(indptr))
    ok = nodes >= 0
    rows = np.r_[tail, np.full(int(ok.sum()), n)]
    cols = np.r_[indices, nodes[ok]]
    # scipy drops explicit zeros: shift every weight by 1 and count arcs separately
    data = np.r_[w, keys[ok]].astype(np.float64) * 1e6 + 1
    adj = csr_matrix((data, (rows, cols)), shape=(n + 1, n + 1))
    d = dijkstra(adj, indices=n)[:n]
    return np.where(np.isfinite(d), np.floor(d / 1e6), np.inf)


def test_many_to_many_matches_scipy() -> None:
    """Multi-seeded searches equal scipy's Dijkstra from a virtual source, INF where none."""
    indptr, indices, w = random_graph(400, 1100, seed=7)
    rng = np.random.default_rng(1)
    seeds = rng.integers(0, 400, (30, 2))
    seeds[::5, 1] = -1  # some sources have one seed only
    keys = rng.integers(0, 500, (30, 2)).astype(np.int64)
    targets = np.unique(rng.integers(0, 400, 80))
    got = many_to_many(indptr, indices, w, seeds, keys, targets)
    for s in range(len(seeds)):
        ref = scipy_from_seeds(indptr, indices, w, seeds[s], keys[s])[targets]
        ours = np.where(got[s] < INF, got[s].astype(np.float64), np.inf)
        assert np.array_equal(ours, ref)
    assert (got == INF).any() and (got < INF).any()  # both cases are exercised


def test_shortest_tree_is_consistent() -> None:
    """Tree distances equal scipy's and each predecessor arc closes its node's distance."""
    indptr, indices, w = random_graph(300, 900, seed=3)
    seeds, keys = np.array([5, 17]), np.array([0, 40])
    dist, pred, root = shortest_tree(indptr, indices, w, seeds, keys)
    ref = scipy_from_seeds(indptr, indices, w, seeds, keys)
    assert np.array_equal(np.where(dist < INF, dist.astype(float), np.inf), ref)
    tail = np.repeat(np.arange(300), np.diff(indptr))
    for v in np.flatnonzero((dist < INF) & (pred >= 0)):
        e = pred[v]
        assert indices[e] == v and dist[tail[e]] + w[e] == dist[v]
        assert root[v] == root[tail[e]]
    assert set(root[dist < INF].tolist()) <= {0, 1}
