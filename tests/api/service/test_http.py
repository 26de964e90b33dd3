"""The dispatch API over real HTTP against ``doorstep serve`` on loopback."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest

from api.plan.travel import StreetTravel
from api.service.sample import plan_request
from api.settings import demo_map
from tests.api.service.live import DISPATCHER, VIEWER, LiveServer, wait_status
from tests.api.service.roundtrip import check_document


@pytest.fixture(scope="module")
def travel() -> StreetTravel:
    """The demo map's street graphs, loaded in the test process for the checker."""
    import geo

    return StreetTravel(geo.load_graphs(demo_map(), ("walk", "bike")))


def _households_once(request: dict[str, Any], doc: dict[str, Any]) -> None:
    served = Counter(h for r in doc["routes"] for s in r["stops"] for h in s["household_ids"])
    left = Counter(u["household_id"] for u in doc["unassigned"])
    every = {h["household_id"] for h in request["households"]}
    assert set(served) | set(left) == every
    assert all(n == 1 for n in (served + left).values())


def test_probes_need_no_key(server: LiveServer) -> None:
    """/healthz and /readyz answer without a key; readyz names maps and solver processes."""
    with server.client(key=None) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz").json()
    assert ready["status"] == "ready" and ready["maps"] == ["demo"]
    assert len(ready["workers"]) == 2 and all(w["ready"] for w in ready["workers"])


def test_sync_plan_round_trip_passes_the_checker(server: LiveServer, travel: StreetTravel) -> None:
    """POST /v1/plans answers plan.json; rebuilt on this side, the checker accepts it."""
    request = plan_request(6, seed=3)
    with server.client() as c:
        res = c.post("/v1/plans", json=request)
        assert res.status_code == 200, res.text
        doc = res.json()
        job_id = res.headers["X-Doorstep-Job"]
        stored = c.get(f"/v1/jobs/{job_id}/plan").json()
        job = c.get(f"/v1/jobs/{job_id}").json()
    assert stored == doc
    assert job["status"] == "done" and job["kind"] == "plan"
    assert job["best_cost"] == doc["summary"]["cost"]
    assert doc["date"] == request["date"] and doc["routes"]
    _households_once(request, doc)
    report = check_document(request, doc, travel)
    assert report.ok, report.violations


def test_job_lifecycle_and_outputs(server: LiveServer, travel: StreetTravel) -> None:
    """POST /v1/jobs -> 202; polled to done with progress; plan, GeoJSON and manifests."""
    request = plan_request(9, seed=5, time_limit_s=1.5)
    with server.client() as c:
        res = c.post("/v1/jobs", json=request)
        assert res.status_code == 202, res.text
        job = res.json()
        assert res.headers["Location"] == f"/v1/jobs/{job['id']}"
        assert job["status"] in {"queued", "running"}
        done = wait_status(c, job["id"], {"done", "failed", "cancelled"})
        assert done["status"] == "done", done
        assert done["progress"]["fraction"] == 1.0 and done["attempts"] == 1
        doc = c.get(done["links"]["plan"]).json()
        geo = c.get(done["links"]["routes"])
        manifests = {v: c.get(url) for v, url in done["links"]["manifests"].items()}
        listed = c.get("/v1/jobs", params={"status": "done"}).json()["jobs"]
    assert done["best_cost"] == doc["summary"]["cost"]
    _households_once(request, doc)
    assert check_document(request, doc, travel).ok
    assert geo.headers["content-type"].startswith("application/geo+json")
    runs = [f for f in geo.json()["features"] if f["properties"]["kind"] == "run"]
    assert {f["properties"]["volunteer_id"] for f in runs} == {
        r["volunteer_id"] for r in doc["routes"]
    }
    assert set(manifests) == {r["volunteer_id"] for r in doc["routes"]}
    for page in manifests.values():
        assert page.status_code == 200 and "© OpenStreetMap contributors" in page.text
        assert "2026-11-20" not in page.text  # never an observation date
    assert job["id"] in {j["id"] for j in listed}


def test_cancel_running_jobs_and_busy_sync_plan(server: LiveServer) -> None:
    """Two long jobs fill both solvers: a sync plan answers BUSY naming its job; DELETE
    cancels the running jobs, whose plans are then JOB_NOT_DONE, and the solvers recover."""
    with server.client() as c:
        ids = [
            c.post("/v1/jobs", json=plan_request(10, seed=s, time_limit_s=60)).json()["id"]
            for s in (7, 8)
        ]
        for job_id in ids:
            job = wait_status(c, job_id, {"running"})
        busy = c.post("/v1/plans", json=plan_request(3, seed=9))
        assert busy.status_code == 503 and busy.json()["code"] == "BUSY"
        assert busy.headers["X-Doorstep-Job"] in busy.json()["message"]
        for job_id in ids:
            res = c.delete(f"/v1/jobs/{job_id}")
            assert res.status_code == 200 and res.json()["status"] in {"running", "cancelled"}
        for job_id in ids:
            job = wait_status(c, job_id, {"cancelled", "done", "failed"}, timeout=30)
            assert job["status"] == "cancelled", job
            res = c.get(f"/v1/jobs/{job_id}/plan")
            assert res.status_code == 409 and res.json()["code"] == "JOB_NOT_DONE"
            assert c.delete(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
        late = wait_status(c, busy.headers["X-Doorstep-Job"], {"done", "failed"}, timeout=60)
        assert late["status"] == "done"


AUTH_CASES = [
    # (key, method, path, expected status)
    (None, "GET", "/v1/maps", 401),
    ("not-a-key-at-all", "GET", "/v1/maps", 401),
    (VIEWER, "GET", "/v1/maps", 200),
    (DISPATCHER, "GET", "/v1/maps", 200),
    (None, "POST", "/v1/jobs", 401),
    ("not-a-key-at-all", "POST", "/v1/jobs", 401),
    (VIEWER, "POST", "/v1/jobs", 403),
    (DISPATCHER, "POST", "/v1/jobs", 202),
    (VIEWER, "POST", "/v1/plans", 403),
    (VIEWER, "DELETE", "/v1/jobs/0123456789abcdef", 403),
    (DISPATCHER, "DELETE", "/v1/jobs/0123456789abcdef", 404),
    (None, "GET", "/v1/jobs", 401),
    (VIEWER, "GET", "/v1/jobs", 200),
]


@pytest.mark.parametrize(("key", "method", "path", "status"), AUTH_CASES)
def test_auth_matrix(
    server: LiveServer, key: str | None, method: str, path: str, status: int
) -> None:
    """No or unknown key -> 401; viewers read but may not create or cancel -> 403."""
    body = plan_request(2, seed=11, time_limit_s=0.5) if method == "POST" else None
    with server.client(key=key) as c:
        res = c.request(method, path, json=body)
    assert res.status_code == status, res.text
    if status >= 400:
        err = res.json()
        assert set(err) == {"code", "message", "details"}
        assert err["code"] == {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}[status]
        assert key is None or key not in res.text


def test_keys_never_logged(server: LiveServer) -> None:
    """Neither key appears in the server's log, whatever was called with them."""
    log = server.tail() + server.log.read_text(errors="replace")
    assert DISPATCHER not in log and VIEWER not in log


def _err(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body = res.json()
    assert body["code"] == code and set(body) == {"code", "message", "details"}
    return body


def test_request_errors_name_record_and_field(server: LiveServer) -> None:
    """Malformed body, bad ledger rows, unknown map and sync limits each get their code,
    naming the record and field."""
    with server.client() as c:
        missing = dict(plan_request(2))
        del missing["date"]
        body = _err(c.post("/v1/plans", json=missing), 422, "INVALID_REQUEST")
        assert {"record": "body", "field": "date"}.items() <= body["details"][0].items()

        bad = plan_request(3)
        bad["households"][1]["lat"] = 91.0
        bad["volunteers"][0]["mode"] = "hovercraft"
        body = _err(c.post("/v1/jobs", json=bad), 422, "INVALID_LEDGER")
        fields = {(d["field"]) for d in body["details"]}
        assert {"lat", "mode"} <= fields
        assert any("H002" in d["record"] for d in body["details"])

        other = plan_request(2, map_name="atlantis")
        body = _err(c.post("/v1/plans", json=other), 422, "UNKNOWN_MAP")
        assert body["details"][0]["field"] == "map"

        big = plan_request(13)
        body = _err(c.post("/v1/plans", json=big), 413, "PLAN_TOO_LARGE")
        assert "/v1/jobs" in body["message"] and body["details"][0]["field"] == "households"
        slow = plan_request(2, time_limit_s=30)
        body = _err(c.post("/v1/plans", json=slow), 413, "PLAN_TOO_LARGE")
        assert body["details"][0]["field"] == "options.time_limit_s"

        bad_date = plan_request(2)
        bad_date["date"] = "25.11.2026"
        body = _err(c.post("/v1/plans", json=bad_date), 422, "INVALID_REQUEST")
        assert body["details"][0]["field"] == "date"


def test_path_and_state_errors(server: LiveServer) -> None:
    """Unknown paths and jobs are NOT_FOUND, wrong methods METHOD_NOT_ALLOWED, a done job
    cannot be cancelled (JOB_FINISHED)."""
    with server.client() as c:
        _err(c.get("/v1/nowhere"), 404, "NOT_FOUND")
        _err(c.get("/v1/jobs/ffffffffffffffff"), 404, "NOT_FOUND")
        _err(c.put("/v1/jobs"), 405, "METHOD_NOT_ALLOWED")
        _err(c.get("/v1/maps/atlantis/streets.geojson"), 404, "NOT_FOUND")
        res = c.post("/v1/plans", json=plan_request(2, seed=12, time_limit_s=0.5))
        assert res.status_code == 200, res.text
        job_id = res.headers["X-Doorstep-Job"]
        _err(c.delete(f"/v1/jobs/{job_id}"), 409, "JOB_FINISHED")
        _err(c.get(f"/v1/jobs/{job_id}/manifests/nobody.html"), 404, "NOT_FOUND")


def test_oversize_request_refused(server: LiveServer) -> None:
    """Bodies over the limit get PAYLOAD_TOO_LARGE, by declared length or streamed."""
    request = plan_request(2)
    request["households"][0]["note"] = "x" * 250_000
    with server.client() as c:
        _err(c.post("/v1/jobs", json=request), 413, "PAYLOAD_TOO_LARGE")
        raw = json.dumps(request).encode()

        def chunks() -> Any:
            for i in range(0, len(raw), 16_384):
                yield raw[i : i + 16_384]

        res = c.post("/v1/jobs", content=chunks(), headers={"Content-Type": "application/json"})
        _err(res, 413, "PAYLOAD_TOO_LARGE")


def test_maps_and_street_base_layer(server: LiveServer) -> None:
    """GET /v1/maps lists the demo map with its modes; its streets come as GeoJSON lines
    inside the map's bounding box, credited to OpenStreetMap."""
    with server.client(key=VIEWER) as c:
        maps = c.get("/v1/maps").json()["maps"]
        streets = c.get("/v1/maps/demo/streets.geojson")
    (demo,) = maps
    assert demo["name"] == "demo" and set(demo["modes"]) == {"walk", "bike", "ebike", "drive"}
    assert demo["attribution"] == "© OpenStreetMap contributors"
    west, south, east, north = demo["bbox"]
    doc = streets.json()
    lines = doc["features"][0]["geometry"]["coordinates"]
    assert len(lines) >= demo["modes"]["walk"]["links"] * 0.9
    assert all(
        west - 1e-6 <= x <= east + 1e-6 and south - 1e-6 <= y <= north + 1e-6
        for line in lines
        for x, y in line
    )
    assert doc["properties"]["attribution"] == "© OpenStreetMap contributors"


def test_map_page_is_served_from_the_package(server: LiveServer) -> None:
    """The map page and Leaflet come from this server, never from a CDN."""
    with server.client(key=None) as c:
        page = c.get("/")
        leaflet = c.get("/static/leaflet/leaflet.js")
        css = c.get("/static/leaflet/leaflet.css")
        script = c.get("/static/app/map.js")
    assert page.status_code == 200 and "/static/leaflet/leaflet.js" in page.text
    assert leaflet.status_code == 200 and "Leaflet" in leaflet.text[:2000]
    assert css.status_code == 200 and script.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert "https://" not in script.text and "© OpenStreetMap contributors" in page.text


def test_every_body_has_an_openapi_example(server: LiveServer) -> None:
    """Every request body and every response body of the live OpenAPI document has an
    example."""
    spec = httpx.get(f"{server.url}/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def has_example(schema: dict[str, Any]) -> bool:
        ref = schema.get("$ref")
        if ref:
            return has_example(schemas[ref.rsplit("/", 1)[1]])
        return bool(schema.get("examples") or schema.get("example"))

    bodies = 0
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody")
            contents = [body["content"]] if body else []
            contents += [r.get("content", {}) for r in op["responses"].values()]
            for content in contents:
                for media, entry in content.items():
                    bodies += 1
                    ok = "example" in entry or has_example(entry.get("schema", {}))
                    assert ok, (method, path, media)
    assert bodies > 30
