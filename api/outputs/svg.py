"""A small inline SVG map of one run: street line, numbered stops, start square."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

CREDIT = "© OpenStreetMap contributors"


def route_svg(
    lines: Sequence[Sequence[Sequence[float]]],
    stops: Sequence[tuple[float, float]],
    start: tuple[float, float],
    *,
    width: int = 360,
    height: int = 260,
    credit: str = CREDIT,
    label: str = "route map",
) -> str:
    """SVG of a run; all positions ``(lon, lat)`` WGS-84, drawn in a local flat projection.

    ``credit`` and ``label`` are the map credit and the image's accessible name, in the
    page's language.
    """
    pts = [tuple(p[:2]) for ln in lines for p in ln] + list(stops) + [start]
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    k = math.cos(math.radians(sum(lats) / len(lats)))
    x0, x1 = min(lons) * k, max(lons) * k
    y0, y1 = min(lats), max(lats)
    pad = 16
    span = max(x1 - x0, y1 - y0, 1e-6)
    scale = min((width - 2 * pad) / span, (height - 2 * pad - 14) / span)

    # centre the drawing in the box
    dx = (width - 2 * pad - (x1 - x0) * scale) / 2
    dy = (height - 2 * pad - 14 - (y1 - y0) * scale) / 2

    def xy(p: Sequence[float]) -> tuple[float, float]:
        return (
            round(pad + dx + (p[0] * k - x0) * scale, 1),
            round(height - pad - 14 - dy - (p[1] - y0) * scale, 1),
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f7f7f4"/>',
    ]
    for ln in lines:
        path = " ".join(f"{x},{y}" for x, y in (xy(p) for p in ln))
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#1f6feb" stroke-width="2.5" '
            'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    sx, sy = xy(start)
    parts.append(f'<rect x="{sx - 6}" y="{sy - 6}" width="12" height="12" fill="#222"/>')
    for n, p in enumerate(stops, start=1):
        x, y = xy(p)
        parts.append(f'<circle cx="{x}" cy="{y}" r="8" fill="#d1242f"/>')
        parts.append(
            f'<text x="{x}" y="{y + 3.5}" font-size="10" text-anchor="middle" '
            f'fill="#fff" font-family="sans-serif">{n}</text>'
        )
    parts.append(
        f'<text x="{width - 4}" y="{height - 4}" font-size="10" text-anchor="end" '
        f'fill="#555">{escape(credit)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
