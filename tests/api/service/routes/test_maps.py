"""Maps: the loaded maps for any key holder, each map's streets as GeoJSON."""

from __future__ import annotations

from tests.api.service.routes.conftest import VIEWER, Client


def test_viewer_lists_the_loaded_maps(client: Client) -> None:
    """A viewer sees the demo map with its modes, bounding box and attribution."""
    res = client.get("/v1/maps", headers={"Authorization": f"Bearer {VIEWER}"})
    assert res.status_code == 200
    (demo,) = res.json()["maps"]
    assert demo["name"] == "demo" and set(demo["modes"]) >= {"walk", "bike", "drive"}
    west, south, east, north = demo["bbox"]
    assert west < east and south < north
    assert "OpenStreetMap" in demo["attribution"]


def test_streets_as_geojson(client: Client) -> None:
    """The streets come as a GeoJSON FeatureCollection of the walking graph."""
    res = client.get("/v1/maps/demo/streets.geojson")
    assert res.status_code == 200 and res.headers["content-type"] == "application/geo+json"
    doc = res.json()
    assert doc["features"][0]["properties"] == {"kind": "streets", "mode": "walk"}


def test_unknown_map_and_missing_key(client: Client) -> None:
    """An unknown map is NOT_FOUND (404); no key is UNAUTHORIZED (401)."""
    assert client.get("/v1/maps/atlantis/streets.geojson").json()["code"] == "NOT_FOUND"
    res = client.get("/v1/maps", headers={"Authorization": ""})
    assert res.status_code == 401 and res.json()["code"] == "UNAUTHORIZED"
