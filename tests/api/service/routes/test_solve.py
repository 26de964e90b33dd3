"""Solve jobs in process: queued with their kind, the answer at /solution (a plan job has
none, a solve job has no plan), a faulty problem refused before anything is queued."""

from __future__ import annotations

from api.service.sample import plan_request
from tests.api.service.problems import VROOM_EXAMPLE
from tests.api.service.routes.conftest import PLAN, Client, finish, service_of


def test_solve_job_answer_is_its_solution_not_a_plan(client: Client) -> None:
    """POST /v1/solve/jobs queues a solvejob; once done its links name /solution, which
    answers the stored document, while /plan and /routes.geojson are NOT_FOUND."""
    res = client.post("/v1/solve/jobs", json=VROOM_EXAMPLE)
    assert res.status_code == 202, res.text
    job = res.json()
    assert job["kind"] == "solvejob" and job["households"] == len(VROOM_EXAMPLE["jobs"])
    assert res.headers["location"] == f"/v1/jobs/{job['id']}"
    finish(client, job["id"])
    done = client.get(f"/v1/jobs/{job['id']}").json()
    assert done["links"] == {
        "self": f"/v1/jobs/{job['id']}",
        "solution": f"/v1/jobs/{job['id']}/solution",
        "plan": None,
        "routes": None,
        "manifests": {},
    }
    assert client.get(done["links"]["solution"]).json() == PLAN
    for artifact in ("plan", "routes.geojson"):
        refused = client.get(f"/v1/jobs/{job['id']}/{artifact}")
        assert refused.status_code == 404 and "/solution" in refused.json()["message"]


def test_plan_job_has_no_solution(client: Client) -> None:
    """A plan job's /solution is NOT_FOUND, pointing to its plan."""
    job_id = client.post("/v1/jobs", json=plan_request(3, seed=5)).json()["id"]
    refused = client.get(f"/v1/jobs/{job_id}/solution")
    assert refused.status_code == 404 and f"/v1/jobs/{job_id}/plan" in refused.json()["message"]


def test_faulty_problem_is_refused_before_queueing(client: Client) -> None:
    """A job at a location outside the matrices is INVALID_PROBLEM (422) naming the job;
    a body of neither shape is INVALID_REQUEST; nothing is queued."""
    far = {**VROOM_EXAMPLE, "jobs": [{"id": 7, "location_index": 40}]}
    res = client.post("/v1/solve/jobs", json=far)
    assert res.status_code == 422 and res.json()["code"] == "INVALID_PROBLEM"
    assert any("'7'" in d["record"] for d in res.json()["details"])
    odd = client.post("/v1/solve", json={"jobs": [], "vehicles": []})
    assert odd.status_code == 422 and odd.json()["code"] == "INVALID_REQUEST"
    assert service_of(client).store.recent(limit=5) == []
