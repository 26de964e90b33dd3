"""Snap ``(lon, lat)`` points to the nearest usable street (edge, not only node).

A KD-tree over short pieces of every link segment is built once per graph (kept in a weak
cache beside the graph). Each point is projected onto the nearest segment; its position is
the link and the cumulative time (ms) and length (cm) from the link start.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pykdtree.kdtree import KDTree

from geo.errors import PointError
from geo.graph import StreetGraph
from geo.measure import LocalProjection, haversine_m
from geo.neighbours import within

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Length (m) of the pieces indexed in the KD-tree; bounds the search slack.
_PIECE_M = 20.0
#: Pieces checked exactly per point before falling back to all pieces within reach.
_K = 16


@dataclass(frozen=True, slots=True, eq=False)
class Snapped:
    """Points placed on a street graph.

    Attributes
    ----------
    profile
        Profile name of the graph snapped to.
    lon, lat
        The input points (WGS-84 degrees).
    link
        Link index of each point's nearest street.
    off_ms, off_cm
        Travel time (ms) and length (cm) from the link start to the projected position.
    snap_lon, snap_lat
        The projected position on the street (WGS-84 degrees).
    snap_m
        Distance from the point to its street position in metres (great circle).
    reachable
        ``snap_m <= max_snap_m``; an unreachable point never gets a finite travel time.
    max_snap_m
        The limit used, in metres.
    """

    profile: str
    lon: F64
    lat: F64
    link: I64
    off_ms: I64
    off_cm: I64
    snap_lon: F64
    snap_lat: F64
    snap_m: F64
    reachable: npt.NDArray[np.bool_]
    max_snap_m: float

    def __len__(self) -> int:
        return len(self.lon)


class _SnapIndex:
    """Projected segments of a graph's links and a KD-tree over their pieces."""

    def __init__(self, graph: StreetGraph) -> None:
        w, s, e, n = graph.bbox
        self.proj = LocalProjection((w + e) / 2, (s + n) / 2)
        x, y = self.proj(graph.pt_lon, graph.pt_lat)
        n_pts = len(x)
        is_last = np.zeros(n_pts, dtype=bool)
        is_last[graph.link_ptr[1:] - 1] = True
        start = np.flatnonzero(~is_last)  # segment k runs from point k to point k + 1
        self.seg_start = start
        self.x1, self.y1 = x[start], y[start]
        self.x2, self.y2 = x[start + 1], y[start + 1]
        self.seg_link = np.repeat(np.arange(graph.n_links), np.diff(graph.link_ptr) - 1)
        seg_len = np.hypot(self.x2 - self.x1, self.y2 - self.y1)
        pieces = np.maximum(1, np.ceil(seg_len / _PIECE_M)).astype(np.int64)
        self.piece_seg = np.repeat(np.arange(len(start)), pieces)
        first = np.repeat(np.cumsum(pieces) - pieces, pieces)
        t = (np.arange(len(self.piece_seg)) - first + 0.5) / pieces[self.piece_seg]
        px = self.x1[self.piece_seg] + t * (self.x2 - self.x1)[self.piece_seg]
        py = self.y1[self.piece_seg] + t * (self.y2 - self.y1)[self.piece_seg]
        self.slack = float((seg_len / pieces).max(initial=0.0)) / 2 + 1e-6
        self.tree = KDTree(np.column_stack([px, py]))

    def project(self, segs: I64, qx: float, qy: float) -> tuple[F64, F64]:
        """Distances (m) from ``(qx, qy)`` to segments ``segs`` and the fractions along them."""
        dx = self.x2[segs] - self.x1[segs]
        dy = self.y2[segs] - self.y1[segs]
        den = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(den > 0, ((qx - self.x1[segs]) * dx + (qy - self.y1[segs]) * dy) / den, 0)
        t = np.clip(t, 0.0, 1.0)
        d = np.hypot(self.x1[segs] + t * dx - qx, self.y1[segs] + t * dy - qy)
        return d, t

    def pieces_within(self, qx: float, qy: float, reach: float) -> I64:
        """Every piece within ``reach`` (m) of ``(qx, qy)``."""
        dist, idx = within(self.tree, np.array([[qx, qy]]), reach, 4 * _K)
        return idx[0][np.isfinite(dist[0])]

    def nearest(self, qx: F64, qy: F64) -> tuple[I64, F64]:
        """Nearest segment and fraction along it for each query point.

        The ``k`` nearest pieces are checked exactly, all at once; a point whose best
        distance is not provably below every unchecked piece falls back to a ball query.
        """
        k = min(_K, self.tree.n)
        dist, idx = self.tree.query(np.column_stack([qx, qy]), k=k)
        dist = dist.reshape(len(qx), k)
        segs = self.piece_seg[idx.reshape(len(qx), k).astype(np.int64)]
        dx = (self.x2 - self.x1)[segs]
        dy = (self.y2 - self.y1)[segs]
        den = dx * dx + dy * dy
        px = qx[:, None] - self.x1[segs]
        py = qy[:, None] - self.y1[segs]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(den > 0, (px * dx + py * dy) / den, 0.0)
        t = np.clip(t, 0.0, 1.0)
        d = np.hypot(px - t * dx, py - t * dy)
        j = np.argmin(d, axis=1)
        rows = np.arange(len(qx))
        seg = segs[rows, j]
        frac = t[rows, j]
        best = d[rows, j]
        unsure = np.flatnonzero((dist[:, -1] - self.slack <= best) & (k < self.tree.n))
        for i in unsure.tolist():
            near = self.pieces_within(qx[i], qy[i], float(best[i]) + self.slack)
            cand = np.unique(self.piece_seg[near])
            dd, tt = self.project(cand, qx[i], qy[i])
            m = int(np.argmin(dd))
            seg[i], frac[i] = cand[m], tt[m]
        return seg, frac


_INDEXES: weakref.WeakKeyDictionary[StreetGraph, _SnapIndex] = weakref.WeakKeyDictionary()


def _index(graph: StreetGraph) -> _SnapIndex:
    idx = _INDEXES.get(graph)
    if idx is None:
        idx = _SnapIndex(graph)
        _INDEXES[graph] = idx
    return idx


def check_points(points: Sequence[tuple[float, float]]) -> tuple[F64, F64]:
    """``(lon, lat)`` arrays of ``points``; :class:`PointError` naming the bad point and field."""
    lon = np.empty(len(points), dtype=np.float64)
    lat = np.empty(len(points), dtype=np.float64)
    for i, p in enumerate(points):
        try:
            x, y = float(p[0]), float(p[1])
        except (TypeError, ValueError, IndexError):
            raise PointError(
                f"expected (lon, lat) numbers, got {p!r}", record=f"point {i}"
            ) from None
        if not (math.isfinite(x) and -180.0 <= x <= 180.0):
            raise PointError(
                f"longitude must be in [-180, 180], got {x}", record=f"point {i}", field="lon"
            )
        if not (math.isfinite(y) and -90.0 <= y <= 90.0):
            raise PointError(
                f"latitude must be in [-90, 90], got {y}", record=f"point {i}", field="lat"
            )
        lon[i], lat[i] = x, y
    return lon, lat


def snap(
    graph: StreetGraph,
    points: Sequence[tuple[float, float]],
    *,
    max_snap_m: float = 300.0,
) -> Snapped:
    """Place each ``(lon, lat)`` point (WGS-84 degrees) on its nearest street of ``graph``.

    Parameters
    ----------
    graph
        The street graph of one travel profile.
    points
        ``(lon, lat)`` pairs in degrees.
    max_snap_m
        Points farther than this (metres) from every usable street are reported with
        ``reachable=False`` and their distance; they never get a finite travel time.
    """
    if not max_snap_m >= 0:
        raise PointError(
            f"must not be negative, got {max_snap_m}", record="snap", field="max_snap_m"
        )
    lon, lat = check_points(points)
    idx = _index(graph)
    qx, qy = idx.proj(lon, lat)
    seg, frac = idx.nearest(qx, qy) if len(lon) else (np.zeros(0, np.int64), np.zeros(0))
    k = idx.seg_start[seg]
    snap_lon = graph.pt_lon[k] + frac * (graph.pt_lon[k + 1] - graph.pt_lon[k])
    snap_lat = graph.pt_lat[k] + frac * (graph.pt_lat[k + 1] - graph.pt_lat[k])
    off_ms = np.rint(graph.pt_ms[k] + frac * (graph.pt_ms[k + 1] - graph.pt_ms[k])).astype(np.int64)
    off_cm = np.rint(graph.pt_cm[k] + frac * (graph.pt_cm[k + 1] - graph.pt_cm[k])).astype(np.int64)
    snap_m = haversine_m(lon, lat, snap_lon, snap_lat)
    return Snapped(
        profile=graph.profile,
        lon=lon,
        lat=lat,
        link=idx.seg_link[seg],
        off_ms=off_ms,
        off_cm=off_cm,
        snap_lon=snap_lon,
        snap_lat=snap_lat,
        snap_m=snap_m,
        reachable=snap_m <= max_snap_m,
        max_snap_m=float(max_snap_m),
    )
