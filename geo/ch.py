"""Contraction hierarchy for exact many-to-many queries (numba).

Preparation contracts nodes one by one in an order chosen by edge difference with lazy
updates, adding a shortcut ``u -> x`` for ``u -> v -> x`` unless a bounded witness search
finds a path no longer than it (a bounded search can only add extra shortcuts, never drop
a needed one, so results stay exact). Queries use upward searches with stall-on-demand:
targets leave ``(distance, target)`` entries in buckets at the nodes of their backward
search space; each source's forward search scans the buckets it meets.

Weights are the graph's int64 keys, so results equal plain Dijkstra exactly.
"""

from __future__ import annotations

import logging
import time
import weakref
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


@njit(cache=True)
def _witness(
    src: int,
    skip: int,
    max_d: np.int64,
    limit: int,
    out_head: I64,
    out_next: I64,
    ev: I64,
    ew: I64,
    done: npt.NDArray[np.bool_],
    dist: I64,
    touched: I64,
    heap_k: I64,
    heap_v: I32,
    mark: I64,
    stamp: int,
    n_targets: int,
) -> int:
    """Bounded Dijkstra from ``src`` avoiding ``skip`` and contracted nodes; returns the
    number of touched nodes (their ``dist`` must be reset by the caller). It stops once
    the ``n_targets`` nodes with ``mark == stamp`` are settled: their distances are final."""
    n_t = 0
    dist[src] = 0
    touched[n_t] = src
    n_t += 1
    size = _push(heap_k, heap_v, 0, np.int64(0), src)
    settled = 0
    while size > 0:
        k = heap_k[0]
        v = heap_v[0]
        size = _pop(heap_k, heap_v, size)
        if k > dist[v]:
            continue
        if k > max_d:
            break
        settled += 1
        if settled > limit:
            break
        if mark[v] == stamp:
            n_targets -= 1
            if n_targets == 0:
                break
        e = out_head[v]
        while e >= 0:
            x = ev[e]
            if x != skip and not done[x]:
                nk = k + ew[e]
                if nk < dist[x]:
                    if dist[x] == INF:
                        touched[n_t] = x
                        n_t += 1
                    dist[x] = nk
                    if size < heap_k.shape[0]:
                        size = _push(heap_k, heap_v, size, nk, x)
            e = out_next[e]
    return n_t


@njit(cache=True, inline="always")
def _unlink(head: I64, nxt: I64, owner: int, e: int) -> None:
    """Remove edge ``e`` from the linked list of ``owner`` (``head`` / ``nxt``)."""
    f, prev = head[owner], -1
    while f != e:
        prev, f = f, nxt[f]
    if prev < 0:
        head[owner] = nxt[e]
    else:
        nxt[prev] = nxt[e]


@njit(cache=True)
def _contract(
    n: int, tail: I64, head: I64, w: I64, limit: int, buffer: int
) -> tuple[I64, I64, I64, I64, int]:
    """Contract all nodes; returns (rank, edge tails, edge heads, edge weights, edges).

    Each node's witness searches run once to price it when it is popped and their
    shortcuts (up to ``buffer`` of them) are kept, so contracting it adds them without
    searching again."""
    m = tail.shape[0]
    cap = 8 * m + 1024
    eu = np.empty(cap, np.int64)
    ev = np.empty(cap, np.int64)
    ew = np.empty(cap, np.int64)
    out_head = np.full(n, -1, np.int64)
    out_next = np.empty(cap, np.int64)
    in_head = np.full(n, -1, np.int64)
    in_next = np.empty(cap, np.int64)
    ne = 0
    for i in range(m):
        eu[ne] = tail[i]
        ev[ne] = head[i]
        ew[ne] = w[i]
        out_next[ne] = out_head[tail[i]]
        out_head[tail[i]] = ne
        in_next[ne] = in_head[head[i]]
        in_head[head[i]] = ne
        ne += 1
    done = np.zeros(n, np.bool_)
    rank = np.full(n, -1, np.int64)
    deleted = np.zeros(n, np.int64)
    dist = np.full(n, INF, np.int64)
    touched = np.empty(n, np.int64)
    heap_k = np.empty(4 * n + 16, np.int64)
    heap_v = np.empty(4 * n + 16, np.int32)
    pq_k = np.empty(8 * n + 16, np.int64)
    pq_v = np.empty(8 * n + 16, np.int32)

    mark = np.full(n, -1, np.int64)  # witness targets of the current search ...
    stamps = np.zeros(1, np.int64)  # ... are marked with the search's number
    sc_cap = buffer
    sc_u = np.empty(sc_cap, np.int64)
    sc_x = np.empty(sc_cap, np.int64)
    sc_w = np.empty(sc_cap, np.int64)

    def add_shortcut(u: int, x: int, sw: np.int64, ne: int) -> int:
        """Lower an existing ``u -> x`` edge to ``sw`` or add one; new edge count (-1 if
        the pool is full)."""
        f = out_head[u]
        while f >= 0:
            if ev[f] == x:
                if ew[f] > sw:
                    ew[f] = sw
                return ne
            f = out_next[f]
        if ne >= cap:
            return -1
        eu[ne] = u
        ev[ne] = x
        ew[ne] = sw
        out_next[ne] = out_head[u]
        out_head[u] = ne
        in_next[ne] = in_head[x]
        in_head[x] = ne
        return ne + 1

    def simulate(v: int, apply: bool, ne: int) -> tuple[int, int, int]:
        """(shortcuts needed, edges removed, edge count) if ``v`` were contracted now;
        the first ``sc_cap`` shortcuts are written to ``sc_*``, or with ``apply`` added
        at once (count -1 if the pool is full)."""
        shortcuts = 0
        removed = 0
        e_in = in_head[v]
        while e_in >= 0:
            u = eu[e_in]
            if not done[u]:
                removed += 1
                w1 = ew[e_in]
                max_d = np.int64(0)
                e_out = out_head[v]
                while e_out >= 0:
                    x = ev[e_out]
                    if not done[x] and x != u and w1 + ew[e_out] > max_d:
                        max_d = w1 + ew[e_out]
                    e_out = out_next[e_out]
                if max_d > 0 or out_head[v] >= 0:
                    stamps[0] += 1
                    stamp = stamps[0]
                    n_targets = 0
                    e_out = out_head[v]
                    while e_out >= 0:
                        x = ev[e_out]
                        if not done[x] and x != u and mark[x] != stamp:
                            mark[x] = stamp
                            n_targets += 1
                        e_out = out_next[e_out]
                    n_t = _witness(
                        u,
                        v,
                        max_d,
                        limit,
                        out_head,
                        out_next,
                        ev,
                        ew,
                        done,
                        dist,
                        touched,
                        heap_k,
                        heap_v,
                        mark,
                        stamp,
                        n_targets,
                    )
                    e_out = out_head[v]
                    while e_out >= 0:
                        x = ev[e_out]
                        if not done[x] and x != u:
                            sw = w1 + ew[e_out]
                            if dist[x] > sw:
                                if apply:
                                    ne = add_shortcut(u, x, sw, ne)
                                    if ne < 0:
                                        return -1, 0, ne
                                elif shortcuts < sc_cap:
                                    sc_u[shortcuts] = u
                                    sc_x[shortcuts] = x
                                    sc_w[shortcuts] = sw
                                shortcuts += 1
                        e_out = out_next[e_out]
                    for i in range(n_t):
                        dist[touched[i]] = INF
            e_in = in_next[e_in]
        e_out = out_head[v]
        while e_out >= 0:
            if not done[ev[e_out]]:
                removed += 1
            e_out = out_next[e_out]
        return shortcuts, removed, ne

    size = 0
    for v in range(n):
        s, r, _ = simulate(v, False, ne)
        size = _push(pq_k, pq_v, size, np.int64(2 * s - r), v)
    next_rank = 0
    while size > 0:
        v = pq_v[0]
        size = _pop(pq_k, pq_v, size)
        if done[v]:
            continue
        s, r, _ = simulate(v, False, ne)
        prio = np.int64(2 * s - r + deleted[v])
        if size > 0 and prio > pq_k[0] and size < pq_k.shape[0]:
            size = _push(pq_k, pq_v, size, prio, v)
            continue
        if s > sc_cap:  # more than the buffer holds: search again, adding as found
            s, r, ne = simulate(v, True, ne)
        else:  # the searches just made hold: add what they found
            for i in range(s):
                ne = add_shortcut(sc_u[i], sc_x[i], sc_w[i], ne)
                if ne < 0:
                    break
        if ne < 0:
            return rank, eu, ev, ew, -1
        done[v] = True
        rank[v] = next_rank
        next_rank += 1
        # unlink v's edges from its neighbours' lists: later searches and pricing walk
        # only edges between nodes still in the graph
        e = out_head[v]
        while e >= 0:
            deleted[ev[e]] += 1
            _unlink(in_head, in_next, ev[e], e)
            e = out_next[e]
        e = in_head[v]
        while e >= 0:
            deleted[eu[e]] += 1
            _unlink(out_head, out_next, eu[e], e)
            e = in_next[e]
    return rank, eu, ev, ew, ne


@dataclass(frozen=True, slots=True, eq=False)
class Hierarchy:
    """Upward graphs of a contraction hierarchy, CSR by tail node.

    ``up_*``: edges ``u -> v`` with ``rank[v] > rank[u]`` (forward searches).
    ``dn_*``: edges ``u -> v`` with ``rank[u] > rank[v]``, stored at ``v`` pointing to
    ``u`` (backward searches).
    """

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


def build_hierarchy(
    graph: StreetGraph, *, witness_limit: int = 64, shortcut_buffer: int = 4096
) -> Hierarchy | None:
    """Contract ``graph``; ``None`` if the shortcut pool overflows (use plain Dijkstra).

    ``witness_limit`` bounds the nodes settled by each witness search; ``shortcut_buffer``
    the shortcuts of one node kept between pricing and contracting it (more are found
    again by a second search; results are the same either way)."""
    t0 = time.perf_counter()
    h = contract_csr(
        graph.indptr,
        graph.indices,
        graph.arc_key,
        witness_limit=witness_limit,
        shortcut_buffer=shortcut_buffer,
    )
    log.info(
        "hierarchy %s/%s: %s shortcuts in %.2f s",
        graph.source,
        graph.profile,
        h.shortcuts if h is not None else "too many",
        time.perf_counter() - t0,
    )
    return h


def contract_csr(
    indptr: I64,
    indices: I64,
    weights: I64,
    *,
    witness_limit: int = 64,
    shortcut_buffer: int = 4096,
) -> Hierarchy | None:
    """Contraction hierarchy of a CSR graph with non-negative int64 arc weights."""
    n = len(indptr) - 1
    tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    rank, eu, ev, ew, ne = _contract(
        n,
        tail,
        indices.astype(np.int64),
        weights.astype(np.int64),
        witness_limit,
        shortcut_buffer,
    )
    if ne < 0:
        return None
    eu, ev, ew = eu[:ne], ev[:ne], ew[:ne]
    up = rank[ev] > rank[eu]
    up_ptr, up_to, up_w = _csr(n, eu[up], ev[up], ew[up])
    dn_ptr, dn_to, dn_w = _csr(n, ev[~up], eu[~up], ew[~up])
    return Hierarchy(up_ptr, up_to, up_w, dn_ptr, dn_to, dn_w, int(ne - len(indices)))


_HIERARCHIES: weakref.WeakKeyDictionary[StreetGraph, Hierarchy | None] = weakref.WeakKeyDictionary()
_FILES: weakref.WeakKeyDictionary[StreetGraph, Path] = weakref.WeakKeyDictionary()


def remember_file(graph: StreetGraph, path: Path) -> None:
    """Keep ``graph``'s hierarchy at ``path`` (read if present, else written when built)."""
    _FILES[graph] = path


def hierarchy(graph: StreetGraph) -> Hierarchy | None:
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
        if h is not None and path is not None:
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


@njit(cache=True, parallel=True)
def _backward_all(
    graph: Upward,
    seed_nodes: I64,
    seed_keys: I64,
    offsets: I64,
    fill: bool,
    out_v: I64,
    out_d: I64,
    n_threads: int,
) -> I64:
    """Search every target; with ``fill`` write spaces at ``offsets``; return the sizes."""
    n_src = seed_nodes.shape[0]
    sizes = np.zeros(n_src, np.int64)
    for t in prange(n_threads):
        scratch = _scratch(graph, seed_nodes)
        space_v, space_d = scratch[4], scratch[5]
        for s in range(t, n_src, n_threads):
            c = _upward(graph, seed_nodes[s], seed_keys[s], scratch)
            sizes[s] = c
            if fill:
                o = offsets[s]
                for i in range(c):
                    out_v[o + i] = space_v[i]
                    out_d[o + i] = space_d[i]
    return sizes


@njit(cache=True, parallel=True)
def _forward_all(
    graph: Upward,
    seed_nodes: I64,
    seed_keys: I64,
    b_ptr: I64,
    b_target: I64,
    b_dist: I64,
    n_targets: int,
    n_threads: int,
) -> I64:
    """Search every source and scan the target buckets at each node of its space."""
    n_src = seed_nodes.shape[0]
    out = np.full((n_src, n_targets), INF, np.int64)
    for t in prange(n_threads):
        scratch = _scratch(graph, seed_nodes)
        space_v, space_d = scratch[4], scratch[5]
        for s in range(t, n_src, n_threads):
            c = _upward(graph, seed_nodes[s], seed_keys[s], scratch)
            row = out[s]
            for i in range(c):
                v = space_v[i]
                d = space_d[i]
                for b in range(b_ptr[v], b_ptr[v + 1]):
                    val = d + b_dist[b]
                    j = b_target[b]
                    if val < row[j]:
                        row[j] = val
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Buckets:
    """Backward search spaces of the targets, grouped by node (CSR)."""

    ptr: I64
    target: I64
    dist: I64
    n_targets: int


def target_buckets(
    h: Hierarchy, n_nodes: int, dst_nodes: I64, dst_keys: I64, *, threads: int | None = None
) -> Buckets:
    """Buckets of the targets: target ``t`` is reached at ``dst_nodes[t, i]`` plus
    ``dst_keys[t, i]`` (nodes ``-1`` ignored)."""
    nt = max(1, threads or numba.get_num_threads())
    dst_nodes = np.ascontiguousarray(dst_nodes, dtype=np.int64)
    dst_keys = np.ascontiguousarray(dst_keys, dtype=np.int64)
    empty = np.zeros(0, np.int64)
    back = (h.dn_ptr, h.dn_to, h.dn_w, h.up_ptr, h.up_to, h.up_w)
    with PARALLEL_LOCK:
        sizes = _backward_all(back, dst_nodes, dst_keys, empty, False, empty, empty, nt)
        offsets = np.zeros(len(sizes) + 1, np.int64)
        np.cumsum(sizes, out=offsets[1:])
        space_v = np.empty(int(offsets[-1]), np.int64)
        space_d = np.empty(int(offsets[-1]), np.int64)
        _backward_all(back, dst_nodes, dst_keys, offsets[:-1], True, space_v, space_d, nt)
    owner = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    order = np.argsort(space_v, kind="stable")
    ptr = np.zeros(n_nodes + 1, np.int64)
    np.cumsum(np.bincount(space_v, minlength=n_nodes), out=ptr[1:])
    return Buckets(ptr, owner[order], space_d[order], len(sizes))


def ch_rows(
    h: Hierarchy, b: Buckets, src_nodes: I64, src_keys: I64, *, threads: int | None = None
) -> I64:
    """``(S, T)`` shortest keys from multi-seeded sources to the targets of ``b``
    (:data:`~geo.dijkstra.INF` where no path)."""
    nt = max(1, min(threads or numba.get_num_threads(), max(1, len(src_nodes))))
    with PARALLEL_LOCK:
        return _forward_all(
            (h.up_ptr, h.up_to, h.up_w, h.dn_ptr, h.dn_to, h.dn_w),
            np.ascontiguousarray(src_nodes, dtype=np.int64),
            np.ascontiguousarray(src_keys, dtype=np.int64),
            b.ptr,
            b.target,
            b.dist,
            b.n_targets,
            nt,
        )
