"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.errors import ErrorBody
from api.i18n import N_, Message, joined
from api.service import schemas
from api.service.error_handlers import error_response
from api.service.routes.deps import Language, ServiceDep
from api.service.routes.openapi import error_responses
from api.service.state import Service

router = APIRouter(tags=["probes"])


@router.get("/healthz", response_model=schemas.Health)
async def healthz() -> dict[str, str]:
    """Liveness: the process answers (no key needed)."""
    return {"status": "ok"}


def not_ready(service: Service, db_ok: bool) -> list[str]:
    """Why the server cannot take work yet (empty when it can), as catalog sentences."""
    sup = service.supervisor
    why: list[str] = [] if db_ok else [Message(N_("the database does not answer"))]
    if sup is None or not sup.ready():
        why.append(Message(N_("no solver process is ready")))
    if not why and not service.maps:
        why.append(Message(N_("starting")))
    return why


@router.get(
    "/readyz",
    response_model=schemas.Readiness,
    responses=error_responses("Readiness", "NOT_READY"),
)
async def readyz(service: ServiceDep, language: Language) -> Any:
    """Readiness: database answers, maps loaded, a solver process up (no key needed);
    the reasons it is not, in the ``Accept-Language`` language."""
    db_ok = await run_in_threadpool(service.store.ping)
    why = not_ready(service, db_ok)
    if why:
        return error_response(ErrorBody("NOT_READY", joined(why)).in_language(language))
    sup = service.supervisor
    return {
        "status": "ready",
        "database": db_ok,
        "maps": sorted(service.maps),
        "workers": sup.workers() if sup is not None else [],
        "jobs": await run_in_threadpool(service.store.counts),
    }
