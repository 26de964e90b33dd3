"""Turn raw OSM ways into a profile's :class:`~geo.graph.StreetGraph`.

Steps: apply the profile's way rules; split ways at nodes missing from the extract;
measure each segment (haversine metres -> integer cm; time -> integer ms); keep the
largest strongly connected component; fold chains of degree-2 nodes into links; order
nodes for memory locality; reduce parallel arcs to the cheapest; build CSR arrays.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, reverse_cuthill_mckee

from geo.errors import EmptyGraphError
from geo.graph import StreetGraph
from geo.keys import key_shift
from geo.measure import haversine_m
from geo.osm import OsmData
from geo.profiles import TravelProfile

log = logging.getLogger("doorstep.geo")

I64 = npt.NDArray[np.int64]


def build_graph(data: OsmData, profile: TravelProfile) -> StreetGraph:
    """Prepare the street graph of ``profile`` from parsed OSM ``data``."""
    t0 = time.perf_counter()
    su, sv, fwd, bwd, speed, local, seg_way = _segments(data, profile)
    if len(su) == 0:
        raise EmptyGraphError(
            f"no street usable by profile {profile.name!r}", record=f"map '{data.name}'"
        )
    used, inv = np.unique(np.concatenate([su, sv]), return_inverse=True)
    su, sv = inv[: len(su)], inv[len(su) :]
    lon, lat = data.lon[used], data.lat[used]
    dist_m = haversine_m(lon[su], lat[su], lon[sv], lat[sv])
    seg_cm = np.rint(dist_m * 100.0).astype(np.int64)
    seg_ms = np.rint(dist_m / speed * 1000.0).astype(np.int64)

    n_comp, keep = _largest_scc(len(used), su, sv, fwd, bwd)
    su, sv, seg_cm, seg_ms = su[keep], sv[keep], seg_cm[keep], seg_ms[keep]
    fwd, bwd, local, seg_way = fwd[keep], bwd[keep], local[keep], seg_way[keep]
    links = _fold_chains(len(used), su, sv, fwd, bwd, local, seg_cm, seg_ms)
    ways = _link_ways(links.ptr, seg_way[links.seg], data.way_ids)
    graph = _assemble(profile, data.name, lon, lat, links, n_comp, ways)
    log.info(
        "graph %s/%s: %d nodes, %d edges, %d links (%d components) in %.2f s",
        data.name,
        profile.name,
        graph.n_nodes,
        graph.n_edges,
        graph.n_links,
        n_comp,
        time.perf_counter() - t0,
    )
    return graph


B = npt.NDArray[np.bool_]


def _way_rules(data: OsmData, profile: TravelProfile) -> tuple[B, B, B, npt.NDArray[np.float64], B]:
    """Per way: usable, forward, backward, speed (m/s), local. Ways with the same tags
    share one evaluation of the profile's rule (maps repeat a few thousand tag sets; the
    bulk reader hands ways with the same tags one shared dict, looked up by identity)."""
    tag_dicts = [tags for _, tags in data.ways]
    if not tag_dicts:
        no = np.zeros(0, dtype=bool)
        return no, no, no, np.zeros(0), no
    seen: dict[frozenset[tuple[str, str]], int] = {}
    rules: list[tuple[bool, bool, bool, float, bool]] = []
    rule_of: dict[int, int] = {}  # id of a tags dict -> its row of ``rules``
    for tags in {id(t): t for t in tag_dicts}.values():
        key = frozenset(tags.items())
        row = seen.get(key)
        if row is None:
            rule = profile.rule(tags)
            if rule is None or not (rule.forward or rule.backward):
                hit = (False, False, False, 1.0, False)
            else:
                hit = (True, rule.forward, rule.backward, rule.speed_mps, rule.local)
            row = seen[key] = len(rules)
            rules.append(hit)
        rule_of[id(tags)] = row
    which = np.fromiter(map(rule_of.__getitem__, map(id, tag_dicts)), np.int64, len(tag_dicts))
    ok, fw, bw, sp, lo = zip(*rules, strict=True)
    return (
        np.asarray(ok, dtype=bool)[which],
        np.asarray(fw, dtype=bool)[which],
        np.asarray(bw, dtype=bool)[which],
        np.asarray(sp, dtype=np.float64)[which],
        np.asarray(lo, dtype=bool)[which],
    )


def _segments(
    data: OsmData, profile: TravelProfile
) -> tuple[I64, I64, B, B, npt.NDArray[np.float64], B, I64]:
    """Usable consecutive node pairs of every way (indices into ``data``), split at gaps:
    ends, forward / backward allowed, speed (m/s), local (end-of-leg only), the way's
    position in ``data.ways``. All ways' node references are looked up at once."""
    ok, fw, bw, sp, lo = _way_rules(data, profile)
    ids = data.node_ids
    if not ok.any() or len(ids) == 0:
        empty = np.zeros(0, dtype=np.int64)
        no = empty.astype(bool)
        return empty, empty, no, no, empty.astype(float), no, empty
    arrays = [r for r, _ in data.ways]
    lens = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    refs = np.concatenate(arrays)
    way = np.repeat(np.arange(len(lens)), lens)
    pos = np.minimum(np.searchsorted(ids, refs), len(ids) - 1)
    present = ids[pos] == refs
    pair = (
        (way[:-1] == way[1:]) & ok[way[:-1]] & present[:-1] & present[1:] & (refs[:-1] != refs[1:])
    )
    first = np.flatnonzero(pair)
    w = way[first]
    return pos[first], pos[first + 1], fw[w], bw[w], sp[w], lo[w], w.astype(np.int64)


def _largest_scc(
    n: int, su: I64, sv: I64, fwd: npt.NDArray[np.bool_], bwd: npt.NDArray[np.bool_]
) -> tuple[int, npt.NDArray[np.bool_]]:
    """Number of strong components, and which segments lie inside the largest one."""
    rows = np.concatenate([su[fwd], sv[bwd]])
    cols = np.concatenate([sv[fwd], su[bwd]])
    adj = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n)).tocsr()
    n_comp, labels = connected_components(adj, directed=True, connection="strong")
    best = np.bincount(labels).argmax()
    return int(n_comp), (labels[su] == best) & (labels[sv] == best)


@dataclass(frozen=True, slots=True)
class _Links:
    """Links: ends, directions, local flag; their points (CSR by ``ptr``: node index,
    cumulative cm and ms from the link's first point, and the segment from the point to
    the next, the link's last point repeating the one before)."""

    a: I64
    b: I64
    fwd: B
    bwd: B
    local: B
    ptr: I64
    node: I64
    cm: I64
    ms: I64
    seg: I64


def _fold_chains(
    n: int,
    su: I64,
    sv: I64,
    fwd: npt.NDArray[np.bool_],
    bwd: npt.NDArray[np.bool_],
    local: npt.NDArray[np.bool_],
    seg_cm: I64,
    seg_ms: I64,
) -> _Links:
    """Fold runs of degree-2 nodes (with matching directions and local flags) into links."""
    k = len(su)
    ends = np.concatenate([su, sv])
    seg_of = np.concatenate([np.arange(k), np.arange(k)])
    order = np.argsort(ends, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=ptr[1:])
    out = _walk_links(su, sv, fwd, bwd, local, seg_cm, seg_ms, ptr, seg_of[order])
    a, b, lf, lb, lo, lp, node, cm, ms, pseg, n_links, n_pts = out
    return _Links(
        a[:n_links],
        b[:n_links],
        lf[:n_links],
        lb[:n_links],
        lo[:n_links],
        lp[: n_links + 1],
        node[:n_pts],
        cm[:n_pts],
        ms[:n_pts],
        pseg[:n_pts],
    )


def _link_ways(ptr: I64, point_way: I64, way_ids: I64 | None) -> tuple[I64, I64]:
    """The OSM ways of each link, CSR: ``ids[out_ptr[l]:out_ptr[l + 1]]`` are the distinct
    ids of the ways its segments come from (``point_way``: per link point, the position in
    ``way_ids`` of the way of its segment), in ascending order; none when ``way_ids`` is
    ``None``."""
    n_links = len(ptr) - 1
    if way_ids is None or n_links == 0:
        return np.zeros(n_links + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    link = np.repeat(np.arange(n_links, dtype=np.int64), np.diff(ptr))
    step = np.ones(len(link), dtype=bool)  # a link's points mostly share one way: runs first
    step[1:] = (link[1:] != link[:-1]) | (point_way[1:] != point_way[:-1])
    link, ids = link[step], way_ids[point_way[step]]
    order = np.lexsort((ids, link))
    link, ids = link[order], ids[order]
    first = np.ones(len(link), dtype=bool)
    first[1:] = (link[1:] != link[:-1]) | (ids[1:] != ids[:-1])
    out_ptr = np.zeros(n_links + 1, dtype=np.int64)
    np.cumsum(np.bincount(link[first], minlength=n_links), out=out_ptr[1:])
    return out_ptr, ids[first]


@njit(cache=True)
def _oriented(seg: int, start: int, su: I64, fwd: B, bwd: B) -> tuple[bool, bool]:
    """(forward, backward) of segment ``seg`` read from node ``start``."""
    if su[seg] == start:
        return fwd[seg], bwd[seg]
    return bwd[seg], fwd[seg]


@njit(cache=True)
def _walk(
    start: int,
    seg: int,
    geometry: tuple[I64, I64, B, B, B, I64, I64, I64, I64],
    junction: B,
    used: B,
    links: tuple[I64, I64, B, B, B, I64],
    points: tuple[I64, I64, I64, I64],
    counts: I64,
) -> None:
    """Follow one link from junction ``start`` along segment ``seg`` and append it."""
    su, sv, fwd, bwd, local, seg_cm, seg_ms, ptr, inc = geometry
    la, lb, lf, lbw, lo, lp = links
    node, cm, ms, pseg = points
    nl, q = counts[0], counts[1]
    f, b = _oriented(seg, start, su, fwd, bwd)
    la[nl], lf[nl], lbw[nl] = start, f, b
    node[q], cm[q], ms[q] = start, 0, 0
    q += 1
    cur = start
    while True:
        used[seg] = True
        pseg[q - 1] = seg
        nxt = sv[seg] if su[seg] == cur else su[seg]
        node[q], cm[q], ms[q] = nxt, cm[q - 1] + seg_cm[seg], ms[q - 1] + seg_ms[seg]
        q += 1
        last = seg
        if junction[nxt]:
            break
        seg = inc[ptr[nxt]] if inc[ptr[nxt]] != seg else inc[ptr[nxt] + 1]
        if used[seg]:  # closed ring without junction
            break
        cur = nxt
    pseg[q - 1] = last
    lb[nl], lo[nl] = nxt, local[last]
    counts[0], counts[1] = nl + 1, q
    lp[nl + 1] = q


@njit(cache=True)
def _walk_links(
    su: I64, sv: I64, fwd: B, bwd: B, local: B, seg_cm: I64, seg_ms: I64, ptr: I64, inc: I64
) -> tuple[I64, I64, B, B, B, I64, I64, I64, I64, I64, int, int]:
    """Walk every link from a junction (then rings of degree-2 nodes); arrays sized for
    the worst case and the counts of links and points used."""
    n = ptr.shape[0] - 1
    k = su.shape[0]
    junction = np.empty(n, np.bool_)
    for v in range(n):
        deg = ptr[v + 1] - ptr[v]
        junction[v] = deg != 2
        if deg == 2:
            s1, s2 = inc[ptr[v]], inc[ptr[v] + 1]
            f1, b1 = _oriented(s1, v, su, fwd, bwd)
            f2, b2 = _oriented(s2, v, su, fwd, bwd)
            # s1 leaving v as (f1, b1) enters v as (b1, f1); it must equal s2 leaving.
            if b1 != f2 or f1 != b2 or local[s1] != local[s2]:
                junction[v] = True
    used = np.zeros(k, np.bool_)
    links = (
        np.empty(k, np.int64),  # a
        np.empty(k, np.int64),  # b
        np.empty(k, np.bool_),  # forward
        np.empty(k, np.bool_),  # backward
        np.empty(k, np.bool_),  # local
        np.zeros(k + 1, np.int64),  # point pointer
    )
    points = (
        np.empty(2 * k, np.int64),
        np.empty(2 * k, np.int64),
        np.empty(2 * k, np.int64),
        np.empty(2 * k, np.int64),
    )
    counts = np.zeros(2, np.int64)  # links, points
    geometry = (su, sv, fwd, bwd, local, seg_cm, seg_ms, ptr, inc)
    for v in range(n):
        if junction[v]:
            for p in range(ptr[v], ptr[v + 1]):
                if not used[inc[p]]:
                    _walk(v, inc[p], geometry, junction, used, links, points, counts)
    for seg in range(k):  # rings made only of degree-2 nodes
        if not used[seg]:
            junction[su[seg]] = True
            _walk(su[seg], seg, geometry, junction, used, links, points, counts)
    la, lb, lf, lbw, lo, lp = links
    node, cm, ms, pseg = points
    nl, npt_ = counts[0], counts[1]
    return la, lb, lf, lbw, lo, lp, node, cm, ms, pseg, nl, npt_


def _assemble(
    profile: TravelProfile,
    source: str,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    links: _Links,
    n_comp: int,
    ways: tuple[I64, I64],
) -> StreetGraph:
    """Renumber junction nodes for locality and build arcs, CSR and link geometry."""
    la, lb, lf, lbw = links.a, links.b, links.fwd, links.bwd
    nodes_used, inv = np.unique(np.concatenate([la, lb]), return_inverse=True)
    n = len(nodes_used)
    la, lb = inv[: len(la)], inv[len(la) :]
    sym = coo_matrix((np.ones(2 * len(la), dtype=np.int8), (np.r_[la, lb], np.r_[lb, la])), (n, n))
    perm = reverse_cuthill_mckee(sym.tocsr(), symmetric_mode=True).astype(np.int64)
    new_id = np.empty(n, dtype=np.int64)
    new_id[perm] = np.arange(n)
    la, lb = new_id[la], new_id[lb]
    node_lon, node_lat = lon[nodes_used[perm]], lat[nodes_used[perm]]

    link_ptr, pt_node = links.ptr, links.node
    local = links.local
    routes = routing(
        node_lon, node_lat, la, lb, lf, lbw, local, link_ptr, links.ms, links.cm, source=source
    )
    return StreetGraph(
        profile=profile.name,
        source=source,
        lon=node_lon,
        lat=node_lat,
        **routes.fields(),
        link_a=la,
        link_b=lb,
        link_fwd=lf,
        link_bwd=lbw,
        link_local=local,
        link_ptr=link_ptr,
        pt_lon=lon[pt_node],
        pt_lat=lat[pt_node],
        pt_ms=links.ms,
        pt_cm=links.cm,
        n_components=n_comp,
        door_mps=profile.door_mps,
        link_way_ptr=ways[0],
        link_way=ways[1],
    )


@dataclass(frozen=True, slots=True)
class Routing:
    """A street graph's routing arcs in CSR form, as :class:`~geo.graph.StreetGraph` keeps
    them (the attributes are its fields of the same names)."""

    indptr: I64
    indices: I64
    arc_ms: I64
    arc_cm: I64
    arc_key: I64
    arc_link: I64
    arc_rev: B
    arrive_node: I64
    key_shift: int

    def fields(self) -> dict[str, Any]:
        """The attributes by name, for :class:`~geo.graph.StreetGraph` or ``replace``."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def routing(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    la: I64,
    lb: I64,
    lf: B,
    lbw: B,
    local: B,
    link_ptr: I64,
    pt_ms: I64,
    pt_cm: I64,
    *,
    source: str,
    min_shift: int = 0,
) -> Routing:
    """The routing arcs of links (see :func:`_routing_arcs`): CSR by tail, per arc time
    (ms), length (cm), key, link and direction, the arrival copies and the key width.

    Parameters
    ----------
    lon, lat
        WGS-84 degrees of the street nodes.
    la, lb, lf, lbw, local
        Per link: end nodes, forward / backward allowed, usable only at a leg's ends.
    link_ptr, pt_ms, pt_cm
        The links' points (CSR) with cumulative time (ms) and length (cm).
    source
        The map's name, for messages.
    min_shift
        Keys at least this wide (bits): a graph with links closed keeps its open graph's.
    """
    tot_ms, tot_cm = pt_ms[link_ptr[1:] - 1], pt_cm[link_ptr[1:] - 1]
    arcs = _routing_arcs(len(lon), la, lb, lf, lbw, local, tot_ms, tot_cm)
    indptr = np.zeros(arcs.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(arcs.tail, minlength=arcs.n), out=indptr[1:])
    centre = _central_node(lon, lat, arcs.arrive < 0)
    shift = max(
        min_shift,
        key_shift(indptr, arcs.head, arcs.ms, pt_ms, pt_cm, link_ptr, centre, source=source),
    )
    return Routing(
        indptr=indptr,
        indices=arcs.head,
        arc_ms=arcs.ms,
        arc_cm=arcs.cm,
        arc_key=(arcs.ms << np.int64(shift)) + arcs.cm,
        arc_link=arcs.link,
        arc_rev=arcs.rev,
        arrive_node=arcs.arrive,
        key_shift=shift,
    )


def _central_node(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], allowed: B) -> int:
    """The allowed node nearest the median position (a good root for diameter bounds)."""
    d = (lon - np.median(lon)) ** 2 + (lat - np.median(lat)) ** 2
    return int(np.argmin(np.where(allowed, d, np.inf)))


@dataclass(frozen=True, slots=True)
class _Arcs:
    """Routing arcs sorted by tail, one per (tail, head): the cheapest (time, then length)."""

    n: int
    arrive: I64
    tail: I64
    head: I64
    link: I64
    rev: B
    ms: I64
    cm: I64


def _routing_arcs(
    n: int, la: I64, lb: I64, lf: B, lbw: B, local: B, tot_ms: I64, tot_cm: I64
) -> _Arcs:
    """Arcs of the routing graph, with local links usable only at the ends of a leg.

    The *core* is the largest strongly connected part of the network without local links.
    Nodes outside it (inside compounds reached through local links) get a second copy,
    the *arrival* copy. A search starts on the plain nodes: outside the core any link may
    be used; once in the core only non-local links; leaving the core for an outside node
    leads to its arrival copy, from which the core is never re-entered. So a leg may use
    local links to leave its start's compound and to reach its end's, never in between.
    """
    lid = np.arange(len(la), dtype=np.int64)
    tail = np.concatenate([la[lf], lb[lbw]])
    head = np.concatenate([lb[lf], la[lbw]])
    link = np.concatenate([lid[lf], lid[lbw]])
    rev = np.concatenate([np.zeros(int(lf.sum()), bool), np.ones(int(lbw.sum()), bool)])
    ok = tail != head
    tail, head, link, rev = tail[ok], head[ok], link[ok], rev[ok]
    is_local = local[link]
    arrive = np.full(n, -1, dtype=np.int64)
    if is_local.any():
        pub = ~is_local
        adj = coo_matrix(
            (np.ones(int(pub.sum()), dtype=np.int8), (tail[pub], head[pub])), shape=(n, n)
        ).tocsr()
        _, labels = connected_components(adj, directed=True, connection="strong")
        core = labels == np.bincount(labels).argmax()
        outside = np.flatnonzero(~core)
        arrive[outside] = n + np.arange(len(outside))
        ct, ch = core[tail], core[head]
        parts = [
            (ct & ch & pub, tail, head),  # in the core: no local links
            (~ct, tail, head),  # leaving the start's compound (into the core or not)
            (~ct & ~ch, arrive[tail], arrive[head]),  # inside the end's compound
            (ct & ~ch, tail, arrive[head]),  # from the core into the end's compound
        ]
        tail = np.concatenate([t[m] for m, t, _ in parts])
        head = np.concatenate([h[m] for m, _, h in parts])
        link = np.concatenate([link[m] for m, _, _ in parts])
        rev = np.concatenate([rev[m] for m, _, _ in parts])
    n_route = n + int((arrive >= 0).sum())
    ms, cm = tot_ms[link], tot_cm[link]
    order = np.lexsort((cm, ms, head, tail))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (tail[order][1:] != tail[order][:-1]) | (head[order][1:] != head[order][:-1])
    sel = order[first]
    return _Arcs(n_route, arrive, tail[sel], head[sel], link[sel], rev[sel], ms[sel], cm[sel])
