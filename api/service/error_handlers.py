"""The service's errors over HTTP: every failure leaves in the one shape of :mod:`api.errors`.

:func:`error_response` turns an error object into its JSON response (status from the error
table); :func:`install_error_handlers` makes FastAPI answer that way for a ``ServiceError``,
a request that does not fit its model, a path or method that does not exist, and anything
unexpected (``INTERNAL``, its text never shown).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import ErrorBody, ServiceError, classify, http_status
from solver.errors import Detail

log = logging.getLogger("doorstep.service")


def error_response(body: ErrorBody, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """The HTTP response of an error."""
    return JSONResponse(body.to_dict(), status_code=http_status(body), headers=headers)


def validation_error(exc: RequestValidationError) -> ErrorBody:
    """``INVALID_REQUEST`` naming, for each problem, where it is (record) and the field."""
    details = [
        Detail(
            ".".join(str(p) for p in e.get("loc", ())[:-1]) or "request",
            str(e.get("loc", ("",))[-1]),
            str(e.get("msg", "invalid")),
        )
        for e in exc.errors()
    ]
    return ErrorBody("INVALID_REQUEST", f"{len(details)} problem(s) in the request", tuple(details))


def http_error(exc: StarletteHTTPException) -> ErrorBody:
    """The error object of a routing failure: no such path, method not allowed, other."""
    if exc.status_code == 405:
        return ErrorBody("METHOD_NOT_ALLOWED", "method not allowed here")
    if exc.status_code == 404:
        return ErrorBody("NOT_FOUND", "no such path")
    return ErrorBody("INVALID_REQUEST", str(exc.detail))


async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
    return error_response(classify(exc))


async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(validation_error(exc))


async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return error_response(http_error(exc))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    body = classify(exc)
    if body.code == "INTERNAL":
        log.error("unexpected error", exc_info=exc)
    return error_response(body)


def install_error_handlers(app: FastAPI) -> None:
    """Make ``app`` answer every error in the one error shape."""
    app.exception_handler(ServiceError)(_service_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(StarletteHTTPException)(_http)
    app.exception_handler(Exception)(_unexpected)
