"""The API's reference pages, ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served with
their scripts and styles from the ``fastapi-offline`` package (``/static/docs``): they
render with no network beyond this server (no CDN, which is also unreliable inside China);
not part of the OpenAPI document."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)

#: Where the packaged Swagger UI and ReDoc files are served.
ASSETS = "/static/docs"
_TITLE = "Doorstep dispatch API"
#: The pages may load only from this server (ReDoc's own logo, Swagger UI's validator
#: badge and any font from elsewhere are blocked, not fetched); inline scripts start
#: them, ReDoc searches in a worker made from a blob.
POLICY = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
    "font-src 'self' data:"
}


def assets_dir() -> Path:
    """The folder of the packaged Swagger UI and ReDoc files."""
    return Path(str(resources.files("fastapi_offline") / "static"))


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI of ``/openapi.json``, its files from this server, nothing from elsewhere."""
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{_TITLE} - Swagger UI",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        swagger_ui_parameters={"validatorUrl": None},  # no badge from the validator's site
    )
    page.headers.update(POLICY)
    return page


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    """ReDoc of ``/openapi.json``, its script from this server, nothing from elsewhere."""
    page = get_redoc_html(
        openapi_url="/openapi.json",
        title=f"{_TITLE} - ReDoc",
        redoc_js_url=f"{ASSETS}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS}/favicon.png",
        with_google_fonts=False,
    )
    page.headers.update(POLICY)
    return page


def mount_assets(app: FastAPI) -> None:
    """Serve the Swagger UI and ReDoc files at :data:`ASSETS`."""
    app.mount(ASSETS, StaticFiles(directory=str(assets_dir())), name="docs-static")
