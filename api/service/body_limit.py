"""The request-body limit: an ASGI middleware refusing oversized bodies before any parsing."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorBody
from api.i18n import N_, Lang, negotiate
from api.i18n import Message as Said
from api.service.error_handlers import error_response

#: The setting that raises the default limit (named in the refusal).
DEFAULT_SETTING = "DOORSTEP_MAX_BODY_BYTES"


class BodyLimit:
    """ASGI middleware refusing bodies over ``max_bytes`` with ``PAYLOAD_TOO_LARGE`` (413),
    by the declared length or while reading, before the application sees them.

    Parameters
    ----------
    app
        The application behind.
    max_bytes
        Largest body accepted, in bytes (``GET``, ``HEAD`` and ``OPTIONS`` are not read).
    larger
        Paths with their own limit: ``{path: (bytes, setting name)}``.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, *, larger: dict[str, tuple[int, str]] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, limit: int, setting: str
    ) -> None:
        said = Said(
            N_(
                "the request body is over the limit of %(limit)s bytes; "
                "split the ledger or ask for a larger %(setting)s"
            ),
            limit=f"{limit:,}",
            setting=setting,
        )
        header = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
        body = ErrorBody("PAYLOAD_TOO_LARGE", said).in_language(Lang(negotiate(header)))
        await error_response(body, headers={"Connection": "close"})(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, setting = self.larger.get(scope.get("path", ""), (self.max_bytes, DEFAULT_SETTING))
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(scope, receive, send, limit, setting)
                return
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # client went away
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                await self._refuse(scope, receive, send, limit, setting)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` giving the already-read ``body`` once, then the client's messages."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
