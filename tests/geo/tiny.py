"""Tiny OSM XML maps written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

#: Degrees of latitude per metre (near the equator the sphere is simplest to reason about).
DEG_PER_M = 1.0 / 111_195.0


def write_osm(
    path: Path,
    nodes: dict[int, tuple[float, float]],
    ways: list[tuple[list[int], dict[str, str]]],
) -> Path:
    """Write an OSM XML file with ``nodes`` ``{id: (lon, lat)}`` and tagged ``ways``."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" lat="{lat:.9f}" lon="{lon:.9f}"/>')
    for wid, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'  <way id="{wid}">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def grid_nodes(nx_: int, ny: int, step_m: float) -> dict[int, tuple[float, float]]:
    """Node ids ``1 + x + y * nx_`` on a square grid with ``step_m`` metres spacing."""
    return {
        1 + x + y * nx_: (x * step_m * DEG_PER_M, y * step_m * DEG_PER_M)
        for y in range(ny)
        for x in range(nx_)
    }
