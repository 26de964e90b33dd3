"""Street-following geometry of route legs as GeoJSON (RFC 7946, ``[lon, lat]``).

Computed only when asked: one shortest-path tree per leg, with the same costs and tie
rules as :mod:`geo.matrix`, so a leg's drawn path is the one its matrix entry measures.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from geo.dijkstra import INF, shortest_tree
from geo.errors import PointError
from geo.graph import StreetGraph
from geo.matrix import _positions
from geo.snap import Snapped

Coord = list[float]
ATTRIBUTION = "© OpenStreetMap contributors"


def _link_coords(graph: StreetGraph, link: int) -> list[Coord]:
    lo, hi = int(graph.link_ptr[link]), int(graph.link_ptr[link + 1])
    return [
        [float(x), float(y)] for x, y in zip(graph.pt_lon[lo:hi], graph.pt_lat[lo:hi], strict=True)
    ]


def _split(graph: StreetGraph, snapped: Snapped, i: int) -> tuple[list[Coord], list[Coord], Coord]:
    """Points of point ``i``'s link before and after its position, and the position."""
    link = int(snapped.link[i])
    lo, hi = int(graph.link_ptr[link]), int(graph.link_ptr[link + 1])
    coords = _link_coords(graph, link)
    # first point strictly after the position along the link
    k = int(np.searchsorted(graph.pt_cm[lo:hi], snapped.off_cm[i], side="right"))
    k = min(max(k, 1), len(coords) - 1)
    here = [float(snapped.snap_lon[i]), float(snapped.snap_lat[i])]
    return coords[:k], coords[k:], here


def _leg(graph: StreetGraph, snapped: Snapped, i: int, j: int) -> list[Coord]:
    """Door-to-door coordinates of the fastest path from point ``i`` to point ``j``."""
    door_i = [float(snapped.lon[i]), float(snapped.lat[i])]
    door_j = [float(snapped.lon[j]), float(snapped.lat[j])]
    if i == j or door_i == door_j:
        return [door_i, door_j]
    pos = _positions(
        graph,
        snapped.link[[i, j]],
        snapped.off_ms[[i, j]],
        snapped.off_cm[[i, j]],
    )
    dist, pred, root = shortest_tree(
        graph.indptr, graph.indices, graph.arc_key, pos.seed_nodes[0], pos.seed_keys[0]
    )
    before_i, after_i, at_i = _split(graph, snapped, i)
    before_j, after_j, at_j = _split(graph, snapped, j)
    best, how = INF, ""
    for side in range(pos.enter_nodes.shape[1]):  # via a, its arrival copy, b, b's copy
        node = int(pos.enter_nodes[1, side])
        if node >= 0 and dist[node] < INF and dist[node] + pos.enter_keys[1, side] < best:
            best, how = dist[node] + pos.enter_keys[1, side], f"via{side}"
    if snapped.link[i] == snapped.link[j]:
        link = int(snapped.link[i])
        dms = int(snapped.off_ms[j] - snapped.off_ms[i])
        dcm = int(snapped.off_cm[j] - snapped.off_cm[i])
        ahead = dms >= 0 and dcm >= 0 and bool(graph.link_fwd[link])
        behind = dms <= 0 and dcm <= 0 and bool(graph.link_bwd[link])
        if ahead or behind:
            direct = (abs(dms) << graph.key_shift) + abs(dcm)
            if direct <= best:
                k0 = len(before_i)
                k1 = len(before_j)
                coords = _link_coords(graph, link)
                mid = coords[k0:k1] if ahead else coords[k1:k0][::-1]
                return [door_i, at_i, *mid, at_j, door_j]
    if best >= INF:
        raise PointError(f"no path to point {j}", record=f"point {i}")
    side = int(how[-1])
    end_node = int(pos.enter_nodes[1, side])
    arcs: list[int] = []
    node = end_node
    while pred[node] >= 0:
        arcs.append(int(pred[node]))
        node = int(np.searchsorted(graph.indptr, pred[node], side="right") - 1)
    arcs.reverse()
    start_side = int(root[end_node])  # 0: left via node a (backward), 1: via node b
    out = [door_i, at_i]
    out += before_i[::-1] if start_side == 0 else after_i
    for arc in arcs:
        coords = _link_coords(graph, int(graph.arc_link[arc]))
        out += (coords[::-1] if graph.arc_rev[arc] else coords)[1:]
    out += before_j[1:] if side < 2 else after_j[::-1][1:]
    out += [at_j, door_j]
    return _dedupe(out)


def _dedupe(coords: list[Coord]) -> list[Coord]:
    out = [coords[0]]
    for c in coords[1:]:
        if c != out[-1]:
            out.append(c)
    if len(out) == 1:
        out.append(out[0])
    return out


def route_geometry(
    graph: StreetGraph,
    snapped: Snapped,
    order: Sequence[int],
) -> dict[str, Any]:
    """GeoJSON FeatureCollection of the legs ``order[0] -> order[1] -> ...``.

    Each leg is a ``LineString`` Feature (coordinates ``[lon, lat]``, WGS-84) running from
    the door of ``order[k]`` along the streets of the fastest path to the door of
    ``order[k + 1]``, with properties ``leg``, ``from``, ``to``. A last Feature with
    ``"kind": "route"`` joins all legs. Unreachable points raise :class:`PointError`.
    """
    idx = [int(k) for k in order]
    for k in idx:
        if not 0 <= k < len(snapped):
            raise PointError(f"no point {k}", record="order", field="index")
        if not snapped.reachable[k]:
            raise PointError(
                f"point is {snapped.snap_m[k]:.0f} m from any street", record=f"point {k}"
            )
    features: list[dict[str, Any]] = []
    route: list[Coord] = []
    for leg, (i, j) in enumerate(itertools.pairwise(idx)):
        coords = _leg(graph, snapped, i, j)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"kind": "leg", "leg": leg, "from": i, "to": j},
            }
        )
        route += coords if not route else coords[1:]
    if route:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": route},
                "properties": {"kind": "route", "profile": graph.profile},
            }
        )
    return {"type": "FeatureCollection", "features": features, "attribution": ATTRIBUTION}


def path_length_cm(coords: npt.ArrayLike) -> float:
    """Length of a ``[lon, lat]`` polyline in cm (great circle), for checks."""
    from geo.measure import haversine_m

    c = np.asarray(coords, dtype=np.float64)
    return float(haversine_m(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1]).sum() * 100)


def street_lines(
    graph: StreetGraph, bbox: tuple[float, float, float, float] | None = None
) -> list[list[tuple[float, float]]]:
    """The street links of ``graph`` as ``(lon, lat)`` polylines (WGS-84 degrees), each
    link once; with ``bbox`` ``(west, south, east, north)`` only the links with a point
    inside it, drawn whole (a map clips them at its frame)."""
    ptr = graph.link_ptr
    lon, lat = graph.pt_lon, graph.pt_lat
    if len(ptr) < 2:
        return []
    if bbox is None:
        keep = np.arange(len(ptr) - 1)
    else:
        west, south, east, north = bbox
        inside = ((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)).astype(np.int64)
        per_link = np.add.reduceat(inside, ptr[:-1]) if len(inside) else np.zeros(0, np.int64)
        keep = np.flatnonzero((per_link > 0) & (np.diff(ptr) > 0))
    return [
        list(zip(lon[ptr[k] : ptr[k + 1]].tolist(), lat[ptr[k] : ptr[k + 1]].tolist(), strict=True))
        for k in keep
    ]
