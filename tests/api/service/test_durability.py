"""A job accepted is never lost: SIGKILL the server (or one solver process) mid-solve."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from api.service.db import JobStore
from api.service.sample import plan_request
from tests.api.service.live import (
    ONE_SOLVER,
    LiveServer,
    server_env,
    wait_batch,
    wait_solving,
    wait_status,
)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state  # a zombie waits only for its reaper


def test_job_survives_a_killed_server(db_url: str, tmp_path: Path) -> None:
    """Kill -9 the server while a job is solving: its solver processes die with it, the
    row says running, and the restarted server runs the job again to done (attempt 2)."""
    env = server_env(db_url)
    first = LiveServer(env, tmp_path / "first.log")
    try:
        first.wait_ready()
        request = plan_request(8, seed=21, time_limit_s=4)
        with first.client() as c:
            job_id = c.post("/v1/jobs", json=request).json()["id"]
            wait_solving(first, c, job_id)
            workers = [w["pid"] for w in httpx.get(f"{first.url}/readyz").json()["workers"]]
        first.kill()
    finally:
        first.stop()
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(p) for p in workers), "solver processes outlived the server"
    store = JobStore(db_url)
    assert store.get(job_id).status == "running"
    store.dispose()

    second = LiveServer({**env, **ONE_SOLVER}, tmp_path / "second.log")
    try:
        seen_not_ready = False
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                res = httpx.get(f"{second.url}/readyz", timeout=2)
            except httpx.HTTPError:
                time.sleep(0.2)
                continue
            if res.status_code == 200:
                break
            assert res.status_code == 503 and res.json()["code"] == "NOT_READY"
            seen_not_ready = True
            time.sleep(0.2)
        second.wait_ready()
        with second.client() as c:
            job = wait_status(c, job_id, {"done", "failed", "cancelled"}, timeout=90)
            plan = c.get(f"/v1/jobs/{job_id}/plan").json()
    finally:
        second.stop()
    assert job["status"] == "done" and job["attempts"] == 2, job
    served = {h for r in plan["routes"] for s in r["stops"] for h in s["household_ids"]}
    left = {u["household_id"] for u in plan["unassigned"]}
    assert served | left == {h["household_id"] for h in request["households"]}
    assert seen_not_ready, "readyz never answered NOT_READY while the solvers started"


def test_job_survives_a_killed_solver_process(tmp_path: Path) -> None:
    """SIGKILL the solver process running a job: a fresh one replaces it and the job is
    run again to done (attempt 2); readyz shows every solver ready again. The server is
    this test's own, so no job of another test waits in front of this one."""
    server = LiveServer(server_env(f"sqlite:///{tmp_path / 'jobs.db'}"), tmp_path / "server.log")
    try:
        server.wait_ready()
        request = plan_request(7, seed=23, time_limit_s=3)
        with server.client() as c:
            job_id = c.post("/v1/jobs", json=request).json()["id"]
            wait_solving(server, c, job_id)
            busy = [w for w in httpx.get(f"{server.url}/readyz").json()["workers"] if w["busy"]]
            assert len(busy) == 1
            os.kill(busy[0]["pid"], signal.SIGKILL)
            job = wait_status(c, job_id, {"done", "failed", "cancelled"}, timeout=90)
        assert job["status"] == "done" and job["attempts"] == 2, (job, server.tail())
        # The job may finish on the other solver while the replacement still starts up
        # (readyz answers NOT_READY until then): wait for it before reading the workers.
        server.wait_ready()
        workers = httpx.get(f"{server.url}/readyz").json()["workers"]
    finally:
        server.stop()
    assert busy[0]["pid"] not in {w["pid"] for w in workers}


def test_batch_survives_a_killed_server(db_url: str, tmp_path: Path) -> None:
    """Kill -9 the server while a batch's communities solve: after the restart no community
    is left running; each ends done (its job run again) or failed with a reason, and the
    batch ends done."""
    env = server_env(db_url, **ONE_SOLVER)
    communities = [
        {"community_id": f"c{k}", **plan_request(8, seed=30 + k, time_limit_s=3)} for k in range(3)
    ]
    first = LiveServer(env, tmp_path / "first.log")
    try:
        first.wait_ready()
        with first.client() as c:
            res = c.post("/v1/batches", json={"communities": communities})
            assert res.status_code == 202, res.text
            batch_id = res.json()["id"]
            deadline = time.monotonic() + 60
            while not any(
                x["progress"]["stage"] == "solve"
                for x in c.get(f"/v1/batches/{batch_id}").json()["communities"]
            ):
                assert time.monotonic() < deadline, "no community reached the solver"
                time.sleep(0.1)
        first.kill()
    finally:
        first.stop()
    second = LiveServer(env, tmp_path / "second.log")
    try:
        second.wait_ready()
        with second.client() as c:
            doc = wait_batch(c, batch_id, {"done", "failed", "cancelled"}, timeout=120)
    finally:
        second.stop()
    assert doc["status"] == "done", doc
    for x in doc["communities"]:
        assert x["status"] == "done" or (x["status"] == "failed" and x["error"]["message"]), x
    assert any(x["attempts"] == 2 for x in doc["communities"]), doc["communities"]
    assert doc["summary"]["totals"]["communities"] == 3


def test_replan_survives_a_killed_server(db_url: str, tmp_path: Path) -> None:
    """Kill -9 the server while a re-plan solves: the restarted server runs it again from
    what the database holds (the plan, the events, the time) to the day's version 2."""
    env = server_env(db_url, **ONE_SOLVER)
    first = LiveServer(env, tmp_path / "first.log")
    try:
        first.wait_ready(timeout=300)
        with first.client() as c:
            day = c.post("/v1/jobs", json=plan_request(6, seed=24, time_limit_s=4)).json()["id"]
            assert wait_status(c, day, {"done", "failed"}, 300)["status"] == "done"
            events = [{"at": "10:00", "event": "volunteer_unavailable", "id": "V2"}]
            assert c.post(f"/v1/jobs/{day}/events", json={"events": events}).status_code == 200
            replan = c.post(f"/v1/jobs/{day}/replan", params={"at": "10:00"}).json()["id"]
            wait_solving(first, c, replan)
        first.kill()
    finally:
        first.stop()
    second = LiveServer(env, tmp_path / "second.log")
    try:
        second.wait_ready(timeout=300)
        with second.client() as c:
            job = wait_status(c, replan, {"done", "failed", "cancelled"}, timeout=300)
            versions = c.get(f"/v1/jobs/{day}/plans").json()
            plan = c.get(f"/v1/jobs/{day}/plan").json()
    finally:
        second.stop()
    assert job["status"] == "done" and job["attempts"] == 2, job
    assert versions["current_version"] == 2 and plan["replan"]["at"] == "10:00:00"
    assert plan["replan"]["events"] == [
        {"at": "10:00", "event": "volunteer_unavailable", "id": "V2"}
    ]
