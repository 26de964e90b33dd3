"""An independent networkx oracle for travel matrices, built from links (not from CSR).

Each link becomes an edge of a MultiDiGraph with its own combined key (parallel links stay
parallel; networkx picks the cheapest itself). Each snapped position splits its link into
pieces through a virtual node. Local links (``access=private`` ...) follow the rule of a
leg: a search starts in phase ``start`` (or ``core`` on the core, the largest strongly
connected part without local pieces), may use local pieces only outside the core, and
once it has left the core it is in phase ``end`` and never returns. Dijkstra on this
phase graph gives the exact street keys.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import networkx as nx
import numpy as np

from geo.graph import StreetGraph
from geo.snap import Snapped


def _key(graph: StreetGraph, ms: int, cm: int) -> int:
    return (int(ms) << graph.key_shift) + int(cm)


def oracle_graph(graph: StreetGraph, snapped: Snapped) -> tuple[nx.MultiDiGraph, list]:
    """MultiDiGraph of links split at the snapped positions; returns (graph, point nodes)."""
    g = nx.MultiDiGraph()
    tot_ms = graph.link_time_ms()
    tot_cm = graph.link_length_cm()
    stops: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for i in range(len(snapped)):
        if snapped.reachable[i]:
            stops[int(snapped.link[i])].add((int(snapped.off_ms[i]), int(snapped.off_cm[i])))
    pieces: list[tuple[object, object, int, bool]] = []
    for lk in range(graph.n_links):
        a, b = int(graph.link_a[lk]), int(graph.link_b[lk])
        marks = sorted(stops.get(lk, set()), key=lambda p: (p[1], p[0]))
        chain = [(("n", a), 0, 0)]
        chain += [(("p", lk, ms, cm), ms, cm) for ms, cm in marks]
        chain += [(("n", b), int(tot_ms[lk]), int(tot_cm[lk]))]
        local = bool(graph.link_local[lk])
        for (u, ums, ucm), (v, vms, vcm) in itertools.pairwise(chain):
            w = _key(graph, vms - ums, vcm - ucm)
            if graph.link_fwd[lk]:
                pieces.append((u, v, w, local))
            if graph.link_bwd[lk]:
                pieces.append((v, u, w, local))
    public = nx.DiGraph([(u, v) for u, v, _, local in pieces if not local])
    core = max(nx.strongly_connected_components(public), key=len) if len(public) else set()
    for u, v, w, local in pieces:
        if u in core and v in core:
            if not local:
                g.add_edge((u, "core"), (v, "core"), key_w=w)
            continue
        if u in core:
            g.add_edge((u, "core"), (v, "end"), key_w=w)
            continue
        g.add_edge((u, "start"), (v, "core" if v in core else "start"), key_w=w)
        if v not in core:
            g.add_edge((u, "end"), (v, "end"), key_w=w)
    g.graph["core"] = core
    nodes = [
        ("p", int(snapped.link[i]), int(snapped.off_ms[i]), int(snapped.off_cm[i]))
        if snapped.reachable[i]
        else None
        for i in range(len(snapped))
    ]
    return g, nodes


def oracle_pairs(graph: StreetGraph, snapped: Snapped, pairs) -> list[tuple[int, int]]:
    """Expected (duration s, distance m) for each (i, j) pair, -1 where no path."""
    g, nodes = oracle_graph(graph, snapped)
    door_ms = np.rint(snapped.snap_m / graph.door_mps * 1000.0).astype(np.int64)
    mask = (1 << graph.key_shift) - 1
    cache: dict = {}
    out = []
    for i, j in pairs:
        if nodes[i] is None or nodes[j] is None:
            out.append((-1, -1))
            continue
        if snapped.lon[i] == snapped.lon[j] and snapped.lat[i] == snapped.lat[j]:
            out.append((0, 0))
            continue
        if nodes[i] not in cache:
            phase = "core" if nodes[i] in g.graph["core"] else "start"
            cache[nodes[i]] = nx.single_source_dijkstra_path_length(
                g, (nodes[i], phase), weight="key_w"
            )
        found = [cache[nodes[i]].get((nodes[j], p)) for p in ("start", "core", "end")]
        k = min((x for x in found if x is not None), default=None)
        if k is None:
            out.append((-1, -1))
            continue
        ms = (k >> graph.key_shift) + int(door_ms[i]) + int(door_ms[j])
        cm = k & mask
        out.append(((ms + 500) // 1000, (cm + 50) // 100))
    return out
