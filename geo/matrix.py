"""Exact many-to-many travel matrices between snapped points.

Rule for the walk between street and door: every point's door is ``snap_m`` metres from
its street position and is walked at the profile's ``door_kmh``; the duration from point
``i`` to point ``j != i`` is door(i) + street(i -> j) + door(j). Distances count the
street part only (``snap_m`` is returned beside them). Points with identical
coordinates are 0 apart. Rounding: the exact sum in milliseconds and centimetres is
rounded half up to whole seconds and metres at the end.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from geo.ch import Hierarchy, ch_rows, hierarchy, target_buckets
from geo.dijkstra import INF, PARALLEL_LOCK, many_to_many
from geo.errors import PointError
from geo.graph import StreetGraph
from geo.snap import Snapped

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Marks "no path" in the integer matrices.
UNREACHABLE = -1

#: Above this many (nodes x points), "auto" uses the contraction hierarchy: about where
#: plain searches take longer than preparing one (prepared once per graph, then cached).
_CH_WORK = 2_000_000


@dataclass(frozen=True, slots=True, eq=False)
class TravelMatrices:
    """Travel matrices of one profile, in the order of the snapped points.

    Attributes
    ----------
    profile
        Travel profile name.
    durations
        ``N x N`` int64 seconds, ``-1`` where no path (unreachable or unsnapped points).
    distances
        ``N x N`` int64 metres along streets of the fastest path, ``-1`` likewise.
    snap_m
        ``N`` distances from each point to its street position, metres.
    reachable
        ``N`` flags: within the snap limit of a street of this profile.
    """

    profile: str
    durations: I64
    distances: I64
    snap_m: F64
    reachable: npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class _Positions:
    """Distinct street positions and, for each, how to leave and reach it (keys)."""

    link: I64
    off_ms: I64
    off_cm: I64
    seed_nodes: I64  # (P, 2): node a (leaving backward), node b (leaving forward)
    seed_keys: I64
    enter_nodes: I64  # (P, 4): from node a (forward) and its arrival copy, same for b
    enter_keys: I64


def _positions(graph: StreetGraph, link: I64, off_ms: I64, off_cm: I64) -> _Positions:
    shift = np.int64(graph.key_shift)
    tot_ms = graph.link_time_ms()[link]
    tot_cm = graph.link_length_cm()[link]
    a, b = graph.link_a[link], graph.link_b[link]
    fwd, bwd = graph.link_fwd[link], graph.link_bwd[link]
    head = (off_ms << shift) + off_cm
    rest = ((tot_ms - off_ms) << shift) + (tot_cm - off_cm)
    none = np.int64(-1)
    seed_nodes = np.column_stack([np.where(bwd, a, none), np.where(fwd, b, none)])
    arr_a, arr_b = graph.arrive_node[a], graph.arrive_node[b]
    enter_nodes = np.column_stack(
        [
            np.where(fwd, a, none),
            np.where(fwd, arr_a, none),
            np.where(bwd, b, none),
            np.where(bwd, arr_b, none),
        ]
    )
    return _Positions(
        link=link,
        off_ms=off_ms,
        off_cm=off_cm,
        seed_nodes=seed_nodes,
        seed_keys=np.column_stack([head, rest]),
        enter_nodes=enter_nodes,
        enter_keys=np.column_stack([head, head, rest, rest]),
    )


def _use_hierarchy(graph: StreetGraph, n_pos: int, engine: str) -> Hierarchy | None:
    if engine not in {"auto", "ch", "dijkstra"}:
        raise PointError(
            f"unknown engine {engine!r}; choose auto, ch or dijkstra",
            record="travel_matrices",
            field="engine",
        )
    if engine == "dijkstra" or (engine == "auto" and graph.n_route * n_pos < _CH_WORK):
        return None
    return hierarchy(graph)


def _position_keys(
    graph: StreetGraph, pos: _Positions, *, chunk: int, threads: int | None, engine: str
) -> I64:
    """``P x P`` shortest keys between positions; :data:`INF` where no path."""
    n_pos = len(pos.link)
    h = _use_hierarchy(graph, n_pos, engine)
    if h is not None:
        buckets = target_buckets(h, graph.n_route, pos.enter_nodes, pos.enter_keys, threads=threads)
        out = np.empty((n_pos, n_pos), dtype=np.int64)
        for lo in range(0, n_pos, chunk):
            hi = min(n_pos, lo + chunk)
            out[lo:hi] = ch_rows(
                h, buckets, pos.seed_nodes[lo:hi], pos.seed_keys[lo:hi], threads=threads
            )
        _same_link(graph, pos, out)
        np.fill_diagonal(out, 0)
        return out
    targets = np.unique(pos.enter_nodes[pos.enter_nodes >= 0])
    col = np.full(graph.n_route + 1, -1, dtype=np.int64)  # col[-1]: no entry, the INF pad
    col[targets] = np.arange(len(targets))
    entry_cols = col[pos.enter_nodes]
    out = np.empty((n_pos, n_pos), dtype=np.int64)
    for lo in range(0, n_pos, chunk):
        hi = min(n_pos, lo + chunk)
        rows = many_to_many(
            graph.indptr,
            graph.indices,
            graph.arc_key,
            pos.seed_nodes[lo:hi],
            pos.seed_keys[lo:hi],
            targets,
            threads=threads,
        )
        rows = np.concatenate([rows, np.full((hi - lo, 1), INF, dtype=np.int64)], axis=1)
        best = rows[:, entry_cols[:, 0]] + pos.enter_keys[:, 0]
        for e in range(1, entry_cols.shape[1]):
            np.minimum(best, rows[:, entry_cols[:, e]] + pos.enter_keys[:, e], out=best)
        out[lo:hi] = best
    _same_link(graph, pos, out)
    np.fill_diagonal(out, 0)
    return out


def _same_link(graph: StreetGraph, pos: _Positions, out: I64) -> None:
    """Positions on one link may also reach each other directly along it."""
    shift = np.int64(graph.key_shift)
    order = np.argsort(pos.link, kind="stable")
    links = pos.link[order]
    bounds = np.flatnonzero(np.r_[True, links[1:] != links[:-1], True])
    for g0, g1 in itertools.pairwise(bounds):
        if g1 - g0 < 2:
            continue
        idx = order[g0:g1]
        lk = int(links[g0])
        ms, cm = pos.off_ms[idx], pos.off_cm[idx]
        dms = ms[None, :] - ms[:, None]
        dcm = cm[None, :] - cm[:, None]
        ahead = (dms >= 0) & (dcm >= 0)
        behind = (dms <= 0) & (dcm <= 0)
        ok = (ahead & graph.link_fwd[lk]) | (behind & graph.link_bwd[lk])
        direct = np.where(ok, (np.abs(dms) << shift) + np.abs(dcm), INF)
        block = out[np.ix_(idx, idx)]
        out[np.ix_(idx, idx)] = np.minimum(block, direct)


def travel_matrices(
    graph: StreetGraph,
    snapped: Snapped,
    *,
    chunk: int = 1024,
    threads: int | None = None,
    engine: str = "auto",
) -> TravelMatrices:
    """Exact travel durations (s) and distances (m) between all snapped points.

    Parameters
    ----------
    graph
        The street graph the points were snapped to.
    snapped
        Result of :func:`geo.snap` on ``graph``.
    chunk
        Sources per batch (bounds memory: ``chunk x targets x 8`` bytes).
    threads
        Worker threads (default: all cores).
    engine
        ``"dijkstra"`` (one compiled search per distinct source position), ``"ch"``
        (contraction hierarchy, prepared once per graph and kept beside the graph cache)
        or ``"auto"`` (the hierarchy for large graphs x many points). Both are exact and
        give identical results.

    Returns
    -------
    :class:`TravelMatrices`; see the module docstring for the door-walk and rounding rules.
    """
    if snapped.profile != graph.profile:
        raise PointError(
            f"points were snapped to profile {snapped.profile!r}, not {graph.profile!r}",
            record="snapped",
            field="profile",
        )
    n = len(snapped)
    dur = np.full((n, n), UNREACHABLE, dtype=np.int64)
    dist = np.full((n, n), UNREACHABLE, dtype=np.int64)
    ok = np.flatnonzero(snapped.reachable)
    if len(ok):
        street = np.column_stack([snapped.link[ok], snapped.off_ms[ok], snapped.off_cm[ok]])
        uniq, which = np.unique(street, axis=0, return_inverse=True)
        which = which.reshape(-1)
        pos = _positions(graph, uniq[:, 0], uniq[:, 1], uniq[:, 2])
        keys = _position_keys(graph, pos, chunk=chunk, threads=threads, engine=engine)
        door_ms = np.rint(snapped.snap_m[ok] / graph.door_mps * 1000.0).astype(np.int64)
        with PARALLEL_LOCK:
            _round_matrices(
                keys,
                which.astype(np.int64),
                ok.astype(np.int64),
                np.int64(graph.key_shift),
                door_ms,
                np.ascontiguousarray(snapped.lon[ok], dtype=np.float64),
                np.ascontiguousarray(snapped.lat[ok], dtype=np.float64),
                dur,
                dist,
            )
    return TravelMatrices(
        profile=graph.profile,
        durations=dur,
        distances=dist,
        snap_m=snapped.snap_m.copy(),
        reachable=snapped.reachable.copy(),
    )


@njit(cache=True, parallel=True)
def _round_matrices(
    keys: I64,
    which: I64,
    ok: I64,
    shift: np.int64,
    door_ms: I64,
    lon: F64,
    lat: F64,
    dur: I64,
    dist: I64,
) -> None:
    """Fill ``dur`` (s) and ``dist`` (m) at rows and columns ``ok`` from the position keys
    (point ``a`` is at position ``which[a]``): door + street + door milliseconds and
    street centimetres, rounded half up; 0 between points with identical coordinates;
    :data:`UNREACHABLE` where no path. One pass, no temporary matrices."""
    mask = (np.int64(1) << shift) - 1
    m = ok.shape[0]
    for a in prange(m):
        ra = ok[a]
        krow = keys[which[a]]
        for b in range(m):
            rb = ok[b]
            k = krow[which[b]]
            if k >= INF:
                dur[ra, rb] = UNREACHABLE
                dist[ra, rb] = UNREACHABLE
            elif lon[a] == lon[b] and lat[a] == lat[b]:
                dur[ra, rb] = 0
                dist[ra, rb] = 0
            else:
                dur[ra, rb] = ((k >> shift) + door_ms[a] + door_ms[b] + 500) // 1000
                dist[ra, rb] = ((k & mask) + 50) // 100
