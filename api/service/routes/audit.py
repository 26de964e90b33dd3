"""The audit of personal-data reads (``GET /v1/audit``), for city-wide dispatchers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.service import schemas
from api.service.documents import iso_time
from api.service.routes.deps import CityDispatcher, ServiceDep
from api.service.routes.openapi import AUTH, error_responses

router = APIRouter(tags=["audit"])


@router.get(
    "/v1/audit",
    response_model=schemas.AuditList,
    responses=error_responses("ListAudit", *AUTH, "INVALID_REQUEST"),
)
async def list_audit(
    service: ServiceDep,
    _caller: CityDispatcher,
    limit: Annotated[int, Query(ge=1, le=500, description="How many, newest first.")] = 100,
    job_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Only reads of this job.")
    ] = None,
    actor: Annotated[
        str | None,
        Query(min_length=1, max_length=300, description="Only this reader (key:... or link:...)."),
    ] = None,
) -> dict[str, Any]:
    """Reads of personal data (plans, routes, manifests), newest first: who (key
    fingerprint or volunteer link), what and when. City-wide dispatcher keys only."""
    entries = await run_in_threadpool(
        lambda: service.audit.recent(limit=limit, job_id=job_id, actor=actor)
    )
    return {"entries": [asdict(e) | {"at": iso_time(e.at)} for e in entries]}
