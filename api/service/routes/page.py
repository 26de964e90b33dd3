"""The map page (``/``, ``/ui``): its HTML, settings and scripts, served from the package
(Leaflet from the ``xstatic-leaflet`` package); not part of the OpenAPI document."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.service.maps import ATTRIBUTION
from api.service.routes.deps import ServiceDep

router = APIRouter(include_in_schema=False)


def static_dir() -> Path:
    """The folder of the page's own files (``api/static``)."""
    return Path(str(resources.files("api") / "static"))


@router.get("/")
@router.get("/ui")
async def map_page() -> FileResponse:
    """The map page."""
    return FileResponse(str(static_dir() / "index.html"), media_type="text/html")


@router.get("/ui/config.json")
async def page_config(service: ServiceDep) -> dict[str, Any]:
    """The page's settings: tile URL template (``""``: streets only) and attribution."""
    return {"tiles": service.settings.tiles, "attribution": ATTRIBUTION}


def mount_static(app: FastAPI) -> None:
    """Serve Leaflet at ``/static/leaflet`` and the page's scripts at ``/static/app``."""
    import xstatic.pkg.leaflet as leaflet

    app.mount("/static/leaflet", StaticFiles(directory=leaflet.BASE_DIR), name="leaflet")
    app.mount("/static/app", StaticFiles(directory=str(static_dir())), name="app-static")
