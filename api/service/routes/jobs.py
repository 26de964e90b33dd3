"""Plans and jobs: a small day planned at once (``POST /v1/plans``), and queued jobs of any
size with their status, cancel and artifacts (``/v1/jobs``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.errors import ErrorBody, ServiceError
from api.i18n import N_, Lang, Message, negotiate
from api.service import days, schemas
from api.service.auth import Caller
from api.service.db import JobRecord
from api.service.documents import job_out
from api.service.error_handlers import error_response, header_language
from api.service.plan_schemas import PlanOut
from api.service.routes import artifacts
from api.service.routes.deps import (
    Dispatcher,
    JobId,
    Language,
    Reader,
    ServiceDep,
    VolunteerId,
)
from api.service.routes.openapi import (
    AUTH,
    CANCEL,
    PLAN_INTAKE,
    PLAN_SYNC,
    READ,
    error_responses,
    queued,
)
from api.service.state import Service

router = APIRouter()


def language_from_header(body: schemas.PlanRequest, request: Request) -> None:
    """Take the manifests' language from ``Accept-Language`` when the body names none."""
    header = request.headers.get("accept-language")
    if body.options.lang is None and header:
        body.options.lang = negotiate(header)


@router.post(
    "/v1/plans",
    tags=["plans"],
    response_class=Response,
    responses={
        200: {"model": PlanOut, "description": "plan.json of the day"},
        **error_responses("CreatePlan", *PLAN_SYNC),
    },
)
async def create_plan(
    body: schemas.PlanRequest, service: ServiceDep, caller: Dispatcher, request: Request
) -> Response:
    """Plan a small day synchronously and answer with its ``plan.json``.

    Limits (server settings): at most 60 households and 5 s of search by default;
    above them the answer is ``PLAN_TOO_LARGE`` (413): use ``POST /v1/jobs``. The plan
    is stored as a job too: header ``X-Doorstep-Job`` names it.
    """
    language_from_header(body, request)
    job_id = await run_in_threadpool(service.submit, body, caller, kind="plan")
    headers = {"X-Doorstep-Job": job_id}
    refused = await sync_result(service, job_id, headers, header_language(request))
    if refused is not None:
        return refused
    text = await artifacts.plan_text(service, caller, job_id, str(request.base_url))
    warnings = [w["code"] for w in json.loads(text).get("warnings", [])]
    if warnings:
        headers["X-Doorstep-Warning"] = ",".join(warnings)
    return Response(text, media_type="application/json", headers=headers)


async def sync_result(
    service: Service, job_id: str, headers: dict[str, str], language: Lang | None = None
) -> Response | None:
    """Wait for a synchronous job (``DOORSTEP_SYNC_WAIT_S`` at most): ``None`` once it is
    done (its document is ready to read), else the error response (its error, ``BUSY``
    while it goes on as a job); ``JOB_NOT_DONE`` when it was cancelled meanwhile."""
    service.wake()
    wait_s = service.settings.sync_wait_s
    job = await service.wait(job_id, wait_s)
    if job.status == "done":
        return None
    if job.status == "failed" and job.error:
        told = ErrorBody.from_dict(job.error).in_language(language or Lang())
        return error_response(told, headers=headers)
    if job.status == "cancelled":
        raise ServiceError("JOB_NOT_DONE", Message(N_("job %(job)s was cancelled"), job=job_id))
    said = Message(
        N_(
            "it did not finish within %(wait)s s; it goes on as job %(job)s: "
            "poll GET /v1/jobs/%(job)s"
        ),
        wait=f"{wait_s:g}",
        job=job_id,
    )
    busy = ErrorBody("BUSY", said).in_language(language or Lang())
    return error_response(busy, headers=headers)


@router.post(
    "/v1/jobs",
    tags=["jobs"],
    response_model=schemas.JobOut,
    **queued("CreateJob", *PLAN_INTAKE),
)
async def create_job(
    body: schemas.PlanRequest,
    service: ServiceDep,
    caller: Dispatcher,
    response: Response,
    request: Request,
) -> dict[str, Any]:
    """Queue a plan of any size (up to the job limits); poll ``GET /v1/jobs/{id}``.
    The manifests are in ``options.lang``, else the ``Accept-Language`` language."""
    language_from_header(body, request)
    job_id = await run_in_threadpool(service.submit, body, caller, kind="job")
    return await queued_job(service, job_id, response)


async def queued_job(service: Service, job_id: str, response: Response) -> dict[str, Any]:
    """A job just queued: wake the solvers, point ``Location`` at it, answer its state."""
    service.wake()
    response.headers["Location"] = f"/v1/jobs/{job_id}"
    return job_out(await run_in_threadpool(service.store.get, job_id))


@router.get(
    "/v1/jobs",
    tags=["jobs"],
    response_model=schemas.JobList,
    responses=error_responses("ListJobs", *AUTH, "INVALID_REQUEST"),
)
async def list_jobs(
    service: ServiceDep,
    caller: Reader,
    language: Language,
    limit: Annotated[int, Query(ge=1, le=200, description="How many, newest first.")] = 50,
    status: Annotated[schemas.JobStatusName | None, Query(description="Only this status.")] = (
        None
    ),
) -> dict[str, Any]:
    """Recent jobs the key may see, newest first (synchronous plans included)."""
    records = await run_in_threadpool(
        lambda: service.store.recent(limit=limit, status=status, community=caller.community)
    )
    return {"jobs": [job_out(j, language) for j in records]}


@router.get(
    "/v1/jobs/{job_id}",
    tags=["jobs"],
    response_model=schemas.JobOut,
    responses=error_responses("GetJob", *READ),
)
async def get_job(
    job_id: JobId, service: ServiceDep, caller: Reader, language: Language
) -> dict[str, Any]:
    """A job's status, progress and best cost so far; a failed job's error in the
    ``Accept-Language`` language."""
    return job_out(await run_in_threadpool(scoped_job, service, job_id, caller), language)


def scoped_job(service: Service, job_id: str, caller: Caller) -> JobRecord:
    """Job ``job_id`` as ``caller`` may see it (``NOT_FOUND`` outside its community)."""
    return service.store.get(job_id, community=caller.community)


@router.delete(
    "/v1/jobs/{job_id}",
    tags=["jobs"],
    response_model=schemas.JobOut,
    responses=error_responses("CancelJob", *CANCEL),
)
async def cancel_job(job_id: JobId, service: ServiceDep, caller: Dispatcher) -> dict[str, Any]:
    """Cancel a job: at once when queued; a running one stops within a second or so
    (status ``running`` with progress message ``cancelling`` until then)."""
    await run_in_threadpool(scoped_job, service, job_id, caller)
    job = await run_in_threadpool(service.store.cancel, job_id)
    service.wake()
    return job_out(job)


_JOB = "/v1/jobs/{job_id}"


#: Which plan version of the day to read (default: the current one).
Version = Annotated[
    int | None,
    Query(
        ge=1,
        le=100_000,
        description="A plan version of the day (GET .../plans); default: the current one.",
    ),
]


async def _version(service: Service, job_id: str, caller: Caller, version: int | None) -> str:
    """The job id of the plan version to read (:func:`api.service.days.version_of`)."""
    job = await run_in_threadpool(days.version_of, service, job_id, caller, version)
    return job.id


@router.get(f"{_JOB}/plan", tags=["jobs"], **artifacts.PLAN)
async def job_plan(
    job_id: JobId, service: ServiceDep, caller: Reader, request: Request, version: Version = None
) -> Response:
    """The ``plan.json`` of the day of job ``job_id``: its current version (the done one
    of the highest number, GET .../plans), or ``version``; each route has its volunteer's
    ``manifest_url``. Headers name the version and its job."""
    target = await run_in_threadpool(days.version_of, service, job_id, caller, version)
    answer = await artifacts.plan_response(service, caller, target.id, str(request.base_url))
    answer.headers["X-Doorstep-Job"] = target.id
    answer.headers["X-Doorstep-Plan-Version"] = str(target.version)
    return answer


@router.get(f"{_JOB}/routes.geojson", tags=["jobs"], **artifacts.ROUTES)
async def job_routes(
    job_id: JobId, service: ServiceDep, caller: Reader, version: Version = None
) -> Response:
    """The ``routes.geojson`` of the day's current plan (or ``version``): lines per run,
    stops with ETA."""
    target = await _version(service, job_id, caller, version)
    return await artifacts.routes_response(service, caller, target)


@router.get(f"{_JOB}/manifests/{{volunteer_id}}.html", tags=["jobs"], **artifacts.MANIFEST)
async def job_manifest(
    job_id: JobId,
    volunteer_id: VolunteerId,
    service: ServiceDep,
    caller: Reader,
    version: Version = None,
) -> HTMLResponse:
    """The printable manifest of one volunteer's run in the day's current plan (or
    ``version``)."""
    target = await _version(service, job_id, caller, version)
    return await artifacts.manifest_response(service, caller, target, volunteer_id)


@router.delete(
    f"{_JOB}/links",
    tags=["jobs"],
    response_model=schemas.JobOut,
    responses=error_responses("RevokeLinks", *READ),
)
async def revoke_links(job_id: JobId, service: ServiceDep, caller: Dispatcher) -> dict[str, Any]:
    """Withdraw the volunteer links of the current plan of the job's day (``LINK_REVOKED``
    from now on); its plan then carries new links. The answer is that plan's job."""
    target = await run_in_threadpool(days.current_plan_id, service, job_id, caller)
    job = await run_in_threadpool(
        lambda: service.store.revoke_links(target, community=caller.community)
    )
    return job_out(job)
