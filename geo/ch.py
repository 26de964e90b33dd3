"""Contraction hierarchy for exact many-to-many queries (numba).

Preparation is that of a customizable contraction hierarchy (Dibbelt, Strasser and
Wagner, 2016): nodes are ranked by a nested-dissection order of the undirected graph
(METIS through pymetis); contracting them in that order without witness searches gives
the chordal supergraph, whose arcs the elimination tree yields in O(arcs). The *basic
customization* then gives each arc the cheapest key of a path through lower nodes (bottom
up over the triangles), the *perfect customization* the cheapest key of any path (top
down), and an arc whose perfect key is below its basic one is dropped: a path over a
higher node beats it, so no shortest path needs it. What remains is the smallest exact
hierarchy of that order, without a single witness search.

Queries use upward searches with stall-on-demand: targets leave ``(distance, target)``
entries in buckets at the nodes of their backward search space (one search per target);
a node in the spaces of many targets (the top separators) keeps a dense row of all
targets' keys instead. Each source's forward search scans the buckets it meets; the dense
rows met by a batch of sources are scanned once per batch.

Weights are the graph's int64 keys, so results equal plain Dijkstra exactly.
"""

from __future__ import annotations

import logging
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt
from numba import njit, prange

from geo.cache import read_arrays, write_arrays
from geo.dijkstra import INF, PARALLEL_LOCK, _pop, _push
from geo.graph import StreetGraph

log = logging.getLogger("doorstep.geo")

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]


def nested_dissection_rank(indptr: I64, indices: I64) -> I64:
    """Rank of each node in a nested-dissection order of the undirected graph (METIS's
    ``NodeND`` through pymetis): separators last, so each part's nodes rank below the
    separator that cuts it off.

    METIS (and the sparse matrix it reads) is imported here, by the build of a hierarchy:
    a process that reads its hierarchies from the cache never loads it.
    """
    import pymetis
    from scipy.sparse import coo_matrix

    n = len(indptr) - 1
    tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    keep = tail != indices
    if n < 3 or not keep.any():
        return np.arange(n, dtype=np.int64)
    a, b = tail[keep], indices[keep].astype(np.int64)
    sym = coo_matrix((np.ones(2 * len(a), np.int8), (np.r_[a, b], np.r_[b, a])), (n, n)).tocsr()
    sym.sum_duplicates()
    sym.sort_indices()
    adjacency = pymetis.CSRAdjacency(sym.indptr.astype(np.int64), sym.indices.astype(np.int64))
    _, iperm = pymetis.nested_dissection(adjacency)
    return np.asarray(iperm, dtype=np.int64)


@njit(cache=True)
def _elimination_tree(n: int, ptr: I64, adj: I64) -> I64:
    """Parent of each node in the elimination tree of the graph (nodes numbered by rank;
    ``-1`` at roots), by Liu's algorithm with path compression."""
    parent = np.full(n, -1, np.int64)
    ancestor = np.full(n, -1, np.int64)
    for i in range(n):
        for e in range(ptr[i], ptr[i + 1]):
            r = adj[e]
            if r >= i:
                continue
            while ancestor[r] != -1 and ancestor[r] != i:
                t = ancestor[r]
                ancestor[r] = i
                r = t
            if ancestor[r] == -1:
                ancestor[r] = i
                parent[r] = i
    return parent


@njit(cache=True)
def _walk_rows(n: int, ptr: I64, adj: I64, parent: I64, slot: I64, up_to: I64) -> None:
    """Visit, for each node ``i``, every ``j < i`` on the elimination tree paths from the
    lower neighbours of ``i`` up to ``i``, once: with an empty ``up_to`` count it at
    ``slot[j + 1]``, else write ``i`` at ``up_to[slot[j]]`` and advance ``slot[j]``."""
    count = up_to.shape[0] == 0
    mark = np.full(n, -1, np.int64)
    for i in range(n):
        mark[i] = i
        for e in range(ptr[i], ptr[i + 1]):
            j = adj[e]
            while j < i and mark[j] != i:
                mark[j] = i
                if count:
                    slot[j + 1] += 1
                else:
                    up_to[slot[j]] = i
                    slot[j] += 1
                j = parent[j]


def _chordal_arcs(n: int, ptr: I64, adj: I64) -> tuple[I64, I64]:
    """Arcs of the graph contracted in rank order without witnesses (its chordal
    supergraph), CSR by lower node: each node's higher neighbours, ascending.

    Node ``j < i`` is a neighbour of ``i`` once contracted iff the elimination tree path
    from a lower neighbour of ``i`` up to ``i`` passes ``j``; two passes (count, fill)
    walk those paths, O(arcs)."""
    parent = _elimination_tree(n, ptr, adj)
    up_ptr = np.zeros(n + 1, np.int64)
    _walk_rows(n, ptr, adj, parent, up_ptr, np.zeros(0, np.int64))
    np.cumsum(up_ptr, out=up_ptr)
    up_to = np.empty(int(up_ptr[n]), np.int64)
    _walk_rows(n, ptr, adj, parent, up_ptr[:n].copy(), up_to)
    return up_ptr, up_to


@njit(cache=True)
def _input_keys(up_ptr: I64, up_to: I64, tail: I64, head: I64, w: I64) -> tuple[I64, I64]:
    """Keys of the chordal arcs from the graph's arcs (ranks as node ids): ``up[e]`` of
    lower -> higher, ``down[e]`` of higher -> lower, :data:`INF` where no arc."""
    m = up_to.shape[0]
    up = np.full(m, INF, np.int64)
    down = np.full(m, INF, np.int64)
    for i in range(tail.shape[0]):
        a, b = tail[i], head[i]
        lo, hi = (a, b) if a < b else (b, a)
        if lo == hi:
            continue
        e = up_ptr[lo] + np.searchsorted(up_to[up_ptr[lo] : up_ptr[lo + 1]], hi)
        if a < b:
            up[e] = min(up[e], w[i])
        else:
            down[e] = min(down[e], w[i])
    return up, down


@njit(cache=True, inline="always")
def _lower(key: np.int64, a: np.int64, b: np.int64) -> np.int64:
    """``min(key, a + b)`` where :data:`INF` stands for no path (never summed)."""
    if a < INF and b < INF and a + b < key:
        return a + b
    return key


@njit(cache=True)
def _basic_customization(n: int, up_ptr: I64, up_to: I64, up: I64, down: I64) -> None:
    """Lower every arc ``u - x`` to its cheapest path through lower nodes: bottom up, each
    triangle ``v < u < x`` offers ``u -> v -> x`` and ``x -> v -> u``."""
    for v in range(n):
        end = up_ptr[v + 1]
        for i in range(up_ptr[v], end):
            p = up_ptr[up_to[i]]
            for j in range(i + 1, end):
                while up_to[p] != up_to[j]:  # x is a higher neighbour of u too (chordal)
                    p += 1
                up[p] = _lower(up[p], down[i], up[j])
                down[p] = _lower(down[p], down[j], up[i])


@njit(cache=True)
def _perfect_customization(n: int, up_ptr: I64, up_to: I64, up: I64, down: I64) -> None:
    """Lower every arc to the cheapest path of the whole graph: top down, the arcs of
    ``v`` through each triangle ``v < u < x`` whose arc ``u - x`` is already exact."""
    for v in range(n - 1, -1, -1):
        end = up_ptr[v + 1]
        for i in range(up_ptr[v], end):
            p = up_ptr[up_to[i]]
            for j in range(i + 1, end):
                while up_to[p] != up_to[j]:
                    p += 1
                up[j] = _lower(up[j], up[i], up[p])
                down[j] = _lower(down[j], down[p], down[i])
                up[i] = _lower(up[i], up[j], down[p])
                down[i] = _lower(down[i], up[p], down[j])


@dataclass(frozen=True, slots=True, eq=False)
class Hierarchy:
    """Upward graphs of a contraction hierarchy, CSR by tail node, nodes numbered by
    rank (searches near the top then read neighbouring memory).

    ``rank``: the rank of each graph node (its number here).
    ``up_*``: edges ``u -> v`` with ``v > u`` (forward searches).
    ``dn_*``: edges ``u -> v`` with ``u > v``, stored at ``v`` pointing to ``u``
    (backward searches).
    """

    rank: I64
    up_ptr: I64
    up_to: I32
    up_w: I64
    dn_ptr: I64
    dn_to: I32
    dn_w: I64
    shortcuts: int


def _csr(n: int, src: I64, dst: I64, w: I64) -> tuple[I64, I32, I64]:
    order = np.argsort(src, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    return ptr, dst[order].astype(np.int32), w[order]


def build_hierarchy(graph: StreetGraph) -> Hierarchy:
    """Contract ``graph`` (see :func:`contract_csr`); logs the time of each step."""
    t0 = time.perf_counter()
    h = contract_csr(graph.indptr, graph.indices, graph.arc_key)
    log.info(
        "hierarchy %s/%s: %d arcs, %d of them shortcuts, in %.2f s",
        graph.source,
        graph.profile,
        len(h.up_to) + len(h.dn_to),
        h.shortcuts,
        time.perf_counter() - t0,
    )
    return h


def contract_csr(indptr: I64, indices: I64, weights: I64, *, rank: I64 | None = None) -> Hierarchy:
    """Contraction hierarchy of a CSR graph with non-negative int64 arc weights.

    ``rank``: the contraction order (default :func:`nested_dissection_rank`). Any order
    gives exact results; a nested-dissection order keeps the contracted graph small."""
    n = len(indptr) - 1
    t0 = time.perf_counter()
    if rank is None:
        rank = nested_dissection_rank(indptr, indices)
    t1 = time.perf_counter()
    tail = rank[np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))]
    head = rank[indices]
    ptr, adj = _undirected_csr(n, tail, head)
    up_ptr, up_to = _chordal_arcs(n, ptr, adj)
    t2 = time.perf_counter()
    up, down = _input_keys(up_ptr, up_to, tail, head, weights.astype(np.int64))
    shortcut_up, shortcut_down = up == INF, down == INF
    _basic_customization(n, up_ptr, up_to, up, down)
    basic_up, basic_down = up.copy(), down.copy()
    _perfect_customization(n, up_ptr, up_to, up, down)
    t3 = time.perf_counter()
    # an arc beaten by a path through a higher node is on no shortest path: dropped
    keep_up = (up < INF) & (up == basic_up)
    keep_down = (down < INF) & (down == basic_down)
    lower = np.repeat(np.arange(n, dtype=np.int64), np.diff(up_ptr))
    up_csr = _csr(n, lower[keep_up], up_to[keep_up], up[keep_up])
    dn_csr = _csr(n, lower[keep_down], up_to[keep_down], down[keep_down])
    shortcuts = int(
        np.count_nonzero(keep_up & shortcut_up) + np.count_nonzero(keep_down & shortcut_down)
    )
    log.info(
        "hierarchy of %d nodes: order %.2f s, %d chordal arcs %.2f s, customization %.2f s",
        n,
        t1 - t0,
        len(up_to),
        t2 - t1,
        t3 - t2,
    )
    return Hierarchy(rank, *up_csr, *dn_csr, shortcuts)


def _undirected_csr(n: int, tail: I64, head: I64) -> tuple[I64, I64]:
    """Neighbours of each node in the undirected graph (no loops, no repeats), CSR."""
    keep = tail != head
    a = np.concatenate([tail[keep], head[keep]])
    b = np.concatenate([head[keep], tail[keep]])
    pair = np.unique(a * n + b)
    a, b = pair // n, pair % n
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=ptr[1:])
    return ptr, b


_HIERARCHIES: weakref.WeakKeyDictionary[StreetGraph, Hierarchy] = weakref.WeakKeyDictionary()
_FILES: weakref.WeakKeyDictionary[StreetGraph, Path] = weakref.WeakKeyDictionary()


def remember_file(graph: StreetGraph, path: Path) -> None:
    """Keep ``graph``'s hierarchy at ``path`` (read if present, else written when built)."""
    _FILES[graph] = path


def hierarchy(graph: StreetGraph) -> Hierarchy:
    """The hierarchy of ``graph``: memoised, and kept on disk beside a cached graph."""
    if graph in _HIERARCHIES:
        return _HIERARCHIES[graph]
    path = _FILES.get(graph)
    h: Hierarchy | None = None
    arrays = read_arrays(path) if path is not None else None
    if arrays is not None:
        try:
            kw = {f.name: arrays[f.name] for f in fields(Hierarchy)}
            h = replace(Hierarchy(**kw), shortcuts=int(kw["shortcuts"]))  # type: ignore[arg-type]
        except (KeyError, TypeError) as exc:
            log.warning("hierarchy cache %s unreadable (%s); rebuilding", path, exc)
            h = None
    if h is None:
        h = build_hierarchy(graph)
        if path is not None:
            write_arrays(path, {f.name: np.asarray(getattr(h, f.name)) for f in fields(h)})
    _HIERARCHIES[graph] = h
    return h


#: The arrays an upward search reads: its CSR graph ``(ptr, to, w)`` and the graph of the
#: other direction ``(ptr, to, w)`` that stalls it.
Upward = tuple[I64, I32, I64, I64, I32, I64]
#: One thread's working arrays of :func:`_upward`: ``dist`` (all :data:`INF` between
#: searches), touched nodes, heap keys and nodes, space nodes and distances.
Scratch = tuple[I64, I64, I64, I32, I64, I64]


@njit(cache=True, nogil=True)
def _scratch(graph: Upward, seed_nodes: I64) -> Scratch:
    """Working arrays for upward searches on ``graph`` from rows of ``seed_nodes``."""
    n = graph[0].shape[0] - 1
    heap_len = graph[1].shape[0] + seed_nodes.shape[1] + 1
    return (
        np.full(n, INF, np.int64),
        np.empty(n, np.int64),
        np.empty(heap_len, np.int64),
        np.empty(heap_len, np.int32),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
    )


@njit(cache=True, nogil=True)
def _upward(graph: Upward, seed_nodes: I64, seed_keys: I64, scratch: Scratch) -> int:
    """Upward Dijkstra with stall-on-demand; writes the unstalled settled nodes and their
    distances to the space arrays of ``scratch``, resets ``dist`` and returns how many."""
    ptr, to, w, stall_ptr, stall_to, stall_w = graph
    dist, touched, heap_k, heap_v, space_v, space_d = scratch
    size = 0
    n_t = 0
    for i in range(seed_nodes.shape[0]):
        v = seed_nodes[i]
        k = seed_keys[i]
        if v >= 0 and k < dist[v]:
            if dist[v] == INF:
                touched[n_t] = v
                n_t += 1
            dist[v] = k
            size = _push(heap_k, heap_v, size, k, v)
    count = 0
    while size > 0:
        k = heap_k[0]
        v = heap_v[0]
        size = _pop(heap_k, heap_v, size)
        if k > dist[v]:
            continue
        stalled = False
        for e in range(stall_ptr[v], stall_ptr[v + 1]):
            x = stall_to[e]
            if dist[x] < INF and dist[x] + stall_w[e] < k:
                stalled = True
                break
        if stalled:
            continue
        space_v[count] = v
        space_d[count] = k
        count += 1
        for e in range(ptr[v], ptr[v + 1]):
            u = to[e]
            nk = k + w[e]
            if nk < dist[u]:
                if dist[u] == INF:
                    touched[n_t] = u
                    n_t += 1
                dist[u] = nk
                size = _push(heap_k, heap_v, size, nk, u)
    for i in range(n_t):
        dist[touched[i]] = INF
    return count


@njit(cache=True, nogil=True)
def _grown(a: I64, used: int, cap: int) -> I64:
    """``a`` with room for ``cap`` entries, its first ``used`` kept."""
    out = np.empty(cap, np.int64)
    out[:used] = a[:used]
    return out


@njit(cache=True, nogil=True)
def _backward_spaces(
    graph: Upward, seed_nodes: I64, seed_keys: I64, first: int, step: int
) -> tuple[I64, I64, I64]:
    """Search targets ``first``, ``first + step``, ... once each: the entries
    ``(target, node, key)`` of their spaces, target by target."""
    scratch = _scratch(graph, seed_nodes)
    space_v, space_d = scratch[4], scratch[5]
    cap = 1 << 16
    out_t = np.empty(cap, np.int64)
    out_v = np.empty(cap, np.int64)
    out_d = np.empty(cap, np.int64)
    used = 0
    for s in range(first, seed_nodes.shape[0], step):
        c = _upward(graph, seed_nodes[s], seed_keys[s], scratch)
        if used + c > cap:
            while used + c > cap:
                cap *= 2
            out_t = _grown(out_t, used, cap)
            out_v = _grown(out_v, used, cap)
            out_d = _grown(out_d, used, cap)
        for i in range(c):
            out_t[used + i] = s
            out_v[used + i] = space_v[i]
            out_d[used + i] = space_d[i]
        used += c
    return out_t[:used], out_v[:used], out_d[:used]


#: Sources searched together before the dense rows they reached are scanned: each row
#: is then read once per batch, not once per source.
BATCH = 32


@njit(cache=True, parallel=True)
def _forward_all(
    graph: Upward,
    seed_nodes: I64,
    seed_keys: I64,
    b_ptr: I64,
    b_target: I64,
    b_dist: I64,
    dense_row: I64,
    dense: I64,
    n_threads: int,
) -> I64:
    """Search every source and scan the target buckets at each node of its space; the
    dense rows met by a batch of sources are scanned once per batch."""
    n_dense, n_targets = dense.shape
    n_src = seed_nodes.shape[0]
    out = np.full((n_src, n_targets), INF, np.int64)
    n_batches = (n_src + BATCH - 1) // BATCH
    for t in prange(n_threads):
        scratch = _scratch(graph, seed_nodes)
        space_v, space_d = scratch[4], scratch[5]
        met = np.full((n_dense, BATCH), INF, np.int64)  # key of each source at each row
        rows = np.empty(n_dense, np.int64)  # the rows met in this batch
        batch_of = np.full(n_dense, -1, np.int64)  # the last batch that met each row
        for bt in range(t, n_batches, n_threads):
            lo = bt * BATCH
            hi = min(n_src, lo + BATCH)
            n_rows = 0
            for s in range(lo, hi):
                c = _upward(graph, seed_nodes[s], seed_keys[s], scratch)
                row = out[s]
                for i in range(c):
                    v = space_v[i]
                    d = space_d[i]
                    r = dense_row[v]
                    if r >= 0:
                        if batch_of[r] != bt:
                            batch_of[r] = bt
                            rows[n_rows] = r
                            n_rows += 1
                        met[r, s - lo] = d
                        continue
                    for b in range(b_ptr[v], b_ptr[v + 1]):
                        val = d + b_dist[b]
                        j = b_target[b]
                        if val < row[j]:
                            row[j] = val
            for k in range(n_rows):
                r = rows[k]
                full = dense[r]
                for s in range(lo, hi):
                    d = met[r, s - lo]
                    if d == INF:
                        continue
                    met[r, s - lo] = INF
                    row = out[s]
                    for j in range(n_targets):  # INF + d stays below 2**63
                        row[j] = min(row[j], d + full[j])
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Buckets:
    """Backward search spaces of the targets, grouped by node (CSR); a node in the spaces
    of many targets (the top separators) has a dense row of all targets' keys instead
    (:data:`INF` where absent), which a forward search scans in one vectorised pass."""

    ptr: I64
    target: I64
    dist: I64
    dense_row: I64
    dense: I64

    @property
    def n_targets(self) -> int:
        """Number of targets."""
        return int(self.dense.shape[1])


#: A node whose bucket holds at least this share of the targets gets a dense row.
DENSE_SHARE = 0.25


def _ranked(h: Hierarchy, nodes: I64) -> I64:
    """Graph nodes as numbered in ``h`` (``-1``, no node, kept)."""
    nodes = np.asarray(nodes, dtype=np.int64)
    return np.ascontiguousarray(np.where(nodes >= 0, h.rank[np.maximum(nodes, 0)], -1))


def target_buckets(
    h: Hierarchy, n_nodes: int, dst_nodes: I64, dst_keys: I64, *, threads: int | None = None
) -> Buckets:
    """Buckets of the targets: target ``t`` is reached at ``dst_nodes[t, i]`` plus
    ``dst_keys[t, i]`` (nodes ``-1`` ignored)."""
    nt = max(1, threads or numba.get_num_threads())
    dst_nodes = _ranked(h, dst_nodes)
    dst_keys = np.ascontiguousarray(dst_keys, dtype=np.int64)
    back = (h.dn_ptr, h.dn_to, h.dn_w, h.up_ptr, h.up_to, h.up_w)

    def part(first: int) -> tuple[I64, I64, I64]:
        return _backward_spaces(back, dst_nodes, dst_keys, first, nt)

    with PARALLEL_LOCK:
        if nt == 1:
            parts = [part(0)]
        else:  # the searches release the GIL: one thread per share of the targets
            with ThreadPoolExecutor(nt) as pool:
                parts = list(pool.map(part, range(nt)))
    owner, space_v, space_d = (np.concatenate([p[k] for p in parts]) for k in range(3))
    n_targets = len(dst_nodes)
    counts = np.bincount(space_v, minlength=n_nodes)
    heavy = np.flatnonzero(counts >= max(1.0, DENSE_SHARE * n_targets))
    dense_row = np.full(n_nodes, -1, np.int64)
    dense_row[heavy] = np.arange(len(heavy))
    dense = np.full((len(heavy), n_targets), INF, np.int64)
    at = dense_row[space_v] >= 0
    dense[dense_row[space_v[at]], owner[at]] = space_d[at]
    sparse = np.flatnonzero(~at)  # the entries of nodes without a dense row
    order = sparse[np.argsort(space_v[sparse], kind="stable")]
    counts[heavy] = 0
    ptr = np.zeros(n_nodes + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    return Buckets(ptr, owner[order], space_d[order], dense_row, dense)


def ch_rows(
    h: Hierarchy, b: Buckets, src_nodes: I64, src_keys: I64, *, threads: int | None = None
) -> I64:
    """``(S, T)`` shortest keys from multi-seeded sources to the targets of ``b``
    (:data:`~geo.dijkstra.INF` where no path)."""
    nt = max(1, min(threads or numba.get_num_threads(), max(1, len(src_nodes))))
    with PARALLEL_LOCK:
        return _forward_all(
            (h.up_ptr, h.up_to, h.up_w, h.dn_ptr, h.dn_to, h.dn_w),
            _ranked(h, src_nodes),
            np.ascontiguousarray(src_keys, dtype=np.int64),
            b.ptr,
            b.target,
            b.dist,
            b.dense_row,
            b.dense,
            nt,
        )
