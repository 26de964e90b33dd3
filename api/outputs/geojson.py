"""``routes.geojson``: each run's street-following line and its stops with ETAs (RFC 7946)."""

from __future__ import annotations

from typing import Any

from api.outputs.trips import RELOAD

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
        return [_positions(geometry["coordinates"])]
    if kind == "MultiLineString":
        return [_positions(part) for part in geometry["coordinates"]]
    return []


def _positions(line: list[list[float]]) -> Coords:
    """``[lon, lat]`` floats of a GeoJSON line's positions (any altitude dropped)."""
    return [[float(p[0]), float(p[1])] for p in line]


def leg_trips(route: dict[str, Any]) -> list[int]:
    """The trip of each leg of a ``plan.json`` route: leg ``k`` leads to its entry ``k``
    (the last to the end). A leg to a delivery is that delivery's trip; a leg to a reload
    ends the trip before it (the way from home to the depot is trip 1's); the way back
    ends the last trip."""
    out = []
    for entry in route["stops"]:
        trip = int(entry.get("trip", 1))
        out.append(max(trip - 1, 1) if entry.get("kind") == RELOAD else trip)
    out.append(int(route.get("trips", 1)))
    return out


def _legs(geometry: Any) -> dict[int, list[list[float]]]:
    """The street line of each leg of a run's geometry, by leg number."""
    features = geometry.get("features", []) if isinstance(geometry, dict) else []
    legs = [f for f in features if (f.get("properties") or {}).get("kind") == "leg"]
    return {int(f["properties"]["leg"]): lines[0] for f in legs if (lines := lines_of(f))}


def trip_features(route: dict[str, Any], geometry: Any) -> list[dict[str, Any]]:
    """One ``MultiLineString`` Feature per trip of a route, along the streets, with its
    trip number, stops, metres and the load it leaves with (kg). Without legs in
    ``geometry`` (an older trace), one Feature for the whole run."""
    vid, legs = route["volunteer_id"], _legs(geometry)
    base = {"kind": "trip", "volunteer_id": vid, "mode": route["mode"]}
    if not legs:
        lines = lines_of(geometry)
        if not lines:
            return []
        whole = {**base, "trip": 1, "trips": 1, "distance_m": route["distance_m"]}
        geom = {"type": "MultiLineString", "coordinates": lines}
        return [{"type": "Feature", "geometry": geom, "properties": whole}]
    trips = leg_trips(route)
    metres = [int(e.get("travel_m", 0)) for e in route["stops"]]
    metres.append(int((route.get("end") or {}).get("travel_m", 0)))
    out = []
    for trip in sorted(set(trips)):
        ks = [k for k, t in enumerate(trips) if t == trip]
        served = [e for e in route["stops"] if e.get("kind") != RELOAD and e["trip"] == trip]
        props = {
            **base,
            "trip": trip,
            "trips": int(route.get("trips", 1)),
            "stops": len(served),
            "load_kg": round(sum(e["load"] for e in served), 3),
            "distance_m": sum(metres[k] for k in ks),
        }
        geom = {"type": "MultiLineString", "coordinates": [legs[k] for k in ks if k in legs]}
        out.append({"type": "Feature", "geometry": geom, "properties": props})
    return out


def routes_geojson(doc: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection: one ``MultiLineString`` per trip of each run, one Point per
    stop, per reload at a depot and per start."""
    features: list[dict[str, Any]] = []
    for route in doc["routes"]:
        vid = route["volunteer_id"]
        features += trip_features(route, geometry.get(vid))
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
        k = 0
        for entry in route["stops"]:
            point = {"type": "Point", "coordinates": [entry["lon"], entry["lat"]]}
            if entry.get("kind") == RELOAD:
                props: dict[str, Any] = {
                    "kind": "reload",
                    "volunteer_id": vid,
                    "trip": entry["trip"],
                    "depot_id": entry["depot_id"],
                    "arrival": entry["arrival"],
                    "departure": entry["departure"],
                    "on_board_after_kg": entry["on_board_after_kg"],
                }
            else:
                k += 1
                props = {
                    "kind": "stop",
                    "volunteer_id": vid,
                    "sequence": k,
                    "trip": entry.get("trip", 1),
                    "stop_id": entry["stop_id"],
                    "household_ids": entry["household_ids"],
                    "eta": entry["arrival"],
                    "eta_window": entry["eta_window"],
                }
            features.append({"type": "Feature", "geometry": point, "properties": props})
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {"date": doc["date"], "attribution": "© OpenStreetMap contributors"},
    }
