"""The job store on a real database: SQLite, and PostgreSQL when one is configured."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from api.errors import ErrorBody, ServiceError, classify
from api.i18n import Lang
from api.service.db import JobStore, NewJob, jobs
from api.service.intake import check_request
from api.service.retention import purged_error
from api.service.sample import plan_request
from api.service.schemas import PlanRequest
from api.settings import ServiceSettings

PLAN = {"date": "2026-11-25", "routes": [], "unassigned": [], "summary": {"cost": 42}}


def _store(url: str) -> JobStore:
    store = JobStore(url)
    store.create_schema()
    return store


def _new(store: JobStore, kind: str = "job", n: int = 3) -> str:
    job = NewJob(
        kind=kind,
        request={"map": "demo", "households": [{"household_id": f"H{i}"} for i in range(n)]},
        map_name="demo",
        plan_date="2026-11-25",
        households=n,
        time_limit_s=1.0,
        created_by="dispatcher:abc",
    )
    return store.create(job)


def test_claim_order_and_results(db_url: str) -> None:
    """Synchronous plans are claimed before older jobs; results and manifests round-trip."""
    store = _store(db_url)
    first = _new(store)
    sync = _new(store, kind="plan")
    claimed = store.claim("server-a")
    assert claimed is not None and claimed.id == sync and claimed.attempt == 1
    assert claimed.request["households"][0] == {"household_id": "H0"}
    again = store.claim("server-a")
    assert again is not None and again.id == first
    assert store.claim("server-a") is None
    with pytest.raises(ServiceError) as err:
        store.plan(first)
    assert err.value.code == "JOB_NOT_DONE"
    store.progress(first, stage="solve", message="best 50", fraction=0.5, best_cost=50)
    assert store.get(first).best_cost == 50
    assert store.finish_done(first, plan=PLAN, routes={"type": "x"}, manifest_html={"V1": "<p>"})
    job = store.get(first)
    assert job.status == "done" and job.best_cost == 42 and job.volunteer_ids == ("V1",)
    assert '"cost": 42' in store.plan(first) and store.manifest(first, "V1") == "<p>"
    with pytest.raises(ServiceError) as err:
        store.manifest(first, "V9")
    assert err.value.code == "NOT_FOUND"
    store.dispose()


def test_cancel_by_state(db_url: str) -> None:
    """Queued jobs cancel at once, running ones by request, done ones refuse (JOB_FINISHED)."""
    store = _store(db_url)
    queued, running = _new(store), _new(store)
    assert store.cancel(queued).status == "cancelled"
    claimed = store.claim("server-a")
    assert claimed is not None and claimed.id == running
    job = store.cancel(running)
    assert job.status == "running" and job.cancel_requested
    assert store.cancel_requested("server-a") == [running]
    store.finish_cancelled(running)
    assert store.get(running).status == "cancelled"
    done = _new(store)
    store.claim("server-a")
    store.finish_done(done, plan=PLAN, routes={}, manifest_html={})
    with pytest.raises(ServiceError) as err:
        store.cancel(done)
    assert err.value.code == "JOB_FINISHED"
    with pytest.raises(ServiceError) as err:
        store.cancel("nope")
    assert err.value.code == "NOT_FOUND"
    store.dispose()


def test_abandoned_job_runs_again_then_fails_with_a_reason(db_url: str) -> None:
    """A running job whose server went silent is queued again, and after the last allowed
    attempt failed with INTERRUPTED; never left running."""
    store = _store(db_url)
    job_id = _new(store)
    assert store.claim("dead-server") is not None
    assert store.reap(me="me", lease_s=60, attempts=2) == []  # lease still fresh
    with store.engine.begin() as conn:
        conn.execute(jobs.update().values(heartbeat_at=time.time() - 120))
    (r,) = store.reap(me="me", lease_s=60, attempts=2)
    assert r.action == "requeued" and store.get(job_id).status == "queued"
    assert "queued again" in store.get(job_id).progress_message
    claimed = store.claim("dead-server-2")
    assert claimed is not None and claimed.attempt == 2
    with store.engine.begin() as conn:
        conn.execute(jobs.update().values(heartbeat_at=time.time() - 120))
    (r,) = store.reap(me="me", lease_s=60, attempts=2)
    job = store.get(job_id)
    assert r.action == "failed" and job.status == "failed"
    assert job.error is not None and job.error["code"] == "INTERRUPTED"
    assert "2 time(s)" in job.error["message"]
    store.dispose()


def test_two_servers_never_take_the_same_job(db_url: str) -> None:
    """Servers claiming concurrently from one database each get distinct jobs."""
    store = _store(db_url)
    ids = {_new(store, n=1) for _ in range(12)}
    got: list[str] = []
    lock = threading.Lock()

    def drain(owner: str) -> None:
        other = JobStore(db_url)
        while (c := other.claim(owner)) is not None:
            with lock:
                got.append(c.id)
        other.dispose()

    threads = [threading.Thread(target=drain, args=(f"s{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert Counter(got) == Counter(ids)
    store.dispose()


def test_database_of_an_older_version_gets_the_new_columns(db_url: str) -> None:
    """A jobs table made before communities, link versions, purging and plan versions gets
    those columns at start-up; its jobs read as the default community, links version 1,
    not purged, the first plan of their own day."""
    import sqlalchemy as sa

    added = {"community", "links_version", "purged_at", "root_id", "previous_id", "version"}
    added |= {"replan_at"}
    older = sa.MetaData()
    sa.Table("jobs", older, *(c._copy() for c in jobs.columns if c.name not in added))
    engine = sa.create_engine(db_url)
    older.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO jobs (id, kind, priority, status, map_name, plan_date, households,"
                " time_limit_s, request, created_by, created_at, attempts, cancel_requested,"
                " progress_stage, progress_message, progress_fraction) VALUES ('old1', 'job',"
                " 0, 'done', 'demo', '2026-11-25', 1, 1.0, '{}', '', 0, 1, false, 'done', '',"
                " 1.0)"
            )
        )
    engine.dispose()
    store = _store(db_url)
    job = store.get("old1")
    assert (job.community, job.links_version, job.purged_at) == ("default", 1, None)
    assert (job.version, job.day_id, job.previous_id) == (1, "old1", None)
    assert store.get(_new(store)).community == "default"
    store.dispose()


def test_failed_error_keeps_its_catalog_sentences_in_the_database(db_url: str) -> None:
    """A failed job's error is stored with its catalog sentences (message and each
    detail), so it reads back in Chinese; its purged form keeps the message only; an
    error stored as English text alone reads back as that English."""
    store = _store(db_url)
    body = PlanRequest.model_validate({**plan_request(2), "map": "atlantis"})
    with pytest.raises(ServiceError) as refused:
        check_request(body, "job", ServiceSettings(), ["demo"])
    error = classify(refused.value)
    failed, old = _new(store), _new(store)
    assert store.claim("server-a") is not None and store.claim("server-a") is not None
    store.finish_failed(failed, error.to_stored())
    store.finish_failed(old, error.to_dict())
    zh = Lang("zh_CN")
    stored = store.get(failed).error
    assert stored is not None
    told = ErrorBody.from_dict(stored).in_language(zh)
    assert told.message == "没有名为 'atlantis' 的地图；本服务器提供：demo"
    assert [(d.record, d.field, d.problem) for d in told.details] == [
        ("request", "map", "未知地图 'atlantis'")
    ]
    assert ErrorBody.from_dict(stored).to_dict() == error.to_dict()
    assert ErrorBody.from_dict(purged_error(stored) or {}).in_language(zh).message == told.message
    old_error = store.get(old).error
    assert old_error is not None
    assert ErrorBody.from_dict(old_error).in_language(zh).to_dict() == error.to_dict()
    defect = _new(store)
    assert store.claim("server-a") is not None
    store.finish_failed(defect, classify(RuntimeError("inside")).to_stored())
    internal = store.get(defect).error
    assert internal is not None and internal["code"] == "INTERNAL"
    assert ErrorBody.from_dict(internal).in_language(zh).message == "意外错误；详情见服务器日志"
    store.dispose()
