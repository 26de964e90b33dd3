"""Doorstep's street-graph layer: OSM loading, travel profiles, snapping, matrices, geometry.

Coordinates are ``(lon, lat)`` in WGS-84 everywhere; travel times are integer seconds and
distances integer metres. See ``docs/ARCHITECTURE.md``.
"""

from geo.errors import EmptyGraphError, GeoError, MapSourceError, PointError, ProfileError
from geo.geometry import route_geometry, street_lines
from geo.graph import StreetGraph
from geo.load import load_graph, load_graphs
from geo.matrix import UNREACHABLE, TravelMatrices, travel_matrices
from geo.online import BBoxQuery, PlaceQuery, PointQuery
from geo.profiles import PROFILES, TravelProfile, get_profile
from geo.snap import Snapped, snap

__all__: list[str] = [
    "PROFILES",
    "UNREACHABLE",
    "BBoxQuery",
    "EmptyGraphError",
    "GeoError",
    "MapSourceError",
    "PlaceQuery",
    "PointError",
    "PointQuery",
    "ProfileError",
    "Snapped",
    "StreetGraph",
    "TravelMatrices",
    "TravelProfile",
    "get_profile",
    "load_graph",
    "load_graphs",
    "route_geometry",
    "snap",
    "street_lines",
    "travel_matrices",
]
