"""The service's errors over HTTP: every failure leaves in the one shape of :mod:`api.errors`.

:func:`error_response` turns an error object into its JSON response (status from the error
table); :func:`install_error_handlers` makes FastAPI answer that way for a ``ServiceError``,
a request that does not fit its model, a path or method that does not exist, and anything
unexpected (``INTERNAL``, its text never shown); a wrong method's answer carries ``Allow``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from api.errors import ErrorBody, ServiceError, classify, http_status
from api.i18n import N_, Lang, Message, negotiate
from solver.errors import Detail

log = logging.getLogger("doorstep.service")


def error_response(body: ErrorBody, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """The HTTP response of an error."""
    return JSONResponse(body.to_dict(), status_code=http_status(body), headers=headers)


#: The request model's problems by their type, as catalog sentences (their context's
#: figure by name); a type not here keeps the model's own English sentence.
_MODEL_PROBLEMS: dict[str, tuple[str, str]] = {
    "missing": (N_("is required"), ""),
    "int_parsing": (N_("must be an integer"), ""),
    "int_type": (N_("must be an integer"), ""),
    "int_from_float": (N_("must be an integer"), ""),
    "float_parsing": (N_("must be a number"), ""),
    "float_type": (N_("must be a number"), ""),
    "bool_parsing": (N_("must be true or false"), ""),
    "bool_type": (N_("must be true or false"), ""),
    "string_type": (N_("must be text"), ""),
    "list_type": (N_("must be a list"), ""),
    "dict_type": (N_("must be an object"), ""),
    "model_type": (N_("must be an object"), ""),
    "model_attributes_type": (N_("must be an object"), ""),
    "extra_forbidden": (N_("is not a field of this request"), ""),
    "greater_than_equal": (N_("must be at least %(limit)s"), "ge"),
    "less_than_equal": (N_("must be at most %(limit)s"), "le"),
    "greater_than": (N_("must be more than %(limit)s"), "gt"),
    "less_than": (N_("must be less than %(limit)s"), "lt"),
    "string_too_long": (N_("longer than %(limit)s characters"), "max_length"),
    "too_long": (N_("more than %(limit)s items"), "max_length"),
    "literal_error": (N_("must be one of %(limit)s"), "expected"),
}


def model_problem(error: Mapping[str, Any]) -> str:
    """One problem the request model found, as a catalog sentence where its type has one
    (told in the reader's language later), else the model's own sentence."""
    known = _MODEL_PROBLEMS.get(str(error.get("type", "")))
    if known is None:
        return str(error.get("msg", "invalid"))
    message, figure = known
    if not figure:
        return Message(message)
    return Message(message, limit=str((error.get("ctx") or {}).get(figure, "")))


def validation_error(exc: RequestValidationError) -> ErrorBody:
    """``INVALID_REQUEST`` naming, for each problem, where it is (record) and the field."""
    details = [
        Detail(
            ".".join(str(p) for p in e.get("loc", ())[:-1]) or "request",
            str(e.get("loc", ("",))[-1]),
            model_problem(e),
        )
        for e in exc.errors()
    ]
    head = Message(N_("%(n)d problem(s) in the request"), n=len(details))
    return ErrorBody("INVALID_REQUEST", head, tuple(details))


#: The methods a path is tried with to find which it allows.
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(routes: Sequence[BaseRoute], path: str) -> str:
    """The ``Allow`` header of ``path``: each method with which some route (included
    routers too) matches it in full."""
    allowed = []
    for method in _METHODS:
        scope = {"type": "http", "path": path, "root_path": "", "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            allowed.append(method)
    return ", ".join(allowed)


def http_error(exc: StarletteHTTPException) -> ErrorBody:
    """The error object of a routing failure other than a wrong method: no such path, or
    anything else the router refuses."""
    if exc.status_code == 404:
        return ErrorBody("NOT_FOUND", Message(N_("no such path")))
    return ErrorBody("INVALID_REQUEST", str(exc.detail))


def header_language(request: Request) -> Lang:
    """The language a request's ``Accept-Language`` asks for (English by default)."""
    return Lang(negotiate(request.headers.get("accept-language")))


async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
    """The error in the ``Accept-Language`` language (sentences from the catalogs, such
    as the ledger's; code and field names as they are)."""
    return error_response(classify(exc).in_language(header_language(request)))


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """The malformed request in the ``Accept-Language`` language (the head; the problems
    are the request model's own English)."""
    return error_response(validation_error(exc).in_language(header_language(request)))


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    language = header_language(request)
    if exc.status_code == 405:
        allowed = allowed_methods(request.app.router.routes, request.url.path)
        said = Message(N_("method not allowed here; allowed: %(allowed)s"), allowed=allowed)
        body = ErrorBody("METHOD_NOT_ALLOWED", said).in_language(language)
        return error_response(body, headers={"Allow": allowed})
    return error_response(http_error(exc).in_language(language))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    body = classify(exc)
    if body.code == "INTERNAL":
        log.error("unexpected error", exc_info=exc)
    return error_response(body.in_language(header_language(request)))


def install_error_handlers(app: FastAPI) -> None:
    """Make ``app`` answer every error in the one error shape."""
    app.exception_handler(ServiceError)(_service_error)
    app.exception_handler(RequestValidationError)(_invalid)
    app.exception_handler(StarletteHTTPException)(_http)
    app.exception_handler(Exception)(_unexpected)
