"""Batches of communities (``/v1/batches``): queue, list, read, cancel, and each planned
community's artifacts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.service import schemas
from api.service.auth import Caller
from api.service.documents import batch_out
from api.service.routes import artifacts
from api.service.routes.deps import (
    BatchId,
    CommunityId,
    Dispatcher,
    Language,
    Reader,
    ServiceDep,
    VolunteerId,
)
from api.service.routes.openapi import AUTH, CANCEL, READ, error_responses, queued
from api.service.state import Service

router = APIRouter(tags=["batches"])

_COMMUNITY = "/v1/batches/{batch_id}/communities/{community_id}"


@router.post(
    "/v1/batches",
    response_model=schemas.BatchOut,
    **queued(
        "CreateBatch",
        *AUTH,
        "INVALID_REQUEST",
        "INVALID_MANIFEST",
        "PLAN_TOO_LARGE",
        "PAYLOAD_TOO_LARGE",
    ),
)
async def create_batch(
    body: schemas.BatchRequest,
    service: ServiceDep,
    caller: Dispatcher,
    response: Response,
    language: Language,
) -> dict[str, Any]:
    """Queue a batch: every community is planned as its own job (the same checks and
    limits as ``POST /v1/jobs`` per community). A community whose input is refused
    fails alone at once; the request itself is refused only when it is malformed,
    has too many communities, or an unusable or repeated community id. Poll
    ``GET /v1/batches/{id}``."""
    batch_id = await run_in_threadpool(service.submit_batch, body, caller)
    service.wake()
    response.headers["Location"] = f"/v1/batches/{batch_id}"
    return batch_out(await run_in_threadpool(service.batches.get, batch_id), language)


@router.get(
    "/v1/batches",
    response_model=schemas.BatchList,
    responses=error_responses("ListBatches", *AUTH, "INVALID_REQUEST"),
)
async def list_batches(
    service: ServiceDep,
    caller: Reader,
    language: Language,
    limit: Annotated[int, Query(ge=1, le=100, description="How many, newest first.")] = 20,
) -> dict[str, Any]:
    """Recent batches holding a community the key may see, newest first (a community's key
    sees its own community of each)."""
    records = await run_in_threadpool(
        lambda: service.batches.recent(limit=limit, community=caller.community)
    )
    return {"batches": [batch_out(b, language) for b in records]}


@router.get(
    "/v1/batches/{batch_id}",
    response_model=schemas.BatchOut,
    responses=error_responses("GetBatch", *READ),
)
async def get_batch(
    batch_id: BatchId, service: ServiceDep, caller: Reader, language: Language
) -> dict[str, Any]:
    """A batch's status, progress, city summary and every community's state (a community's
    key: its own community alone)."""
    batch = await run_in_threadpool(
        lambda: service.batches.get(batch_id, community=caller.community)
    )
    return batch_out(batch, language)


@router.delete(
    "/v1/batches/{batch_id}",
    response_model=schemas.BatchOut,
    responses=error_responses("CancelBatch", *CANCEL),
)
async def cancel_batch(
    batch_id: BatchId, service: ServiceDep, caller: Dispatcher, language: Language
) -> dict[str, Any]:
    """Cancel every unfinished community (finished ones keep their plans); 409
    ``JOB_FINISHED`` once the batch is done or failed; 403 for a community's key when the
    batch holds other communities."""
    batch = await run_in_threadpool(
        lambda: service.batches.cancel(batch_id, community=caller.community)
    )
    service.wake()
    return batch_out(batch, language)


async def _community_job(service: Service, batch_id: str, community_id: str, caller: Caller) -> str:
    """The current job of a community the caller may see
    (:meth:`api.service.batches.BatchStore.community_job`)."""
    return await run_in_threadpool(
        lambda: service.batches.community_job(batch_id, community_id, community=caller.community)
    )


@router.get(f"{_COMMUNITY}/plan", **artifacts.PLAN)
async def community_plan(
    batch_id: BatchId,
    community_id: CommunityId,
    service: ServiceDep,
    caller: Reader,
    request: Request,
) -> Response:
    """The ``plan.json`` of a planned community; each route has its ``manifest_url``."""
    job_id = await _community_job(service, batch_id, community_id, caller)
    return await artifacts.plan_response(service, caller, job_id, str(request.base_url))


@router.get(f"{_COMMUNITY}/routes.geojson", **artifacts.ROUTES)
async def community_routes(
    batch_id: BatchId, community_id: CommunityId, service: ServiceDep, caller: Reader
) -> Response:
    """The ``routes.geojson`` of a planned community."""
    job_id = await _community_job(service, batch_id, community_id, caller)
    return await artifacts.routes_response(service, caller, job_id)


@router.get(f"{_COMMUNITY}/manifests/{{volunteer_id}}.html", **artifacts.MANIFEST)
async def community_manifest(
    batch_id: BatchId,
    community_id: CommunityId,
    volunteer_id: VolunteerId,
    service: ServiceDep,
    caller: Reader,
) -> HTMLResponse:
    """The printable manifest of one volunteer of a planned community."""
    job_id = await _community_job(service, batch_id, community_id, caller)
    return await artifacts.manifest_response(service, caller, job_id, volunteer_id)
