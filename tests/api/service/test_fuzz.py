"""Property-based fuzzing of the live OpenAPI document (schemathesis, bounded examples)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from api.service.sample import plan_request
from benchmarks.fuzz import CHECKS
from tests.api.service.live import DISPATCHER, NORTH_DISPATCHER, LiveServer, wait_status

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
#: Calls generated per operation and mode: the most any test below sends.
EXAMPLES = 8


@dataclass(frozen=True)
class Generated:
    """Calls generated from the live OpenAPI document, valid and invalid, once for every
    test of the module: generating them is most of the cost (up to a second of CPU per
    request body of a batch), sending them is cheap.

    Attributes
    ----------
    operations
        Every operation of the document, those that may start a job (a 202 answer) last:
        cancelling a running job restarts its solver process, and a synchronous plan sent
        while both restart waits for them in vain (503 BUSY).
    cases
        Per operation label and mode, the generated calls in the order generated.
    """

    operations: tuple[Any, ...]
    cases: dict[tuple[str, GenerationMode], tuple[Any, ...]]

    def of(self, operation: Any, mode: GenerationMode, count: int = EXAMPLES) -> tuple[Any, ...]:
        """The first ``count`` calls generated for ``operation`` in ``mode``."""
        return self.cases[(operation.label, mode)][:count]


def _generate(operation: Any, mode: GenerationMode) -> tuple[Any, ...]:
    """:data:`EXAMPLES` calls of ``operation`` in ``mode`` (none when the operation has no
    input to make invalid)."""
    cases: list[Any] = []

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def collect(case: Any) -> None:
        cases.append(case)

    try:
        collect()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # only an operation without inputs has no invalid call to make
    return tuple(cases)


@pytest.fixture(scope="module")
def generated(server: LiveServer) -> Generated:
    """The calls of every operation of the shared server's document, in both modes."""
    doc = httpx.get(f"{server.url}/openapi.json", timeout=60).json()
    starts_jobs = {
        f"{method.upper()} {path}"
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if "202" in operation.get("responses", {})
    }
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=60)
    found = [result.ok() for result in schema.get_all_operations()]
    operations = tuple(sorted(found, key=lambda op: op.label in starts_jobs))
    cases = {(op.label, mode): _generate(op, mode) for op in operations for mode in MODES}
    return Generated(operations, cases)


def _send(
    cases: Iterable[Any],
    server: LiveServer,
    *,
    key: str = DISPATCHER,
    also: Callable[[httpx.Response], None] = lambda _: None,
    job_id: str | None = None,
) -> None:
    """Send each call with ``key``: no 5xx and nothing outside the document (``CHECKS``),
    then ``also``; a job or batch a call made is cancelled at once (keeping the shared
    solvers free for the other tests). ``job_id``: a real day put in every call's path,
    so the calls reach past 404."""
    for case in cases:
        generated_path = case.path_parameters
        if job_id is not None and "job_id" in (generated_path or {}):
            case.path_parameters = {**generated_path, "job_id": job_id}
        try:
            response = case.call_and_validate(
                base_url=server.url,
                headers={"Authorization": f"Bearer {key}"},
                checks=CHECKS,
                timeout=60,
            )
            also(response)
        except BaseException as exc:
            exc.add_note(f"generated call of {case.operation.label}")
            raise
        finally:
            case.path_parameters = generated_path
        made = response.headers.get("X-Doorstep-Job")
        kind = "jobs"
        if response.status_code == 202:
            made = response.json()["id"]
            kind = "batches" if case.operation.path == "/v1/batches" else "jobs"
        if made and made != job_id:
            httpx.delete(
                f"{server.url}/v1/{kind}/{made}",
                headers={"Authorization": f"Bearer {key}"},
            )


def test_api_answers_within_its_schema(server: LiveServer, generated: Generated) -> None:
    """Generated calls (valid and invalid) to every operation of the live OpenAPI document
    get no 5xx and no status, header or body outside the document."""
    server.wait_ready()  # solver processes restarted by cancels of earlier tests are up
    assert len(generated.operations) >= 10
    for operation in generated.operations:
        assert generated.of(operation, GenerationMode.POSITIVE)
        for mode in MODES:
            _send(generated.of(operation, mode), server)


def test_scoped_key_sees_no_other_communitys_household(
    server: LiveServer, generated: Generated
) -> None:
    """Generated calls with a community's key (another community's plan done beside it)
    get no 5xx, stay within the document, and no answer names the other community's
    households."""
    server.wait_ready()
    body = plan_request(3, seed=61, volunteers=1, time_limit_s=30, effort=10)
    for h in body["households"]:
        h["household_id"] = f"south-{h['household_id']}"
    with server.client(DISPATCHER) as c:
        job_id = c.post("/v1/jobs", json={**body, "community": "south"}).json()["id"]
        assert wait_status(c, job_id, {"done", "failed"}, 300)["status"] == "done"
        assert "south-H001" in c.get(f"/v1/jobs/{job_id}/plan").text

    def no_south(response: httpx.Response) -> None:
        assert "south-H" not in response.text, response.request.url

    for operation in generated.operations:
        for mode in MODES:
            calls = generated.of(operation, mode, 4)
            _send(calls, server, key=NORTH_DISPATCHER, also=no_south)
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


def test_day_operations_on_a_done_plan_answer_within_their_schema(
    server: LiveServer, generated: Generated
) -> None:
    """Generated events, re-plans, version reads and validations on the day of a done plan
    (its real id in the path, so the calls reach the day) get no 5xx and no status, header
    or body outside the document."""
    server.wait_ready()
    body = plan_request(3, seed=63, volunteers=1, time_limit_s=30, effort=10)
    with server.client(DISPATCHER) as c:
        job_id = c.post("/v1/jobs", json=body).json()["id"]
        assert wait_status(c, job_id, {"done", "failed"}, 300)["status"] == "done"
    day = [op for op in generated.operations if op.path in DAY_OPERATIONS]
    assert len(day) == len(DAY_OPERATIONS) + 1  # events: append and read
    for operation in day:
        for mode in MODES:
            _send(generated.of(operation, mode, 6), server, job_id=job_id)
