"""Job and batch documents: links only to what exists, times in UTC, progress that adds up."""

from __future__ import annotations

from typing import Any

from api.plan.batch import CommunityResult
from api.service.batches import BatchState, CommunityState
from api.service.db import JobRecord
from api.service.documents import batch_out, iso_time, job_out


def _job(status: str, **changes: Any) -> JobRecord:
    fields: dict[str, Any] = {
        "id": "j1",
        "kind": "job",
        "status": status,
        "map_name": "demo",
        "plan_date": "2026-11-25",
        "households": 3,
        "time_limit_s": 1.0,
        "created_by": "dispatcher:abc",
        "created_at": 0.0,
        "started_at": None,
        "finished_at": None,
        "attempts": 0,
        "cancel_requested": False,
        "progress_stage": "queued",
        "progress_message": "waiting",
        "progress_fraction": 0.0,
        "best_cost": None,
        "error": None,
    }
    return JobRecord(**{**fields, **changes})


def _community(cid: str, status: str, fraction: float, **changes: Any) -> CommunityState:
    fields: dict[str, Any] = {
        "position": 0,
        "community_id": cid,
        "status": status,
        "job_id": f"job-{cid}",
        "tries": 1,
        "attempts": 1,
        "stage": status,
        "message": "",
        "fraction": fraction,
        "error": None,
        "result": None,
        "started_at": None,
        "finished_at": None,
    }
    return CommunityState(**{**fields, **changes})


def test_iso_time_is_utc_with_z() -> None:
    """Unix seconds become ISO 8601 UTC with a Z; None stays None."""
    assert iso_time(0.0) == "1970-01-01T00:00:00Z"
    assert iso_time(86_461.9) == "1970-01-02T00:01:01Z"
    assert iso_time(None) is None


def test_artifact_links_only_once_done() -> None:
    """A running job links only to itself; a done one to plan, routes and each manifest."""
    assert job_out(_job("running"))["links"] == {"self": "/v1/jobs/j1"}
    links = job_out(_job("done", volunteer_ids=("V1", "V2")))["links"]
    assert links["plan"] == "/v1/jobs/j1/plan"
    assert links["routes"] == "/v1/jobs/j1/routes.geojson"
    assert links["manifests"] == {
        "V1": "/v1/jobs/j1/manifests/V1.html",
        "V2": "/v1/jobs/j1/manifests/V2.html",
    }


def test_job_error_keeps_the_error_shape() -> None:
    """A failed job's error is the {code, message, details} object."""
    error = {"code": "INVALID_LEDGER", "message": "bad", "details": []}
    doc = job_out(_job("failed", error=error))
    assert doc["error"] == error and doc["created_at"] == "1970-01-01T00:00:00Z"


def test_batch_progress_counts_and_averages() -> None:
    """Counts per status; the fraction averages communities, a final one counting as 1."""
    result = CommunityResult(community_id="a", ok=False, failure="input", error="bad")
    batch = BatchState(
        id="b1",
        created_by="dispatcher:abc",
        created_at=0.0,
        cancel_requested=False,
        status="running",
        communities=(
            _community("a", "failed", 0.0, result=result, job_id=None),
            _community("b", "running", 0.5),
            _community("c", "queued", 7.0),
        ),
    )
    doc = batch_out(batch)
    progress = doc["progress"]
    assert (progress["failed"], progress["running"], progress["queued"]) == (1, 1, 1)
    assert progress["communities"] == 3 and progress["fraction"] == round(2.5 / 3, 4)
    first, second, _ = doc["communities"]
    assert first["failure"] == "input" and first["links"] == {}
    assert second["links"] == {"job": "/v1/jobs/job-b"}
    assert doc["finished_at"] is None and doc["links"] == {"self": "/v1/batches/b1"}


def test_done_community_links_under_its_batch() -> None:
    """A done community's artifacts are linked under the batch, beside its job."""
    done = _community("kallio", "done", 1.0, volunteer_ids=("V1",))
    batch = BatchState("b1", "d:x", 0.0, False, "done", (done,))
    links = batch_out(batch)["communities"][0]["links"]
    base = "/v1/batches/b1/communities/kallio"
    assert links == {
        "job": "/v1/jobs/job-kallio",
        "plan": f"{base}/plan",
        "routes": f"{base}/routes.geojson",
        "manifests": {"V1": f"{base}/manifests/V1.html"},
    }
