"""What the OpenAPI document says of answers: the error codes each status can carry."""

from __future__ import annotations

from typing import Any

from api.errors import KINDS
from api.service import schemas

GEOJSON = "application/geo+json"


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of the error ``statuses``, each listing its codes."""
    codes = {s: [k.code for k in KINDS.values() if k.http_status == s] for s in statuses}
    return {
        s: {"model": schemas.ErrorOut, "description": "Error: " + ", ".join(codes[s])}
        for s in statuses
    }


#: The error statuses of reading something by id.
READ = (401, 403, 404, 422)

#: What a request that queues work answers: 202 Accepted, or one of these errors.
QUEUED: dict[str, Any] = {"status_code": 202, "responses": error_responses(401, 403, 413, 422)}
