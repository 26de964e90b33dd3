"""The dispatch API: a thin FastAPI layer over the job store, the workers and the pipeline.

Every request and result goes through the database (:mod:`api.service.db`); plans are
solved by worker processes (:mod:`api.service.workers`) running the same pipeline as the
CLI (:mod:`api.service.planning`). The routes live in :mod:`api.service.routes`, one
module per resource; errors leave in the one shape of :mod:`api.errors`
(:mod:`api.service.error_handlers`). The reference of endpoints and fields is
``docs/API.md``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.service.body_limit import BodyLimit
from api.service.error_handlers import install_error_handlers
from api.service.links import install_links
from api.service.routes import ROUTERS
from api.service.routes.docs import mount_assets
from api.service.routes.page import mount_static
from api.service.state import Service
from api.settings import ServiceSettings

log = logging.getLogger("doorstep.service")

DESCRIPTION = (
    "Daily volunteer delivery runs over real OpenStreetMap streets. "
    "Every error has the shape {code, message, details}; see docs/API.md. "
    "Map data © OpenStreetMap contributors."
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the maps and start the workers; stop them when the server stops."""
    service: Service = app.state.service
    if not service.settings.api_keys:
        log.warning("no API keys configured (DOORSTEP_API_KEYS): every /v1 call gets 401")
    await run_in_threadpool(service.start)
    log.info("maps loaded: %s", ", ".join(service.maps))
    try:
        yield
    finally:
        await run_in_threadpool(service.stop)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The FastAPI application (maps and workers start with its lifespan)."""
    settings = settings or ServiceSettings.from_env()
    app = FastAPI(
        title="Doorstep dispatch API",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package by routes/docs.py, no CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = Service(settings)
    install_links(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={"/v1/batches": (settings.batch_max_body_bytes, "DOORSTEP_BATCH_MAX_BODY_BYTES")},
    )
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    mount_assets(app)
    return app
