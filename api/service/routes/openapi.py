"""What the OpenAPI document says of answers: per operation and error status, an error
model whose ``code`` is an enum of exactly the codes that operation can answer with there.

The code lists below are the operations' own: what their checks, the store and the
pipeline behind them raise (``docs/API.md``); the fuzzing tests hold every answer to them.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.errors import KINDS
from api.service import schemas

GEOJSON = "application/geo+json"

#: Every /v1 call: no key or an unknown one; a key whose role may not do this.
AUTH = ("UNAUTHORIZED", "FORBIDDEN")
#: Reading something by id (a path or query that does not fit is INVALID_REQUEST).
READ = (*AUTH, "NOT_FOUND", "INVALID_REQUEST")
#: Reading a finished plan's artifact.
ARTIFACT = (*READ, "JOB_NOT_DONE")
#: Cancelling a job or batch.
CANCEL = (*READ, "JOB_FINISHED")
#: What a plan request is refused with when it arrives (before anything is queued).
PLAN_INTAKE = (
    *AUTH,
    "INVALID_REQUEST",
    "INVALID_LEDGER",
    "INVALID_RULES",
    "UNKNOWN_MAP",
    "PLAN_TOO_LARGE",
    "PAYLOAD_TOO_LARGE",
)
#: What a plan made while the caller waits can end with, besides its intake: the errors
#: of the pipeline (not the map's loading: the server loaded every mode of every map when
#: it started), of the solver process, waiting, and a cancel by someone else.
PLAN_SYNC = (
    *PLAN_INTAKE,
    "INVALID_PROBLEM",
    "INVALID_POINT",
    "MAP_SOURCE",
    "PLAN_REJECTED",
    "JOB_STALLED",
    "JOB_NOT_DONE",
    "BUSY",
    "INTERNAL",
)
#: What a solve request is refused with when it arrives.
SOLVE_INTAKE = (*AUTH, "INVALID_REQUEST", "INVALID_PROBLEM", "PLAN_TOO_LARGE", "PAYLOAD_TOO_LARGE")
#: What a solve made while the caller waits can end with.
SOLVE_SYNC = (*SOLVE_INTAKE, "PLAN_REJECTED", "JOB_STALLED", "JOB_NOT_DONE", "BUSY", "INTERNAL")


@cache
def error_model(name: str, codes: tuple[str, ...]) -> type[BaseModel]:
    """The error shape named ``name`` whose ``code`` is one of ``codes`` (its example: the
    first of them)."""
    code_type: Any = Literal.__getitem__(codes)
    example: dict[str, Any] = {"code": codes[0], "message": KINDS[codes[0]].meaning, "details": []}
    model: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(json_schema_extra={"examples": [example]}),
        __doc__=f"The one error shape; code one of: {', '.join(codes)}.",
        code=(
            code_type,
            Field(
                description="Stable error code (docs/API.md).",
                json_schema_extra={"enum": list(codes)},  # an enum of one too, not a const
            ),
        ),
        message=(str, Field(description="What went wrong, in a sentence.")),
        details=(
            list[schemas.DetailOut],
            Field(default_factory=list, description="Each fault: record, field, problem."),
        ),
    )
    return model


def error_responses(operation: str, *codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of ``operation`` (a name such as ``CreatePlan``) failing with
    ``codes``: per HTTP status, a model ``{operation}Error{status}`` of those codes."""
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(codes):
        status = KINDS[code].http_status
        if status is None:
            raise ValueError(f"{code} is never an HTTP answer")
        by_status.setdefault(status, []).append(code)
    return {
        status: {
            "model": error_model(f"{operation}Error{status}", tuple(found)),
            "description": "Error: " + ", ".join(found),
        }
        for status, found in sorted(by_status.items())
    }


def queued(operation: str, *codes: str) -> dict[str, Any]:
    """Route options of a request that queues work: 202 Accepted, or one of ``codes``."""
    return {"status_code": 202, "responses": error_responses(operation, *codes)}
