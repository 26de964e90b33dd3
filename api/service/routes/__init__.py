"""The HTTP routes, one module per resource: probes, maps, plans and jobs, batches, and the
map page. Each module has a ``router`` (FastAPI ``APIRouter``); :data:`ROUTERS` lists them
in the order of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from api.service.routes import batches, jobs, maps, page, place, probes

ROUTERS: tuple[APIRouter, ...] = (
    probes.router,
    maps.router,
    jobs.router,
    place.router,
    batches.router,
    page.router,
)
