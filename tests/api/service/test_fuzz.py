"""Property-based fuzzing of the live OpenAPI document (schemathesis, bounded examples)."""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, note, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from benchmarks.fuzz import CHECKS
from tests.api.service.live import DISPATCHER, LiveServer


def _fuzz(operation: Any, mode: GenerationMode, server: LiveServer) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        note(f"{operation.label} ({mode.value})")
        response = case.call_and_validate(
            base_url=server.url,
            headers={"Authorization": f"Bearer {DISPATCHER}"},
            checks=CHECKS,
            timeout=60,
        )
        job_id = response.headers.get("X-Doorstep-Job")
        kind = "jobs"
        if response.status_code == 202:
            job_id = response.json()["id"]
            kind = "batches" if operation.path == "/v1/batches" else "jobs"
        if job_id:  # keep the shared solvers free for the other tests
            httpx.delete(
                f"{server.url}/v1/{kind}/{job_id}",
                headers={"Authorization": f"Bearer {DISPATCHER}"},
            )

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # only an operation without inputs has no invalid call to make


def test_api_answers_within_its_schema(server: LiveServer) -> None:
    """Generated calls (valid and invalid) to every operation of the live OpenAPI document
    get no 5xx and no status, header or body outside the document."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, server)
