"""The body limit refuses oversized bodies (declared or streamed) before the app reads them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request

from api.service.body_limit import BodyLimit


def _app(seen: list[int]) -> FastAPI:
    """An app echoing the size of what it received, behind a limit of 100 bytes
    (1,000 on /big)."""
    app = FastAPI()
    app.add_middleware(BodyLimit, max_bytes=100, larger={"/big": (1000, "BIG_SETTING")})

    @app.post("/echo")
    @app.post("/big")
    async def echo(request: Request) -> dict[str, int]:
        body = await request.body()
        seen.append(len(body))
        return {"size": len(body)}

    @app.get("/echo")
    async def read() -> dict[str, str]:
        return {"ok": "yes"}

    return app


def _call(
    app: FastAPI, method: str, path: str, content: bytes | AsyncIterator[bytes]
) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as c:
            return await c.request(method, path, content=content)

    return asyncio.run(call())


async def _chunks(n: int, size: int) -> AsyncIterator[bytes]:
    for _ in range(n):
        yield b"x" * size


def test_body_within_the_limit_reaches_the_app_whole() -> None:
    """A body at the limit passes, read once by the middleware and replayed to the app."""
    seen: list[int] = []
    res = _call(_app(seen), "POST", "/echo", b"x" * 100)
    assert res.status_code == 200 and res.json() == {"size": 100} and seen == [100]


def test_declared_length_over_the_limit_is_refused_unread() -> None:
    """Content-Length over the limit: 413 PAYLOAD_TOO_LARGE naming the setting; app not run."""
    seen: list[int] = []
    res = _call(_app(seen), "POST", "/echo", b"x" * 101)
    assert res.status_code == 413 and res.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert "DOORSTEP_MAX_BODY_BYTES" in res.json()["message"] and seen == []
    assert res.headers["connection"] == "close"


def test_streamed_body_over_the_limit_is_refused() -> None:
    """A chunked body with no declared length is refused once its chunks pass the limit."""
    seen: list[int] = []
    res = _call(_app(seen), "POST", "/echo", _chunks(5, 30))
    assert res.status_code == 413 and seen == []


def test_a_path_with_its_own_limit() -> None:
    """/big takes 1,000 bytes and names its own setting when refusing."""
    seen: list[int] = []
    assert _call(_app(seen), "POST", "/big", b"x" * 900).json() == {"size": 900}
    res = _call(_app(seen), "POST", "/big", b"x" * 1001)
    assert res.status_code == 413 and "BIG_SETTING" in res.json()["message"]
    assert "1,000 bytes" in res.json()["message"]


def test_reads_are_not_limited() -> None:
    """GET passes through untouched whatever it declares."""
    res = _call(_app([]), "GET", "/echo", b"")
    assert res.status_code == 200 and res.json() == {"ok": "yes"}
