"""Online map queries through osmnx's Overpass client (only when the machine is online).

Queries are plain values: :class:`PlaceQuery`, :class:`BBoxQuery`, :class:`PointQuery`.
Offline, :func:`fetch` raises :class:`~geo.errors.MapSourceError` suggesting a file.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from geo.errors import MapSourceError
from geo.osm import WAY_KEYS, OsmData

_OVERPASS_HOST = "overpass-api.de"


@dataclass(frozen=True, slots=True)
class PlaceQuery:
    """A place name to geocode (Nominatim), e.g. ``"Kamppi, Helsinki, Finland"``."""

    name: str


@dataclass(frozen=True, slots=True)
class BBoxQuery:
    """A bounding box in WGS-84 degrees: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True, slots=True)
class PointQuery:
    """A ``(lon, lat)`` centre in WGS-84 degrees and a radius in metres."""

    lon: float
    lat: float
    radius_m: float


OnlineQuery = PlaceQuery | BBoxQuery | PointQuery


def _online(timeout_s: float = 3.0) -> bool:
    try:
        with socket.create_connection((_OVERPASS_HOST, 443), timeout=timeout_s):
            return True
    except OSError:
        return False


def fetch(query: OnlineQuery) -> OsmData:
    """Download the highway ways inside ``query`` from Overpass (via osmnx)."""
    if not _online():
        raise MapSourceError(
            "no internet connection to fetch the map online; pass an OSM file instead "
            "(.osm, .osm.bz2 or .osm.pbf, e.g. an extract exported from openstreetmap.org "
            "or clipped from Geofabrik with osmium)",
            record=f"query {query!r}",
        )
    import osmnx as ox
    from osmnx import _overpass

    try:
        if isinstance(query, PlaceQuery):
            polygon: Any = ox.geocode_to_gdf(query.name).union_all()
        elif isinstance(query, BBoxQuery):
            polygon = ox.utils_geo.bbox_to_poly((query.west, query.south, query.east, query.north))
        else:
            bbox = ox.utils_geo.bbox_from_point((query.lat, query.lon), dist=query.radius_m)
            polygon = ox.utils_geo.bbox_to_poly(bbox)
        responses = list(_overpass._download_overpass_network(polygon, "all", '["highway"]'))
    except Exception as exc:
        raise MapSourceError(f"online query failed: {exc}", record=f"query {query!r}") from exc
    ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    ways = []
    way_ids: list[int] = []
    import numpy as np

    for response in responses:
        for el in response.get("elements", []):
            if el.get("type") == "node":
                ids.append(int(el["id"]))
                lons.append(float(el["lon"]))
                lats.append(float(el["lat"]))
            elif el.get("type") == "way":
                tags = {k: str(v) for k, v in el.get("tags", {}).items() if k in WAY_KEYS}
                if "highway" in tags and len(el.get("nodes", ())) >= 2:
                    ways.append((np.asarray(el["nodes"], dtype=np.int64), tags))
                    way_ids.append(int(el["id"]))
    if not ways:
        raise MapSourceError("the query returned no streets", record=f"query {query!r}")
    return OsmData.from_unsorted(ids, lons, lats, ways, repr(query), way_ids=way_ids)
