"""Inline SVG street maps of runs, drawn offline from the map's own streets.

A map draws, in Web Mercator, the street graph's links around its runs (the base layer the
map page draws when tiles are off), optionally tiles over them (they hide the drawn streets
where they load; where they do not, the streets remain), each run's street-following line,
and labelled markers. Markers never overlap: markers closer than their size are spread on a
ring around their common centre and pushed apart, each tied to its true position by a
leader line.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt

CREDIT = "© OpenStreetMap contributors"
#: Tile size of slippy-map tiles (px).
TILE_PX = 256
#: Most tiles one map may request.
MAX_TILES = 48

Line = Sequence[Sequence[float]]


@dataclass(frozen=True, slots=True)
class Marker:
    """A labelled point on a map.

    Attributes
    ----------
    lon, lat
        WGS-84 degrees.
    label
        A few characters drawn inside (a stop number, ``P`` for a pick-up place).
    colour
        Fill colour (CSS).
    square
        Drawn as a square (pick-up places), else as a circle.
    """

    lon: float
    lat: float
    label: str
    colour: str = "#d1242f"
    square: bool = False


@dataclass(frozen=True, slots=True)
class Run:
    """One run's street-following line on a map, in its colour."""

    lines: Sequence[Line]
    colour: str = "#1f6feb"


@dataclass(frozen=True, slots=True)
class Dot:
    """A small unlabelled point (a stop on the overview map)."""

    lon: float
    lat: float
    colour: str


@dataclass(frozen=True, slots=True, eq=False)
class Streets:
    """The map's streets with each line's bounding box and every point in Web Mercator,
    so that a map of a small area takes only the lines near it from a city's worth, and
    the pages of one plan project the streets once.

    Attributes
    ----------
    lines
        ``(lon, lat)`` polylines, WGS-84 degrees.
    boxes
        Per line ``(west, south, east, north)`` degrees, shape ``(n, 4)``.
    xy
        Every point of the lines, one line after another, in Web Mercator (radians of the
        equator, y grows north), shape ``(m, 2)``.
    starts
        Per line the index of its first point in ``xy``, shape ``(n,)``.
    """

    lines: tuple[Line, ...]
    boxes: npt.NDArray[np.float64]
    xy: npt.NDArray[np.float64]
    starts: npt.NDArray[np.int64]

    @classmethod
    def of(cls, lines: Streets | Sequence[Line]) -> Streets:
        """Index ``lines`` by their bounding boxes (already indexed lines as they are)."""
        if isinstance(lines, Streets):
            return lines
        kept = tuple(ln for ln in lines if len(ln) > 1)
        counts = np.array([len(ln) for ln in kept], np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        lonlat = np.array([(p[0], p[1]) for ln in kept for p in ln], np.float64).reshape(-1, 2)
        if not kept:
            return cls(kept, np.zeros((0, 4)), lonlat, starts[:0])
        lo = np.minimum.reduceat(lonlat, starts)
        hi = np.maximum.reduceat(lonlat, starts)
        return cls(kept, np.hstack([lo, hi]), _mercator_xy(lonlat), starts)

    def _hit(self, west: float, south: float, east: float, north: float) -> npt.NDArray[np.intp]:
        """Indices of the lines whose bounding box meets the box given in degrees."""
        b = self.boxes
        hit = (b[:, 0] <= east) & (b[:, 2] >= west) & (b[:, 1] <= north) & (b[:, 3] >= south)
        return np.flatnonzero(hit)

    def within(self, west: float, south: float, east: float, north: float) -> list[Line]:
        """The lines whose bounding box meets the box given in degrees."""
        return [self.lines[i] for i in self._hit(west, south, east, north)]

    def path(self, frame: Frame, min_px: float = 0.0) -> str:
        """The SVG path ``d`` of the lines in ``frame`` (see :func:`_path`)."""
        hit = self._hit(*frame.bounds())
        if not len(hit):
            return ""
        ends = np.append(self.starts[1:], len(self.xy))
        counts = ends[hit] - self.starts[hit]
        first = np.cumsum(counts) - counts  # each chosen line's first point, in the choice
        at = np.repeat(self.starts[hit] - first, counts) + np.arange(counts.sum())
        return _projected_path(frame, self.xy[at], counts, min_px)


def _mercator_xy(lonlat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Web Mercator (radians of the equator, y grows north) of ``(lon, lat)`` degrees,
    shape ``(m, 2)``, as :func:`mercator` one by one."""
    lat = np.radians(np.clip(lonlat[:, 1], -85.0, 85.0))
    return np.stack([np.radians(lonlat[:, 0]), np.log(np.tan(np.pi / 4 + lat / 2))], axis=1)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web Mercator of a WGS-84 position, in radians of the equator (y grows north)."""
    lat = max(-85.0, min(85.0, lat))
    return math.radians(lon), math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


@dataclass(frozen=True, slots=True)
class Frame:
    """Where Web Mercator positions land in a ``width`` x ``height`` picture (px)."""

    x0: float
    y1: float
    scale: float
    width: int
    height: int

    @classmethod
    def fit(cls, points: Sequence[tuple[float, float]], width: int, height: int) -> Frame:
        """The frame that shows every ``(lon, lat)`` of ``points`` with a margin, centred."""
        lonlat = np.array([(p[0], p[1]) for p in points], np.float64).reshape(-1, 2)
        xy = _mercator_xy(lonlat) if len(lonlat) else np.zeros((1, 2))
        (lo_x, lo_y), (hi_x, hi_y) = xy.min(axis=0).tolist(), xy.max(axis=0).tolist()
        pad = 28
        span_x = max(hi_x - lo_x, 1e-7)
        span_y = max(hi_y - lo_y, 1e-7)
        scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        scale = min(scale, 2.0e7)  # a single point: about a street block across
        cx, cy = (hi_x + lo_x) / 2, (hi_y + lo_y) / 2
        return cls(cx - width / 2 / scale, cy + height / 2 / scale, scale, width, height)

    def bounds(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` WGS-84 degrees of the picture."""
        west = math.degrees(self.x0)
        east = math.degrees(self.x0 + self.width / self.scale)
        north = math.degrees(2 * math.atan(math.exp(self.y1)) - math.pi / 2)
        y0 = self.y1 - self.height / self.scale
        south = math.degrees(2 * math.atan(math.exp(y0)) - math.pi / 2)
        return west, south, east, north

    def px(self, lon: float, lat: float) -> tuple[float, float]:
        """Picture position of a WGS-84 position (px, y down)."""
        x, y = mercator(lon, lat)
        return (x - self.x0) * self.scale, (self.y1 - y) * self.scale


#: Units of a path's ``d`` per picture pixel: paths are written in whole tenths of a
#: pixel and drawn under ``transform="scale(0.1)"`` (whole numbers format three times
#: faster than decimals, and a city's streets on every page are many numbers).
PATH_UNITS = 10
#: The transform that draws a path written in :data:`PATH_UNITS`.
PATH_TRANSFORM = f'transform="scale({1 / PATH_UNITS:g})"'


def _path(frame: Frame, lines: Sequence[Line], min_px: float = 0.0) -> str:
    """One SVG path's ``d`` for polylines, in whole :data:`PATH_UNITS` (tenths of a
    pixel), skipping lines wholly outside the picture or spanning less than ``min_px``,
    and repeated points."""
    lines = [ln for ln in lines if len(ln) >= 2]
    if not lines:
        return ""
    counts = np.array([len(ln) for ln in lines])
    lonlat = np.array([(p[0], p[1]) for ln in lines for p in ln], np.float64)
    return _projected_path(frame, _mercator_xy(lonlat), counts, min_px)


def _projected_path(
    frame: Frame, xy: npt.NDArray[np.float64], counts: npt.NDArray[np.int64], min_px: float
) -> str:
    """:func:`_path` of lines given in Web Mercator (``xy``, one line after another,
    ``counts`` points each, at least 2).

    The projection and the tests run on all points at once (numpy); only the points drawn
    are formatted.
    """
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    x = (xy[:, 0] - frame.x0) * frame.scale
    y = (frame.y1 - xy[:, 1]) * frame.scale
    lo_x, hi_x = np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts)
    lo_y, hi_y = np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)
    seen = (hi_x >= 0) & (lo_x <= frame.width) & (hi_y >= 0) & (lo_y <= frame.height)
    drawn = seen & (hi_x - lo_x + hi_y - lo_y >= min_px)
    tenths = np.rint(np.stack([x, y], axis=1) * PATH_UNITS).astype(np.int64)
    keep = np.ones(len(tenths), bool)  # a point repeating the one before it is dropped
    keep[1:] = np.any(tenths[1:] != tenths[:-1], axis=1)
    keep[starts] = True
    drawn &= np.add.reduceat(keep.astype(np.int64), starts) > 1
    owner = np.repeat(np.arange(len(counts)), counts)
    chosen = keep & drawn[owner]
    texts = [f"{px} {py}" for px, py in tenths[chosen].tolist()]
    if not texts:
        return ""
    edges = [0, *(np.flatnonzero(np.diff(owner[chosen])) + 1).tolist(), len(texts)]
    return "".join("M" + " L".join(texts[a:b]) for a, b in itertools.pairwise(edges))


def _tiles(frame: Frame, template: str) -> list[str]:
    """``<image>`` elements of the slippy-map tiles covering the picture, at the zoom
    nearest its scale (none when more than :data:`MAX_TILES` would be needed)."""
    zoom = max(0, min(19, round(math.log2(frame.scale * 2 * math.pi / TILE_PX))))
    n = 2**zoom
    size = 2 * math.pi / n * frame.scale  # tile edge in picture px

    def tile_of(px: float, py: float) -> tuple[int, int]:
        x = frame.x0 + px / frame.scale
        y = frame.y1 - py / frame.scale
        return int((x + math.pi) / (2 * math.pi) * n), int((math.pi - y) / (2 * math.pi) * n)

    (tx0, ty0), (tx1, ty1) = tile_of(0, 0), tile_of(frame.width, frame.height)
    if (tx1 - tx0 + 1) * (ty1 - ty0 + 1) > MAX_TILES:
        return []
    out = []
    for tx in range(tx0, tx1 + 1):
        for ty in range(max(0, ty0), min(n - 1, ty1) + 1):
            left = (tx * 2 * math.pi / n - math.pi - frame.x0) * frame.scale
            top = (frame.y1 - (math.pi - ty * 2 * math.pi / n)) * frame.scale
            url = template.replace("{z}", str(zoom)).replace("{x}", str(tx % n))
            url = url.replace("{y}", str(ty)).replace("{s}", "a")
            out.append(
                f'<image class="tile" href="{escape(url)}" x="{left:.1f}" y="{top:.1f}" '
                f'width="{size + 0.5:.1f}" height="{size + 0.5:.1f}"/>'
            )
    return out


def spread(
    points: Sequence[tuple[float, float]],
    radius: float,
    width: float,
    height: float,
    *,
    rounds: int = 200,
) -> list[tuple[float, float]]:
    """Marker centres near ``points`` (px) that never overlap: markers whose circles of
    ``radius`` touch are set on a ring around their common centre, then pushed apart until
    no two are closer than ``2 * radius + 1``, staying inside the picture."""
    gap = 2 * radius + 1
    n = len(points)
    group = list(range(n))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, j in _close_pairs(points, gap):
        group[root(i)] = root(j)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(root(i), []).append(i)
    placed = [list(p) for p in points]
    for idx in members.values():
        if len(idx) < 2:
            continue
        cx = sum(points[i][0] for i in idx) / len(idx)
        cy = sum(points[i][1] for i in idx) / len(idx)
        ring = max(gap, gap * len(idx) / (2 * math.pi) * 1.1)
        edge = ring + radius + 1  # the whole ring inside the picture
        cx = min(max(cx, edge), max(edge, width - edge))
        cy = min(max(cy, edge), max(edge, height - edge))
        for k, i in enumerate(idx):
            a = 2 * math.pi * k / len(idx) - math.pi / 2
            placed[i] = [cx + ring * math.cos(a), cy + ring * math.sin(a)]
    lo_x, hi_x, lo_y, hi_y = radius + 1, width - radius - 1, radius + 1, height - radius - 1
    for _ in range(rounds):
        moved = False
        for i, j in _close_pairs(placed, gap):
            dx = placed[i][0] - placed[j][0]
            dy = placed[i][1] - placed[j][1]
            d = math.hypot(dx, dy)
            if d >= gap:
                continue
            if d < 1e-6:
                dx, dy, d = math.cos(i), math.sin(i), 1.0
            push = (gap - d) / 2 + 0.05
            placed[i][0] += dx / d * push
            placed[i][1] += dy / d * push
            placed[j][0] -= dx / d * push
            placed[j][1] -= dy / d * push
            moved = True
        for p in placed:
            p[0] = min(max(p[0], lo_x), hi_x)
            p[1] = min(max(p[1], lo_y), hi_y)
        if not moved:
            break
    return [(p[0], p[1]) for p in placed]


def _close_pairs(points: Sequence[Sequence[float]], gap: float) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i > j``, of points (px) closer than ``gap``, in the order of a
    scan of ``i`` then ``j`` (found through a k-d tree: a plan's hundreds of markers cost
    no all-pairs loop)."""
    from pykdtree.kdtree import KDTree

    from geo.neighbours import within

    n = len(points)
    if n < 2:
        return []
    at = np.asarray(points, np.float64).reshape(n, 2)
    dist, idx = within(KDTree(at), at, gap, 8)
    hi = np.repeat(np.arange(n), idx.shape[1])
    lo = idx.reshape(-1)
    keep = np.isfinite(dist.reshape(-1)) & (lo < hi)
    hi, lo = hi[keep], lo[keep]
    near = np.hypot(*(at[hi] - at[lo]).T) < gap
    order = np.lexsort((lo[near], hi[near]))
    return list(zip(hi[near][order].tolist(), lo[near][order].tolist(), strict=True))


def route_svg(
    streets: Streets | Sequence[Line],
    runs: Sequence[Run],
    markers: Sequence[Marker],
    *,
    dots: Sequence[Dot] = (),
    width: int = 640,
    height: int = 420,
    credit: str = CREDIT,
    label: str = "route map",
    tiles: str = "",
) -> str:
    """SVG of runs over the map's streets; all positions ``(lon, lat)`` WGS-84.

    ``credit`` and ``label`` are the map credit and the image's accessible name, in the
    page's language; ``tiles`` a slippy-map URL template (``{z}/{x}/{y}``) drawn over the
    streets, or ``""`` for the streets alone.
    """
    framed = [(m.lon, m.lat) for m in markers] + [(d.lon, d.lat) for d in dots]
    framed += [(p[0], p[1]) for r in runs for ln in r.lines for p in ln]
    frame = Frame.fit(framed, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="map" role="img" aria-label="{escape(label)}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f7f7f4"/>',
    ]
    street_d = Streets.of(streets).path(frame, min_px=1.0)
    if street_d:
        parts.append(
            f'<path class="street" d="{street_d}" {PATH_TRANSFORM} fill="none" '
            f'stroke="#c8c8c0" stroke-width="{1.4 * PATH_UNITS:g}" stroke-linejoin="round" '
            'stroke-linecap="round"/>'
        )
    if tiles:
        parts += _tiles(frame, tiles)
    for run in runs:
        d = _path(frame, run.lines)
        if d:
            parts.append(
                f'<path class="run" d="{d}" {PATH_TRANSFORM} fill="none" '
                f'stroke="{run.colour}" stroke-width="{3 * PATH_UNITS:g}" stroke-opacity="0.85" '
                'stroke-linejoin="round" stroke-linecap="round"/>'
            )
    for dot in dots:
        x, y = frame.px(dot.lon, dot.lat)
        parts.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{dot.colour}" '
            'stroke="#fff" stroke-width="1"/>'
        )
    parts += _markers(frame, markers)
    wide = sum(11.0 if ord(c) >= 0x2E80 else 6.2 for c in credit)  # px at 11 px type
    parts.append(
        f'<rect x="{width - 4 - wide:.1f}" y="{height - 16}" '
        f'width="{wide + 4:.1f}" height="16" fill="#fff" fill-opacity="0.8"/>'
        f'<text x="{width - 4}" y="{height - 4}" font-size="11" text-anchor="end" '
        f'fill="#444">{escape(credit)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


#: Radius of a labelled marker (px).
MARKER_R = 10.0


def _markers(frame: Frame, markers: Sequence[Marker]) -> list[str]:
    """Markers spread so none overlaps, each moved one tied to its place by a line."""
    true = [frame.px(m.lon, m.lat) for m in markers]
    at = spread(true, MARKER_R * 1.05, frame.width, frame.height)
    out: list[str] = []
    for (tx, ty), (x, y) in zip(true, at, strict=True):
        if math.dist((tx, ty), (x, y)) > 1:
            out.append(
                f'<line class="leader" x1="{tx:.1f}" y1="{ty:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                'stroke="#333" stroke-width="1"/>'
                f'<circle cx="{tx:.1f}" cy="{ty:.1f}" r="2.5" fill="#333"/>'
            )
    for m, (x, y) in zip(markers, at, strict=True):
        r = MARKER_R
        if m.square:
            shape = (
                f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" '
                f'height="{2 * r:.1f}" rx="2" fill="{m.colour}" stroke="#fff" stroke-width="1.5"/>'
            )
        else:
            shape = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{m.colour}" '
                'stroke="#fff" stroke-width="1.5"/>'
            )
        size = 11 if len(m.label) < 3 else 9
        out.append(
            f'<g class="marker" data-label="{escape(m.label)}" data-x="{x:.1f}" '
            f'data-y="{y:.1f}">{shape}<text x="{x:.1f}" y="{y + size * 0.36:.1f}" '
            f'font-size="{size}" font-weight="bold" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif">{escape(m.label)}</text></g>'
        )
    return out
