"""The three artifacts of a finished plan over HTTP, a job's or a batch community's alike:
``plan.json`` (each route with its volunteer link), ``routes.geojson`` and one HTML
manifest per volunteer, read through the caller's scope and audited
(:mod:`api.service.reading`; ``JOB_NOT_DONE`` until the plan is done, ``PURGED`` after
retention), with their OpenAPI responses."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.service import reading
from api.service.auth import Caller
from api.service.plan_schemas import PlanOut
from api.service.routes.openapi import ARTIFACT, GEOJSON, error_responses
from api.service.state import Service

_MANIFEST_EXAMPLE = "<!DOCTYPE html><html><head><title>V1 · 2026-11-25</title>...</html>"
_ROUTES_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "MultiLineString",
                "coordinates": [[[24.9388013, 60.1680973], [24.9532794, 60.1690752]]],
            },
            "properties": {
                "kind": "trip",
                "volunteer_id": "V1",
                "mode": "walk",
                "trip": 1,
                "trips": 1,
                "stops": 1,
                "load_kg": 2.0,
                "distance_m": 1866,
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.9388013, 60.1680973]},
            "properties": {"kind": "start", "volunteer_id": "V1", "departure": "09:50:29"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.9532794, 60.1690752]},
            "properties": {
                "kind": "stop",
                "volunteer_id": "V1",
                "sequence": 1,
                "stop_id": "H002",
                "household_ids": ["H002"],
                "eta": "10:14:06",
                "eta_window": ["10:00:00", "10:30:00"],
            },
        },
    ],
    "properties": {"date": "2026-11-25", "attribution": "© OpenStreetMap contributors"},
}
_ERRORS = error_responses("Artifact", *ARTIFACT, "PURGED")

#: Route options (answer class, OpenAPI responses) of each artifact's GET.
PLAN: dict[str, Any] = {
    "response_class": Response,
    "responses": {200: {"model": PlanOut, "description": "plan.json"}, **_ERRORS},
}
ROUTES: dict[str, Any] = {
    "response_class": Response,
    "responses": {
        200: {
            "content": {GEOJSON: {"schema": {"type": "object"}, "example": _ROUTES_EXAMPLE}},
            "description": "routes.geojson: street lines per run, stops with ETA",
        },
        **_ERRORS,
    },
}
MANIFEST: dict[str, Any] = {
    "response_class": Response,
    "responses": {
        200: {
            "content": {"text/html": {"schema": {"type": "string"}, "example": _MANIFEST_EXAMPLE}},
            "description": "A printable page: ordered stops, items, ETA windows, map.",
        },
        **_ERRORS,
    },
}


async def plan_text(service: Service, caller: Caller, job_id: str, base_url: str) -> str:
    """The ``plan.json`` text of job ``job_id`` as ``caller`` may read it, with volunteer
    links under ``base_url``."""
    return await run_in_threadpool(
        reading.read_plan,
        service,
        job_id,
        actor=caller.actor,
        community=caller.community,
        base_url=base_url,
    )


async def plan_response(service: Service, caller: Caller, job_id: str, base_url: str) -> Response:
    """The ``plan.json`` answer of job ``job_id`` (:func:`plan_text`)."""
    text = await plan_text(service, caller, job_id, base_url)
    return Response(text, media_type="application/json")


async def routes_response(service: Service, caller: Caller, job_id: str) -> Response:
    """The ``routes.geojson`` of job ``job_id`` as ``caller`` may read it."""
    text = await run_in_threadpool(
        reading.read_routes, service, job_id, actor=caller.actor, community=caller.community
    )
    return Response(text, media_type=GEOJSON)


async def manifest_response(
    service: Service, caller: Caller, job_id: str, volunteer_id: str
) -> HTMLResponse:
    """The HTML manifest of volunteer ``volunteer_id`` in job ``job_id`` as ``caller`` may
    read it."""
    html = await run_in_threadpool(
        reading.read_manifest,
        service,
        job_id,
        volunteer_id,
        actor=caller.actor,
        community=caller.community,
    )
    return HTMLResponse(html)
