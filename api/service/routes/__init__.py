"""The HTTP routes, one module per resource: probes, maps, plans and jobs, a day's events,
re-plans and versions, batches, solve
and suggest, volunteer links, the audit, the map page and the reference pages. Each module
has a ``router`` (FastAPI ``APIRouter``); :data:`ROUTERS` lists them in the order of the
OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from api.service.routes import (
    audit,
    batches,
    days,
    docs,
    jobs,
    links,
    maps,
    page,
    place,
    probes,
    solve,
)

ROUTERS: tuple[APIRouter, ...] = (
    probes.router,
    maps.router,
    jobs.router,
    days.router,
    place.router,
    batches.router,
    solve.router,
    links.router,
    audit.router,
    page.router,
    docs.router,
)
