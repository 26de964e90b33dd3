"""In-process fixtures of the route tests: the app of ``create_app`` on a fresh SQLite store
with the demo map loaded, no solver processes (jobs stay queued unless a test finishes them
through the store), called in process through httpx without the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.service.app import create_app
from api.service.maps import LoadedMap, load_catalog
from api.service.state import Service
from api.settings import Grant, ServiceSettings, demo_map

DISPATCHER = "routes-dispatcher-key"
VIEWER = "routes-viewer-key"
#: A finished plan as stored (the summary figures a batch's city summary reads).
PLAN = {
    "date": "2026-11-25",
    "routes": [],
    "unassigned": [],
    "summary": {
        "cost": 7,
        "households_served": 2,
        "households_unassigned": 0,
        "volunteers_called": 1,
        "volunteers_available": 2,
        "distance_m": 1200,
    },
}


class Client:
    """Calls an app in process (each call in its own event loop), sending ``headers``."""

    def __init__(self, app: FastAPI, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """One request; ``headers`` given here replace the client's of the same name."""
        headers = {**self.headers, **kw.pop("headers", {})}

        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://local") as c:
                return await c.request(method, path, headers=headers, **kw)

        return asyncio.run(call())

    def get(self, path: str, **kw: Any) -> httpx.Response:
        """GET ``path``."""
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        """POST ``path``."""
        return self.request("POST", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        """DELETE ``path``."""
        return self.request("DELETE", path, **kw)


@pytest.fixture(scope="session")
def catalog() -> dict[str, LoadedMap]:
    """The demo map, loaded once (every travel mode, streets base layer)."""
    return load_catalog({"demo": demo_map()})


@pytest.fixture
def client(tmp_path: Path, catalog: dict[str, LoadedMap]) -> Iterator[Client]:
    """A client of a fresh app (sync plans wait at most 0.5 s), sending the dispatcher key."""
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 'jobs.db'}",
        api_keys={DISPATCHER: Grant("dispatcher"), VIEWER: Grant("viewer")},
        sync_wait_s=0.5,
        tiles="",
    )
    app = create_app(settings)
    service: Service = app.state.service
    service.store.create_schema()
    service.maps = catalog
    with_key = {"Authorization": f"Bearer {DISPATCHER}"}
    yield Client(app, with_key)
    service.store.dispose()


def service_of(client: Client) -> Service:
    """The state behind a client's app."""
    service: Service = client.app.state.service
    return service


def finish(client: Client, job_id: str) -> None:
    """Run job ``job_id`` to done through the store, as a solver process would."""
    store = service_of(client).store
    claimed = store.claim("test-server")
    assert claimed is not None and claimed.id == job_id
    assert store.finish_done(
        job_id, plan=PLAN, routes={"type": "FeatureCollection"}, manifest_html={"V1": "<p>V1</p>"}
    )
