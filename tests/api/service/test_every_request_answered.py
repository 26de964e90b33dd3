"""Issue 21 over HTTP: every request gets its error code or a plan naming every household."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from api.service.sample import plan_request
from tests.api.service.live import LiveServer, wait_status


def _post(c: httpx.Client, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST ``body`` as ASCII JSON (lone surrogates travel as ``\\udc80`` escapes)."""
    raw = json.dumps(body).encode("ascii")
    return c.post(path, content=raw, headers={"Content-Type": "application/json"})


def _err(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert res.status_code == status, res.text
    body: dict[str, Any] = res.json()
    assert body["code"] == code, body
    return body


def _fields(body: dict[str, Any]) -> set[str]:
    return {str(d["field"]) for d in body["details"]}


def test_no_volunteers_is_a_ledger_error(server: LiveServer) -> None:
    """The minimal body without volunteers answers 422 INVALID_LEDGER naming volunteers."""
    request = plan_request(2)
    request["volunteers"] = []
    with server.client() as c:
        body = _err(_post(c, "/v1/plans", request), 422, "INVALID_LEDGER")
    assert body["details"][0]["record"] == "volunteers"
    assert "volunteer_id" in _fields(body)


@pytest.mark.parametrize("path", ["/v1/plans", "/v1/jobs"])
def test_lone_surrogate_is_refused_at_once(server: LiveServer, path: str) -> None:
    """A string that is not Unicode text (a lone surrogate) is refused when the request
    arrives, naming where it is, instead of a job that never ends."""
    request = plan_request(2)
    request["households"][0]["note"] = "\udc80"
    with server.client() as c:
        body = _err(_post(c, path, request), 422, "INVALID_REQUEST")
    assert any("households" in d["record"] and d["field"] == "note" for d in body["details"])


@pytest.mark.parametrize(
    ("table", "field", "value"),
    [
        ("volunteers", "capacity_kg", 1e300),
        ("volunteers", "capacity_kg", "1e300"),
        ("volunteers", "max_stops", 10**12),
        ("households", "residents", 10**12),
        ("households", "lat", 1e300),
        ("households", "floor", 10**9),
        ("depots", "lon", 1e300),
        ("volunteers", "start_lon", -1e300),
        ("volunteers", "capacity_kg", float("nan")),
    ],
)
def test_numbers_have_bounds(server: LiveServer, table: str, field: str, value: Any) -> None:
    """An absurd number is a 422 naming its field, never a 500 from the solver."""
    request = plan_request(2)
    request[table][0][field] = value
    if field == "start_lon":
        request[table][0]["start_lat"] = 60.17
    with server.client() as c:
        body = _err(_post(c, "/v1/plans", request), 422, "INVALID_LEDGER")
    assert field in _fields(body)
    assert any(table in d["record"] for d in body["details"])


@pytest.mark.parametrize(
    "previous",
    [
        {"routes": "x"},
        {"routes": [1]},
        {"routes": [{"stops": []}]},
        {"routes": [{"volunteer_id": "V1", "stops": [{"household_ids": "H001"}]}]},
    ],
)
def test_previous_plan_is_validated(server: LiveServer, previous: dict[str, Any]) -> None:
    """options.previous of the wrong shape is a 422 naming it, not a 500 in the pipeline."""
    request = plan_request(2)
    request["options"]["previous"] = previous
    with server.client() as c:
        body = _err(_post(c, "/v1/plans", request), 422, "INVALID_REQUEST")
    assert any("previous" in d["record"] or d["field"] == "previous" for d in body["details"])


def test_a_date_nobody_is_observed_on_is_answered_clearly(server: LiveServer) -> None:
    """Date 9999-12-31: the plan names every household as not observed, carries the
    NOBODY_UNDER_OBSERVATION warning and says so in a header."""
    request = plan_request(3)
    request["date"] = "9999-12-31"
    with server.client() as c:
        res = _post(c, "/v1/plans", request)
    assert res.status_code == 200, res.text
    doc = res.json()
    assert {u["household_id"] for u in doc["not_observed"]} == {"H001", "H002", "H003"}
    assert [w["code"] for w in doc["warnings"]] == ["NOBODY_UNDER_OBSERVATION"]
    assert res.headers["X-Doorstep-Warning"] == "NOBODY_UNDER_OBSERVATION"


@pytest.mark.parametrize(
    ("table", "field"), [("options", "fewest_volunteers"), ("households", "elderly_alone")]
)
def test_flags_are_strict_booleans(server: LiveServer, table: str, field: str) -> None:
    """0 or 1 is not a boolean: fewest_volunteers and household flags refuse numbers."""
    request = plan_request(2)
    if table == "options":
        request["options"][field] = 0
    else:
        request[table][0][field] = 1
    with server.client() as c:
        body = _err(_post(c, "/v1/plans", request), 422, "INVALID_REQUEST")
    assert field in _fields(body)


def test_405_names_the_allowed_methods(server: LiveServer) -> None:
    """A wrong method answers 405 with an Allow header listing the methods of the path."""
    with server.client() as c:
        res = c.put("/v1/jobs")
    _err(res, 405, "METHOD_NOT_ALLOWED")
    assert set(res.headers["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize("bad", ["V/1", "V\x001"])
def test_ids_outside_the_character_set_are_refused(server: LiveServer, bad: str) -> None:
    """A volunteer id with '/' or NUL is refused naming the field (its manifest would be
    unreachable)."""
    request = plan_request(2)
    request["volunteers"][0]["volunteer_id"] = bad
    with server.client() as c:
        body = _err(_post(c, "/v1/plans", request), 422, "INVALID_LEDGER")
    assert "volunteer_id" in _fields(body)


def test_manifest_links_are_percent_encoded_and_reachable(server: LiveServer) -> None:
    """A volunteer id with a space, '#' and '?' gets a percent-encoded link that serves its
    manifest."""
    request = plan_request(3, volunteers=1, time_limit_s=30, effort=10)
    vid = "V 1#a?b%"
    request["volunteers"][0]["volunteer_id"] = vid
    with server.client() as c:
        res = c.post("/v1/jobs", json=request)
        assert res.status_code == 202, res.text
        done = wait_status(c, res.json()["id"], {"done", "failed", "cancelled"})
        assert done["status"] == "done", done
        link = done["links"]["manifests"][vid]
        assert link.endswith("/manifests/" + quote(vid, safe="") + ".html")
        page = c.get(link)
    assert page.status_code == 200 and "<html" in page.text.lower()
