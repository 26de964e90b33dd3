"""A plan's three artifacts leave with their media types, from whichever job holds them."""

from __future__ import annotations

import asyncio

import pytest

from api.errors import ServiceError
from api.service.auth import Caller
from api.service.routes.artifacts import manifest_response, plan_response, routes_response
from tests.api.service.routes.conftest import Client, finish, service_of

READER = Caller("viewer", "0123456789ab")


def test_media_types_and_bodies(client: Client) -> None:
    """plan.json as JSON, routes as GeoJSON, the manifest as HTML, each the stored text."""
    job_id = client.post("/v1/jobs", json={**_request()}).json()["id"]
    finish(client, job_id)
    service = service_of(client)
    plan = asyncio.run(plan_response(service, READER, job_id, "http://local/"))
    routes = asyncio.run(routes_response(service, READER, job_id))
    page = asyncio.run(manifest_response(service, READER, job_id, "V1"))
    assert plan.media_type == "application/json" and b'"cost": 7' in plan.body
    assert routes.media_type == "application/geo+json"
    assert page.media_type == "text/html" and page.body == b"<p>V1</p>"


def test_unknown_volunteer_is_not_found(client: Client) -> None:
    """A volunteer without a manifest in a done job is NOT_FOUND."""
    job_id = client.post("/v1/jobs", json=_request()).json()["id"]
    finish(client, job_id)
    with pytest.raises(ServiceError) as err:
        asyncio.run(manifest_response(service_of(client), READER, job_id, "V9"))
    assert err.value.code == "NOT_FOUND"


def _request() -> dict[str, object]:
    from api.service.sample import plan_request

    return plan_request(2, seed=9)
