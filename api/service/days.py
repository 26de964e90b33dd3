"""A planned day over the service: its events, its re-plans and its plan versions.

A day is its first plan's job (version 1). Events (``POST /v1/jobs/{id}/events``) are
checked as ``events.csv`` rows (:func:`api.plan.events.events_from_json`), closures also
against the day's map as a re-plan applies them (:func:`api.plan.closures.check_closures`),
and kept with that job, in the order they arrive. A re-plan
(``POST /v1/jobs/{id}/replan?at=HH:MM``) is a job of kind ``replan`` queued for the solver
processes like any plan: its stored request is the day's request with the current plan,
every event of the day and the time (:data:`api.service.planning.REPLAN`), so a server
stop runs it again from the database. Done, it is the next version of the day (one job
per version number); the day's current plan is its done version of the highest number,
which the plan, routes and manifests of any job of the day show, and whose volunteer
links are the only ones that open
(:mod:`api.service.volunteer_links`). FastAPI-free.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from api.errors import ServiceError, as_service_error
from api.i18n import N_, Message
from api.plan.closures import check_closures
from api.plan.events import Event, EventKind, events_from_json
from api.plan.ledger import ReadOptions, parse_clock
from api.service.auth import Caller
from api.service.db import NO_PLAN_KINDS, SOLVE_KINDS, JobRecord, NewJob, PlanVersion
from api.service.documents import iso_time
from api.service.planning import REPLAN, loaded_map
from api.service.reading import readable_job
from api.service.schemas import text_faults
from api.service.state import Service
from geo.crs import parse_coord_system
from solver.errors import Detail


def day_of(service: Service, job_id: str, caller: Caller) -> JobRecord:
    """The first plan of job ``job_id``'s day as ``caller`` may read it (``NOT_FOUND``
    for another community's job and for a solve or a validation, which make no day;
    ``PURGED`` once its personal data are gone)."""
    job = readable_job(service, job_id, caller.community)
    if job.kind in SOLVE_KINDS:
        raise ServiceError(
            "NOT_FOUND",
            Message(N_("job %(job)s is a solve: read GET /v1/jobs/%(job)s/solution"), job=job_id),
        )
    if job.kind in NO_PLAN_KINDS:
        raise ServiceError(
            "NOT_FOUND", Message(N_("job %(job)s is a validation: it plans no day"), job=job_id)
        )
    return job if job.root_id is None else readable_job(service, job.root_id, caller.community)


def version_of(service: Service, job_id: str, caller: Caller, version: int | None) -> JobRecord:
    """The plan version of job ``job_id``'s day to read: ``version`` when given
    (``NOT_FOUND`` if the day has none such), else the current one (the day's first plan
    while none is done: reading it answers ``JOB_NOT_DONE``)."""
    day = day_of(service, job_id, caller)
    if version is None:
        return service.store.current(day.id) or day
    for v in service.store.versions(day.id):
        if v.version == version:
            return v
    raise ServiceError(
        "NOT_FOUND",
        Message(
            N_("the day of job %(job)s has no plan version %(version)s"),
            job=day.id,
            version=version,
        ),
    )


def current_plan_id(service: Service, job_id: str, caller: Caller) -> str:
    """The id of the job whose plan is current for job ``job_id``'s day (the job itself
    while none of its day is done, and for a solve or a validation); scoped like
    :meth:`api.service.db.JobStore.get`."""
    job = service.store.get(job_id, community=caller.community)
    if job.kind in NO_PLAN_KINDS:
        return job.id
    current = service.store.current(job.day_id)
    return job.id if current is None else current.id


def _events_faults(items: Sequence[dict[str, Any]], coord_system: str) -> list[Event]:
    """Check events as ``events.csv`` rows would be (``INVALID_EVENTS`` naming each item
    and field), and read them; text no plan may hold is ``INVALID_REQUEST``."""
    faults = text_faults(list(items), ("events",))
    if faults:
        raise ServiceError(
            "INVALID_REQUEST",
            Message(N_("%(n)d problem(s) in the events"), n=len(faults)),
            faults,
        )
    try:
        return events_from_json(list(items), ReadOptions(parse_coord_system(coord_system)))
    except Exception as exc:
        raise as_service_error(exc) from exc


def _closures_faults(service: Service, day: JobRecord, events: Sequence[Event]) -> None:
    """Check the ``street_closed`` events against the day's map, loaded once at start-up,
    as its re-plans will (``INVALID_EVENTS`` naming each item and field); while this
    server has not that map, ``UNKNOWN_MAP`` (no re-plan of the day could run either)."""
    if not any(e.kind is EventKind.STREET_CLOSED for e in events):
        return
    maps = {name: loaded.travel for name, loaded in service.maps.items()}
    travel = loaded_map({"map": day.map_name}, maps).travel
    try:
        check_closures(travel, events)
    except Exception as exc:
        raise as_service_error(exc) from exc


def append_events(
    service: Service, job_id: str, items: Sequence[dict[str, Any]], caller: Caller
) -> dict[str, Any]:
    """Check ``items`` (events as JSON objects) and append them to job ``job_id``'s day;
    the ``EventsOut`` answer."""
    day = day_of(service, job_id, caller)
    request = service.store.request(day.id)
    events = _events_faults(items, str(request.get("coord_system") or "wgs84"))
    _closures_faults(service, day, events)
    total = service.store.append_events(day.id, items, caller.tag)
    return {"day_id": day.id, "appended": len(items), "total": total}


def read_events(service: Service, job_id: str, caller: Caller) -> dict[str, Any]:
    """Every event of job ``job_id``'s day (audited: events may name households)."""
    day = day_of(service, job_id, caller)
    events = service.store.events(day.id)
    service.audit.record(caller.actor, "events", job_id=day.id, community=day.community)
    return {"day_id": day.id, "total": len(events), "events": events}


def _replan_time(at: str) -> str:
    """``at`` as ``HH:MM`` (``INVALID_REQUEST`` naming the query field otherwise)."""
    try:
        seconds = parse_clock(at)
    except ValueError as exc:
        raise ServiceError(
            "INVALID_REQUEST",
            Message(N_("the re-plan time must be HH:MM")),
            [Detail("query", "at", str(exc))],
        ) from None
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def submit_replan(service: Service, job_id: str, at: str, caller: Caller) -> str:
    """Queue the re-plan of job ``job_id``'s day at ``at`` from its current plan and every
    event so far; the new job's id. ``JOB_NOT_DONE`` while the day has no done plan, or a
    re-plan of it is still queued or running."""
    clock = _replan_time(at)
    day = day_of(service, job_id, caller)
    versions = service.store.versions(day.id)
    pending = [v for v in versions if v.status in ("queued", "running")]
    if pending:
        raise ServiceError(
            "JOB_NOT_DONE",
            Message(
                N_(
                    "version %(version)d of this day (job %(job)s) is still %(status)s: "
                    "re-plan once it is done"
                ),
                version=pending[-1].version,
                job=pending[-1].id,
                status=pending[-1].status,
            ),
        )
    current = service.store.current(day.id)
    if current is None:
        raise ServiceError(
            "JOB_NOT_DONE",
            Message(N_("job %(job)s has no done plan to re-plan yet"), job=day.id),
        )
    readable_job(service, current.id, caller.community)  # PURGED once its data are gone
    request = service.store.request(day.id)
    request[REPLAN] = {
        "plan": json.loads(service.store.plan(current.id)),
        "events": service.store.events(day.id),
        "at": clock,
    }
    version = PlanVersion(day.id, current.id, max(v.version for v in versions) + 1, clock)
    job = NewJob(
        kind="replan",
        request=request,
        map_name=day.map_name,
        plan_date=day.plan_date,
        households=day.households,
        time_limit_s=day.time_limit_s,
        created_by=caller.tag,
        community=day.community,
        version=version,
    )
    return service.store.create_version(job)


def versions_out(service: Service, job_id: str, caller: Caller) -> dict[str, Any]:
    """The ``PlanVersionList`` of job ``job_id``'s day."""
    day = day_of(service, job_id, caller)
    versions = service.store.versions(day.id)
    done = [v.version for v in versions if v.status == "done"]
    current = max(done) if done else None
    base = f"/v1/jobs/{day.id}"
    return {
        "day_id": day.id,
        "current_version": current,
        "versions": [
            {
                "version": v.version,
                "job_id": v.id,
                "status": v.status,
                "at": v.replan_at,
                "previous_job_id": v.previous_id,
                "current": v.version == current,
                "created_at": iso_time(v.created_at),
                "finished_at": iso_time(v.finished_at),
                "links": {
                    "job": f"/v1/jobs/{v.id}",
                    "plan": f"{base}/plan?version={v.version}" if v.status == "done" else None,
                },
            }
            for v in versions
        ],
    }
