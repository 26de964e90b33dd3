"""Turn raw OSM ways into a profile's :class:`~geo.graph.StreetGraph`.

Steps: apply the profile's way rules; split ways at nodes missing from the extract;
measure each segment (haversine metres -> integer cm; time -> integer ms); keep the
largest strongly connected component; fold chains of degree-2 nodes into links; order
nodes for memory locality; reduce parallel arcs to the cheapest; build CSR arrays.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
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
    su, sv, fwd, bwd, speed, local = _segments(data, profile)
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
    fwd, bwd, local = fwd[keep], bwd[keep], local[keep]
    links = _fold_chains(len(used), su, sv, fwd, bwd, local, seg_cm, seg_ms)
    graph = _assemble(profile, data.name, lon, lat, links, n_comp)
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


def _segments(
    data: OsmData, profile: TravelProfile
) -> tuple[I64, I64, B, B, npt.NDArray[np.float64], B]:
    """Usable consecutive node pairs of every way (indices into ``data``), split at gaps:
    ends, forward / backward allowed, speed (m/s), local (end-of-leg only)."""
    us: list[I64] = []
    vs: list[I64] = []
    fw: list[bool] = []
    bw: list[bool] = []
    sp: list[float] = []
    lo: list[bool] = []
    counts: list[int] = []
    ids = data.node_ids
    n_ids = len(ids)
    for refs, tags in data.ways:
        rule = profile.rule(tags)
        if rule is None or not (rule.forward or rule.backward):
            continue
        pos = np.searchsorted(ids, refs)
        pos_c = np.minimum(pos, n_ids - 1)
        present = ids[pos_c] == refs if n_ids else np.zeros(len(refs), dtype=bool)
        ok = present[:-1] & present[1:] & (refs[:-1] != refs[1:])
        if not ok.any():
            continue
        us.append(pos_c[:-1][ok])
        vs.append(pos_c[1:][ok])
        fw.append(rule.forward)
        bw.append(rule.backward)
        sp.append(rule.speed_mps)
        lo.append(rule.local)
        counts.append(int(ok.sum()))
    if not us:
        empty = np.zeros(0, dtype=np.int64)
        no = empty.astype(bool)
        return empty, empty, no, no, empty.astype(float), no
    rep = np.asarray(counts)
    su = np.concatenate(us)
    sv = np.concatenate(vs)
    keep = su != sv
    return (
        su[keep],
        sv[keep],
        np.repeat(np.asarray(fw, dtype=bool), rep)[keep],
        np.repeat(np.asarray(bw, dtype=bool), rep)[keep],
        np.repeat(np.asarray(sp, dtype=np.float64), rep)[keep],
        np.repeat(np.asarray(lo, dtype=bool), rep)[keep],
    )


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


class _Links:
    """Links under construction: ends, directions, local flag, node sequences and costs."""

    def __init__(self) -> None:
        self.a: list[int] = []
        self.b: list[int] = []
        self.fwd: list[bool] = []
        self.bwd: list[bool] = []
        self.local: list[bool] = []
        self.nodes: list[list[int]] = []
        self.cm: list[list[int]] = []
        self.ms: list[list[int]] = []


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
    inc_seg = seg_of[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=ptr[1:])
    deg = np.diff(ptr)

    su_l, sv_l = su.tolist(), sv.tolist()
    fw_l, bw_l = fwd.tolist(), bwd.tolist()
    cm_l, ms_l, lo_l = seg_cm.tolist(), seg_ms.tolist(), local.tolist()
    inc_l, ptr_l = inc_seg.tolist(), ptr.tolist()

    def oriented(seg: int, start: int) -> tuple[bool, bool]:
        return (fw_l[seg], bw_l[seg]) if su_l[seg] == start else (bw_l[seg], fw_l[seg])

    junction = deg != 2
    for node in np.flatnonzero(deg == 2).tolist():
        s1, s2 = inc_l[ptr_l[node]], inc_l[ptr_l[node] + 1]
        f1, b1 = oriented(s1, node)
        f2, b2 = oriented(s2, node)
        # s1 leaving node (f1, b1) is s1 entering node as (b1, f1); must equal s2 leaving.
        if (b1, f1) != (f2, b2) or lo_l[s1] != lo_l[s2]:
            junction[node] = True
    junction_l = junction.tolist()
    used = [False] * k
    links = _Links()

    def walk(start: int, seg: int) -> None:
        f, b = oriented(seg, start)
        nodes, cms, mss = [start], [], []
        cur = start
        while True:
            used[seg] = True
            nxt = sv_l[seg] if su_l[seg] == cur else su_l[seg]
            nodes.append(nxt)
            cms.append(cm_l[seg])
            mss.append(ms_l[seg])
            if junction_l[nxt]:
                break
            p = ptr_l[nxt]
            seg = inc_l[p] if inc_l[p] != seg else inc_l[p + 1]
            if used[seg]:  # closed ring without junction
                break
            cur = nxt
        links.a.append(start)
        links.b.append(nodes[-1])
        links.fwd.append(f)
        links.bwd.append(b)
        links.local.append(lo_l[seg])
        links.nodes.append(nodes)
        links.cm.append(cms)
        links.ms.append(mss)

    for node in np.flatnonzero(junction).tolist():
        for p in range(ptr_l[node], ptr_l[node + 1]):
            seg = inc_l[p]
            if not used[seg]:
                walk(node, seg)
    for seg in range(k):  # rings made only of degree-2 nodes
        if not used[seg]:
            junction_l[su_l[seg]] = True
            walk(su_l[seg], seg)
    return links


def _assemble(
    profile: TravelProfile,
    source: str,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    links: _Links,
    n_comp: int,
) -> StreetGraph:
    """Renumber junction nodes for locality and build arcs, CSR and link geometry."""
    la = np.asarray(links.a, dtype=np.int64)
    lb = np.asarray(links.b, dtype=np.int64)
    lf = np.asarray(links.fwd, dtype=bool)
    lbw = np.asarray(links.bwd, dtype=bool)
    nodes_used, inv = np.unique(np.concatenate([la, lb]), return_inverse=True)
    n = len(nodes_used)
    la, lb = inv[: len(la)], inv[len(la) :]
    sym = coo_matrix((np.ones(2 * len(la), dtype=np.int8), (np.r_[la, lb], np.r_[lb, la])), (n, n))
    perm = reverse_cuthill_mckee(sym.tocsr(), symmetric_mode=True).astype(np.int64)
    new_id = np.empty(n, dtype=np.int64)
    new_id[perm] = np.arange(n)
    la, lb = new_id[la], new_id[lb]
    node_lon, node_lat = lon[nodes_used[perm]], lat[nodes_used[perm]]

    sizes = np.fromiter((len(x) for x in links.nodes), dtype=np.int64, count=len(la))
    link_ptr = np.zeros(len(la) + 1, dtype=np.int64)
    np.cumsum(sizes, out=link_ptr[1:])
    pt_node = np.fromiter(
        (v for seq in links.nodes for v in seq), dtype=np.int64, count=int(link_ptr[-1])
    )
    pt_cm = np.zeros(int(link_ptr[-1]), dtype=np.int64)
    pt_ms = np.zeros(int(link_ptr[-1]), dtype=np.int64)
    starts = link_ptr[:-1]
    first = np.zeros(int(link_ptr[-1]), dtype=bool)
    first[starts] = True
    seg_cm = np.fromiter((c for seq in links.cm for c in seq), dtype=np.int64)
    seg_ms = np.fromiter((c for seq in links.ms for c in seq), dtype=np.int64)
    pt_cm[~first] = seg_cm
    pt_ms[~first] = seg_ms
    # cumulative within each link: global cumsum minus the value at the link start
    for arr in (pt_cm, pt_ms):
        cs = np.cumsum(arr)
        arr[:] = cs - np.repeat(cs[starts], sizes)
    tot_cm = pt_cm[link_ptr[1:] - 1]
    tot_ms = pt_ms[link_ptr[1:] - 1]

    local = np.asarray(links.local, dtype=bool)
    arcs = _routing_arcs(n, la, lb, lf, lbw, local, tot_ms, tot_cm)
    indptr = np.zeros(arcs.n + 1, dtype=np.int64)
    np.cumsum(np.bincount(arcs.tail, minlength=arcs.n), out=indptr[1:])
    head, arc_ms, arc_cm = arcs.head, arcs.ms, arcs.cm
    centre = _central_node(node_lon, node_lat, arcs.arrive < 0)
    shift = key_shift(indptr, head, arc_ms, pt_ms, pt_cm, link_ptr, centre, source=source)
    return StreetGraph(
        profile=profile.name,
        source=source,
        lon=node_lon,
        lat=node_lat,
        indptr=indptr,
        indices=head,
        arc_ms=arc_ms,
        arc_cm=arc_cm,
        arc_key=(arc_ms << np.int64(shift)) + arc_cm,
        arc_link=arcs.link,
        arc_rev=arcs.rev,
        link_a=la,
        link_b=lb,
        link_fwd=lf,
        link_bwd=lbw,
        link_local=local,
        arrive_node=arcs.arrive,
        link_ptr=link_ptr,
        pt_lon=lon[pt_node],
        pt_lat=lat[pt_node],
        pt_ms=pt_ms,
        pt_cm=pt_cm,
        key_shift=shift,
        n_components=n_comp,
        door_mps=profile.door_mps,
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
