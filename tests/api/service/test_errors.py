"""The one error contract: every stable code is documented, provoked, and keeps its shape."""

from __future__ import annotations

import ast
import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import geo
from api.cli import app
from api.demo.data import DEMO_DATE, generate
from api.errors import KINDS, classify, exit_status, http_status
from api.plan.result import PlanCheckError
from api.plan.travel import StreetTravel
from api.service.sample import plan_request
from api.settings import demo_map
from solver import Problem
from tests.api.service.live import ROOT, LiveServer
from tests.api.service.roundtrip import check_document

HERE = Path(__file__).resolve().parent
SHAPE = {"code", "message", "details"}


def _docs_table() -> dict[str, tuple[str, str]]:
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    text = text.split("<!-- codes:", 1)[1]
    rows = re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \| ([^|]+) \|", text, flags=re.M)
    return {code: (http.strip(), ex.strip()) for code, http, ex in rows}


def test_docs_list_every_code_with_its_statuses() -> None:
    """docs/API.md lists exactly the codes of api.errors.KINDS, with their HTTP and exit status."""
    table = _docs_table()
    assert set(table) == set(KINDS)
    for code, kind in KINDS.items():
        http, ex = table[code]
        assert http == (str(kind.http_status) if kind.http_status else "—"), code
        assert ex == (str(kind.exit_status) if kind.exit_status else "—"), code


def _codes_asserted_in_tests() -> set[str]:
    found: set[str] = set()
    for path in HERE.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in KINDS:
                found.add(str(node.value))
    return found


def test_every_code_is_provoked_by_a_test() -> None:
    """Each stable code is named by some test of this folder (each provokes it once)."""
    assert set(KINDS) - _codes_asserted_in_tests() == set()


def _raise_of(make: Any) -> BaseException:
    try:
        make()
    except Exception as exc:
        return exc
    raise AssertionError("no error raised")


def _osm(path: Path, highway: str) -> Path:
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="60.1" lon="24.9"/><node id="2" lat="60.101" lon="24.9"/>'
        f'<way id="3"><nd ref="1"/><nd ref="2"/><tag k="{highway}" v="motorway"/></way></osm>'
    )
    return path


STREET_CASES = [
    ("MAP_SOURCE", lambda tmp: geo.load_graph(tmp / "missing.osm.pbf", "walk"), "file"),
    ("MAP_SOURCE", lambda tmp: geo.load_graph(_osm(tmp / "b.osm", "building"), "walk"), "file"),
    ("EMPTY_GRAPH", lambda tmp: geo.load_graph(_osm(tmp / "m.osm", "highway"), "walk"), "map"),
    ("UNKNOWN_PROFILE", lambda tmp: geo.load_graph(demo_map(), "hovercraft"), None),
    (
        "INVALID_POINT",
        lambda tmp: geo.snap(geo.load_graph(demo_map(), "walk"), [(999.0, 60.0)]),
        "point 0",
    ),
    ("INVALID_PROBLEM", lambda tmp: Problem(stops=(), vehicles=(), profiles=()), "problem"),
]


@pytest.mark.parametrize(("code", "make", "record"), STREET_CASES)
def test_street_and_solver_errors_keep_their_code(
    tmp_path: Path, code: str, make: Any, record: str | None
) -> None:
    """Errors raised by geo and solver on bad input leave with their own code, status and
    the record at fault."""
    body = classify(_raise_of(lambda: make(tmp_path)))
    assert body.code == code
    assert set(body.to_dict()) == SHAPE
    assert http_status(body) == KINDS[code].http_status
    assert exit_status(body) == KINDS[code].exit_status
    if record is not None:
        assert body.details and body.details[0].record.startswith(record)


def test_unexpected_errors_are_internal_and_say_nothing() -> None:
    """Anything without a code is INTERNAL (500), its text never shown to the caller."""
    body = classify(RuntimeError("connection to db at /srv/secret failed"))
    assert body.code == "INTERNAL" and http_status(body) == 500
    assert "secret" not in body.message


def test_checker_rejection_is_plan_rejected(server: LiveServer) -> None:
    """A served plan with one ETA moved is refused by the checker: PLAN_REJECTED (500)."""
    request = plan_request(4, seed=31, time_limit_s=2, effort=10)
    with server.client() as c:
        res = c.post("/v1/plans", json=request)
    assert res.status_code == 200, res.text
    doc = res.json()
    stop = doc["routes"][0]["stops"][0]
    stop["arrival"] = "00:00:01"
    travel = StreetTravel(geo.load_graphs(demo_map(), ("walk", "bike")))
    report = check_document(request, doc, travel)
    assert not report.ok
    body = classify(PlanCheckError(f"the checker rejected the plan: {report}"))
    assert body.code == "PLAN_REJECTED" and http_status(body) == 500 and exit_status(body) == 7


def _last_json(text: str) -> dict[str, Any]:
    line = [ln for ln in text.strip().splitlines() if ln.startswith("{")][-1]
    out: dict[str, Any] = json.loads(line)
    return out


@pytest.mark.parametrize(
    ("env", "code", "field"),
    [
        ({"DOORSTEP_API_KEYS": "short:viewer"}, "INVALID_SETTING", "DOORSTEP_API_KEYS"),
        ({"DOORSTEP_MAPS": "x=/nowhere/x.osm.pbf"}, "MAP_SOURCE", "DOORSTEP_MAPS"),
    ],
)
def test_serve_refuses_bad_settings_in_the_error_shape(
    env: dict[str, str], code: str, field: str
) -> None:
    """``doorstep serve`` with a bad setting exits with the code's status, the error object
    being the last line of stderr, naming the variable and never a key."""
    import os

    full = {**os.environ, **env}
    proc = subprocess.run(
        [sys.executable, "-m", "api", "serve", "--port", "9"],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    body = _last_json(proc.stderr)
    assert proc.returncode == KINDS[code].exit_status
    assert body["code"] == code and set(body) == SHAPE
    assert body["details"][0]["field"] == field
    assert "short" not in proc.stderr


def test_plan_command_writes_the_error_shape(tmp_path: Path) -> None:
    """``doorstep plan`` on a bad ledger exits 4 and ends stderr with INVALID_LEDGER naming
    the row and column."""
    hh, vol, dep = generate(tmp_path / "in", households=4, volunteers=1, seed=2)
    with hh.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["residents"] = "two"
    with hh.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    args = ["plan", "--map", str(demo_map()), "--households", str(hh), "--volunteers"]
    args += [str(vol), "--depots", str(dep), "--date", DEMO_DATE.isoformat()]
    args += ["--out", str(tmp_path / "out")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 4
    body = _last_json(res.output)
    assert body["code"] == "INVALID_LEDGER" and set(body) == SHAPE
    assert any(d["field"] == "residents" for d in body["details"])


def test_unexpected_error_over_http_is_internal(tmp_path: Path) -> None:
    """A route failing unexpectedly answers INTERNAL (500) in the error shape, without its
    text (in-process ASGI client, no lifespan needed)."""
    import asyncio

    from api.service.app import create_app
    from api.settings import ServiceSettings

    service = create_app(ServiceSettings(database_url=f"sqlite:///{tmp_path / 'j.db'}"))

    @service.get("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 at /srv/db")

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=service, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as c:
            return await c.get("/v1/boom")

    res = asyncio.run(call())
    assert res.status_code == 500 and res.json()["code"] == "INTERNAL"
    assert set(res.json()) == SHAPE and "hunter2" not in res.text


def test_bad_events_leave_as_invalid_events() -> None:
    """A request's events with a bad time and an unknown kind: INVALID_EVENTS (422, exit
    4), each item and field named."""
    from api.plan.events import events_from_json

    exc = _raise_of(
        lambda: events_from_json(
            [
                {"at": "9", "event": "stop_done", "id": "H1"},
                {"at": "10:00", "event": "x", "id": "H2"},
            ]
        )
    )
    body = classify(exc)
    assert (body.code, http_status(body), exit_status(body)) == ("INVALID_EVENTS", 422, 4)
    assert {(d.record.split(" (")[0], d.field) for d in body.details} == {
        ("events item 1", "at"),
        ("events item 2", "event"),
    }
