"""The dispatch API: a thin FastAPI layer over the job store, the workers and the pipeline.

Every request and result goes through the database (:mod:`api.service.db`); plans are
solved by worker processes (:mod:`api.service.workers`) running the same pipeline as the
CLI (:mod:`api.service.planning`). Errors leave in the one shape of :mod:`api.errors`.
The reference of endpoints and fields is ``docs/API.md``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import KINDS, ErrorBody, ServiceError, as_service_error, classify, http_status
from api.i18n import negotiate
from api.plan.batch import id_faults
from api.plan.travel import check_matrix_memory
from api.service import schemas
from api.service.auth import Caller, require
from api.service.batches import BatchState, BatchStore, NewCommunity
from api.service.db import FINAL, JobRecord, JobStore
from api.service.maps import LoadedMap, load_catalog
from api.service.planning import ledger_of, plan_date
from api.service.workers import Supervisor
from api.settings import ServiceSettings, matrix_max_bytes
from solver.errors import Detail

log = logging.getLogger("doorstep.service")

GEOJSON = "application/geo+json"


def error_response(body: ErrorBody, *, headers: dict[str, str] | None = None) -> JSONResponse:
    """The HTTP response of an error."""
    return JSONResponse(body.to_dict(), status_code=http_status(body), headers=headers)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    codes = {s: [k.code for k in KINDS.values() if k.http_status == s] for s in statuses}
    return {
        s: {"model": schemas.ErrorOut, "description": "Error: " + ", ".join(codes[s])}
        for s in statuses
    }


_READ = (401, 403, 404, 422)

_STREETS_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "MultiLineString",
                "coordinates": [[[24.938801, 60.168097], [24.938852, 60.168073]]],
            },
            "properties": {"kind": "streets", "mode": "walk"},
        }
    ],
    "properties": {"attribution": "© OpenStreetMap contributors"},
}
_MANIFEST = "<!DOCTYPE html><html><head><title>V1 · 2026-11-25</title>...</html>"
_ROUTES_EXAMPLE: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "MultiLineString",
                "coordinates": [[[24.9388013, 60.1680973], [24.9532794, 60.1690752]]],
            },
            "properties": {
                "kind": "run",
                "volunteer_id": "V1",
                "mode": "walk",
                "distance_m": 1866,
                "duration_s": 1584,
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.9388013, 60.1680973]},
            "properties": {"kind": "start", "volunteer_id": "V1", "departure": "09:50:29"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [24.9532794, 60.1690752]},
            "properties": {
                "kind": "stop",
                "volunteer_id": "V1",
                "sequence": 1,
                "stop_id": "H002",
                "household_ids": ["H002"],
                "eta": "10:14:06",
                "eta_window": ["10:00:00", "10:30:00"],
            },
        },
    ],
    "properties": {"date": "2026-11-25", "attribution": "© OpenStreetMap contributors"},
}


class BodyLimit:
    """ASGI middleware refusing bodies over ``max_bytes`` with ``PAYLOAD_TOO_LARGE`` (413),
    by the declared length or while reading, before the application sees them.

    ``larger`` gives paths their own limit: ``{path: (bytes, setting name)}``.
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
        body = ErrorBody(
            "PAYLOAD_TOO_LARGE",
            f"the request body is over the limit of {limit:,} bytes; "
            f"split the ledger or ask for a larger {setting}",
        )
        await error_response(body, headers={"Connection": "close"})(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, setting = self.larger.get(
            scope.get("path", ""), (self.max_bytes, "DOORSTEP_MAX_BODY_BYTES")
        )
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
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def allowed_methods(routes: Sequence[BaseRoute], path: str) -> str:
    """The ``Allow`` header of ``path``: the methods of every route matching it."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.path_regex.match(path):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


def _language_from_header(body: schemas.PlanRequest, request: Request) -> None:
    """Take the manifests' language from ``Accept-Language`` when the body names none."""
    header = request.headers.get("accept-language")
    if body.options.lang is None and header:
        body.options.lang = negotiate(header)


def manifest_link(base: str, volunteer_id: str) -> str:
    """The link of a volunteer's manifest under ``base``, the id percent-encoded."""
    return f"{base}/manifests/{quote(volunteer_id, safe='')}.html"


def job_out(job: JobRecord) -> dict[str, Any]:
    """The ``JobOut`` document of a job."""
    base = f"/v1/jobs/{job.id}"
    links: dict[str, Any] = {"self": base}
    if job.status == "done":
        links["plan"] = f"{base}/plan"
        links["routes"] = f"{base}/routes.geojson"
        links["manifests"] = {v: manifest_link(base, v) for v in job.volunteer_ids}
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "map": job.map_name,
        "date": job.plan_date,
        "households": job.households,
        "time_limit_s": job.time_limit_s,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "attempts": job.attempts,
        "progress": {
            "stage": job.progress_stage,
            "message": job.progress_message,
            "fraction": job.progress_fraction,
        },
        "best_cost": job.best_cost,
        "error": ErrorBody.from_dict(job.error).to_dict() if job.error else None,
        "links": links,
    }


def batch_out(batch: BatchState) -> dict[str, Any]:
    """The ``BatchOut`` document of a batch."""
    base = f"/v1/batches/{batch.id}"
    counts = {s: 0 for s in ("queued", "running", "done", "failed", "cancelled")}
    communities: list[dict[str, Any]] = []
    fractions: list[float] = []
    for c in batch.communities:
        counts[c.status] += 1
        fraction = 1.0 if c.status in FINAL else max(0.0, min(1.0, c.fraction))
        fractions.append(fraction)
        links: dict[str, Any] = {}
        if c.job_id is not None:
            links["job"] = f"/v1/jobs/{c.job_id}"
        if c.status == "done":
            own = f"{base}/communities/{c.community_id}"
            links["plan"] = f"{own}/plan"
            links["routes"] = f"{own}/routes.geojson"
            links["manifests"] = {v: manifest_link(own, v) for v in c.volunteer_ids}
        result = asdict(c.result) if c.result is not None else None
        communities.append(
            {
                "community_id": c.community_id,
                "status": c.status,
                "job_id": c.job_id,
                "tries": c.tries,
                "attempts": c.attempts,
                "failure": c.result.failure or None if c.result is not None else None,
                "error": ErrorBody.from_dict(c.error).to_dict() if c.error else None,
                "progress": {
                    "stage": c.stage,
                    "message": c.message,
                    "fraction": fraction,
                },
                "result": result,
                "links": links,
            }
        )
    n = len(batch.communities)
    fraction = sum(fractions) / n if n else 1.0
    return {
        "id": batch.id,
        "status": batch.status,
        "created_at": _iso(batch.created_at),
        "finished_at": _iso(batch.finished_at),
        "cancel_requested": batch.cancel_requested,
        "progress": {"communities": n, **counts, "fraction": round(fraction, 4)},
        "summary": batch.summary(),
        "communities": communities,
        "links": {"self": base},
    }


class Service:
    """What the routes share: settings, store, maps, supervisor and finish notifications."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.store = JobStore(settings.database_url)
        self.batches = BatchStore(self.store)
        self.maps: dict[str, LoadedMap] = {}
        self.supervisor: Supervisor | None = None
        self._waiters: dict[str, list[Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Create the schema, load the maps, start the workers (blocking; run once)."""
        self.store.create_schema()
        self.maps = load_catalog(self.settings.maps)
        self.supervisor = Supervisor(
            self.store,
            self.settings.maps,
            workers=self.settings.workers,
            lease_s=self.settings.job_lease_s,
            attempts=self.settings.job_attempts,
            watchdog_s=self.settings.job_watchdog_s,
        )
        self.supervisor.on_finish(self._finished)
        self.supervisor.start()
        if self.batches.advance():  # retries owed since the last stop
            self.supervisor.wake()

    def stop(self) -> None:
        """Stop the workers (their running jobs go back to the queue) and close the store."""
        if self.supervisor is not None:
            self.supervisor.stop()
        self.store.dispose()

    def _finished(self, job_id: str, status: str) -> None:
        if status == "failed" and self.batches.advance(job_id=job_id):
            self.wake()  # a batch community's retry is queued
        with self._lock:
            callbacks = self._waiters.pop(job_id, [])
        for cb in callbacks:
            cb()

    def watch(self, job_id: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from another thread) when ``job_id`` ends on this server."""
        with self._lock:
            self._waiters.setdefault(job_id, []).append(callback)

    def unwatch(self, job_id: str) -> None:
        """Forget the callbacks of ``job_id``."""
        with self._lock:
            self._waiters.pop(job_id, None)

    def wake(self) -> None:
        """Tell the supervisor there is work."""
        if self.supervisor is not None:
            self.supervisor.wake()

    def check(self, body: schemas.PlanRequest, *, kind: str) -> dict[str, Any]:
        """Check a request (``kind`` plan, job or batch) against the limits and the ledger
        and return it as the job's request data (``ServiceError`` on any fault)."""
        s = self.settings
        data = body.model_dump(mode="json", exclude_none=True)
        faults = schemas.text_faults(data)
        if faults:  # refused now: such text cannot be stored or shown
            raise ServiceError(
                "INVALID_REQUEST", f"{len(faults)} problem(s) in the request", faults
            )
        request = {k: v for k, v in data.items() if k in schemas.PlanRequest.model_fields}
        if body.map not in self.maps:
            raise ServiceError(
                "UNKNOWN_MAP",
                f"no map named {body.map!r}; this server has {', '.join(sorted(self.maps))}",
                [Detail("request", "map", f"unknown map {body.map!r}")],
            )
        max_h, max_s = (
            (s.sync_max_households, s.sync_max_seconds)
            if kind == "plan"
            else (s.job_max_households, s.job_max_seconds)
        )
        where = {
            "plan": "POST /v1/plans",
            "job": "POST /v1/jobs",
            "batch": "a community of POST /v1/batches",
        }[kind]
        hint = "; send it to POST /v1/jobs and poll GET /v1/jobs/{id}" if kind == "plan" else ""
        limits: list[Detail] = []
        if len(body.households) > max_h:
            limits.append(
                Detail(
                    "request",
                    "households",
                    f"{len(body.households)} households; {where} takes at most {max_h}",
                )
            )
        if body.options.time_limit_s > max_s:
            limits.append(
                Detail(
                    "request",
                    "options.time_limit_s",
                    f"{body.options.time_limit_s:g} s; {where} searches at most {max_s:g} s",
                )
            )
        if limits:
            raise ServiceError("PLAN_TOO_LARGE", f"too large for {where}{hint}", limits)
        points = len(body.households) + len(body.volunteers) + len(body.depots)
        modes = len({v.mode for v in body.volunteers})
        try:  # at most this many distinct points: refused before queueing
            check_matrix_memory(points, modes, matrix_max_bytes())
        except Exception as exc:
            raise as_service_error(exc) from exc
        plan_date(request)
        try:
            ledger_of(request)  # every bad record is reported now, not after queueing
        except Exception as exc:
            raise as_service_error(exc) from exc
        return request

    def submit(self, body: schemas.PlanRequest, caller: Caller, *, kind: str) -> str:
        """Check a request against the limits and the ledger, store it, return the job id."""
        request = self.check(body, kind=kind)
        job_id = self.store.create(
            kind=kind,
            request=request,
            map_name=body.map,
            plan_date=body.date,
            households=len(body.households),
            time_limit_s=body.options.time_limit_s,
            created_by=f"{caller.role}:{caller.fingerprint}",
        )
        log.info("%s %s: %d households, %s", kind, job_id, len(body.households), body.map)
        return job_id

    def submit_batch(self, body: schemas.BatchRequest, caller: Caller) -> str:
        """Store a batch: one job per community whose request passes the checks of
        ``POST /v1/jobs``; a community that does not fails alone, with its error.

        Raises ``PLAN_TOO_LARGE`` over the communities limit and ``INVALID_MANIFEST`` when
        a community id is unusable or repeated (nothing is stored then).
        """
        most = self.settings.batch_max_communities
        n = len(body.communities)
        if n > most:
            raise ServiceError(
                "PLAN_TOO_LARGE",
                f"too many communities for one batch: split it into batches of at most {most}",
                [Detail("request", "communities", f"{n} communities; a batch takes {most}")],
            )
        faults = id_faults(
            (f"communities item {k + 1} (community_id {c.community_id!r})", c.community_id)
            for k, c in enumerate(body.communities)
        )
        if faults:
            raise ServiceError(
                "INVALID_MANIFEST", f"{len(faults)} problem(s) in the communities", faults
            )
        new: list[NewCommunity] = []
        for c in body.communities:
            try:
                request = self.check(c, kind="batch")
            except Exception as exc:
                body_ = classify(exc)
                if body_.code == "INTERNAL":
                    log.error("community %s: unexpected error", c.community_id, exc_info=exc)
                new.append(NewCommunity(c.community_id, error=body_.to_dict()))
                continue
            new.append(
                NewCommunity(
                    c.community_id,
                    request=request,
                    households=len(c.households),
                    time_limit_s=c.options.time_limit_s,
                )
            )
        batch_id = self.batches.create(
            new,
            map_of={c.community_id: c.map for c in body.communities},
            date_of={c.community_id: c.date for c in body.communities},
            created_by=f"{caller.role}:{caller.fingerprint}",
        )
        refused = sum(1 for c in new if c.error is not None)
        log.info("batch %s: %d communities, %d refused at once", batch_id, n, refused)
        return batch_id


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(_service)]
Reader = Annotated[Caller, Depends(require("viewer"))]
Dispatcher = Annotated[Caller, Depends(require("dispatcher"))]
JobId = Annotated[str, Path(min_length=1, max_length=64, description="Job id.")]
BatchId = Annotated[str, Path(min_length=1, max_length=64, description="Batch id.")]
CommunityId = Annotated[str, Path(min_length=1, max_length=200, description="Community id.")]
VolunteerId = Annotated[str, Path(min_length=1, max_length=200, description="Volunteer id.")]

#: OpenAPI responses of the three plan artifacts (a job's, or a batch community's).
_PLAN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": schemas.PlanOut, "description": "plan.json"},
    **_errors(401, 403, 404, 409, 422),
}
_ROUTES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {GEOJSON: {"schema": {"type": "object"}, "example": _ROUTES_EXAMPLE}},
        "description": "routes.geojson: street lines per run, stops with ETA",
    },
    **_errors(401, 403, 404, 409, 422),
}
_MANIFEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {"schema": {"type": "string"}, "example": _MANIFEST}},
        "description": "A printable page: ordered stops, items, ETA windows, map.",
    },
    **_errors(401, 403, 404, 409, 422),
}


def _static_dir() -> Any:
    return resources.files("api") / "static"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The FastAPI application (maps and workers start with its lifespan)."""
    settings = settings or ServiceSettings.from_env()
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.api_keys:
            log.warning("no API keys configured (DOORSTEP_API_KEYS): every /v1 call gets 401")
        await run_in_threadpool(service.start)
        log.info("maps loaded: %s", ", ".join(service.maps))
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)

    app = FastAPI(
        title="Doorstep dispatch API",
        version="1.0",
        description="Daily volunteer delivery runs over real OpenStreetMap streets. "
        "Every error has the shape {code, message, details}; see docs/API.md. "
        "Map data © OpenStreetMap contributors.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={"/v1/batches": (settings.batch_max_body_bytes, "DOORSTEP_BATCH_MAX_BODY_BYTES")},
    )

    # ------------------------------------------------------------ errors

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(classify(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            Detail(
                ".".join(str(p) for p in e.get("loc", ())[:-1]) or "request",
                str(e.get("loc", ("",))[-1]),
                str(e.get("msg", "invalid")),
            )
            for e in exc.errors()
        ]
        n = len(details)
        return error_response(
            ErrorBody("INVALID_REQUEST", f"{n} problem(s) in the request", tuple(details))
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            allowed = allowed_methods(request.app.router.routes, request.url.path)
            return error_response(
                ErrorBody("METHOD_NOT_ALLOWED", f"method not allowed here; allowed: {allowed}"),
                headers={"Allow": allowed},
            )
        if exc.status_code == 404:
            return error_response(ErrorBody("NOT_FOUND", "no such path"))
        return error_response(ErrorBody("INVALID_REQUEST", str(exc.detail)))

    @app.exception_handler(Exception)
    async def _any(_request: Request, exc: Exception) -> JSONResponse:
        body = classify(exc)
        if body.code == "INTERNAL":
            log.error("unexpected error", exc_info=exc)
        return error_response(body)

    # ------------------------------------------------------------ probes

    @app.get("/healthz", tags=["probes"], response_model=schemas.Health)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers (no key needed)."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["probes"],
        response_model=schemas.Readiness,
        responses={503: {"model": schemas.ErrorOut, "description": "Error: NOT_READY"}},
    )
    async def readyz() -> Any:
        """Readiness: database answers, maps loaded, a solver process up (no key needed)."""
        db_ok = await run_in_threadpool(service.store.ping)
        sup = service.supervisor
        workers = sup.workers() if sup is not None else []
        if not (db_ok and service.maps and sup is not None and sup.ready()):
            why = [] if db_ok else ["the database does not answer"]
            if sup is None or not sup.ready():
                why.append("no solver process is ready")
            return error_response(ErrorBody("NOT_READY", "; ".join(why) or "starting"))
        counts = await run_in_threadpool(service.store.counts)
        return {
            "status": "ready",
            "database": db_ok,
            "maps": sorted(service.maps),
            "workers": workers,
            "jobs": counts,
        }

    # ------------------------------------------------------------ maps

    @app.get("/v1/maps", tags=["maps"], response_model=schemas.MapList, responses=_errors(401, 403))
    async def list_maps(_caller: Reader) -> dict[str, Any]:
        """The street maps this server plans on (loaded at start-up)."""
        return {"maps": [m.info() for m in service.maps.values()]}

    @app.get(
        "/v1/maps/{name}/streets.geojson",
        tags=["maps"],
        response_class=Response,
        responses={
            200: {
                "content": {GEOJSON: {"schema": {"type": "object"}, "example": _STREETS_EXAMPLE}},
                "description": "The streets of the map's walking graph (MultiLineString).",
            },
            **_errors(*_READ),
        },
    )
    async def map_streets(
        name: Annotated[str, Path(min_length=1, max_length=200)], _caller: Reader
    ) -> Response:
        """Streets of a map as GeoJSON (base layer of the map page when tiles are off)."""
        loaded = service.maps.get(name)
        if loaded is None:
            raise ServiceError("NOT_FOUND", f"no map named {name!r}")
        return Response(loaded.streets_geojson, media_type=GEOJSON)

    # ------------------------------------------------------------ plans and jobs

    async def _wait(job_id: str, timeout: float) -> JobRecord:
        loop = asyncio.get_running_loop()
        event = asyncio.Event()

        def wake() -> None:
            loop.call_soon_threadsafe(event.set)

        service.watch(job_id, wake)
        deadline = loop.time() + timeout
        try:
            while True:
                job = await run_in_threadpool(service.store.get, job_id)
                if job.status in FINAL or loop.time() >= deadline:
                    return job
                with suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(1.0, deadline - loop.time()))
        finally:
            service.unwatch(job_id)

    @app.post(
        "/v1/plans",
        tags=["plans"],
        response_class=Response,
        responses={
            200: {"model": schemas.PlanOut, "description": "plan.json of the day"},
            **_errors(401, 403, 409, 413, 422, 500, 503),
        },
    )
    async def create_plan(
        body: schemas.PlanRequest, caller: Dispatcher, request: Request
    ) -> Response:
        """Plan a small day synchronously and answer with its ``plan.json``.

        Limits (server settings): at most 60 households and 5 s of search by default;
        above them the answer is ``PLAN_TOO_LARGE`` (413): use ``POST /v1/jobs``. The plan
        is stored as a job too: header ``X-Doorstep-Job`` names it.
        """
        _language_from_header(body, request)
        job_id = await run_in_threadpool(service.submit, body, caller, kind="plan")
        service.wake()
        job = await _wait(job_id, settings.sync_wait_s)
        headers = {"X-Doorstep-Job": job_id}
        if job.status == "done":
            text = await run_in_threadpool(service.store.plan, job_id)
            warnings = [w["code"] for w in json.loads(text).get("warnings", [])]
            if warnings:
                headers["X-Doorstep-Warning"] = ",".join(warnings)
            return Response(text, media_type="application/json", headers=headers)
        if job.status == "failed" and job.error:
            return error_response(ErrorBody.from_dict(job.error), headers=headers)
        if job.status == "cancelled":
            raise ServiceError("JOB_NOT_DONE", f"plan {job_id} was cancelled")
        return error_response(
            ErrorBody(
                "BUSY",
                f"the plan did not finish within {settings.sync_wait_s:g} s; it goes on as "
                f"job {job_id}: poll GET /v1/jobs/{job_id}",
            ),
            headers=headers,
        )

    @app.post(
        "/v1/jobs",
        tags=["jobs"],
        status_code=202,
        response_model=schemas.JobOut,
        responses=_errors(401, 403, 413, 422),
    )
    async def create_job(
        body: schemas.PlanRequest, caller: Dispatcher, response: Response, request: Request
    ) -> dict[str, Any]:
        """Queue a plan of any size (up to the job limits); poll ``GET /v1/jobs/{id}``.
        The manifests are in ``options.lang``, else the ``Accept-Language`` language."""
        _language_from_header(body, request)
        job_id = await run_in_threadpool(service.submit, body, caller, kind="job")
        service.wake()
        response.headers["Location"] = f"/v1/jobs/{job_id}"
        return job_out(await run_in_threadpool(service.store.get, job_id))

    @app.get(
        "/v1/jobs",
        tags=["jobs"],
        response_model=schemas.JobList,
        responses=_errors(401, 403, 422),
    )
    async def list_jobs(
        _caller: Reader,
        limit: Annotated[int, Query(ge=1, le=200, description="How many, newest first.")] = 50,
        status: Annotated[schemas.JobStatusName | None, Query(description="Only this status.")] = (
            None
        ),
    ) -> dict[str, Any]:
        """Recent jobs, newest first (synchronous plans included)."""
        records = await run_in_threadpool(lambda: service.store.recent(limit=limit, status=status))
        return {"jobs": [job_out(j) for j in records]}

    @app.get(
        "/v1/jobs/{job_id}",
        tags=["jobs"],
        response_model=schemas.JobOut,
        responses=_errors(*_READ),
    )
    async def get_job(job_id: JobId, _caller: Reader) -> dict[str, Any]:
        """A job's status, progress and best cost so far."""
        return job_out(await run_in_threadpool(service.store.get, job_id))

    @app.delete(
        "/v1/jobs/{job_id}",
        tags=["jobs"],
        response_model=schemas.JobOut,
        responses=_errors(401, 403, 404, 409, 422),
    )
    async def cancel_job(job_id: JobId, _caller: Dispatcher) -> dict[str, Any]:
        """Cancel a job: at once when queued; a running one stops within a second or so
        (status ``running`` with progress message ``cancelling`` until then)."""
        job = await run_in_threadpool(service.store.cancel, job_id)
        service.wake()
        return job_out(job)

    @app.get(
        "/v1/jobs/{job_id}/plan",
        tags=["jobs"],
        response_class=Response,
        responses=_PLAN_RESPONSES,
    )
    async def job_plan(job_id: JobId, _caller: Reader) -> Response:
        """The ``plan.json`` of a done job."""
        text = await run_in_threadpool(service.store.plan, job_id)
        return Response(text, media_type="application/json")

    @app.get(
        "/v1/jobs/{job_id}/routes.geojson",
        tags=["jobs"],
        response_class=Response,
        responses=_ROUTES_RESPONSES,
    )
    async def job_routes(job_id: JobId, _caller: Reader) -> Response:
        """The ``routes.geojson`` of a done job (lines per run, stops with ETA)."""
        text = await run_in_threadpool(service.store.routes, job_id)
        return Response(text, media_type=GEOJSON)

    @app.get(
        "/v1/jobs/{job_id}/manifests/{volunteer_id}.html",
        tags=["jobs"],
        response_class=Response,
        responses=_MANIFEST_RESPONSES,
    )
    async def job_manifest(
        job_id: JobId,
        volunteer_id: VolunteerId,
        _caller: Reader,
    ) -> HTMLResponse:
        """The printable manifest of one volunteer's run."""
        html = await run_in_threadpool(service.store.manifest, job_id, volunteer_id)
        return HTMLResponse(html)

    # ------------------------------------------------------------ batches

    @app.post(
        "/v1/batches",
        tags=["batches"],
        status_code=202,
        response_model=schemas.BatchOut,
        responses=_errors(401, 403, 413, 422),
    )
    async def create_batch(
        body: schemas.BatchRequest, caller: Dispatcher, response: Response
    ) -> dict[str, Any]:
        """Queue a batch: every community is planned as its own job (the same checks and
        limits as ``POST /v1/jobs`` per community). A community whose input is refused
        fails alone at once; the request itself is refused only when it is malformed,
        has too many communities, or an unusable or repeated community id. Poll
        ``GET /v1/batches/{id}``."""
        batch_id = await run_in_threadpool(service.submit_batch, body, caller)
        service.wake()
        response.headers["Location"] = f"/v1/batches/{batch_id}"
        return batch_out(await run_in_threadpool(service.batches.get, batch_id))

    @app.get(
        "/v1/batches",
        tags=["batches"],
        response_model=schemas.BatchList,
        responses=_errors(401, 403, 422),
    )
    async def list_batches(
        _caller: Reader,
        limit: Annotated[int, Query(ge=1, le=100, description="How many, newest first.")] = 20,
    ) -> dict[str, Any]:
        """Recent batches, newest first."""
        records = await run_in_threadpool(lambda: service.batches.recent(limit=limit))
        return {"batches": [batch_out(b) for b in records]}

    @app.get(
        "/v1/batches/{batch_id}",
        tags=["batches"],
        response_model=schemas.BatchOut,
        responses=_errors(*_READ),
    )
    async def get_batch(batch_id: BatchId, _caller: Reader) -> dict[str, Any]:
        """A batch's status, progress, city summary and every community's state."""
        return batch_out(await run_in_threadpool(service.batches.get, batch_id))

    @app.delete(
        "/v1/batches/{batch_id}",
        tags=["batches"],
        response_model=schemas.BatchOut,
        responses=_errors(401, 403, 404, 409, 422),
    )
    async def cancel_batch(batch_id: BatchId, _caller: Dispatcher) -> dict[str, Any]:
        """Cancel every unfinished community (finished ones keep their plans); 409
        ``JOB_FINISHED`` once the batch is done or failed."""
        batch = await run_in_threadpool(service.batches.cancel, batch_id)
        service.wake()
        return batch_out(batch)

    @app.get(
        "/v1/batches/{batch_id}/communities/{community_id}/plan",
        tags=["batches"],
        response_class=Response,
        responses=_PLAN_RESPONSES,
    )
    async def community_plan(
        batch_id: BatchId, community_id: CommunityId, _caller: Reader
    ) -> Response:
        """The ``plan.json`` of a planned community."""
        job_id = await run_in_threadpool(service.batches.community_job, batch_id, community_id)
        text = await run_in_threadpool(service.store.plan, job_id)
        return Response(text, media_type="application/json")

    @app.get(
        "/v1/batches/{batch_id}/communities/{community_id}/routes.geojson",
        tags=["batches"],
        response_class=Response,
        responses=_ROUTES_RESPONSES,
    )
    async def community_routes(
        batch_id: BatchId, community_id: CommunityId, _caller: Reader
    ) -> Response:
        """The ``routes.geojson`` of a planned community."""
        job_id = await run_in_threadpool(service.batches.community_job, batch_id, community_id)
        text = await run_in_threadpool(service.store.routes, job_id)
        return Response(text, media_type=GEOJSON)

    @app.get(
        "/v1/batches/{batch_id}/communities/{community_id}/manifests/{volunteer_id}.html",
        tags=["batches"],
        response_class=Response,
        responses=_MANIFEST_RESPONSES,
    )
    async def community_manifest(
        batch_id: BatchId, community_id: CommunityId, volunteer_id: VolunteerId, _caller: Reader
    ) -> HTMLResponse:
        """The printable manifest of one volunteer of a planned community."""
        job_id = await run_in_threadpool(service.batches.community_job, batch_id, community_id)
        html = await run_in_threadpool(service.store.manifest, job_id, volunteer_id)
        return HTMLResponse(html)

    # ------------------------------------------------------------ the map page

    static = _static_dir()

    @app.get("/", include_in_schema=False)
    @app.get("/ui", include_in_schema=False)
    async def map_page() -> FileResponse:
        return FileResponse(str(static / "index.html"), media_type="text/html")

    @app.get("/ui/config.json", include_in_schema=False)
    async def page_config() -> dict[str, Any]:
        return {"tiles": settings.tiles, "attribution": "© OpenStreetMap contributors"}

    import xstatic.pkg.leaflet as leaflet

    app.mount("/static/leaflet", StaticFiles(directory=leaflet.BASE_DIR), name="leaflet")
    app.mount("/static/app", StaticFiles(directory=str(static)), name="app-static")
    return app
