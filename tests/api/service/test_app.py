"""The assembled app: the HTTP contract of every operation, and the body limits it wires."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from api.errors import KINDS
from api.service.app import create_app
from api.settings import ServiceSettings

#: Every documented operation: method, path, operation name, documented statuses.
CONTRACT = {
    ("GET", "/healthz", "healthz", (200,)),
    ("GET", "/readyz", "readyz", (200, 503)),
    ("GET", "/v1/maps", "list_maps", (200, 401, 403)),
    ("GET", "/v1/maps/{name}/streets.geojson", "map_streets", (200, 401, 403, 404, 422)),
    ("POST", "/v1/plans", "create_plan", (200, 401, 403, 409, 413, 422, 500, 503)),
    ("POST", "/v1/jobs", "create_job", (202, 401, 403, 413, 422)),
    ("GET", "/v1/jobs", "list_jobs", (200, 401, 403, 422)),
    ("GET", "/v1/jobs/{job_id}", "get_job", (200, 401, 403, 404, 422)),
    ("DELETE", "/v1/jobs/{job_id}", "cancel_job", (200, 401, 403, 404, 409, 422)),
    (
        "POST",
        "/v1/jobs/{job_id}/households/{household_id}/position",
        "place_household",
        (202, 401, 403, 404, 410, 413, 422),
    ),
    ("GET", "/v1/jobs/{job_id}/plan", "job_plan", (200, 401, 403, 404, 409, 410, 422)),
    ("GET", "/v1/jobs/{job_id}/routes.geojson", "job_routes", (200, 401, 403, 404, 409, 410, 422)),
    (
        "GET",
        "/v1/jobs/{job_id}/manifests/{volunteer_id}.html",
        "job_manifest",
        (200, 401, 403, 404, 409, 410, 422),
    ),
    ("POST", "/v1/solve", "solve", (200, 401, 403, 409, 413, 422, 500, 503)),
    ("POST", "/v1/solve/jobs", "create_solve_job", (202, 401, 403, 413, 422)),
    ("GET", "/v1/jobs/{job_id}/solution", "job_solution", (200, 401, 403, 404, 409, 422)),
    ("POST", "/v1/suggest", "suggest", (200, 401, 403, 409, 413, 422, 500, 503)),
    ("POST", "/v1/batches", "create_batch", (202, 401, 403, 413, 422)),
    ("GET", "/v1/batches", "list_batches", (200, 401, 403, 422)),
    ("GET", "/v1/batches/{batch_id}", "get_batch", (200, 401, 403, 404, 422)),
    ("DELETE", "/v1/batches/{batch_id}", "cancel_batch", (200, 401, 403, 404, 409, 422)),
    (
        "GET",
        "/v1/batches/{batch_id}/communities/{community_id}/plan",
        "community_plan",
        (200, 401, 403, 404, 409, 410, 422),
    ),
    (
        "GET",
        "/v1/batches/{batch_id}/communities/{community_id}/routes.geojson",
        "community_routes",
        (200, 401, 403, 404, 409, 410, 422),
    ),
    (
        "GET",
        "/v1/batches/{batch_id}/communities/{community_id}/manifests/{volunteer_id}.html",
        "community_manifest",
        (200, 401, 403, 404, 409, 410, 422),
    ),
    ("DELETE", "/v1/jobs/{job_id}/links", "revoke_links", (200, 401, 403, 404, 422)),
    ("GET", "/v1/links/{token}", "open_link", (200, 404, 410, 422)),
    ("GET", "/v1/audit", "list_audit", (200, 401, 403, 422)),
    (
        "POST",
        "/v1/jobs/{job_id}/events",
        "append_events",
        (200, 401, 403, 404, 410, 413, 422, 503),
    ),
    ("GET", "/v1/jobs/{job_id}/events", "read_events", (200, 401, 403, 404, 410, 422)),
    ("POST", "/v1/jobs/{job_id}/replan", "replan", (202, 401, 403, 404, 409, 410, 422)),
    ("GET", "/v1/jobs/{job_id}/plans", "plan_versions", (200, 401, 403, 404, 410, 422)),
    ("POST", "/v1/plans:validate", "validate_plan", (200, 401, 403, 409, 413, 422, 500, 503)),
}


def _app(tmp_path: Path, **settings: int) -> FastAPI:
    return create_app(ServiceSettings(database_url=f"sqlite:///{tmp_path / 'j.db'}", **settings))


def test_every_operation_keeps_path_id_and_statuses(tmp_path: Path) -> None:
    """The OpenAPI document has exactly the contract's operations, ids and statuses."""
    spec = _app(tmp_path).openapi()
    found = {
        (method.upper(), path, op["operationId"], tuple(sorted(int(s) for s in op["responses"])))
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }
    wanted = {
        (method, path, re.sub(r"\W", "_", name + path) + "_" + method.lower(), statuses)
        for method, path, name, statuses in CONTRACT
    }
    assert found == wanted


def _codes(spec: dict[str, Any], path: str, method: str, status: int) -> list[str]:
    """The ``code`` enum of an operation's error answer with ``status``."""
    ref = spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    name = ref["schema"]["$ref"].rsplit("/", 1)[1]
    codes: list[str] = spec["components"]["schemas"][name]["properties"]["code"]["enum"]
    return codes


def test_error_codes_are_an_enum_of_what_each_operation_answers(tmp_path: Path) -> None:
    """Each error answer's code is an enum of codes of that very status, and only those
    the operation can give: a synchronous plan's 409 is JOB_NOT_DONE (never JOB_FINISHED),
    reading a job never answers PLAN_TOO_LARGE, a cancel's 409 is JOB_FINISHED, a plan
    request with rules may answer INVALID_RULES."""
    spec = _app(tmp_path).openapi()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status in (int(s) for s in op["responses"] if int(s) >= 400):
                codes = _codes(spec, path, method, status)
                assert codes and all(KINDS[c].http_status == status for c in codes), (path, codes)
    assert _codes(spec, "/v1/plans", "post", 409) == ["JOB_NOT_DONE"]
    for path in ("/v1/plans", "/v1/jobs", "/v1/plans:validate"):  # a request's rules object
        assert "INVALID_RULES" in _codes(spec, path, "post", 422), path
    assert set(_codes(spec, "/v1/plans", "post", 503)) == {"JOB_STALLED", "BUSY", "MAP_SOURCE"}
    assert _codes(spec, "/v1/jobs/{job_id}", "delete", 409) == ["JOB_FINISHED"]
    assert _codes(spec, "/v1/jobs/{job_id}", "get", 422) == ["INVALID_REQUEST"]
    assert set(_codes(spec, "/v1/solve", "post", 422)) == {"INVALID_REQUEST", "INVALID_PROBLEM"}
    assert "413" not in spec["paths"]["/v1/jobs/{job_id}"]["get"]["responses"]


def test_body_limits_per_path(tmp_path: Path) -> None:
    """The settings' body limits apply: 100 bytes in general, more for batches."""
    app = _app(tmp_path, max_body_bytes=100, batch_max_body_bytes=1000)

    async def post(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as c:
            return await c.post(path, content=b"{" + b" " * 300 + b"}")

    jobs = asyncio.run(post("/v1/jobs"))
    assert jobs.status_code == 413 and "DOORSTEP_MAX_BODY_BYTES" in jobs.json()["message"]
    batches = asyncio.run(post("/v1/batches"))
    assert batches.status_code == 401 and batches.json()["code"] == "UNAUTHORIZED"


def test_positions_sent_are_described_in_the_coordinate_system_they_are_read_in(
    tmp_path: Path,
) -> None:
    """Every position a request sends (doors, volunteers' starts, depots, closures' points)
    is described as read in the row's or the request's coord_system, never as WGS-84
    only; the rows that carry positions document their coord_system column; positions of
    the answers are WGS-84."""
    schemas = _app(tmp_path).openapi()["components"]["schemas"]
    names = ("lon", "lat", "start_lon", "start_lat", "lon2")
    sent = {
        (schema, name): props[name].get("description", "")
        for schema in ("HouseholdIn", "VolunteerIn", "DepotIn", "EventIn")
        for props in [schemas[schema]["properties"]]
        for name in names
        if props.get(name, {}).get("description")
    }
    assert set(sent) == {
        ("HouseholdIn", "lon"),
        ("HouseholdIn", "lat"),
        ("VolunteerIn", "start_lon"),
        ("VolunteerIn", "start_lat"),
        ("DepotIn", "lon"),
        ("DepotIn", "lat"),
        ("EventIn", "lon"),
        ("EventIn", "lon2"),
    }
    for where, said in sent.items():
        assert "coord_system, else the request's" in said, (where, said)
    for schema in ("HouseholdIn", "VolunteerIn", "DepotIn"):
        assert "coord_system" in schemas[schema]["properties"], schema
    assert "WGS-84" in schemas["DepotOut"]["properties"]["lon"]["description"]
