"""Doorstep's street-graph layer: OSM loading, travel profiles, snapping, matrices, geometry.

Coordinates are ``(lon, lat)`` in WGS-84 everywhere; travel times are integer seconds and
distances integer metres. See ``docs/ARCHITECTURE.md``.
"""

__all__: list[str] = []
