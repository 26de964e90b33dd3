"""The live day over real HTTP, on SQLite and PostgreSQL: events appended and checked, a
re-plan queued on the solver processes giving a new plan version linked to the previous
one, the versions listed and read, the replaced version's volunteer links revoked, a given
plan validated without solving, each under the auth matrix and error contract of the
other endpoints."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

import geo
from api.service.keys import fingerprint
from api.service.plan_schemas import ReplanOut
from api.service.sample import plan_request
from api.settings import demo_map
from geo.crs import wgs84_to_bd09
from tests.api.closure_points import off_the_streets, piece_ends
from tests.api.service.city import DAY_CITY_D as CITY_D
from tests.api.service.city import DAY_CITY_V as CITY_V
from tests.api.service.city import DAY_NORTH_D as NORTH_D
from tests.api.service.city import DAY_NORTH_V as NORTH_V
from tests.api.service.city import DAY_SOUTH_D as SOUTH_D
from tests.api.service.conftest import City
from tests.api.service.live import LiveServer, expect_error, wait_status

#: Date of the day's plans: another than the scopes tests' on the same server.
DAY_DATE = "2026-11-28"
#: Effort-bounded search: the plan does not depend on the machine's load.
OPTIONS = {"time_limit_s": 30, "seed": 5, "effort": 10}


def day_request(community: str, seed: int) -> dict[str, Any]:
    """A plan request of ``community``: six households, two volunteers."""
    body = plan_request(6, seed=seed, volunteers=2)
    body["options"] = dict(OPTIONS)
    return {**body, "community": community, "date": DAY_DATE}


@dataclass(frozen=True)
class World:
    """A server with a done plan of ``north`` and of ``south`` (their requests kept)."""

    live: LiveServer
    jobs: dict[str, str]
    requests: dict[str, dict[str, Any]]

    def client(self, key: str | None) -> httpx.Client:
        """An HTTP client sending ``key``."""
        return self.live.client(key)


@pytest.fixture(scope="module")
def world(city: City) -> World:
    """A done plan per community on the community tests' server (SQLite, then
    PostgreSQL)."""
    requests = {"north": day_request("north", 31), "south": day_request("south", 32)}
    with city.live.client(CITY_D) as c:
        jobs = {name: c.post("/v1/jobs", json=body).json()["id"] for name, body in requests.items()}
        for job_id in jobs.values():
            assert wait_status(c, job_id, {"done", "failed"}, 300)["status"] == "done"
    return World(city.live, jobs, requests)


def _served(plan: dict[str, Any]) -> Counter[str]:
    return Counter(
        h
        for r in plan["routes"]
        for s in r["stops"]
        if s.get("kind") != "reload"
        for h in s.get("household_ids", [])
    )


def _first_stop(plan: dict[str, Any]) -> tuple[str, str]:
    """The volunteer and household of the first delivery of the plan's first run."""
    route = plan["routes"][0]
    stop = next(s for s in route["stops"] if s.get("kind") != "reload")
    return route["volunteer_id"], stop["household_ids"][0]


def test_events_are_checked_kept_in_order_and_audited(world: World) -> None:
    """Good events are appended and read back in order (the read audited); a bad one is
    INVALID_EVENTS naming its item and field, and nothing of its call is appended."""
    job = world.jobs["south"]
    with world.client(SOUTH_D) as c:
        before = c.get(f"/v1/jobs/{job}/events").json()["total"]
        good = [
            {"at": "09:40", "event": "volunteer_delayed", "id": "V2", "minutes": 10},
            {"at": "09:45", "event": "stop_failed", "id": "H003", "outcome": "no_answer"},
        ]
        res = c.post(f"/v1/jobs/{job}/events", json={"events": good})
        assert res.status_code == 200, res.text
        assert res.json() == {"day_id": job, "appended": 2, "total": before + 2, "events": []}
        bad = [
            {"at": "09:50", "event": "stop_done", "id": "H001"},
            {"at": "25:70", "event": "stop_done", "id": "H002"},
            {"at": "09:55", "event": "volunteer_unavailable", "id": "V1", "lon": 24.9},
        ]
        error = expect_error(
            c.post(f"/v1/jobs/{job}/events", json={"events": bad}), 422, "INVALID_EVENTS"
        )
        named = {(d["record"].split(" (")[0], d["field"]) for d in error["details"]}
        assert named == {("events item 2", "at"), ("events item 3", "lon")}, error
        read = c.get(f"/v1/jobs/{job}/events").json()
    assert read["total"] == before + 2 and read["events"][-2:] == good
    with world.client(CITY_D) as c:
        entries = c.get("/v1/audit", params={"actor": f"key:{fingerprint(SOUTH_D)}"}).json()
    assert ("events", job) in {(e["action"], e["job_id"]) for e in entries["entries"]}


def test_replan_gives_a_new_version_and_revokes_the_old_links(world: World) -> None:
    """A re-plan at 10:05 after a volunteer drops out is a queued job; done, it is version 2
    linked to version 1, the plan, routes and manifests of the day show it, version 1 stays
    readable, no household is served twice or lost, and only its links open (until the
    day's links are renewed)."""
    job = world.jobs["north"]
    with world.client(NORTH_D) as c:
        first = c.get(f"/v1/jobs/{job}/plan")
        assert first.headers["X-Doorstep-Plan-Version"] == "1"
        plan = first.json()
        keeper, done = _first_stop(plan)
        gone = next(
            v["volunteer_id"]
            for v in world.requests["north"]["volunteers"]
            if v["volunteer_id"] != keeper
        )
        old_link = next(r["manifest_url"] for r in plan["routes"] if r["volunteer_id"] == keeper)
        assert httpx.get(old_link, timeout=60).status_code == 200
        events = [
            {"at": "09:05", "event": "stop_done", "id": done},
            {"at": "10:05", "event": "volunteer_unavailable", "id": gone},
        ]
        assert c.post(f"/v1/jobs/{job}/events", json={"events": events}).status_code == 200
        res = c.post(f"/v1/jobs/{job}/replan", params={"at": "10:05"})
        assert res.status_code == 202, res.text
        replan = res.json()
        assert (replan["kind"], replan["day_id"], replan["version"]) == ("replan", job, 2)
        assert res.headers["location"] == f"/v1/jobs/{replan['id']}"
        busy = c.post(f"/v1/jobs/{job}/replan", params={"at": "10:31"})
        expect_error(busy, 409, "JOB_NOT_DONE")
        assert wait_status(c, replan["id"], {"done", "failed"}, 300)["status"] == "done"
        versions = c.get(f"/v1/jobs/{replan['id']}/plans").json()
        current = c.get(f"/v1/jobs/{job}/plan")
        older = c.get(f"/v1/jobs/{job}/plan", params={"version": 1}).json()
        routes = c.get(f"/v1/jobs/{job}/routes.geojson").json()
        manifest = c.get(f"/v1/jobs/{job}/manifests/{keeper}.html")
        own = c.get(f"/v1/jobs/{replan['id']}/manifests/{keeper}.html", params={"version": 2})
        expect_error(c.get(f"/v1/jobs/{job}/plan", params={"version": 3}), 404, "NOT_FOUND")
    assert versions["day_id"] == job and versions["current_version"] == 2
    v1, v2 = versions["versions"]
    assert (v1["version"], v1["job_id"], v1["at"], v1["current"]) == (1, job, None, False)
    assert (v2["job_id"], v2["previous_job_id"], v2["at"], v2["current"]) == (
        replan["id"],
        job,
        "10:05",
        True,
    )
    assert current.headers["X-Doorstep-Job"] == replan["id"]
    new = current.json()
    assert new["replan"]["at"] == "10:05:00" and "replan" not in older
    assert older["routes"] == plan["routes"]
    served = _served(new)
    assert max(served.values()) == 1, served
    named = {u["household_id"] for u in new["unassigned"]}
    everyone = {h["household_id"] for h in world.requests["north"]["households"]}
    assert set(served) | named == everyone and not set(served) & named
    assert served[done] == 1 and any(
        done in s.get("household_ids", [])
        for r in new["routes"]
        if r["volunteer_id"] == keeper
        for s in r["stops"]
    )
    assert any(f["geometry"]["type"] == "MultiLineString" for f in routes["features"])
    assert manifest.status_code == 200 and manifest.text == own.text
    expect_error(httpx.get(old_link, timeout=60), 410, "LINK_REVOKED")
    new_link = next(r["manifest_url"] for r in new["routes"] if r["volunteer_id"] == keeper)
    assert new_link != old_link and httpx.get(new_link, timeout=60).status_code == 200
    with world.client(NORTH_D) as c:
        renewed = c.delete(f"/v1/jobs/{job}/links")  # the day's: its current version's links
    assert renewed.status_code == 200 and renewed.json()["id"] == replan["id"]
    expect_error(httpx.get(new_link, timeout=60), 410, "LINK_REVOKED")


def _closed_streets() -> tuple[dict[str, Any], dict[str, Any]]:
    """Two ``street_closed`` events on the demo map's walk streets: one by the OSM way of a
    street piece, one by the two ends of another piece."""
    graph = geo.load_graph(demo_map(), "walk")
    way = int(graph.link_way[graph.link_way_ptr[len(graph.link_a) // 2]])
    by_way = {"at": "09:50", "event": "street_closed", "id": "works-1", "way_id": str(way)}
    by_points = {"at": "09:55", "event": "street_closed", "id": "market", **piece_ends(demo_map())}
    return by_way, by_points


def test_replan_answer_names_the_streets_closed(world: World) -> None:
    """A street closed by its OSM way and one by two points, posted as events, come back in
    the re-plan's ``replan.closures`` with the fields of their events and the street pieces
    they closed, as the OpenAPI document describes ``ReplanOut``; a closure after the
    re-plan time is not applied."""
    job = world.jobs["south"]
    by_way, by_points = _closed_streets()
    later = {**by_way, "at": "11:00", "id": "works-2"}
    with world.client(SOUTH_D) as c:
        posted = c.post(f"/v1/jobs/{job}/events", json={"events": [by_way, by_points, later]})
        assert posted.status_code == 200, posted.text
        res = c.post(f"/v1/jobs/{job}/replan", params={"at": "10:00"})
        assert res.status_code == 202, res.text
        assert wait_status(c, res.json()["id"], {"done", "failed"}, 300)["status"] == "done"
        answer = c.get(f"/v1/jobs/{res.json()['id']}/plan").json()["replan"]
        spec = c.get("/openapi.json").json()["components"]["schemas"]
    nothing = dict.fromkeys(("way_id", "lon", "lat", "lon2", "lat2", "coord_system"))
    nothing |= dict.fromkeys(("given_lon", "given_lat", "given_lon2", "given_lat2"))
    closures = answer["closures"]
    assert [{k: v for k, v in c.items() if k != "links_closed"} for c in closures] == [
        {**nothing, **{k: v for k, v in e.items() if k != "event"}} for e in (by_way, by_points)
    ]
    assert all(c["links_closed"] >= 1 for c in closures)
    described = spec["ReplanOut"]["properties"]["closures"]["items"]["$ref"].split("/")[-1]
    assert set(spec[described]["properties"]) == set(closures[0])
    assert ReplanOut.model_validate(answer).closures[1].lon2 == by_points["lon2"]


def test_a_closure_sent_in_bd09_closes_the_street_of_its_wgs84_original(world: World) -> None:
    """On a day whose request declares ``coord_system`` ``bd09`` (its rows WGS-84 by their
    own field), a closure posted without a system is read in BD-09 and closes the same
    street pieces as the same street posted in WGS-84: ``replan.closures`` has the WGS-84
    points used and the BD-09 points as sent."""
    body = copy.deepcopy(day_request("south", 33))
    body["coord_system"] = "bd09"
    for table in ("households", "volunteers", "depots"):
        for row in body.get(table, []):
            row["coord_system"] = "wgs84"
    _, wgs = _closed_streets()
    wgs = {**wgs, "id": "wgs", "coord_system": "wgs84"}
    sent = dict(zip(("lon", "lat"), wgs84_to_bd09(wgs["lon"], wgs["lat"]), strict=True))
    sent |= dict(zip(("lon2", "lat2"), wgs84_to_bd09(wgs["lon2"], wgs["lat2"]), strict=True))
    bd = {"at": "09:55", "event": "street_closed", "id": "bd", **sent}
    with world.client(SOUTH_D) as c:
        job = c.post("/v1/jobs", json=body).json()["id"]
        assert wait_status(c, job, {"done", "failed"}, 300)["status"] == "done"
        posted = c.post(f"/v1/jobs/{job}/events", json={"events": [wgs, bd]})
        assert posted.status_code == 200, posted.text
        res = c.post(f"/v1/jobs/{job}/replan", params={"at": "10:00"})
        assert res.status_code == 202, res.text
        assert wait_status(c, res.json()["id"], {"done", "failed"}, 300)["status"] == "done"
        closures = c.get(f"/v1/jobs/{res.json()['id']}/plan").json()["replan"]["closures"]
        kept = c.get(f"/v1/jobs/{job}/events").json()["events"]
    by_id = {c["id"]: c for c in closures}
    assert by_id["bd"]["links_closed"] == by_id["wgs"]["links_closed"] >= 1
    for name in ("lon", "lat", "lon2", "lat2"):
        assert abs(by_id["bd"][name] - wgs[name]) < 1e-6, (name, by_id["bd"])
        assert by_id["bd"][f"given_{name}"] == bd[name]
    assert by_id["bd"]["coord_system"] == "bd09" and by_id["wgs"]["coord_system"] is None
    assert kept == [wgs, bd]


def test_a_closure_point_off_the_streets_is_refused_when_posted(world: World) -> None:
    """Closures posted with a point inside the map but farther than 50 m from every street,
    or outside the map, refuse the whole POST with INVALID_EVENTS naming each event's item
    and the field of its bad point (in English and Chinese); the day's events and current
    plan stay as they were, and a good POST after it is appended."""
    _, ends = _closed_streets()
    inside, outside = off_the_streets(demo_map())
    far = {**ends, "id": "far", "lon2": inside[0], "lat2": inside[1]}
    off = {**ends, "id": "off", "lon": outside[0], "lat": outside[1]}
    good = {"at": "09:40", "event": "stop_failed", "id": "H003", "outcome": "no_answer"}
    job = world.jobs["north"]
    with world.client(NORTH_D) as c:
        events = c.get(f"/v1/jobs/{job}/events").json()
        versions = c.get(f"/v1/jobs/{job}/plans").json()
        plan = c.get(f"/v1/jobs/{job}/plan").json()
        posted = c.post(f"/v1/jobs/{job}/events", json={"events": [good, far, off]})
        error = expect_error(posted, 422, "INVALID_EVENTS")
        zh = c.post(
            f"/v1/jobs/{job}/events",
            json={"events": [far]},
            headers={"Accept-Language": "zh-CN"},
        )
        told = expect_error(zh, 422, "INVALID_EVENTS")
        assert c.get(f"/v1/jobs/{job}/events").json() == events
        assert c.get(f"/v1/jobs/{job}/plans").json() == versions
        assert c.get(f"/v1/jobs/{job}/plan").json() == plan
        res = c.post(f"/v1/jobs/{job}/events", json={"events": [good, ends | {"id": "ok"}]})
        assert res.status_code == 200, res.text
        after = c.get(f"/v1/jobs/{job}/events").json()
    said = {(d["record"], d["field"]): d["problem"] for d in error["details"]}
    assert set(said) == {("events item 2 (id 'far')", "lon2"), ("events item 3 (id 'off')", "lon")}
    assert "m from the nearest street of the map" in said["events item 2 (id 'far')", "lon2"]
    assert "lies outside the map" in said["events item 3 (id 'off')", "lon"]
    assert "距地图上最近的道路" in "".join(d["problem"] for d in told["details"]), told
    assert after["total"] == events["total"] + 2
    assert after["events"][-2:] == [good, ends | {"id": "ok"}]


def test_replan_refusals_follow_the_error_contract(world: World) -> None:
    """A re-plan time that is no HH:MM is INVALID_REQUEST naming the query field; a solve
    job plans no day (NOT_FOUND); an unknown job is NOT_FOUND."""
    job = world.jobs["south"]
    with world.client(CITY_D) as c:
        bad = expect_error(
            c.post(f"/v1/jobs/{job}/replan", params={"at": "noon"}), 422, "INVALID_REQUEST"
        )
        assert any(d["field"].endswith("at") for d in bad["details"]), bad
        expect_error(
            c.post("/v1/jobs/no-such-job/replan", params={"at": "10:00"}), 404, "NOT_FOUND"
        )
        expect_error(c.get("/v1/jobs/no-such-job/plans"), 404, "NOT_FOUND")


def test_auth_matrix_of_the_day_endpoints(world: World) -> None:
    """No key is 401, a viewer may read versions and events but not append or re-plan
    (403), a key of another community gets 404 for every day endpoint, and a city-wide
    key reaches both communities."""
    north, south = world.jobs["north"], world.jobs["south"]
    one = {"events": [{"at": "09:10", "event": "stop_done", "id": "H001"}]}
    writes = [
        ("post", "/v1/jobs/{}/events", {"json": one}),
        ("post", "/v1/jobs/{}/replan", {"params": {"at": "09:00"}}),
    ]
    reads = ["/v1/jobs/{}/plans", "/v1/jobs/{}/events"]
    with world.client(None) as c:
        for path in reads:
            expect_error(c.get(path.format(north)), 401, "UNAUTHORIZED")
        for method, path, kw in writes:
            expect_error(c.request(method, path.format(north), **kw), 401, "UNAUTHORIZED")
    for key in (NORTH_V, CITY_V):
        with world.client(key) as c:
            for path in reads:
                assert c.get(path.format(north)).status_code == 200, (key, path)
            for method, path, kw in writes:
                expect_error(c.request(method, path.format(north), **kw), 403, "FORBIDDEN")
            expect_error(c.post("/v1/plans:validate", json={}), 403, "FORBIDDEN")
    with world.client(NORTH_D) as c:
        for path in reads:
            expect_error(c.get(path.format(south)), 404, "NOT_FOUND")
        for method, path, kw in writes:
            expect_error(c.request(method, path.format(south), **kw), 404, "NOT_FOUND")
        for path in ("/v1/jobs/{}/plan", "/v1/jobs/{}/routes.geojson"):
            expect_error(c.get(path.format(south), params={"version": 1}), 404, "NOT_FOUND")
    with world.client(CITY_D) as c:
        for job in (north, south):
            assert c.get(f"/v1/jobs/{job}/plans").status_code == 200


def test_validate_reports_every_broken_rule_without_solving(world: World) -> None:
    """The done plan validates clean; the same plan with one household delivered twice and
    another dropped is reported with the codes of ``doorstep check`` (SERVED_TWICE,
    MISSING), naming the households."""
    body = world.requests["south"]
    with world.client(SOUTH_D) as c:
        plan = c.get(f"/v1/jobs/{world.jobs['south']}/plan", params={"version": 1}).json()
        clean = c.post("/v1/plans:validate", json={**body, "plan": plan})
        assert clean.status_code == 200, clean.text
        assert clean.json() == {"ok": True, "violations": []}
        broken = copy.deepcopy(plan)
        deliveries = [s for r in broken["routes"] for s in r["stops"] if s.get("kind") != "reload"]
        twice = deliveries[0]["household_ids"][0]
        lost = deliveries[-1]["household_ids"][0]
        deliveries[-1]["household_ids"] = [twice]
        deliveries[-1]["stop_id"] = deliveries[0]["stop_id"]
        res = c.post("/v1/plans:validate", json={**body, "plan": broken})
        assert res.status_code == 200, res.text
        report = res.json()
        other = c.post("/v1/plans:validate", json={**day_request("north", 31), "plan": plan})
    assert report["ok"] is False
    found = {(v["code"], v["record"]) for v in report["violations"]}
    assert ("SERVED_TWICE", f"household {twice!r}") in found, found
    assert ("MISSING", f"household {lost!r}") in found, found
    expect_error(other, 403, "FORBIDDEN")  # a south key validates no north day
