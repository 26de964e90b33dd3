"""The map page, its settings and its scripts are served from the installed package."""

from __future__ import annotations

from tests.api.service.routes.conftest import Client


def test_page_and_its_settings(client: Client) -> None:
    """/ and /ui serve the page; its settings carry the tile template and attribution."""
    for path in ("/", "/ui"):
        res = client.get(path, headers={"Authorization": ""})
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
        assert "<html" in res.text.lower()
    config = client.get("/ui/config.json").json()
    assert config == {"tiles": "", "attribution": "© OpenStreetMap contributors"}


def test_scripts_are_mounted(client: Client) -> None:
    """Leaflet comes from its package; the page's own files from api/static."""
    assert client.get("/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/app/map.js").status_code == 200
    assert client.get("/static/app/nothing.js").status_code == 404
