"""``routes.geojson``: each run's street-following line and its stops with ETAs (RFC 7946)."""

from __future__ import annotations

from typing import Any

Coords = list[list[float]]


def lines_of(geometry: Any) -> list[Coords]:
    """Every line's ``[lon, lat]`` positions in any GeoJSON object (geometry, feature, ...)."""
    if not isinstance(geometry, dict):
        return []
    kind = geometry.get("type")
    if kind == "FeatureCollection":
        features = geometry.get("features", [])
        whole = [f for f in features if (f.get("properties") or {}).get("kind") == "route"]
        return [ln for f in (whole or features) for ln in lines_of(f)]
    if kind == "Feature":
        return lines_of(geometry.get("geometry"))
    if kind == "GeometryCollection":
        return [ln for g in geometry.get("geometries", []) for ln in lines_of(g)]
    if kind == "LineString":
        return [[list(map(float, p[:2])) for p in geometry["coordinates"]]]
    if kind == "MultiLineString":
        return [[list(map(float, p[:2])) for p in part] for part in geometry["coordinates"]]
    return []


def routes_geojson(doc: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection: one MultiLineString per run, one Point per stop and start."""
    features: list[dict[str, Any]] = []
    for route in doc["routes"]:
        vid = route["volunteer_id"]
        lines = lines_of(geometry.get(vid))
        if lines:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiLineString", "coordinates": lines},
                    "properties": {
                        "kind": "run",
                        "volunteer_id": vid,
                        "mode": route["mode"],
                        "distance_m": route["distance_m"],
                        "duration_s": route["duration_s"],
                    },
                }
            )
        start = route["start"]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [start["lon"], start["lat"]]},
                "properties": {
                    "kind": "start",
                    "volunteer_id": vid,
                    "departure": start["departure"],
                },
            }
        )
        for k, stop in enumerate(route["stops"], start=1):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [stop["lon"], stop["lat"]]},
                    "properties": {
                        "kind": "stop",
                        "volunteer_id": vid,
                        "sequence": k,
                        "stop_id": stop["stop_id"],
                        "household_ids": stop["household_ids"],
                        "eta": stop["arrival"],
                        "eta_window": stop["eta_window"],
                    },
                }
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"date": doc["date"], "attribution": "© OpenStreetMap contributors"},
    }
