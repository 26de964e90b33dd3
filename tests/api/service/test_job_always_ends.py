"""Issue 21: a job always ends, with its true cause, and the store's files are private."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

from api.service.db import JobStore, NewJob
from api.service.sample import plan_request
from api.service.workers import Supervisor
from tests.api.service.live import LiveServer, server_env, wait_status


def _new_job(store: JobStore) -> str:
    job = NewJob(
        kind="plan",
        request={"map": "demo", "households": []},
        map_name="demo",
        plan_date="2026-11-25",
        households=1,
        time_limit_s=1.0,
        created_by="dispatcher:abc",
    )
    return store.create(job)


def test_a_failure_storing_the_plan_fails_the_job_at_once(tmp_path: Path) -> None:
    """When storing a solved plan raises, the job fails at once with the true cause (not
    left running until two restarts call it INTERRUPTED)."""
    store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
    store.create_schema()
    supervisor = Supervisor(store, {}, workers=1)
    job_id = _new_job(store)
    assert store.claim(supervisor.owner) is not None
    ended: list[tuple[str, str]] = []
    supervisor.on_finish(lambda j, s: ended.append((j, s)))
    slot = supervisor._slots[0]
    slot.job_id = job_id
    plan = {"date": "2026-11-25", "routes": [], "note": "\udc80", "summary": {"cost": 1}}
    supervisor._handle(slot, ("done", job_id, plan, {"type": "x"}, {"V1": "<p>\udc80</p>"}))
    job = store.get(job_id)
    assert job.status == "failed" and job.error is not None
    assert job.error["code"] == "INTERNAL"
    assert "storing" in job.error["message"] and "UnicodeEncodeError" in job.error["message"]
    assert ended == [(job_id, "failed")] and slot.job_id is None
    store.dispose()


def test_sqlite_store_files_are_private(tmp_path: Path) -> None:
    """The SQLite store and its journal files are created readable by their owner only."""
    old = os.umask(0o022)
    try:
        store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
        store.create_schema()
        _new_job(store)
        files = sorted(tmp_path.glob("jobs.db*"))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        store.dispose()
    finally:
        os.umask(old)
    assert "jobs.db" in modes and len(modes) >= 2  # the database and its WAL journal
    assert all(m == 0o600 for m in modes.values()), modes


def test_watchdog_ends_a_job_whose_solver_went_silent(tmp_path: Path) -> None:
    """A solver that stops reporting is ended by the watchdog: the job fails with
    JOB_STALLED, the synchronous endpoint answers within its wait, and the replaced solver
    plans the next request."""
    env = server_env(
        f"sqlite:///{tmp_path / 'jobs.db'}",
        DOORSTEP_WORKERS="1",
        # Room for a loaded machine: a healthy solver may be silent for seconds between
        # reports, and the watchdog must not end it (the hanging one is silent for ever).
        DOORSTEP_JOB_WATCHDOG_S="6",
        DOORSTEP_SYNC_WAIT_S="40",
    )
    server = LiveServer(env, tmp_path / "server.log", module="tests.api.service.hanging")
    try:
        server.wait_ready()
        hang = plan_request(2, time_limit_s=0.5)
        hang["households"][0]["household_id"] = "HANG1"
        with server.client() as c:
            job = c.post("/v1/jobs", json=hang).json()
            failed = wait_status(c, job["id"], {"done", "failed", "cancelled"}, timeout=60)
            assert failed["status"] == "failed", failed
            assert failed["error"]["code"] == "JOB_STALLED"
            res = c.post("/v1/plans", json=hang)
            assert res.status_code == 503, res.text
            assert res.json()["code"] in {"JOB_STALLED", "BUSY"}
            server.wait_ready()  # the replacement solver has started
            after = c.post("/v1/plans", json=plan_request(2, time_limit_s=2))
        assert after.status_code == 200, after.text
    finally:
        server.stop()


def test_workers_outlive_the_thread_that_started_the_supervisor(tmp_path: Path) -> None:
    """The server starts up on a thread of its pool, which the pool retires when idle;
    its solver processes must not die with that thread (Linux sends ``PR_SET_PDEATHSIG``
    when the thread that forked a child ends): the worker ready before the starting
    thread ended is the same live process after it."""
    store = JobStore(f"sqlite:///{tmp_path / 'jobs.db'}")
    store.create_schema()
    supervisor = Supervisor(store, {}, workers=1)
    slot = supervisor._slots[0]

    def start_and_wait_ready() -> None:
        supervisor.start()
        deadline = time.monotonic() + 120
        while not slot.ready and time.monotonic() < deadline:
            time.sleep(0.05)

    starter = threading.Thread(target=start_and_wait_ready)
    starter.start()
    starter.join()
    try:
        assert slot.ready and slot.process is not None
        pid = slot.process.pid
        time.sleep(1.0)  # a signal sent at the thread's end has arrived by now
        assert slot.process is not None and slot.process.pid == pid
        assert slot.process.is_alive() and slot.process.exitcode is None
    finally:
        supervisor.stop()
        store.dispose()
