"""Streets closed for the rest of a day: the same graph without travel along some links.

A closure is named by two ``(lon, lat)`` points on the closed street: the closed links are
those of the shortest way along streets between the two points' street positions (both
points' own links included) (:func:`street_links`); or by an OSM way id: the closed links
are those made from that way (:func:`way_links`, from the way ids the graph keeps per link).
Links run junction to junction, so a closure closes whole street pieces between junctions
(a link that folds the closed way with another one, meeting it end to end with no junction
between, is closed whole: no leg passed from one of them to the other but along both).

:func:`close_links` returns the graph with the routing arcs of the closed links removed and
the arcs, arrival copies and key width rebuilt exactly as when the graph was built
(:func:`geo.build.routing`); links, their geometry and
directions stay, so points snapped to the open graph keep their positions, and a door on a
closed street is still reached along it from its ends (access only: no leg passes along a
closed link from one junction to the next). A street parallel to a closed one, dropped when
the graph was built because the closed one was faster, comes back.

The closed graph is a new object: matrices on it never use the contraction hierarchy of the
open graph (a hierarchy prepared for it would be built in memory, never written beside the
cache), and :func:`closed_travel_matrices` uses plain compiled Dijkstra, exact on the same
integer keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo.build import routing
from geo.graph import StreetGraph
from geo.matrix import TravelMatrices, travel_matrices
from geo.snap import Snapped, snap

I64 = npt.NDArray[np.int64]

#: Farthest (m) a closure's point may lie from the street it closes.
CLOSURE_SNAP_M = 50.0


def street_links(
    graph: StreetGraph,
    a: tuple[float, float],
    b: tuple[float, float],
    *,
    max_snap_m: float = CLOSURE_SNAP_M,
) -> I64:
    """Links of the street between two ``(lon, lat)`` points, in no order.

    Parameters
    ----------
    graph
        The street graph of one travel mode.
    a, b
        WGS-84 ``(lon, lat)`` points on the street, one at each end of the closed part.
    max_snap_m
        A point farther than this (m) from every street of the graph closes nothing here
        (the street is not one of this mode's).

    Returns
    -------
    Link indices: the two points' links and those of the shortest way along streets
    between them (length in cm, any direction); empty when either point is too far.
    """
    snapped = snap(graph, [a, b], max_snap_m=max_snap_m)
    if not bool(snapped.reachable.all()):
        return np.empty(0, dtype=np.int64)
    first, last = int(snapped.link[0]), int(snapped.link[1])
    if first == last:
        return np.array([first], dtype=np.int64)
    n = graph.n_nodes
    lid = np.arange(graph.n_links, dtype=np.int64)
    length = graph.link_length_cm() + 1  # +1 cm: a zero weight would be no edge in scipy
    tail = np.concatenate([graph.link_a, graph.link_b])
    head = np.concatenate([graph.link_b, graph.link_a])
    weight = np.concatenate([length, length])
    link = np.concatenate([lid, lid])
    order = np.lexsort((weight, head, tail))  # cheapest parallel link first per node pair
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (tail[order][1:] != tail[order][:-1]) | (head[order][1:] != head[order][:-1])
    sel = order[keep]
    adjacency = csr_matrix((weight[sel], (tail[sel], head[sel])), shape=(n, n))
    starts = [int(graph.link_a[first]), int(graph.link_b[first])]
    dist, pred, _ = dijkstra(
        adjacency, directed=True, indices=starts, min_only=True, return_predecessors=True
    )
    ends = [int(graph.link_a[last]), int(graph.link_b[last])]
    node = min(ends, key=lambda e: float(dist[e]))
    pair_link = {
        (int(t), int(h)): int(k) for t, h, k in zip(tail[sel], head[sel], link[sel], strict=True)
    }
    found = {first, last}
    while pred[node] >= 0:
        found.add(pair_link[(int(pred[node]), node)])
        node = int(pred[node])
    return np.array(sorted(found), dtype=np.int64)


def way_links(graph: StreetGraph, way_id: int) -> I64:
    """Links of ``graph`` made (in whole or in part) from OSM way ``way_id``, ascending;
    empty when the way is not on this graph (not a street of its profile, cut off from its
    largest strongly connected part, or a map source that named no way ids)."""
    hits = np.flatnonzero(graph.link_way == way_id)
    return np.unique(np.searchsorted(graph.link_way_ptr, hits, side="right") - 1).astype(np.int64)


def close_links(graph: StreetGraph, links: Sequence[int] | I64) -> StreetGraph:
    """The graph with no travel along ``links`` (see the module docstring).

    Parameters
    ----------
    graph
        The open street graph.
    links
        Link indices to close.

    Returns
    -------
    A new :class:`StreetGraph` with the same nodes, links and geometry and the routing arcs,
    arrival copies and key width of the graph without those links; ``graph`` itself when
    ``links`` is empty.
    """
    idx = np.asarray(links, dtype=np.int64)
    if not len(idx):
        return graph
    closed = np.zeros(graph.n_links, dtype=bool)
    closed[idx] = True
    routes = routing(
        graph.lon,
        graph.lat,
        graph.link_a,
        graph.link_b,
        graph.link_fwd & ~closed,
        graph.link_bwd & ~closed,
        graph.link_local,
        graph.link_ptr,
        graph.pt_ms,
        graph.pt_cm,
        source=graph.source,
        min_shift=graph.key_shift,
    )
    return replace(graph, **routes.fields())


def closed_travel_matrices(closed: StreetGraph, snapped: Snapped) -> TravelMatrices:
    """Exact matrices on a graph from :func:`close_links`, by plain compiled Dijkstra.

    Parameters
    ----------
    closed
        The graph with its closures.
    snapped
        Points snapped to it (or to the open graph: the links are the same).

    Returns
    -------
    :class:`geo.TravelMatrices`: durations (s) and distances (m), ``-1`` where no path is
    left.
    """
    return travel_matrices(closed, snapped, engine="dijkstra")
