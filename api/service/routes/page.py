"""The map page (``/``, ``/ui``): its HTML (the template ``map_page.html`` in the reader's
language), settings and scripts, served from the package (Leaflet from the
``xstatic-leaflet`` package); not part of the OpenAPI document."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.i18n import Lang, negotiate, normalize, render
from api.service.maps import ATTRIBUTION
from api.service.page_texts import texts
from api.service.routes.deps import ServiceDep

router = APIRouter(include_in_schema=False)


def static_dir() -> Path:
    """The folder of the page's own files (``api/static``)."""
    return Path(str(resources.files("api") / "static"))


@router.get("/")
@router.get("/ui")
async def map_page(request: Request, lang: str | None = None) -> HTMLResponse:
    """The map page in ``?lang=`` (``en``, ``zh-CN``), else the ``Accept-Language``
    language."""
    try:
        locale = normalize(lang) if lang else negotiate(request.headers.get("accept-language"))
    except ValueError:
        locale = negotiate(request.headers.get("accept-language"))
    language = Lang(locale)
    page = render("map_page.html", language, texts=texts(language))
    return HTMLResponse(page, headers={"Content-Language": language.tag, "Vary": "Accept-Language"})


@router.get("/ui/config.json")
async def page_config(service: ServiceDep) -> dict[str, Any]:
    """The page's settings: tile URL template (``""``: streets only) and attribution."""
    return {"tiles": service.settings.tiles, "attribution": ATTRIBUTION}


def mount_static(app: FastAPI) -> None:
    """Serve Leaflet at ``/static/leaflet`` and the page's scripts at ``/static/app``."""
    import xstatic.pkg.leaflet as leaflet

    app.mount("/static/leaflet", StaticFiles(directory=leaflet.BASE_DIR), name="leaflet")
    app.mount("/static/app", StaticFiles(directory=str(static_dir())), name="app-static")
