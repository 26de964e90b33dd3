"""The solver over HTTP against the live server: benchmark instances cost what
``doorstep solve`` finds for the same seed and effort, a VROOM input is solved as it is,
and suggestions name the volunteers to add."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from api.instances import read_instance
from api.service.sample import plan_request
from api.service.solving import problem_document
from api.settings import data_dir
from tests.api.service.live import ROOT, VIEWER, LiveServer, wait_status
from tests.api.service.problems import VROOM_EXAMPLE

SEED, EFFORT = 2, 5


def _cli_cost(path: str) -> float:
    """The cost ``doorstep solve --json`` prints for ``path`` at :data:`SEED` and
    :data:`EFFORT` (a time limit the effort bound reaches first)."""
    args = ["solve", path, "--json", "--seed", str(SEED), "--effort", str(EFFORT)]
    out = subprocess.run(
        [sys.executable, "-m", "api", *args, "--time-limit", "600"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    cost: float = json.loads(out.stdout)["cost"]
    return cost


@pytest.mark.slow
@pytest.mark.parametrize("name", ["solomon/C101.txt", "cvrplib-x/X-n101-k25.vrp"])
def test_solve_job_costs_what_doorstep_solve_finds(server: LiveServer, name: str) -> None:
    """An instance sent to POST /v1/solve/jobs in the solve shape is solved to the same
    cost as doorstep solve with the same seed and effort, every customer served, the
    checker accepting; the answer is at the job's solution link."""
    path = data_dir() / name
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path} (set DOORSTEP_DATA)")
    instance = read_instance(path)
    body = problem_document(instance.problem, time_limit_s=300, seed=SEED, effort=EFFORT)
    with server.client() as c:
        res = c.post("/v1/solve/jobs", json=body)
        assert res.status_code == 202, res.text
        job = wait_status(c, res.json()["id"], {"done", "failed"}, timeout=600)
        assert job["status"] == "done", job
        assert job["kind"] == "solvejob" and job["links"]["solution"].endswith("/solution")
        answer = c.get(job["links"]["solution"]).json()
        assert c.get(f"/v1/jobs/{job['id']}/solution", headers=_viewer()).status_code == 200
        assert c.get(f"/v1/jobs/{job['id']}/plan").json()["code"] == "NOT_FOUND"
    assert answer["checker"] == {"ok": True, "violations": []}
    assert answer["unassigned"] == []
    assert instance.customary_cost(answer["summary"]["cost"]) == _cli_cost(str(path))


def _viewer() -> dict[str, str]:
    return {"Authorization": f"Bearer {VIEWER}"}


def test_vroom_input_is_solved_while_waiting(server: LiveServer) -> None:
    """VROOM's input posted unchanged to POST /v1/solve: routes with VROOM's ids and
    steps, the too heavy job unassigned with its reason, the checker's verdict."""
    with server.client() as c:
        res = c.post("/v1/solve", json={**VROOM_EXAMPLE, "options": {"effort": 5}})
        assert res.status_code == 200, res.text
        assert res.headers["X-Doorstep-Job"]
        answer = res.json()
        viewer = c.post("/v1/solve", json=VROOM_EXAMPLE, headers=_viewer())
    assert answer["code"] == 0 and answer["objective"] == "duration"
    jobs = sorted(s["id"] for r in answer["routes"] for s in r["steps"] if s["type"] == "job")
    assert jobs == [101, 102, 103]
    assert {r["vehicle"] for r in answer["routes"]} <= {1, 2}
    assert answer["unassigned"][0]["reason"] == "DEMAND_EXCEEDS_CAPACITY"
    assert answer["checker"]["ok"] is True
    assert viewer.status_code == 403 and viewer.json()["code"] == "FORBIDDEN"


def test_solve_refuses_what_it_cannot_do_before_queueing(server: LiveServer) -> None:
    """Shipments are refused at once (422 INVALID_REQUEST naming the field), and a problem
    over the synchronous limit is PLAN_TOO_LARGE pointing to POST /v1/solve/jobs."""
    many = {
        **VROOM_EXAMPLE,
        "jobs": [{"id": k, "location_index": 1 + k % 4} for k in range(13)],
    }
    with server.client() as c:
        shipments = c.post("/v1/solve", json={**VROOM_EXAMPLE, "shipments": [{"amount": [1]}]})
        large = c.post("/v1/solve", json=many)
    assert shipments.status_code == 422
    assert shipments.json()["details"][0]["field"] == "shipments"
    assert large.status_code == 413 and "POST /v1/solve/jobs" in large.json()["message"]


def test_suggest_names_volunteers_to_add(server: LiveServer) -> None:
    """A day one small volunteer on a single trip cannot cover: POST /v1/suggest answers the
    unserved households with their reasons and the asks (more trips of the volunteer already
    there first, then volunteers to add), checked by planning again."""
    body = plan_request(5, seed=5, volunteers=1, time_limit_s=2, effort=5)
    body["volunteers"][0]["capacity_kg"] = 4
    body["rules"] = {"reloads": False}
    with server.client() as c:
        res = c.post("/v1/suggest", json=body)
        assert res.status_code == 200, res.text
        answer = res.json()
        plan = c.get(f"/v1/jobs/{answer['job']}/plan").json()
    assert answer["unassigned"] and answer["summary"]["households_unassigned"] > 0
    assert {u["reason"] for u in answer["unassigned"]} <= {
        "FLEET_EXHAUSTED",
        "TIME_LIMIT",
        "DEMAND_EXCEEDS_CAPACITY",
    }
    asks = answer["suggestion"]["extend"] + answer["suggestion"]["groups"]
    assert asks and all(a["text"] for a in asks)
    assert answer["suggestion"]["verified"] is True
    assert plan["suggestion"] == answer["suggestion"]
