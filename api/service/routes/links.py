"""Volunteer links (``GET /v1/links/{token}``): one volunteer's manifest without an API
key, through a signed, expiring token (:mod:`api.service.volunteer_links`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.service import reading
from api.service.routes import artifacts
from api.service.routes.deps import ServiceDep
from api.service.routes.openapi import error_responses

router = APIRouter(tags=["links"])

#: Headers of a page opened by a link: not cached, not indexed, no referrer leaving it.
_PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


@router.get(
    "/v1/links/{token}",
    response_class=Response,
    responses={
        200: artifacts.MANIFEST["responses"][200],
        **error_responses(
            "OpenLink", "NOT_FOUND", "LINK_EXPIRED", "LINK_REVOKED", "PURGED", "INVALID_REQUEST"
        ),
    },
)
async def open_link(
    token: Annotated[str, Path(min_length=1, max_length=1000, description="The link's token.")],
    service: ServiceDep,
) -> HTMLResponse:
    """A volunteer's manifest (a page that fits a phone), opened by the ``manifest_url``
    of a route of a plan, without an API key. 404 ``NOT_FOUND`` for a token that is not
    whole; 410 ``LINK_EXPIRED`` or ``LINK_REVOKED`` once it no longer opens."""
    html = await run_in_threadpool(reading.read_link, service, token)
    return HTMLResponse(html, headers=_PRIVATE)
