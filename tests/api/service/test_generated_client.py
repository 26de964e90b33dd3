"""A client generated from the live OpenAPI document (datamodel-code-generator, pydantic
models; httpx sends them): a plan request built from its models is planned, and the plan,
a solve answer and an error read back through its models give the very same JSON."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from api.service.sample import plan_request
from tests.api.service.live import LiveServer
from tests.api.service.problems import VROOM_EXAMPLE


@pytest.fixture(scope="module")
def client_models(
    server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """The models generated from the server's ``/openapi.json``, imported."""
    folder = tmp_path_factory.mktemp("client")
    spec_file = folder / "openapi.json"
    spec_file.write_bytes(httpx.get(f"{server.url}/openapi.json", timeout=30).content)
    out = folder / "doorstep_client.py"
    codegen = Path(sys.executable).with_name("datamodel-codegen")
    subprocess.run(
        [
            str(codegen),
            "--input",
            str(spec_file),
            "--input-file-type",
            "openapi",
            "--output",
            str(out),
            "--output-model-type",
            "pydantic_v2.BaseModel",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    spec = importlib.util.spec_from_file_location("doorstep_client", out)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # generic models look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    """A client of the live server with the dispatcher key."""
    with server.client() as c:
        yield c


def _round_trip(model: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` read into a generated ``model`` and written back as JSON data."""
    parsed = model.model_validate(data)
    dumped: dict[str, Any] = parsed.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return dumped


def test_plan_round_trips_through_the_generated_client(
    client_models: ModuleType, http: httpx.Client
) -> None:
    """A request built from the generated PlanRequest is planned; the plan read into the
    generated PlanOut (typed runs, stops, households, summary) writes back unchanged."""
    request = client_models.PlanRequest.model_validate(plan_request(6, seed=3, effort=20))
    body = request.model_dump(mode="json", exclude_none=True, by_alias=True)
    res = http.post("/v1/plans", json=body)
    assert res.status_code == 200, res.text
    plan = client_models.PlanOut.model_validate(res.json())
    served = {h for r in plan.routes for s in r.stops for h in s.household_ids}
    unserved = {u.household_id for u in plan.unassigned}
    assert served | unserved == {h["household_id"] for h in body["households"]}
    assert plan.summary.households_served == len(served)
    assert _round_trip(client_models.PlanOut, res.json()) == res.json()


def test_solution_and_error_round_trip(client_models: ModuleType, http: httpx.Client) -> None:
    """A solve answer reads into the generated SolutionOut and back unchanged; an error
    reads into the operation's error model, whose code enum holds the code returned."""
    solved = http.post("/v1/solve", json={**VROOM_EXAMPLE, "options": {"effort": 5}})
    assert solved.status_code == 200, solved.text
    assert _round_trip(client_models.SolutionOut, solved.json()) == solved.json()
    bad = plan_request(2, seed=3)
    bad["households"][0]["lat"] = 91.0
    refused = http.post("/v1/plans", json=bad)
    assert refused.status_code == 422
    error = client_models.CreatePlanError422.model_validate(refused.json())
    assert error.code.value == "INVALID_LEDGER"
    assert _round_trip(client_models.CreatePlanError422, refused.json()) == refused.json()
