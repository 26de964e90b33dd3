"""Batches in process: queue, read, a community's artifacts once done, cancel."""

from __future__ import annotations

from typing import Any

from api.service.sample import plan_request
from tests.api.service.routes.conftest import PLAN, Client, finish


def _community(cid: str, households: int) -> dict[str, Any]:
    return {**plan_request(households, seed=len(cid)), "community_id": cid}


def test_batch_queued_and_community_artifacts(client: Client) -> None:
    """202 with Location; a done community serves its job's plan under the batch."""
    res = client.post("/v1/batches", json={"communities": [_community("north", 3)]})
    assert res.status_code == 202, res.text
    batch = res.json()
    assert res.headers["location"] == f"/v1/batches/{batch['id']}"
    (north,) = batch["communities"]
    base = f"/v1/batches/{batch['id']}/communities/north"
    early = client.get(f"{base}/plan")
    assert early.status_code == 409 and early.json()["code"] == "JOB_NOT_DONE"
    finish(client, north["job_id"])
    assert client.get(f"{base}/plan").json() == PLAN
    assert client.get(f"{base}/manifests/V1.html").text == "<p>V1</p>"
    assert client.get(f"{base}/routes.geojson").json() == {"type": "FeatureCollection"}
    assert client.get(f"/v1/batches/{batch['id']}").json()["status"] == "done"


def test_refused_community_and_cancel(client: Client) -> None:
    """A community over the job limits fails alone; cancel ends the rest; unknown is 404."""
    body = {"communities": [_community("a", 2), {**_community("b", 2), "map": "atlantis"}]}
    batch = client.post("/v1/batches", json=body).json()
    a, b = batch["communities"]
    assert a["status"] == "queued" and b["status"] == "failed"
    assert b["error"]["code"] == "UNKNOWN_MAP" and b["job_id"] is None
    cancelled = client.delete(f"/v1/batches/{batch['id']}").json()
    assert cancelled["status"] == "cancelled"
    assert [b["id"] for b in client.get("/v1/batches").json()["batches"]] == [batch["id"]]
    assert client.get("/v1/batches/nope").json()["code"] == "NOT_FOUND"
