"""The solver over HTTP: a plain routing problem (Doorstep's shape or VROOM's input)
solved while the caller waits (``POST /v1/solve``) or queued (``POST /v1/solve/jobs``,
answer at ``GET /v1/jobs/{id}/solution``); and volunteer suggestions for a day
(``POST /v1/suggest``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from starlette.concurrency import run_in_threadpool

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service import schemas
from api.service.db import SOLVE_KINDS
from api.service.error_handlers import header_language
from api.service.plan_schemas import SuggestOut
from api.service.routes import artifacts
from api.service.routes.deps import Dispatcher, JobId, Reader, ServiceDep
from api.service.routes.jobs import language_from_header, queued_job, scoped_job, sync_result
from api.service.routes.openapi import (
    ARTIFACT,
    PLAN_SYNC,
    SOLVE_INTAKE,
    SOLVE_SYNC,
    error_responses,
    queued,
)
from api.service.solve_schemas import DOORSTEP_EXAMPLE, VROOM_EXAMPLE, SolutionOut, SolveBody

router = APIRouter()

#: A solve body, documented with an example of each shape.
SolveInBody = Annotated[SolveBody, Body(examples=[DOORSTEP_EXAMPLE, VROOM_EXAMPLE])]

_SOLVED: dict[int | str, dict[str, Any]] = {
    200: {"model": SolutionOut, "description": "The routes, reasons and verdict."}
}


@router.post(
    "/v1/solve",
    tags=["solve"],
    response_class=Response,
    responses={**_SOLVED, **error_responses("Solve", *SOLVE_SYNC)},
)
async def solve(
    body: SolveInBody, service: ServiceDep, caller: Dispatcher, request: Request
) -> Response:
    """Solve a small routing problem while waiting, and answer with its routes, every
    unassigned job with its reason code, and the independent checker's verdict.

    The body is Doorstep's shape (``profiles`` of matrices, ``jobs``, ``vehicles``) or
    VROOM's input (``jobs``, ``vehicles``, ``matrices``; no shipments): a VROOM client
    switches by changing the URL. Limits as ``POST /v1/plans`` (jobs for households);
    above them ``PLAN_TOO_LARGE``: use ``POST /v1/solve/jobs``. Header
    ``X-Doorstep-Job`` names the job it was stored as.
    """
    job_id = await run_in_threadpool(service.submit_solve, body, caller, kind="solve")
    headers = {"X-Doorstep-Job": job_id}
    refused = await sync_result(service, job_id, headers, header_language(request))
    if refused is not None:
        return refused
    text = await run_in_threadpool(service.store.plan, job_id)
    return Response(text, media_type="application/json", headers=headers)


@router.post(
    "/v1/solve/jobs",
    tags=["solve"],
    response_model=schemas.JobOut,
    **queued("CreateSolveJob", *SOLVE_INTAKE),
)
async def create_solve_job(
    body: SolveInBody, service: ServiceDep, caller: Dispatcher, response: Response
) -> dict[str, Any]:
    """Queue a routing problem of any size (up to the job limits); poll
    ``GET /v1/jobs/{id}``, then read ``GET /v1/jobs/{id}/solution``."""
    job_id = await run_in_threadpool(service.submit_solve, body, caller, kind="solvejob")
    return await queued_job(service, job_id, response)


@router.get(
    "/v1/jobs/{job_id}/solution",
    tags=["jobs"],
    response_class=Response,
    responses={**_SOLVED, **error_responses("JobSolution", *ARTIFACT)},
)
async def job_solution(job_id: JobId, service: ServiceDep, caller: Reader) -> Response:
    """The answer of a done solve job (``JOB_NOT_DONE`` before; ``NOT_FOUND`` for a job
    that is not a solve)."""
    job = await run_in_threadpool(scoped_job, service, job_id, caller)
    if job.kind not in SOLVE_KINDS:
        raise ServiceError(
            "NOT_FOUND",
            Message(N_("job %(job)s is a plan: read GET /v1/jobs/%(job)s/plan"), job=job_id),
        )
    text = await run_in_threadpool(service.store.plan, job_id)
    return Response(text, media_type="application/json")


@router.post(
    "/v1/suggest",
    tags=["plans"],
    response_class=Response,
    responses={
        200: {"model": SuggestOut, "description": "Volunteers to add, checked."},
        **error_responses("Suggest", *PLAN_SYNC),
    },
)
async def suggest(
    body: schemas.PlanRequest, service: ServiceDep, caller: Dispatcher, request: Request
) -> Response:
    """Which volunteers to add so that every household volunteers can help is served:
    the day is planned, then planned again with volunteers shaped like today's (mode,
    load, hours the unserved need, nearest depot, skills) until all are served or the
    rounds run out (``doorstep plan --suggest-volunteers``). Half of
    ``options.time_limit_s`` goes to the day's plan, the rest to the re-plans. The same
    body and limits as ``POST /v1/plans``; the plan is stored as a job
    (``X-Doorstep-Job``)."""
    language_from_header(body, request)
    job_id = await run_in_threadpool(service.submit, body, caller, kind="plan", suggest=True)
    headers = {"X-Doorstep-Job": job_id}
    refused = await sync_result(service, job_id, headers, header_language(request))
    if refused is not None:
        return refused
    plan = json.loads(await artifacts.plan_text(service, caller, job_id, str(request.base_url)))
    answer = {
        "job": job_id,
        "suggestion": plan.get("suggestion"),
        "unassigned": plan["unassigned"],
        "summary": plan["summary"],
    }
    text = json.dumps(answer, ensure_ascii=False)
    return Response(text, media_type="application/json", headers=headers)
