"""Every failure over HTTP leaves in the one error shape with its code's status."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from api.errors import ServiceError
from api.service.error_handlers import install_error_handlers
from solver.errors import Detail

SHAPE = {"code", "message", "details"}


class Body(BaseModel):
    """A body with one required integer."""

    count: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def things(body: Body) -> dict[str, int]:
        return {"count": body.count}

    listing = APIRouter()

    @listing.get("/things")
    async def list_things() -> list[int]:
        return []

    app.include_router(listing)

    @app.get("/refused")
    async def refused() -> None:
        raise ServiceError("JOB_FINISHED", "job j1 is done", [Detail("job j1", "status", "done")])

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("token=s3cret")

    return app


def _call(method: str, path: str, **kw: object) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as c:
            return await c.request(method, path, **kw)  # type: ignore[arg-type]

    return asyncio.run(call())


def test_service_error_keeps_code_status_and_details() -> None:
    """A ServiceError answers its code's status with its details."""
    res = _call("GET", "/refused")
    assert res.status_code == 409 and set(res.json()) == SHAPE
    assert res.json()["details"] == [{"record": "job j1", "field": "status", "problem": "done"}]


def test_invalid_body_names_where_and_the_field() -> None:
    """A body not fitting its model: 422 INVALID_REQUEST, record 'body', the field named."""
    res = _call("POST", "/things", json={"count": "many"})
    doc = res.json()
    assert res.status_code == 422 and doc["code"] == "INVALID_REQUEST"
    assert doc["message"] == "1 problem(s) in the request"
    assert doc["details"][0]["record"] == "body" and doc["details"][0]["field"] == "count"


def test_unknown_path_and_method() -> None:
    """No such path is NOT_FOUND (404); a wrong method is METHOD_NOT_ALLOWED (405) with
    the path's methods in Allow, routes of included routers counted."""
    missing = _call("GET", "/nowhere")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    wrong = _call("DELETE", "/things")
    assert wrong.status_code == 405 and wrong.json()["code"] == "METHOD_NOT_ALLOWED"
    assert wrong.headers["Allow"] == "GET, POST" and "GET, POST" in wrong.json()["message"]


def test_unexpected_error_is_internal_and_silent() -> None:
    """An unexpected exception is INTERNAL (500) without its text."""
    res = _call("GET", "/broken")
    assert res.status_code == 500 and res.json()["code"] == "INTERNAL"
    assert "s3cret" not in res.text
