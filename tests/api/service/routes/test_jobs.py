"""Plans and jobs in process: queue, read, cancel, artifacts once done, a plan that waits."""

from __future__ import annotations

from api.service.sample import plan_request
from tests.api.service.routes.conftest import PLAN, VIEWER, Client, finish


def test_job_is_queued_read_and_cancelled(client: Client) -> None:
    """POST /v1/jobs answers 202 with Location; the job reads back; DELETE cancels it."""
    res = client.post("/v1/jobs", json=plan_request(3, seed=5))
    assert res.status_code == 202, res.text
    job = res.json()
    assert res.headers["location"] == f"/v1/jobs/{job['id']}"
    assert job["status"] == "queued" and job["kind"] == "job" and job["households"] == 3
    viewer = {"Authorization": f"Bearer {VIEWER}"}
    listed = client.get("/v1/jobs", params={"status": "queued"}, headers=viewer).json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]
    assert client.delete(f"/v1/jobs/{job['id']}", headers=viewer).json()["code"] == "FORBIDDEN"
    cancelled = client.delete(f"/v1/jobs/{job['id']}").json()
    assert cancelled["status"] == "cancelled"


def test_artifacts_once_done(client: Client) -> None:
    """Before the job is done its plan is JOB_NOT_DONE (409); after, plan, routes, manifest."""
    job_id = client.post("/v1/jobs", json=plan_request(3, seed=5)).json()["id"]
    early = client.get(f"/v1/jobs/{job_id}/plan")
    assert early.status_code == 409 and early.json()["code"] == "JOB_NOT_DONE"
    finish(client, job_id)
    assert client.get(f"/v1/jobs/{job_id}/plan").json() == PLAN
    routes = client.get(f"/v1/jobs/{job_id}/routes.geojson")
    assert routes.headers["content-type"] == "application/geo+json"
    page = client.get(f"/v1/jobs/{job_id}/manifests/V1.html")
    assert page.text == "<p>V1</p>" and page.headers["content-type"].startswith("text/html")
    links = client.get(f"/v1/jobs/{job_id}").json()["links"]
    assert links["manifests"] == {"V1": f"/v1/jobs/{job_id}/manifests/V1.html"}


def test_plan_without_a_solver_answers_busy(client: Client) -> None:
    """A synchronous plan nobody solves within the wait is BUSY (503), naming its job."""
    res = client.post("/v1/plans", json=plan_request(3, seed=5))
    assert res.status_code == 503 and res.json()["code"] == "BUSY"
    job_id = res.headers["x-doorstep-job"]
    assert job_id in res.json()["message"]
    assert client.get(f"/v1/jobs/{job_id}").json()["kind"] == "plan"


def test_plan_over_the_sync_limit_is_refused(client: Client) -> None:
    """Over 60 households a synchronous plan is PLAN_TOO_LARGE (413); nothing is queued."""
    res = client.post("/v1/plans", json=plan_request(61, seed=5))
    assert res.status_code == 413 and res.json()["code"] == "PLAN_TOO_LARGE"
    assert client.get("/v1/jobs").json()["jobs"] == []


def test_ledger_errors_answer_in_the_accept_language(client: Client) -> None:
    """A bad ledger record is told in the Accept-Language language; code, field and the
    English default stay as they are."""
    body = plan_request(3, seed=5)
    body["households"][1]["residents"] = "two"
    zh = client.post("/v1/jobs", json=body, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 422
    error = zh.json()
    assert error["code"] == "INVALID_LEDGER" and error["message"] == "台账中有 1 个问题："
    (detail,) = error["details"]
    assert detail["field"] == "residents"
    assert detail["record"] == "households 第 2 项（household_id 'H002'）"
    assert detail["problem"] == "不是整数：'two'"
    en = client.post("/v1/jobs", json=body).json()
    assert en["message"] == "1 problem(s) in the ledger:"
    assert en["details"][0]["problem"] == "not a whole number: 'two'"
