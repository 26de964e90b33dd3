"""The maps a server plans on, loaded once at start-up, and what the API shows of them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.service.planning import MapTravel, load_maps

ATTRIBUTION = "© OpenStreetMap contributors"
#: Travel mode whose graph is drawn as the base layer (the densest network).
BASE_MODE = "walk"


@dataclass(frozen=True, slots=True, eq=False)
class LoadedMap:
    """One loaded map: its street graphs and, serialised once, its street lines.

    Attributes
    ----------
    name, path
        Name in requests and OSM file.
    travel
        Street graphs of every mode.
    bbox
        ``(west, south, east, north)`` WGS-84 degrees of the base graph's nodes.
    streets_geojson
        The base graph's streets as a GeoJSON FeatureCollection (bytes, UTF-8).
    """

    name: str
    path: Path
    travel: MapTravel
    bbox: tuple[float, float, float, float]
    streets_geojson: bytes

    def info(self) -> dict[str, Any]:
        """The ``GET /v1/maps`` entry of this map."""
        return {
            "name": self.name,
            "file": self.path.name,
            "bbox": list(self.bbox),
            "modes": {
                mode: {"nodes": int(g.n_nodes), "links": len(g.link_a)}
                for mode, g in self.travel.travel.graphs.items()
            },
            "attribution": ATTRIBUTION,
        }


def streets_geojson(graph: Any) -> bytes:
    """Every street link of ``graph`` as one MultiLineString feature, ``[lon, lat]`` WGS-84
    rounded to 6 decimals (about 0.1 m)."""
    ptr = graph.link_ptr
    lon, lat = graph.pt_lon, graph.pt_lat
    lines = [
        [[round(float(lon[i]), 6), round(float(lat[i]), 6)] for i in range(ptr[k], ptr[k + 1])]
        for k in range(len(ptr) - 1)
    ]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "MultiLineString", "coordinates": lines},
                "properties": {"kind": "streets", "mode": graph.profile},
            }
        ],
        "properties": {"attribution": ATTRIBUTION},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def load_catalog(paths: Mapping[str, Path]) -> dict[str, LoadedMap]:
    """Load every configured map (all travel modes) once."""
    out: dict[str, LoadedMap] = {}
    for name, travel in load_maps(paths, warm=False).items():
        graphs = travel.travel.graphs
        base = graphs.get(BASE_MODE) or next(iter(graphs.values()))
        bbox = (
            float(base.lon.min()),
            float(base.lat.min()),
            float(base.lon.max()),
            float(base.lat.max()),
        )
        out[name] = LoadedMap(name, travel.path, travel, bbox, streets_geojson(base))
    return out
