"""Compiled many-to-many Dijkstra on CSR arrays (numba, binary heap, threads over sources).

Exact on integer keys: each search adds int64 arc keys, so results equal any other exact
shortest-path algorithm on the same weights. Searches run in parallel threads without the
GIL; each keeps only the target columns and stops once every target node is settled.
"""

from __future__ import annotations

import threading

import numba
import numpy as np
import numpy.typing as npt
from numba import njit, prange

#: numba's default thread pool runs one parallel kernel at a time; callers on several
#: Python threads (e.g. a web server) take turns through this lock.
PARALLEL_LOCK = threading.Lock()

#: Marks "not reached" in key results; small enough that adding an offset cannot overflow.
INF = np.int64(1) << np.int64(62)

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]


@njit(cache=True, nogil=True, inline="always")
def _push(heap_k: I64, heap_v: I32, size: int, key: np.int64 | int, v: np.int64 | int) -> int:
    """Insert into a 4-ary min-heap of (key, node); return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if heap_k[parent] <= key:
            break
        heap_k[i] = heap_k[parent]
        heap_v[i] = heap_v[parent]
        i = parent
    heap_k[i] = key
    heap_v[i] = v
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def _pop(heap_k: I64, heap_v: I32, size: int) -> int:
    """Remove the root (the caller read it first); return the new size."""
    size -= 1
    key = heap_k[size]
    v = heap_v[size]
    i = 0
    while True:
        child = 4 * i + 1
        if child >= size:
            break
        best = child
        best_k = heap_k[child]
        for j in range(child + 1, min(child + 4, size)):
            if heap_k[j] < best_k:
                best_k = heap_k[j]
                best = j
        if best_k >= key:
            break
        heap_k[i] = best_k
        heap_v[i] = heap_v[best]
        i = best
    if size > 0:
        heap_k[i] = key
        heap_v[i] = v
    return size


@njit(cache=True, nogil=True)
def _search(
    graph: tuple[I32, I32, I64],
    seed_nodes: I64,
    seed_keys: I64,
    col_of: I64,
    n_cols: int,
    dist: I64,
    heap_k: I64,
    heap_v: I32,
    out_row: I64,
) -> None:
    """One lazy-deletion Dijkstra; a node is pushed only on strict improvement, so the
    entry popped with ``key == dist`` is unique and final; ``graph`` is the CSR
    ``(indptr, indices, weights)``."""
    indptr, indices, weights = graph
    dist[:] = INF
    size = 0
    for i in range(seed_nodes.shape[0]):
        v = seed_nodes[i]
        k = seed_keys[i]
        if v >= 0 and k < dist[v]:
            dist[v] = k
            size = _push(heap_k, heap_v, size, k, v)
    remaining = n_cols
    while size > 0:
        k = heap_k[0]
        v = heap_v[0]
        size = _pop(heap_k, heap_v, size)
        if k > dist[v]:
            continue
        c = col_of[v]
        if c >= 0:
            out_row[c] = k
            remaining -= 1
            if remaining == 0:
                break
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nk = k + weights[e]
            if nk < dist[u]:
                dist[u] = nk
                size = _push(heap_k, heap_v, size, nk, u)


@njit(cache=True, parallel=True)
def _many(
    graph: tuple[I32, I32, I64],
    seed_nodes: I64,
    seed_keys: I64,
    col_of: I64,
    n_cols: int,
    n_threads: int,
) -> I64:
    n = graph[0].shape[0] - 1
    m = graph[1].shape[0]
    n_src = seed_nodes.shape[0]
    out = np.full((n_src, n_cols), INF, dtype=np.int64)
    for t in prange(n_threads):
        dist = np.empty(n, dtype=np.int64)
        heap_k = np.empty(m + seed_nodes.shape[1] + 1, dtype=np.int64)
        heap_v = np.empty(m + seed_nodes.shape[1] + 1, dtype=np.int32)
        for s in range(t, n_src, n_threads):
            _search(
                graph,
                seed_nodes[s],
                seed_keys[s],
                col_of,
                n_cols,
                dist,
                heap_k,
                heap_v,
                out[s],
            )
    return out


def many_to_many(
    indptr: I64,
    indices: I64,
    weights: I64,
    seed_nodes: I64,
    seed_keys: I64,
    target_nodes: I64,
    *,
    threads: int | None = None,
) -> I64:
    """Shortest path keys from each multi-seeded source to each target node.

    Parameters
    ----------
    indptr, indices, weights
        CSR graph with non-negative int64 arc weights.
    seed_nodes, seed_keys
        ``(S, k)``: source ``s`` starts at ``seed_nodes[s, i]`` with initial key
        ``seed_keys[s, i]``; a node of ``-1`` is ignored.
    target_nodes
        Distinct node indices whose keys are wanted.
    threads
        Worker threads (default: numba's thread count, i.e. all cores).

    Returns
    -------
    ``(S, len(target_nodes))`` int64 keys; :data:`INF` where not reachable.
    """
    n = len(indptr) - 1
    col_of = np.full(n, -1, dtype=np.int64)
    col_of[target_nodes] = np.arange(len(target_nodes), dtype=np.int64)
    n_threads = max(1, min(threads or numba.get_num_threads(), max(1, len(seed_nodes))))
    with PARALLEL_LOCK:
        graph = (
            np.ascontiguousarray(indptr, dtype=np.int32),
            np.ascontiguousarray(indices, dtype=np.int32),
            np.ascontiguousarray(weights, dtype=np.int64),
        )
        return _many(
            graph,
            np.ascontiguousarray(seed_nodes, dtype=np.int64),
            np.ascontiguousarray(seed_keys, dtype=np.int64),
            col_of,
            len(target_nodes),
            n_threads,
        )


@njit(cache=True, nogil=True)
def _tree(
    indptr: I64, indices: I64, weights: I64, seed_nodes: I64, seed_keys: I64
) -> tuple[I64, I64, I64]:
    n = indptr.shape[0] - 1
    dist = np.full(n, INF, dtype=np.int64)
    pred = np.full(n, -1, dtype=np.int64)
    root = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    heap_k = np.empty(indices.shape[0] + seed_nodes.shape[0] + 1, dtype=np.int64)
    heap_v = np.empty(indices.shape[0] + seed_nodes.shape[0] + 1, dtype=np.int32)
    size = 0
    for i in range(seed_nodes.shape[0]):
        v = seed_nodes[i]
        if v >= 0 and seed_keys[i] < dist[v]:
            dist[v] = seed_keys[i]
            root[v] = i
            size = _push(heap_k, heap_v, size, seed_keys[i], v)
    while size > 0:
        k = heap_k[0]
        v = heap_v[0]
        size = _pop(heap_k, heap_v, size)
        if done[v] or k > dist[v]:
            continue
        done[v] = True
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nk = k + weights[e]
            if not done[u] and nk < dist[u]:
                dist[u] = nk
                pred[u] = e
                root[u] = root[v]
                size = _push(heap_k, heap_v, size, nk, u)
    return dist, pred, root


def shortest_tree(
    indptr: I64, indices: I64, weights: I64, seed_nodes: I64, seed_keys: I64
) -> tuple[I64, I64, I64]:
    """Full shortest-path tree from seeds: ``(dist, pred_arc, seed_index)`` per node.

    ``dist`` is :data:`INF` where not reached; ``pred_arc`` is the CSR arc index that
    reaches a node (``-1`` at seeds); ``seed_index`` says from which seed a node is reached.
    """
    return _tree(
        np.ascontiguousarray(indptr, dtype=np.int64),
        np.ascontiguousarray(indices, dtype=np.int64),
        np.ascontiguousarray(weights, dtype=np.int64),
        np.ascontiguousarray(seed_nodes, dtype=np.int64),
        np.ascontiguousarray(seed_keys, dtype=np.int64),
    )
