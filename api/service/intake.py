"""What a plan request must pass before anything is queued: its text, the map, the size
limits of its entry (``POST /v1/plans``, ``POST /v1/jobs``, a community of
``POST /v1/batches``), the memory of its matrices, the date and every ledger record; and
a solve request (``POST /v1/solve``, ``POST /v1/solve/jobs``): its text, size and problem.
Database-free; each fault is a ``ServiceError`` naming the record and field."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from api.errors import ServiceError, as_service_error, classify
from api.i18n import N_, Message
from api.plan.batch import id_faults
from api.plan.travel import check_matrix_memory
from api.service import schemas
from api.service.batches import NewCommunity
from api.service.planning import ledger_of, plan_date, rules_of
from api.service.solve_schemas import SolveProblem, VroomProblem
from api.service.solving import SOLVE, solve_input
from api.settings import ServiceSettings, matrix_max_bytes
from solver.errors import Detail

log = logging.getLogger("doorstep.service")

#: Where each kind of request comes in (named in refusals).
ENTRY = {
    "plan": "POST /v1/plans",
    "job": "POST /v1/jobs",
    "batch": N_("a community of POST /v1/batches"),
    "solve": "POST /v1/solve",
    "solvejob": "POST /v1/solve/jobs",
    "validate": "POST /v1/plans:validate",
}
#: Where a request too large to wait for goes instead.
_INSTEAD = {"plan": "POST /v1/jobs", "solve": "POST /v1/solve/jobs"}


def size_faults(
    kind: str, settings: ServiceSettings, *, items: tuple[str, int], time_limit_s: float
) -> list[Detail]:
    """The limits of ``kind`` (a key of :data:`ENTRY`) that a request goes over: its
    ``items`` (``("households", n)`` or ``("jobs", n)``; both limited as households), and
    seconds of search."""
    s = settings
    most_h, most_s = (
        (s.sync_max_households, s.sync_max_seconds)
        if kind in _INSTEAD
        else (s.job_max_households, s.job_max_seconds)
    )
    where = Message(ENTRY[kind])
    faults: list[Detail] = []
    field, n = items
    if n > most_h:
        said = Message(
            N_("%(n)d %(field)s; %(where)s takes at most %(most)d"),
            n=n,
            field=field,
            where=where,
            most=most_h,
        )
        faults.append(Detail("request", field, said))
    t = time_limit_s
    if t > most_s:
        faults.append(
            Detail(
                "request",
                "options.time_limit_s",
                Message(
                    N_("%(t)s s; %(where)s searches at most %(most)s s"),
                    t=f"{t:g}",
                    where=where,
                    most=f"{most_s:g}",
                ),
            )
        )
    return faults


def check_request(
    body: schemas.PlanRequest, kind: str, settings: ServiceSettings, maps: Collection[str]
) -> dict[str, Any]:
    """Check a request of ``kind`` (``plan``, ``job``, ``batch`` or ``validate``): its
    text, the server's maps, its limits, the memory of its matrices, the date, the ledger
    and the day rules; return it as the job's request data.

    Raises
    ------
    ServiceError
        ``INVALID_REQUEST``, ``UNKNOWN_MAP``, ``PLAN_TOO_LARGE``, the matrix memory's code,
        the ledger's code or ``INVALID_RULES``.
    """
    data = body.model_dump(mode="json", exclude_none=True)
    faults = schemas.text_faults(data)
    if faults:  # refused now: such text cannot be stored or shown
        raise ServiceError("INVALID_REQUEST", request_problems(len(faults)), faults)
    request = {k: v for k, v in data.items() if k in schemas.PlanRequest.model_fields}
    if body.map not in maps:
        raise ServiceError(
            "UNKNOWN_MAP",
            Message(
                N_("no map named %(name)s; this server has %(maps)s"),
                name=repr(body.map),
                maps=", ".join(sorted(maps)),
            ),
            [Detail("request", "map", Message(N_("unknown map %(name)s"), name=repr(body.map)))],
        )
    _check_size(
        kind,
        settings,
        items=("households", len(body.households)),
        time_limit_s=body.options.time_limit_s,
    )
    points = len(body.households) + len(body.volunteers) + len(body.depots)
    modes = len({v.mode for v in body.volunteers})
    try:  # at most this many distinct points: refused before queueing
        check_matrix_memory(points, modes, matrix_max_bytes())
    except Exception as exc:
        raise as_service_error(exc) from exc
    plan_date(request)
    try:
        ledger_of(request)  # every bad record is reported now, not after queueing
        rules_of(request)
    except Exception as exc:
        raise as_service_error(exc) from exc
    return request


def _check_size(
    kind: str, settings: ServiceSettings, *, items: tuple[str, int], time_limit_s: float
) -> None:
    """``PLAN_TOO_LARGE`` when the request goes over the limits of ``kind``."""
    faults = size_faults(kind, settings, items=items, time_limit_s=time_limit_s)
    if faults:
        instead = _INSTEAD.get(kind)
        said = (
            Message(
                N_("too large for %(where)s; send it to %(instead)s and poll GET /v1/jobs/{id}"),
                where=Message(ENTRY[kind]),
                instead=instead,
            )
            if instead
            else Message(N_("too large for %(where)s"), where=Message(ENTRY[kind]))
        )
        raise ServiceError("PLAN_TOO_LARGE", said, faults)


def check_solve(
    body: SolveProblem | VroomProblem, kind: str, settings: ServiceSettings
) -> dict[str, Any]:
    """Check a solve request of ``kind`` (``solve`` or ``solvejob``): its text, its
    limits, and the problem it makes; return it as the job's request data.

    Raises
    ------
    ServiceError
        ``INVALID_REQUEST``, ``PLAN_TOO_LARGE`` or ``INVALID_PROBLEM``.
    """
    data = body.model_dump(mode="json", exclude_none=True)
    faults = schemas.text_faults(data)
    if faults:
        raise ServiceError("INVALID_REQUEST", request_problems(len(faults)), faults)
    _check_size(
        kind, settings, items=("jobs", len(body.jobs)), time_limit_s=body.options.time_limit_s
    )
    try:
        solve_input(body)  # every fault of the problem is reported now, not after queueing
    except Exception as exc:
        raise as_service_error(exc) from exc
    return {SOLVE: data}


def check_batch(
    body: schemas.BatchRequest, settings: ServiceSettings, maps: Collection[str]
) -> list[NewCommunity]:
    """The communities of a batch, each with its checked request or, when refused (as by
    :func:`check_request`), its error: a refused community fails alone.

    Raises
    ------
    ServiceError
        ``PLAN_TOO_LARGE`` over the communities limit, ``INVALID_MANIFEST`` when a community
        id is unusable or repeated (the whole batch is refused).
    """
    most = settings.batch_max_communities
    n = len(body.communities)
    if n > most:
        raise ServiceError(
            "PLAN_TOO_LARGE",
            Message(
                N_("too many communities for one batch: split it into batches of at most %(most)d"),
                most=most,
            ),
            [
                Detail(
                    "request",
                    "communities",
                    Message(N_("%(n)d communities; a batch takes %(most)d"), n=n, most=most),
                )
            ],
        )
    faults = id_faults(
        (_community_record(k + 1, c.community_id), c.community_id)
        for k, c in enumerate(body.communities)
    )
    faults += [
        Detail(
            _community_record(k + 1, c.community_id),
            "community",
            Message(
                N_("%(given)s differs from community_id: a batch community is its community_id"),
                given=repr(c.community),
            ),
        )
        for k, c in enumerate(body.communities)
        if c.community is not None and c.community != c.community_id
    ]
    if faults:
        raise ServiceError(
            "INVALID_MANIFEST",
            Message(N_("%(n)d problem(s) in the communities"), n=len(faults)),
            faults,
        )
    return [_community(c, settings, maps) for c in body.communities]


def request_problems(n: int) -> Message:
    """The head of an ``INVALID_REQUEST`` with ``n`` details."""
    return Message(N_("%(n)d problem(s) in the request"), n=n)


def _community_record(item: int, community_id: str) -> Message:
    """The record of a batch's community: its position and id."""
    return Message(
        N_("communities item %(item)d (community_id %(id)s)"), item=item, id=repr(community_id)
    )


def _community(
    c: schemas.CommunityIn, settings: ServiceSettings, maps: Collection[str]
) -> NewCommunity:
    try:
        request = check_request(c, "batch", settings, maps)
    except Exception as exc:
        error = classify(exc)
        if error.code == "INTERNAL":
            log.error("community %s: unexpected error", c.community_id, exc_info=exc)
        return NewCommunity(c.community_id, error=error.to_stored())
    return NewCommunity(
        c.community_id,
        request=request,
        households=len(c.households),
        time_limit_s=c.options.time_limit_s,
    )
