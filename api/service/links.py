"""OpenAPI links of the dispatch API: what a created job or batch leads to.

``POST /v1/jobs`` answers a job whose ``id`` is the ``job_id`` of reading it, its plan,
routes and cancelling it; ``POST /v1/solve/jobs`` of reading it, its solution and
cancelling it; ``POST /v1/batches`` likewise for batches. Clients and the
stateful fuzzing of the test suite (and ``python -m benchmarks.fuzz``) follow them:
create -> read -> cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

#: (path of the creating operation, status, parameter, [(link name, method, path)]).
_LINKS = (
    (
        "/v1/jobs",
        "202",
        "job_id",
        [
            ("GetJob", "get", "/v1/jobs/{job_id}"),
            ("GetJobPlan", "get", "/v1/jobs/{job_id}/plan"),
            ("GetJobRoutes", "get", "/v1/jobs/{job_id}/routes.geojson"),
            ("ListPlanVersions", "get", "/v1/jobs/{job_id}/plans"),
            ("CancelJob", "delete", "/v1/jobs/{job_id}"),
        ],
    ),
    (
        "/v1/solve/jobs",
        "202",
        "job_id",
        [
            ("GetSolveJob", "get", "/v1/jobs/{job_id}"),
            ("GetJobSolution", "get", "/v1/jobs/{job_id}/solution"),
            ("CancelSolveJob", "delete", "/v1/jobs/{job_id}"),
        ],
    ),
    (
        "/v1/batches",
        "202",
        "batch_id",
        [
            ("GetBatch", "get", "/v1/batches/{batch_id}"),
            ("CancelBatch", "delete", "/v1/batches/{batch_id}"),
        ],
    ),
)


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """Add the links of :data:`_LINKS` to an OpenAPI ``document`` (in place; returned)."""
    paths = document.get("paths", {})
    for create, status, parameter, targets in _LINKS:
        response = paths.get(create, {}).get("post", {}).get("responses", {}).get(status)
        if response is None:
            continue
        links = response.setdefault("links", {})
        for name, method, path in targets:
            operation = paths.get(path, {}).get(method)
            if operation is None or "operationId" not in operation:
                continue
            links[name] = {
                "operationId": operation["operationId"],
                "parameters": {parameter: "$response.body#/id"},
            }
    return document


def install_links(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document carry the links (built once, on first request)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_links(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
