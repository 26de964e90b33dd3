"""A day's versions and events in the job store, on SQLite and PostgreSQL: versions listed in
order, the current one the done one of the highest number, one job per version number,
events kept in arrival order and purged with the day."""

from __future__ import annotations

import dataclasses
import time

import pytest

from api.errors import ServiceError
from api.service.db import JobStore, NewJob, PlanVersion
from api.service.retention import purge_job

PLAN = {"date": "2026-11-25", "routes": [], "unassigned": [], "summary": {"cost": 1}}


def _store(url: str) -> JobStore:
    store = JobStore(url)
    store.create_schema()
    return store


def _job(version: PlanVersion | None = None) -> NewJob:
    return NewJob(
        kind="job" if version is None else "replan",
        request={"map": "demo", "households": [{"household_id": "H1"}]},
        map_name="demo",
        plan_date="2026-11-25",
        households=1,
        time_limit_s=1.0,
        created_by="dispatcher:abc",
        version=version,
    )


def _done(store: JobStore, job_id: str) -> None:
    claimed = store.claim("me")
    assert claimed is not None and claimed.id == job_id
    assert store.finish_done(job_id, plan=PLAN, routes={}, manifest_html={"V1": "<p>"})


def test_versions_and_the_current_one(db_url: str) -> None:
    """A day lists its first plan then its re-plans; the current version is the done one
    of the highest number (a queued re-plan is not current yet); any job of the day names
    the first plan as its day."""
    store = _store(db_url)
    day = store.create(_job())
    assert store.current(day) is None
    _done(store, day)
    second = store.create_version(_job(PlanVersion(day, day, 2, "10:30")))
    queued = store.current(day)
    assert queued is not None and queued.id == day
    _done(store, second)
    versions = store.versions(day)
    assert [(v.id, v.version, v.previous_id, v.replan_at) for v in versions] == [
        (day, 1, None, None),
        (second, 2, day, "10:30"),
    ]
    assert store.get(second).day_id == day and store.get(day).day_id == day
    current = store.current(day)
    assert current is not None and current.id == second
    store.dispose()


def test_one_job_per_version_number(db_url: str) -> None:
    """A second re-plan taking a version number already taken is refused with
    JOB_NOT_DONE, and nothing is stored for it."""
    store = _store(db_url)
    day = store.create(_job())
    store.create_version(_job(PlanVersion(day, day, 2, "10:30")))
    with pytest.raises(ServiceError) as caught:
        store.create_version(_job(PlanVersion(day, day, 2, "10:31")))
    assert caught.value.code == "JOB_NOT_DONE"
    assert [v.version for v in store.versions(day)] == [1, 2]
    store.dispose()


def test_events_keep_their_order_and_go_with_a_purge(db_url: str) -> None:
    """Events appended in two calls read back in arrival order with the running total;
    purging the day deletes them."""
    store = _store(db_url)
    day = store.create(_job())
    first = [{"at": "10:00", "event": "stop_done", "id": "H1"}]
    later = [
        {"at": "09:00", "event": "volunteer_delayed", "id": "V1", "minutes": 5},
        {"at": "11:00", "event": "household_cancelled", "id": "H2"},
    ]
    assert store.append_events(day, first, "dispatcher:abc") == 1
    assert store.append_events(day, later, "dispatcher:abc") == 3
    assert store.events(day) == first + later
    assert store.events(store.create(_job())) == []
    _done(store, day)
    assert purge_job(store.engine, day, time.time())
    assert store.events(day) == []
    store.dispose()


def test_a_validation_replaces_no_plan(db_url: str) -> None:
    """A validation of the same community and date done after a plan does not replace it
    (its volunteer links stay open); a re-plan does."""
    store = _store(db_url)
    day = store.create(_job())
    _done(store, day)
    check = store.create(dataclasses.replace(_job(), kind="validate"))
    _done(store, check)
    assert store.newer_plan(store.get(day)) is None
    second = store.create_version(_job(PlanVersion(day, day, 2, "10:30")))
    _done(store, second)
    assert store.newer_plan(store.get(day)) == second
    store.dispose()
