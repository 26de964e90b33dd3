"""The HTTP routes, one module per resource: probes, maps, plans and jobs, batches,
volunteer links, the audit, and the map page. Each module has a ``router`` (FastAPI
``APIRouter``); :data:`ROUTERS` lists them in the order of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from api.service.routes import audit, batches, jobs, links, maps, page, place, probes

ROUTERS: tuple[APIRouter, ...] = (
    probes.router,
    maps.router,
    jobs.router,
    place.router,
    batches.router,
    links.router,
    audit.router,
    page.router,
)
