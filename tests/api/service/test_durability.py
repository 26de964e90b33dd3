"""A job accepted is never lost: SIGKILL the server (or one solver process) mid-solve.

Per database one server is killed while a plain job, a batch's community and a re-plan all
solve, and the restarted server is the one whose solver process is then killed mid-job:
each server started costs seconds of CPU (imports, the maps, the solver processes)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.service.db import JobStore
from api.service.sample import plan_request
from tests.api.service.conftest import _pg_drop, database_of
from tests.api.service.live import (
    LiveServer,
    server_env,
    wait_batch,
    wait_solving,
    wait_status,
)

#: The events of the day re-planned when the server is killed.
EVENTS = [{"at": "10:00", "event": "volunteer_unavailable", "id": "V2"}]


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state  # a zombie waits only for its reaper


def _wait_batch_solving(client: httpx.Client, batch_id: str) -> None:
    """Poll a batch until one of its communities has reached the solver."""
    deadline = time.monotonic() + 60
    while not any(
        x["progress"]["stage"] == "solve"
        for x in client.get(f"/v1/batches/{batch_id}").json()["communities"]
    ):
        assert time.monotonic() < deadline, "no community reached the solver"
        time.sleep(0.1)


def _seen_not_ready(server: LiveServer) -> bool:
    """Poll ``/readyz`` of a starting server until it answers 200 and every solver is
    ready; whether it answered 503 NOT_READY (and nothing else) before."""
    seen = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            # A loaded machine may take seconds to answer; an answer given up on could
            # have been the NOT_READY looked for.
            res = httpx.get(f"{server.url}/readyz", timeout=30)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if res.status_code == 200:
            break
        assert res.status_code == 503 and res.json()["code"] == "NOT_READY"
        seen = True
        time.sleep(0.2)
    server.wait_ready()
    return seen


@dataclass(frozen=True)
class Killed:
    """What was in flight when the first server was killed, and its restarted successor.

    Attributes
    ----------
    second
        The restarted server (two solver processes).
    url
        Its database.
    job_id, request
        The plain job solving at the kill and its request.
    batch_id
        The batch one of whose communities was solving at the kill.
    day_id, replan_id
        The day and its re-plan solving at the kill.
    solvers_gone
        Whether the first server's solver processes had died 10 s after it.
    row_status
        The job's status in the database right after the kill.
    seen_not_ready
        Whether the restarted server's readyz answered NOT_READY while its solver started.
    """

    second: LiveServer
    url: str
    job_id: str
    request: dict[str, Any]
    batch_id: str
    day_id: str
    replan_id: str
    solvers_gone: bool
    row_status: str
    seen_not_ready: bool


def _kill_mid_solve(env: dict[str, str], log: Path) -> tuple[dict[str, Any], list[int]]:
    """Start a server of three solver processes, have a re-plan, a job and a batch's
    community solve at once, and SIGKILL it; the ids in flight and its solvers' pids."""
    request = plan_request(8, seed=21, time_limit_s=6)
    communities = [
        {"community_id": f"c{k}", **plan_request(8, seed=30 + k, time_limit_s=3)} for k in range(3)
    ]
    first = LiveServer({**env, "DOORSTEP_WORKERS": "3"}, log)
    try:
        first.wait_ready(timeout=300)
        with first.client() as c:
            day = c.post("/v1/jobs", json=plan_request(6, seed=24, time_limit_s=6)).json()["id"]
            assert wait_status(c, day, {"done", "failed"}, 300)["status"] == "done"
            assert c.post(f"/v1/jobs/{day}/events", json={"events": EVENTS}).status_code == 200
            # In this order the three solvers take the re-plan, the job and a community.
            replan = c.post(f"/v1/jobs/{day}/replan", params={"at": "10:00"}).json()["id"]
            job_id = c.post("/v1/jobs", json=request).json()["id"]
            res = c.post("/v1/batches", json={"communities": communities})
            assert res.status_code == 202, res.text
            batch_id = res.json()["id"]
            wait_solving(first, c, replan)
            wait_solving(first, c, job_id)
            _wait_batch_solving(c, batch_id)
            workers = [w["pid"] for w in httpx.get(f"{first.url}/readyz").json()["workers"]]
        first.kill()
    finally:
        first.stop()
    ids = {"job_id": job_id, "request": request, "batch_id": batch_id}
    return {**ids, "day_id": day, "replan_id": replan}, workers


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def killed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Killed]:
    """A server killed mid-solve and restarted on the same database (SQLite, then
    PostgreSQL); the restarted server runs for the tests."""
    folder = tmp_path_factory.mktemp("durability")
    url, pg_name = database_of(request.param, folder)
    env = server_env(url)  # two solver processes
    try:
        ids, workers = _kill_mid_solve(env, folder / "first.log")
        deadline = time.monotonic() + 10
        while not all(_gone(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        solvers_gone = all(_gone(p) for p in workers)
        store = JobStore(url)
        row_status = store.get(ids["job_id"]).status
        store.dispose()
        # Two solvers: the recovered job, re-plan and communities run two at a time, not
        # one after the other (their time limits, not their CPU, set how long they take).
        second = LiveServer(env, folder / "second.log")
        try:
            seen = _seen_not_ready(second)
            yield Killed(
                second,
                url,
                **ids,
                solvers_gone=solvers_gone,
                row_status=row_status,
                seen_not_ready=seen,
            )
        finally:
            second.stop()
    finally:
        if pg_name:
            _pg_drop(pg_name)


def _ended(k: Killed, c: httpx.Client) -> dict[str, dict[str, Any]]:
    """The job, the batch and the re-plan of ``k`` once each has ended on the restarted
    server."""
    ends = {"done", "failed", "cancelled"}
    return {
        "job": wait_status(c, k.job_id, ends, timeout=180),
        "batch": wait_batch(c, k.batch_id, ends, timeout=180),
        "replan": wait_status(c, k.replan_id, ends, timeout=180),
    }


def test_solver_processes_die_with_the_server_and_the_row_says_running(killed: Killed) -> None:
    """Kill -9 the server while it solves: its solver processes die with it, the job's row
    still says running, and the restarted server answers readyz NOT_READY until its solver
    process is up."""
    assert killed.solvers_gone, "solver processes outlived the server"
    assert killed.row_status == "running"
    assert killed.seen_not_ready, "readyz never answered NOT_READY while the solvers started"


def test_job_survives_a_killed_server(killed: Killed) -> None:
    """The job solving when the server was killed runs again on the restarted server to
    done (attempt 2), every household served or named."""
    with killed.second.client() as c:
        job = _ended(killed, c)["job"]
        plan = c.get(f"/v1/jobs/{killed.job_id}/plan").json()
    assert job["status"] == "done" and job["attempts"] == 2, job
    served = {h for r in plan["routes"] for s in r["stops"] for h in s["household_ids"]}
    left = {u["household_id"] for u in plan["unassigned"]}
    assert served | left == {h["household_id"] for h in killed.request["households"]}


def test_batch_survives_a_killed_server(killed: Killed) -> None:
    """After the restart no community of the batch solving at the kill is left running;
    each ends done (its job run again) or failed with a reason, and the batch ends done."""
    with killed.second.client() as c:
        doc = _ended(killed, c)["batch"]
    assert doc["status"] == "done", doc
    for x in doc["communities"]:
        assert x["status"] == "done" or (x["status"] == "failed" and x["error"]["message"]), x
    assert any(x["attempts"] == 2 for x in doc["communities"]), doc["communities"]
    assert doc["summary"]["totals"]["communities"] == 3


def test_replan_survives_a_killed_server(killed: Killed) -> None:
    """The re-plan solving at the kill runs again from what the database holds (the plan,
    the events, the time) to the day's version 2."""
    with killed.second.client() as c:
        job = _ended(killed, c)["replan"]
        versions = c.get(f"/v1/jobs/{killed.day_id}/plans").json()
        plan = c.get(f"/v1/jobs/{killed.day_id}/plan").json()
    assert job["status"] == "done" and job["attempts"] == 2, job
    assert versions["current_version"] == 2 and plan["replan"]["at"] == "10:00:00"
    assert plan["replan"]["events"] == EVENTS


def test_job_survives_a_killed_solver_process(killed: Killed) -> None:
    """SIGKILL the solver process running a job: a fresh one replaces it and the job is
    run again to done (attempt 2); readyz shows every solver ready again, the killed one
    gone. The recovered work ends first, so no other job waits in front of this one."""
    server = killed.second
    with server.client() as c:
        _ended(killed, c)
        request = plan_request(7, seed=23, time_limit_s=3)
        job_id = c.post("/v1/jobs", json=request).json()["id"]
        wait_solving(server, c, job_id)
        busy = [w for w in httpx.get(f"{server.url}/readyz").json()["workers"] if w["busy"]]
        assert len(busy) == 1
        os.kill(busy[0]["pid"], signal.SIGKILL)
        job = wait_status(c, job_id, {"done", "failed", "cancelled"}, timeout=90)
    assert job["status"] == "done" and job["attempts"] == 2, (job, server.tail())
    server.wait_ready()  # readyz answers NOT_READY until the replacement is up
    workers = httpx.get(f"{server.url}/readyz").json()["workers"]
    assert busy[0]["pid"] not in {w["pid"] for w in workers}
