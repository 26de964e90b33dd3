"""The live day in the OpenAPI document: events as JSON (the columns of ``events.csv``,
docs/INPUTS.md), a day's plan versions, and a plan to validate with its report.

Values are checked by the same readers as the command line (an event's fields by
:func:`api.plan.events.events_from_json`, answering ``INVALID_EVENTS`` with each bad item
and field); the schemas document and type them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.plan.events import OUTCOMES, EventKind
from api.service.schemas import POSITION, PlanRequest
from solver.check import Breach

_Outcome: Any = Literal.__getitem__(OUTCOMES)
_CLOCK: dict[str, Any] = {"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
_EVENT_EXAMPLES: list[Any] = [
    {"at": "10:20", "event": "volunteer_unavailable", "id": "V2"},
    {"at": "10:25", "event": "stop_done", "id": "H001"},
    {"at": "10:28", "event": "stop_failed", "id": "H004", "outcome": "no_answer"},
]


class EventIn(BaseModel):
    """One event of the day: ``at``, ``event``, ``id`` and the fields its kind reads.

    ``household_added`` also carries the columns of a household (``HouseholdIn``, its
    ``id`` the household id), ``volunteer_added`` those of a volunteer (``VolunteerIn``).
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": _EVENT_EXAMPLES})

    at: str = Field(description="When it happened, HH:MM.", json_schema_extra=_CLOCK)
    event: EventKind = Field(description="What happened (docs/INPUTS.md, events).")
    id: str = Field(
        min_length=1, max_length=200, description="The volunteer, household, stop or way."
    )
    lon: float | None = Field(
        None, description=f"street_closed: the first point's longitude, {POSITION}"
    )
    lat: float | None = None
    lon2: float | None = Field(
        None, description=f"street_closed: the second point's longitude, {POSITION}"
    )
    lat2: float | None = None
    coord_system: str | None = Field(
        None,
        description="System of the points (wgs84, gcj02, bd09); else the day's request's "
        "coord_system. Converted to WGS-84 when read; stored as sent.",
    )
    way_id: str | None = Field(None, description="The OSM way of a closed street.")
    minutes: int | None = Field(None, ge=0, description="volunteer_delayed: minutes later.")
    deadline: str | None = Field(
        None, description="household_urgent: served by HH:MM.", json_schema_extra=_CLOCK
    )
    outcome: _Outcome | None = Field(
        None, description="stop_failed: why (no_answer, refused, not_found)."
    )


class EventsIn(BaseModel):
    """Events to append to a day, in any order (a re-plan applies them in time order)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"events": _EVENT_EXAMPLES}]}
    )

    events: list[EventIn] = Field(
        json_schema_extra={"minItems": 1, "maxItems": 1000}, description="The events."
    )


class EventsOut(BaseModel):
    """A day's events: how many a call appended and, when read, all of them in order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"day_id": "3f2a9c0d1e4b5a6c", "appended": 3, "total": 3, "events": []},
                {
                    "day_id": "3f2a9c0d1e4b5a6c",
                    "appended": 0,
                    "total": 3,
                    "events": _EVENT_EXAMPLES,
                },
            ]
        }
    )

    day_id: str = Field(description="The job of the day's first plan, which keeps them.")
    appended: int = Field(0, description="Events this call appended.")
    total: int = Field(description="Events the day has now.")
    events: list[dict[str, Any]] = Field(
        default_factory=list, description="Every event, in the order it arrived (GET only)."
    )


class VersionLinks(BaseModel):
    """Where a version's plan and job are."""

    job: str
    plan: str | None = Field(None, description="Its plan.json (once done).")


class PlanVersionOut(BaseModel):
    """One plan of a day."""

    version: int = Field(ge=1, description="1: the first plan; then each re-plan.")
    job_id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    at: str | None = Field(description="The re-plan time HH:MM (None for the first plan).")
    previous_job_id: str | None = Field(description="The version it re-planned.")
    current: bool = Field(description="Whether it is the day's current plan.")
    created_at: str = Field(description="UTC, ISO 8601.")
    finished_at: str | None
    links: VersionLinks


class PlanVersionList(BaseModel):
    """The plans of a day, oldest first; the current one is the done one of the highest
    version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "day_id": "3f2a9c0d1e4b5a6c",
                    "current_version": 2,
                    "versions": [
                        {
                            "version": 1,
                            "job_id": "3f2a9c0d1e4b5a6c",
                            "status": "done",
                            "at": None,
                            "previous_job_id": None,
                            "current": False,
                            "created_at": "2026-11-25T06:00:00Z",
                            "finished_at": "2026-11-25T06:00:12Z",
                            "links": {
                                "job": "/v1/jobs/3f2a9c0d1e4b5a6c",
                                "plan": "/v1/jobs/3f2a9c0d1e4b5a6c/plan",
                            },
                        },
                        {
                            "version": 2,
                            "job_id": "9b8c7d6e5f4a3b2c",
                            "status": "done",
                            "at": "10:30",
                            "previous_job_id": "3f2a9c0d1e4b5a6c",
                            "current": True,
                            "created_at": "2026-11-25T10:31:02Z",
                            "finished_at": "2026-11-25T10:31:05Z",
                            "links": {
                                "job": "/v1/jobs/9b8c7d6e5f4a3b2c",
                                "plan": "/v1/jobs/9b8c7d6e5f4a3b2c/plan",
                            },
                        },
                    ],
                }
            ]
        }
    )

    day_id: str
    current_version: int | None = Field(description="None while no version is done.")
    versions: list[PlanVersionOut]


class PlanStopIn(BaseModel):
    """A visit of a run: a delivery (its ``stop_id`` and households) or a reload."""

    model_config = ConfigDict(extra="allow")

    kind: str | None = Field(None, description="'reload' for a reload, else a delivery.")
    stop_id: str | None = None
    depot_id: str | None = Field(None, description="A reload's depot.")
    household_ids: list[str] = Field(default_factory=list)


class PlanRouteIn(BaseModel):
    """A run of the plan: its volunteer and visits in order."""

    model_config = ConfigDict(extra="allow")

    volunteer_id: str
    stops: list[PlanStopIn] = Field(default_factory=list)


class UnassignedIn(BaseModel):
    """A household the plan names as not served."""

    model_config = ConfigDict(extra="allow")

    household_id: str
    stop_id: str | None = None
    reason: str | None = None


class PlanIn(BaseModel):
    """A ``plan.json`` to check: its runs and unserved households (other fields ignored)."""

    model_config = ConfigDict(extra="allow")

    routes: list[PlanRouteIn]
    unassigned: list[UnassignedIn] = Field(default_factory=list)


class ValidateRequest(PlanRequest):
    """A plan and the day it was made for (the fields of ``POST /v1/jobs``)."""

    plan: PlanIn = Field(description="The plan.json to check.")


class ViolationOut(BaseModel):
    """One broken rule, in the vocabulary of ``doorstep check`` and the unserved reasons."""

    code: Breach
    record: str = Field(description="The run or household it concerns.")
    message: str


class ValidationOut(BaseModel):
    """Every broken rule of a plan, as ``doorstep check`` prints it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": False,
                    "violations": [
                        {
                            "code": "TIME_WINDOW_UNREACHABLE",
                            "record": "route V2",
                            "message": "H004 starts at 13:20, after its window ends (13:00).",
                        }
                    ],
                }
            ]
        }
    )

    ok: bool = Field(description="Whether the plan keeps every rule.")
    violations: list[ViolationOut]
