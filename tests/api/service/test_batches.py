"""Batches over real HTTP: communities fail alone, plans equal planning alone, cancel, auth."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.plan.batch import city_summary, community_result_of
from api.service.sample import plan_request
from tests.api.service.conftest import _pg_drop, database_of
from tests.api.service.live import DISPATCHER, VIEWER, LiveServer, server_env, wait_batch

FINAL = {"done", "failed", "cancelled"}
#: Effort-bounded search: the plan depends only on the request and seed.
DETERMINISTIC = {"time_limit_s": 2.0, "seed": 4, "effort": 15}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def batch_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server whose search raises for households named CRASH*, with small batch limits,
    on a SQLite file, then on a PostgreSQL database."""
    folder = tmp_path_factory.mktemp("batches")
    url, pg_name = database_of(request.param, folder)
    env = server_env(url, DOORSTEP_BATCH_MAX_COMMUNITIES="4", DOORSTEP_BATCH_MAX_BODY_BYTES="60000")
    live = LiveServer(env, folder / "server.log", module="tests.api.service.crashing")
    try:
        live.wait_ready()
        yield live
    finally:
        live.stop()
        if pg_name:
            _pg_drop(pg_name)


def community(cid: str, households: int, seed: int, **options: Any) -> dict[str, Any]:
    """A community of ``households`` generated households (see api.service.sample)."""
    body = plan_request(households, seed=seed)
    body["options"] = {**DETERMINISTIC, **options}
    return {"community_id": cid, **body}


def _err(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body: dict[str, Any] = res.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code, body
    return body


def _comparable(plan: dict[str, Any]) -> dict[str, Any]:
    """A plan.json without its wall-clock timings and volunteer links (bound to its job)."""
    summary = {k: v for k, v in plan["summary"].items() if k != "seconds"}
    routes = [{k: v for k, v in r.items() if k != "manifest_url"} for r in plan["routes"]]
    return {**plan, "summary": summary, "routes": routes}


def test_communities_fail_alone_and_plans_equal_planning_alone(batch_server: LiveServer) -> None:
    """Bad input fails at once, a crashing search is retried once then fails; the good
    communities are planned exactly as POST /v1/plans plans them alone, and the summary
    (api.plan.batch.city_summary) counts them and names the failures."""
    good = [community("north", 6, 41), community("south", 5, 42)]
    broken = community("broken", 4, 43)
    broken["households"][1]["lat"] = 91.0
    crash = community("crash", 4, 44)
    crash["households"][0]["household_id"] = "CRASH-1"
    with batch_server.client() as c:
        res = c.post("/v1/batches", json={"communities": [good[0], broken, crash, good[1]]})
        assert res.status_code == 202, res.text
        first = res.json()
        assert res.headers["Location"] == f"/v1/batches/{first['id']}"
        assert first["status"] in {"queued", "running"}
        doc = wait_batch(c, first["id"], FINAL)
        alone = []
        for g in good:
            body = {k: v for k, v in g.items() if k != "community_id"}
            res = c.post("/v1/plans", json=body)
            assert res.status_code == 200, res.text
            alone.append(res.json())
        by_id = {x["community_id"]: x for x in doc["communities"]}
        plans = [c.get(by_id[g["community_id"]]["links"]["plan"]).json() for g in good]
        routes = c.get(by_id["north"]["links"]["routes"])
        pages = {v: c.get(u) for v, u in by_id["north"]["links"]["manifests"].items()}
        refused_plan = c.get(f"/v1/batches/{first['id']}/communities/broken/plan")
        unknown = c.get(f"/v1/batches/{first['id']}/communities/nowhere/plan")
        crash_job = c.get(f"/v1/jobs/{by_id['crash']['job_id']}").json()
        listed = c.get("/v1/batches", params={"limit": 5}).json()["batches"]
    assert doc["status"] == "done"
    assert [x["community_id"] for x in doc["communities"]] == ["north", "broken", "crash", "south"]
    assert doc["progress"]["done"] == 2 and doc["progress"]["failed"] == 2
    assert doc["progress"]["fraction"] == 1.0 and doc["finished_at"]
    for plan, solo in zip(plans, alone, strict=True):
        assert _comparable(plan) == _comparable(solo)
    bad = by_id["broken"]
    assert bad["status"] == "failed" and bad["failure"] == "input" and bad["job_id"] is None
    assert bad["error"]["code"] == "INVALID_LEDGER"
    assert any("H002" in d["record"] and d["field"] == "lat" for d in bad["error"]["details"]), bad[
        "error"
    ]
    boom = by_id["crash"]
    assert boom["status"] == "failed" and boom["failure"] == "crash" and boom["tries"] == 2
    assert boom["error"]["code"] == "INTERNAL" and crash_job["kind"] == "batch"
    summary = doc["summary"]
    assert {f["community_id"]: f["failure"] for f in summary["failed"]} == {
        "broken": "input",
        "crash": "crash",
    }
    totals = summary["totals"]
    assert totals["communities"] == 4 and totals["planned"] == 2 and totals["failed"] == 2
    expected = city_summary(
        [community_result_of(g["community_id"], p) for g, p in zip(good, plans, strict=True)], 0
    )
    for key in (
        "households_served",
        "households_unassigned",
        "unassigned_by_reason",
        "volunteers_called",
        "distance_km",
    ):
        assert totals[key] == expected["totals"][key], key
    assert routes.headers["content-type"].startswith("application/geo+json")
    assert pages and all(p.status_code == 200 for p in pages.values())
    _err(refused_plan, 409, "JOB_NOT_DONE")
    _err(unknown, 404, "NOT_FOUND")
    assert first["id"] in {b["id"] for b in listed}


def test_request_errors_refuse_the_batch_and_community_errors_fail_alone(
    batch_server: LiveServer,
) -> None:
    """Unusable ids (INVALID_MANIFEST), too many communities (PLAN_TOO_LARGE), an oversize
    body (PAYLOAD_TOO_LARGE) and a malformed record (INVALID_REQUEST) refuse the request,
    naming the community; an unknown map, a bad date or a community over the job limits
    fails that community alone, and a batch with nothing planned is failed (then 409 on
    DELETE)."""
    ok = community("ok", 2, 51)
    with batch_server.client() as c:
        ids = _err(
            c.post(
                "/v1/batches",
                json={"communities": [ok, {**ok, "community_id": "../etc"}, ok]},
            ),
            422,
            "INVALID_MANIFEST",
        )
        many = _err(
            c.post(
                "/v1/batches",
                json={"communities": [{**ok, "community_id": f"c{k}"} for k in range(5)]},
            ),
            413,
            "PLAN_TOO_LARGE",
        )
        big = community("big", 2, 52)
        big["households"][0]["note"] = "x" * 70_000
        _err(c.post("/v1/batches", json={"communities": [big]}), 413, "PAYLOAD_TOO_LARGE")
        shape = community("shape", 2, 53)
        del shape["households"][1]["household_id"]
        malformed = _err(
            c.post("/v1/batches", json={"communities": [ok, shape]}), 422, "INVALID_REQUEST"
        )
        _err(c.post("/v1/batches", json={"communities": []}), 422, "INVALID_REQUEST")
        nowhere = {**community("nowhere", 2, 54), "map": "atlantis"}
        undated = {**community("undated", 2, 55), "date": "2026-13-45"}
        slow = community("slow", 2, 56, time_limit_s=700)
        res = c.post("/v1/batches", json={"communities": [nowhere, undated, slow]})
        assert res.status_code == 202, res.text
        doc = wait_batch(c, res.json()["id"], FINAL, timeout=10)
        finished = _err(c.delete(f"/v1/batches/{doc['id']}"), 409, "JOB_FINISHED")
        _err(c.get("/v1/batches/0123456789abcdef"), 404, "NOT_FOUND")
    assert {(d["record"], d["field"]) for d in ids["details"]} == {
        ("communities item 2 (community_id '../etc')", "community_id"),
        ("communities item 3 (community_id 'ok')", "community_id"),
    }
    assert many["details"][0]["field"] == "communities"
    assert any(
        d["record"] == "body.communities.1.households.1" and d["field"] == "household_id"
        for d in malformed["details"]
    ), malformed
    assert doc["status"] == "failed" and doc["summary"]["totals"]["planned"] == 0
    codes = {x["community_id"]: x["error"]["code"] for x in doc["communities"]}
    assert codes == {
        "nowhere": "UNKNOWN_MAP",
        "undated": "INVALID_REQUEST",
        "slow": "PLAN_TOO_LARGE",
    }
    assert {x["failure"] for x in doc["communities"]} == {"input"}
    assert "already failed" in finished["message"]


def test_cancel_a_batch(batch_server: LiveServer) -> None:
    """DELETE cancels every unfinished community (running ones within about a second);
    the batch ends cancelled, plans are JOB_NOT_DONE, and a second DELETE changes nothing."""
    long = [community(f"long{k}", 10, 60 + k, time_limit_s=60, effort=None) for k in range(3)]
    with batch_server.client() as c:
        batch_id = c.post("/v1/batches", json={"communities": long}).json()["id"]
        deadline = time.monotonic() + 60
        while c.get(f"/v1/batches/{batch_id}").json()["progress"]["running"] < 2:
            assert time.monotonic() < deadline, "no community started"
            time.sleep(0.2)
        res = c.delete(f"/v1/batches/{batch_id}")
        assert res.status_code == 200 and res.json()["cancel_requested"] is True
        doc = wait_batch(c, batch_id, FINAL, timeout=30)
        again = c.delete(f"/v1/batches/{batch_id}")
        plan = c.get(f"/v1/batches/{batch_id}/communities/long0/plan")
    assert doc["status"] == "cancelled", doc
    assert {x["status"] for x in doc["communities"]} == {"cancelled"}
    assert {f["failure"] for f in doc["summary"]["failed"]} == {"cancelled"}
    assert again.status_code == 200 and again.json()["status"] == "cancelled"
    _err(plan, 409, "JOB_NOT_DONE")


AUTH_CASES = [
    # (key, method, path, expected status)
    (None, "POST", "/v1/batches", 401),
    ("not-a-key-at-all", "GET", "/v1/batches", 401),
    (VIEWER, "POST", "/v1/batches", 403),
    (VIEWER, "GET", "/v1/batches", 200),
    (VIEWER, "DELETE", "/v1/batches/0123456789abcdef", 403),
    (DISPATCHER, "DELETE", "/v1/batches/0123456789abcdef", 404),
    (VIEWER, "GET", "/v1/batches/0123456789abcdef/communities/x/plan", 404),
    (None, "GET", "/v1/batches/0123456789abcdef", 401),
]


@pytest.mark.parametrize(("key", "method", "path", "status"), AUTH_CASES)
def test_batch_auth(
    batch_server: LiveServer, key: str | None, method: str, path: str, status: int
) -> None:
    """No or unknown key -> 401; viewers read batches but may not create or cancel -> 403."""
    body = {"communities": [community("a", 2, 70)]} if method == "POST" else None
    with batch_server.client(key=key) as c:
        res = c.request(method, path, json=body)
    assert res.status_code == status, res.text
    if status >= 400:
        expected = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}[status]
        _err(res, status, expected)
