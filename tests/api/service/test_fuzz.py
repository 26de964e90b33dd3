"""Property-based fuzzing of the live OpenAPI document (schemathesis, bounded examples)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, note, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.service.sample import plan_request
from benchmarks.fuzz import CHECKS
from tests.api.service.live import DISPATCHER, NORTH_DISPATCHER, LiveServer, wait_status


# ``examples``: per operation and mode. Generating them is most of the run's cost (up to a
# second of CPU per request body of a batch); every operation is called in both modes.
def _fuzz(
    operation: Any,
    mode: GenerationMode,
    server: LiveServer,
    *,
    key: str = DISPATCHER,
    examples: int = 8,
    also: Callable[[httpx.Response], None] = lambda _: None,
    job_id: str | None = None,
) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        note(f"{operation.label} ({mode.value})")
        if job_id is not None and "job_id" in (case.path_parameters or {}):
            case.path_parameters["job_id"] = job_id  # a real day, so calls reach past 404
        response = case.call_and_validate(
            base_url=server.url,
            headers={"Authorization": f"Bearer {key}"},
            checks=CHECKS,
            timeout=60,
        )
        also(response)
        made = response.headers.get("X-Doorstep-Job")
        kind = "jobs"
        if response.status_code == 202:
            made = response.json()["id"]
            kind = "batches" if operation.path == "/v1/batches" else "jobs"
        if made and made != job_id:  # keep the shared solvers free for the other tests
            httpx.delete(
                f"{server.url}/v1/{kind}/{made}",
                headers={"Authorization": f"Bearer {key}"},
            )

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # only an operation without inputs has no invalid call to make


def test_api_answers_within_its_schema(server: LiveServer) -> None:
    """Generated calls (valid and invalid) to every operation of the live OpenAPI document
    get no 5xx and no status, header or body outside the document."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=60)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, server)


def test_scoped_key_sees_no_other_communitys_household(server: LiveServer) -> None:
    """Generated calls with a community's key (another community's plan done beside it)
    get no 5xx, stay within the document, and no answer names the other community's
    households."""
    body = plan_request(3, seed=61, volunteers=1, time_limit_s=30, effort=10)
    for h in body["households"]:
        h["household_id"] = f"south-{h['household_id']}"
    with server.client(DISPATCHER) as c:
        job_id = c.post("/v1/jobs", json={**body, "community": "south"}).json()["id"]
        assert wait_status(c, job_id, {"done", "failed"}, 300)["status"] == "done"
        assert "south-H001" in c.get(f"/v1/jobs/{job_id}/plan").text

    def no_south(response: httpx.Response) -> None:
        assert "south-H" not in response.text, response.request.url

    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=60)
    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(result.ok(), mode, server, key=NORTH_DISPATCHER, examples=4, also=no_south)
    with server.client(NORTH_DISPATCHER) as c:
        for path in ("", "/plan", "/routes.geojson", "/manifests/V1.html"):
            res = c.get(f"/v1/jobs/{job_id}{path}")
            assert res.status_code == 404 and "south-H" not in res.text
        assert job_id not in c.get("/v1/jobs", params={"limit": 200}).text


#: The operations of a planned day: its events, re-plan, versions and plan; and validation.
DAY_OPERATIONS = (
    "/v1/jobs/{job_id}/events",
    "/v1/jobs/{job_id}/replan",
    "/v1/jobs/{job_id}/plans",
    "/v1/jobs/{job_id}/plan",
    "/v1/plans:validate",
)


def test_day_operations_on_a_done_plan_answer_within_their_schema(server: LiveServer) -> None:
    """Generated events, re-plans, version reads and validations on the day of a done plan
    (its real id in the path, so the calls reach the day) get no 5xx and no status, header
    or body outside the document."""
    body = plan_request(3, seed=63, volunteers=1, time_limit_s=30, effort=10)
    with server.client(DISPATCHER) as c:
        job_id = c.post("/v1/jobs", json=body).json()["id"]
        assert wait_status(c, job_id, {"done", "failed"}, 300)["status"] == "done"
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=60)
    operations = [r.ok() for r in schema.get_all_operations()]
    day = [op for op in operations if op.path in DAY_OPERATIONS]
    assert len(day) == len(DAY_OPERATIONS) + 1  # events: append and read
    for operation in day:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, server, examples=6, job_id=job_id)
