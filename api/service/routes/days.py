"""The live day (:mod:`api.service.days`): a day's events, its re-plan at a time, its plan
versions, and a given plan validated without solving (``POST /v1/plans:validate``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.service import days, schemas
from api.service.error_handlers import header_language
from api.service.planning import VALIDATE
from api.service.replan_schemas import (
    EventsIn,
    EventsOut,
    PlanVersionList,
    ValidateRequest,
    ValidationOut,
)
from api.service.routes.deps import Dispatcher, JobId, Reader, ServiceDep
from api.service.routes.jobs import queued_job, sync_result
from api.service.routes.openapi import PLAN_SYNC, READ, error_responses, queued

router = APIRouter(tags=["days"])

_JOB = "/v1/jobs/{job_id}"
#: Re-plan time, ``HH:MM``.
At = Annotated[
    str,
    Query(
        min_length=4,
        max_length=5,
        pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$",
        description="Re-plan time HH:MM: what was done before it stays.",
        examples=["10:30"],
    ),
]


@router.post(
    f"{_JOB}/events",
    response_model=EventsOut,
    responses=error_responses(
        "AppendEvents",
        *READ,
        "INVALID_EVENTS",
        "UNKNOWN_MAP",
        "PURGED",
        "PAYLOAD_TOO_LARGE",
        "BUSY",
    ),
)
async def append_events(
    job_id: JobId, body: EventsIn, service: ServiceDep, caller: Dispatcher
) -> dict[str, Any]:
    """Append what happened to the day of job ``job_id`` (any version of it): the rows of
    ``events.csv`` as JSON objects. Every bad item and field is named at once
    (``INVALID_EVENTS``; a ``street_closed`` point off the day's map or farther than 50 m
    from its streets too, as a re-plan would find it) and nothing is appended then. The
    next re-plan reads them."""
    items = [e.model_dump(mode="json", exclude_none=True) for e in body.events]
    return await run_in_threadpool(days.append_events, service, job_id, items, caller)


@router.get(
    f"{_JOB}/events",
    response_model=EventsOut,
    responses=error_responses("ReadEvents", *READ, "PURGED"),
)
async def read_events(job_id: JobId, service: ServiceDep, caller: Reader) -> dict[str, Any]:
    """Every event of the day of job ``job_id``, in the order they arrived (audited: an
    added household is personal data)."""
    return await run_in_threadpool(days.read_events, service, job_id, caller)


@router.post(
    f"{_JOB}/replan",
    response_model=schemas.JobOut,
    **queued("Replan", *READ, "JOB_NOT_DONE", "PURGED"),
)
async def replan(
    job_id: JobId, at: At, service: ServiceDep, caller: Dispatcher, response: Response
) -> dict[str, Any]:
    """Re-plan the day of job ``job_id`` at ``at`` from its current plan and every event so
    far, as a queued job (``kind`` ``replan``; poll ``GET /v1/jobs/{id}``). Done, it is the
    day's next plan version (``GET /v1/jobs/{job_id}/plans``), its ``plan.json`` carries
    ``replan`` (the events applied, the households moved, each volunteer's diff), and the
    links of the version it replaces stop opening (``LINK_REVOKED``). ``JOB_NOT_DONE``
    while the day has no done plan or a re-plan of it is still queued or running."""
    new_id = await run_in_threadpool(days.submit_replan, service, job_id, at, caller)
    return await queued_job(service, new_id, response)


@router.get(
    f"{_JOB}/plans",
    response_model=PlanVersionList,
    responses=error_responses("ListPlanVersions", *READ, "PURGED"),
)
async def plan_versions(job_id: JobId, service: ServiceDep, caller: Reader) -> dict[str, Any]:
    """The plan versions of the day of job ``job_id``: the first plan, then each re-plan,
    with the current one marked."""
    return await run_in_threadpool(days.versions_out, service, job_id, caller)


@router.post(
    "/v1/plans:validate",
    response_model=ValidationOut,
    responses=error_responses("ValidatePlan", *PLAN_SYNC),
)
async def validate_plan(
    body: ValidateRequest,
    service: ServiceDep,
    caller: Dispatcher,
    response: Response,
    request: Request,
) -> Any:
    """Every broken rule of a given plan on its day, without solving, in the vocabulary of
    ``doorstep check`` (late ``TIME_WINDOW_UNREACHABLE``, overloaded
    ``DEMAND_EXCEEDS_CAPACITY``, a skill missing ``NO_COMPATIBLE_VEHICLE``, a household
    twice ``SERVED_TWICE`` or missing ``MISSING``, ...). The body is a plan request (the
    day the plan was made for) with the ``plan``; limits as ``POST /v1/jobs``."""
    plan = body.plan.model_dump(mode="json", exclude_none=True)
    job_id = await run_in_threadpool(
        lambda: service.submit(body, caller, kind="validate", adds={VALIDATE: plan})
    )
    headers = {"X-Doorstep-Job": job_id}
    refused = await sync_result(service, job_id, headers, header_language(request))
    if refused is not None:
        return refused
    response.headers.update(headers)
    return json.loads(await run_in_threadpool(service.store.plan, job_id))
