"""A household placed on the map (``POST /v1/jobs/{job_id}/households/{household_id}/
position``): the coordinator clicks where the door is, the job's request is stored again
with that position and planned as a new job.

An address the map cannot resolve, or a door typed in the wrong place, is fixed without a
new spreadsheet: the household's ``lon``/``lat`` become the clicked WGS-84 point (its
``coord_system`` ``wgs84``; the address and every other field kept), the row records
``placed_on_map`` (the day's date of the change), and the whole request passes the checks
of ``POST /v1/jobs`` again.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service import schemas
from api.service.documents import job_out
from api.service.reading import readable_job
from api.service.routes.deps import Dispatcher, JobId, ServiceDep
from api.service.routes.openapi import PLAN_INTAKE, error_responses

router = APIRouter()

HouseholdId = Annotated[str, Path(min_length=1, max_length=200, description="Household id.")]


class Position(BaseModel):
    """Where the door is: a point clicked on the map, WGS-84 degrees."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"lon": 24.9384, "lat": 60.1699}]})

    lon: float = Field(ge=-180, le=180, description="Longitude, WGS-84 degrees.")
    lat: float = Field(ge=-90, le=90, description="Latitude, WGS-84 degrees.")


def placed(request: dict[str, Any], household_id: str, at: Position) -> dict[str, Any]:
    """``request`` with the household ``household_id`` at ``at`` (WGS-84), every other
    field kept; ``NOT_FOUND`` when the request has no such household."""
    rows = list(request.get("households", []))
    for k, row in enumerate(rows):
        if str(row.get("household_id")) == household_id:
            moved = {**row, "lon": round(at.lon, 7), "lat": round(at.lat, 7)}
            moved["coord_system"] = "wgs84"
            moved["placed_on_map"] = dt.date.today().isoformat()
            rows[k] = moved
            return {**request, "households": rows}
    raise ServiceError(
        "NOT_FOUND", Message(N_("no household %(id)s in this job"), id=repr(household_id))
    )


@router.post(
    "/v1/jobs/{job_id}/households/{household_id}/position",
    tags=["jobs"],
    response_model=schemas.JobOut,
    status_code=202,
    responses=error_responses("PlaceHousehold", *PLAN_INTAKE, "NOT_FOUND", "PURGED"),
)
async def place_household(
    job_id: JobId,
    household_id: HouseholdId,
    at: Position,
    service: ServiceDep,
    caller: Dispatcher,
    response: Response,
) -> dict[str, Any]:
    """Place one household of a job where the coordinator clicked, and plan the day again.

    The job's request is stored again with the household at ``lon``/``lat`` (WGS-84) and
    queued as a new job of the same community (answered here, ``Location`` names it); the
    old job is kept. Another community's job is ``NOT_FOUND``; a purged one ``PURGED``.
    """
    job = await run_in_threadpool(readable_job, service, job_id, caller.community)
    request = await run_in_threadpool(service.store.request, job.id)
    moved = placed(request, household_id, at)
    body = schemas.PlanRequest.model_validate({**moved, "community": job.community})
    new_id = await run_in_threadpool(service.submit, body, caller, kind="job")
    service.wake()
    response.headers["Location"] = f"/v1/jobs/{new_id}"
    return job_out(await run_in_threadpool(service.store.get, new_id))
