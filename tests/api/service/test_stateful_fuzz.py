"""Stateful fuzzing of the live API along its OpenAPI links (create -> read -> cancel),
bounded; the longer run is ``python -m benchmarks.fuzz`` (benchmarks/README.md)."""

from __future__ import annotations

import schemathesis

from benchmarks.fuzz import Tally, fuzz_scenarios, unfinished
from tests.api.service.live import DISPATCHER, LiveServer


def test_links_lead_from_a_created_job_to_reading_and_cancelling_it(server: LiveServer) -> None:
    """The OpenAPI document links POST /v1/jobs (and /v1/batches) to reading and cancelling
    what it created, by the answer's id."""
    with server.client() as c:
        doc = c.get("/openapi.json").json()
    links = doc["paths"]["/v1/jobs"]["post"]["responses"]["202"]["links"]
    assert {"GetJob", "CancelJob", "GetJobPlan"} <= set(links)
    assert links["CancelJob"]["parameters"] == {"job_id": "$response.body#/id"}
    assert "CancelBatch" in doc["paths"]["/v1/batches"]["post"]["responses"]["202"]["links"]


def test_stateful_scenarios_get_no_server_error_and_every_job_ends(server: LiveServer) -> None:
    """Generated scenarios along the links get no 5xx and no answer outside the document,
    follow links to jobs they created, and leave no job unfinished."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=60)
    tally = Tally()
    headers = {"Authorization": f"Bearer {DISPATCHER}"}
    fuzz_scenarios(schema, server.url, tally, scenarios=12, headers=headers)
    assert tally.requests > 12
    assert tally.server_errors == []
    assert tally.failures == []
    assert sum(tally.followed.values()) > 0, tally.statuses
    with server.client() as c:
        assert unfinished(c, tally, 120) == []
    server.wait_ready()  # cancelling replaced solver processes: leave the server as found
