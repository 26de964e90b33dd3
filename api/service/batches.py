"""Batches of communities over the job machinery: one job per community.

A batch (``POST /v1/batches``) is a ``batches`` row and one ``batch_communities`` row per
community. Each community whose request passes the same checks as ``POST /v1/jobs`` gets
a job of kind ``batch`` (queued after plans and single jobs); so solving, progress,
cancelling, solver-process isolation and crash recovery are those of jobs
(:mod:`api.service.workers`, :meth:`api.service.db.JobStore.reap`). A community refused at
submission (bad records, bad date, unknown map, over the job limits) fails alone at once,
with its error, and gets no job.

Nothing about a batch's state is stored beside its jobs except what cannot be derived: the
community's current job and number of tries, and the cancel request. Status, progress and
the city summary are computed from the jobs when read, so a server killed at any moment
leaves nothing to repair: on restart the jobs are re-run or failed by the job machinery,
and a failure still owed its retry gets it at the next :meth:`BatchStore.advance`.

Failure classes and the retry rule are those of ``doorstep plan-batch``
(:func:`api.plan.batch.failure_class`): a community whose job failed for a reason other than
its input (``defect``, ``crash``) is run once more as a new job; ``INTERRUPTED`` is not, as
the job machinery already ran it again. The summary is :func:`api.plan.batch.city_summary`.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.sql.expression import Update

from api.errors import KINDS, ErrorBody, ServiceError
from api.i18n import N_, Message
from api.plan.batch import BatchSettings, CommunityResult, city_summary, community_result_of
from api.plan.batch import failure_class as _failure_class
from api.service.db import (
    FINAL,
    JobStore,
    NewJob,
    batch_communities,
    batches,
    jobs,
    manifests,
    results,
)

#: Times a community failing for a reason other than its input is run again.
RETRIES = BatchSettings().retries

BATCH_STATUSES = ("queued", "running", "done", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class NewCommunity:
    """One community of a new batch: its id, and either its checked request or its error.

    Attributes
    ----------
    community_id
        The community.
    request
        The job request body (``POST /v1/jobs`` shape), when it passed the checks.
    households, time_limit_s
        Size and search time of the request (for the job row).
    error
        The error object (``{"code", "message", "details"}``) when it was refused.
    """

    community_id: str
    request: dict[str, Any] | None = None
    households: int = 0
    time_limit_s: float = 0.0
    error: dict[str, Any] | None = None


def failure_of(error: dict[str, Any] | None) -> tuple[str, bool]:
    """Failure class of a community's error object and whether it is retried."""
    code = str((error or {}).get("code", "INTERNAL"))
    kind = KINDS.get(code, KINDS["INTERNAL"])
    failure, retryable = _failure_class(kind.exit_status)
    if code == "INTERRUPTED":  # already run again by the job machinery
        return failure, False
    return failure, retryable


def _error_text(error: dict[str, Any]) -> str:
    body = ErrorBody.from_dict(error)
    parts = [f"{body.code}: {body.message}"]
    parts += [f"{d.record} {d.field}: {d.problem}".strip() for d in body.details[:5]]
    if len(body.details) > 5:
        parts.append(f"... and {len(body.details) - 5} more")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class CommunityState:
    """One community as read: where it is and, once finished, its result."""

    position: int
    community_id: str
    status: str
    job_id: str | None
    tries: int
    attempts: int
    stage: str
    message: str
    fraction: float
    error: dict[str, Any] | None
    result: CommunityResult | None
    started_at: float | None
    finished_at: float | None
    volunteer_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class BatchState:
    """A batch as read: its derived status and every community's state."""

    id: str
    created_by: str
    created_at: float
    cancel_requested: bool
    status: str
    communities: tuple[CommunityState, ...]

    @property
    def finished_at(self) -> float | None:
        """When the last community ended, once all have."""
        if self.status not in FINAL:
            return None
        ends = [c.finished_at for c in self.communities if c.finished_at is not None]
        return max(ends, default=self.created_at)

    def summary(self) -> dict[str, Any]:
        """The city summary (:func:`api.plan.batch.city_summary`) over the communities finished
        so far (all of them once the batch is done)."""
        finished = [c.result for c in self.communities if c.result is not None]
        end = self.finished_at or time.time()
        return city_summary(finished, end - self.created_at)


def _batch_status(cancel_requested: bool, communities: Sequence[CommunityState]) -> str:
    statuses = [c.status for c in communities]
    if all(s in FINAL for s in statuses):
        if cancel_requested and "cancelled" in statuses:
            return "cancelled"
        return "done" if "done" in statuses else "failed"
    if all(c.status == "queued" for c in communities if c.job_id is not None):
        return "queued"  # (communities refused at submission do not count)
    return "running"


def no_batch(batch_id: str) -> Message:
    """``NOT_FOUND``'s sentence for a batch id that names none."""
    return Message(N_("no batch %(batch)s"), batch=repr(batch_id))


def no_community(community_id: str, batch_id: str) -> Message:
    """``NOT_FOUND``'s sentence for a community a batch does not have."""
    return Message(
        N_("no community %(community)s in batch %(batch)s"),
        community=repr(community_id),
        batch=batch_id,
    )


class BatchStore:
    """Every read and write of batches, on the job store's database.

    Parameters
    ----------
    store
        The job store (its engine and its job operations).
    """

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.engine = store.engine

    # ------------------------------------------------------------ creating

    def create(
        self,
        communities: Sequence[NewCommunity],
        *,
        map_of: dict[str, str],
        date_of: dict[str, str],
        created_by: str,
    ) -> str:
        """Store a batch and a queued job per accepted community, in one transaction.

        Parameters
        ----------
        communities
            In request order.
        map_of, date_of
            Map name and plan date of each accepted community (by id).
        created_by
            Role and key fingerprint of the caller.
        """
        now = time.time()
        batch_id = uuid.uuid4().hex
        with self.engine.begin() as conn:
            conn.execute(
                batches.insert().values(
                    id=batch_id,
                    created_by=created_by,
                    created_at=now,
                    communities=len(communities),
                    cancel_requested=False,
                )
            )
            rows = []
            for position, c in enumerate(communities):
                job_id = None
                if c.request is not None:
                    row = NewJob(
                        kind="batch",
                        request=c.request,
                        map_name=map_of[c.community_id],
                        plan_date=date_of[c.community_id],
                        households=c.households,
                        time_limit_s=c.time_limit_s,
                        created_by=created_by,
                        community=c.community_id,
                    ).row()
                    conn.execute(jobs.insert().values(**row))
                    job_id = row["id"]
                rows.append(
                    {
                        "batch_id": batch_id,
                        "position": position,
                        "community_id": c.community_id,
                        "job_id": job_id,
                        "tries": 1,
                        "error": c.error,
                        "result": None,
                    }
                )
            conn.execute(batch_communities.insert(), rows)
        return batch_id

    # ------------------------------------------------------------ retries

    def advance(self, *, batch_id: str | None = None, job_id: str | None = None) -> int:
        """Give each community whose job failed for a reason other than its input its one
        retry (a new job), unless its batch is being cancelled; return how many started.

        Two servers may call this at once: the community's job is swapped by a conditional
        update, so a failure is retried once only.
        """
        q = (
            select(
                batch_communities.c.batch_id,
                batch_communities.c.position,
                batch_communities.c.job_id,
                jobs.c.error,
            )
            .select_from(
                batch_communities.join(jobs, jobs.c.id == batch_communities.c.job_id).join(
                    batches, batches.c.id == batch_communities.c.batch_id
                )
            )
            .where(
                and_(
                    jobs.c.status == "failed",
                    batch_communities.c.tries <= RETRIES,
                    batches.c.cancel_requested.is_(False),
                )
            )
        )
        if batch_id is not None:
            q = q.where(batch_communities.c.batch_id == batch_id)
        if job_id is not None:
            q = q.where(batch_communities.c.job_id == job_id)
        with self.engine.connect() as conn:
            candidates = conn.execute(q).all()
        started = 0
        for cand in candidates:
            if not failure_of(json_value(cand.error))[1]:
                continue
            try:
                with self.engine.begin() as conn:
                    old = conn.execute(select(jobs).where(jobs.c.id == cand.job_id)).first()
                    if old is None:
                        continue
                    row = _retry_of(old).row()
                    why = _error_text(json_value(old.error) or {})
                    row["progress_message"] = f"run again: the previous try failed ({why})"
                    conn.execute(jobs.insert().values(**row))
                    swapped = conn.execute(
                        update(batch_communities)
                        .where(
                            and_(
                                batch_communities.c.batch_id == cand.batch_id,
                                batch_communities.c.position == cand.position,
                                batch_communities.c.job_id == cand.job_id,
                            )
                        )
                        .values(job_id=row["id"], tries=batch_communities.c.tries + 1)
                    )
                    if swapped.rowcount != 1:
                        raise _AlreadyRetriedError
            except _AlreadyRetriedError:
                continue  # another server retried it first; the new job was rolled back
            started += 1
        return started

    # ------------------------------------------------------------ reading

    def get(self, batch_id: str, *, community: str | None = None) -> BatchState:
        """The batch ``batch_id`` (``NOT_FOUND`` if none); caches finished communities'
        figures on first read. With ``community``, the batch as that community sees it:
        its own community only (status and summary of it alone), and ``NOT_FOUND`` when
        the batch has no such community."""
        state = self._get(batch_id)
        if community is None:
            return state
        own = tuple(c for c in state.communities if c.community_id == community)
        if not own:
            raise ServiceError("NOT_FOUND", no_batch(batch_id))
        return replace(state, communities=own, status=_batch_status(state.cancel_requested, own))

    def _get(self, batch_id: str) -> BatchState:
        self.advance(batch_id=batch_id)
        with self.engine.connect() as conn:
            head = conn.execute(select(batches).where(batches.c.id == batch_id)).first()
            if head is None:
                raise ServiceError("NOT_FOUND", no_batch(batch_id))
            rows = conn.execute(
                select(
                    batch_communities,
                    jobs.c.status,
                    jobs.c.attempts,
                    jobs.c.progress_stage,
                    jobs.c.progress_message,
                    jobs.c.progress_fraction,
                    jobs.c.error.label("job_error"),
                    jobs.c.started_at,
                    jobs.c.finished_at,
                )
                .select_from(
                    batch_communities.outerjoin(jobs, jobs.c.id == batch_communities.c.job_id)
                )
                .where(batch_communities.c.batch_id == batch_id)
                .order_by(batch_communities.c.position)
            ).all()
            done = [r.job_id for r in rows if r.status == "done"]
            vids: dict[str, list[str]] = {}
            if done:
                for job_id, vid in conn.execute(
                    select(manifests.c.job_id, manifests.c.volunteer_id)
                    .where(manifests.c.job_id.in_(done))
                    .order_by(manifests.c.job_id, manifests.c.volunteer_id)
                ):
                    vids.setdefault(str(job_id), []).append(str(vid))
        cancel = bool(head.cancel_requested)
        states = tuple(self._community(r, cancel, tuple(vids.get(str(r.job_id), ()))) for r in rows)
        return BatchState(
            id=head.id,
            created_by=head.created_by,
            created_at=head.created_at,
            cancel_requested=cancel,
            status=_batch_status(cancel, states),
            communities=states,
        )

    def _community(self, r: Any, cancel: bool, volunteer_ids: tuple[str, ...]) -> CommunityState:
        if r.job_id is None:  # refused at submission: its input, whatever the code
            error = json_value(r.error) or {}
            failure = "input"
            return CommunityState(
                position=r.position,
                community_id=r.community_id,
                status="failed",
                job_id=None,
                tries=r.tries,
                attempts=0,
                stage="failed",
                message=str(error.get("message", "")),
                fraction=1.0,
                error=error,
                result=CommunityResult(
                    community_id=r.community_id,
                    ok=False,
                    failure=failure,
                    error=_error_text(error),
                    attempts=0,
                ),
                started_at=None,
                finished_at=None,
            )
        status = str(r.status)
        stage, message = str(r.progress_stage or ""), str(r.progress_message or "")
        error = json_value(r.job_error)
        result: CommunityResult | None = None
        if status == "failed":
            failure, retryable = failure_of(error)
            if retryable and r.tries <= RETRIES and not cancel:
                status = "queued"  # its retry is owed (advance() creates it)
                stage, message = "queued", "failed once; waiting for its retry"
            else:
                result = CommunityResult(
                    community_id=r.community_id,
                    ok=False,
                    failure=failure,
                    error=_error_text(error or {}),
                    attempts=r.tries,
                )
        elif status == "cancelled":
            result = CommunityResult(
                community_id=r.community_id,
                ok=False,
                failure="cancelled",
                error="cancelled on request",
                attempts=r.tries,
            )
        elif status == "done":
            result = self._done_result(r)
        return CommunityState(
            position=r.position,
            community_id=r.community_id,
            status=status,
            job_id=r.job_id,
            tries=r.tries,
            attempts=int(r.attempts or 0),
            stage=stage,
            message=message,
            fraction=0.0 if status == "queued" else float(r.progress_fraction or 0.0),
            error=error if status == "failed" else None,
            result=result,
            started_at=r.started_at,
            finished_at=r.finished_at if status in FINAL else None,
            volunteer_ids=volunteer_ids if status == "done" else (),
        )

    def _done_result(self, r: Any) -> CommunityResult:
        cached = json_value(r.result)
        if cached is None:
            with self.engine.begin() as conn:
                text = conn.execute(
                    select(results.c.plan).where(results.c.job_id == r.job_id)
                ).scalar()
                return cache_result(conn, r, str(text))
        return CommunityResult(**cached)

    def community_job(
        self, batch_id: str, community_id: str, *, community: str | None = None
    ) -> str:
        """The current job of a community (``NOT_FOUND`` if no such batch or community, or
        when ``community`` is given and is not ``community_id``; ``JOB_NOT_DONE`` with its
        error if it was refused at submission)."""
        if community is not None and community_id != community:
            raise ServiceError("NOT_FOUND", no_community(community_id, batch_id))
        with self.engine.connect() as conn:
            row = conn.execute(
                select(batch_communities.c.job_id, batch_communities.c.error).where(
                    and_(
                        batch_communities.c.batch_id == batch_id,
                        batch_communities.c.community_id == community_id,
                    )
                )
            ).first()
            if row is None:
                exists = conn.execute(select(batches.c.id).where(batches.c.id == batch_id)).scalar()
                what = no_community(community_id, batch_id) if exists else no_batch(batch_id)
                raise ServiceError("NOT_FOUND", what)
        if row.job_id is None:
            message = str((json_value(row.error) or {}).get("message", ""))
            raise ServiceError(
                "JOB_NOT_DONE",
                Message(
                    N_("community %(community)s was refused when the batch arrived: %(why)s"),
                    community=repr(community_id),
                    why=message,
                ),
            )
        return str(row.job_id)

    def recent(self, *, limit: int = 20, community: str | None = None) -> list[BatchState]:
        """The most recent batches first (with ``community``: those holding it, as it
        sees them)."""
        q = select(batches.c.id).order_by(batches.c.created_at.desc(), batches.c.id).limit(limit)
        if community is not None:
            q = q.where(
                batches.c.id.in_(
                    select(batch_communities.c.batch_id).where(
                        batch_communities.c.community_id == community
                    )
                )
            )
        with self.engine.connect() as conn:
            ids = list(conn.execute(q).scalars())
        return [self.get(i, community=community) for i in ids]

    # ------------------------------------------------------------ cancelling

    def cancel(self, batch_id: str, *, community: str | None = None) -> BatchState:
        """Cancel every unfinished community (``JOB_FINISHED`` if the batch has ended;
        cancelling a cancelled batch changes nothing). With ``community``: ``NOT_FOUND``
        unless the batch holds it, ``FORBIDDEN`` when it holds other communities too."""
        state = self.get(batch_id)
        if community is not None:
            self.get(batch_id, community=community)  # NOT_FOUND when not its own
            if any(c.community_id != community for c in state.communities):
                raise ServiceError(
                    "FORBIDDEN",
                    Message(
                        N_(
                            "batch %(batch)s holds other communities too: a city-wide key "
                            "cancels it"
                        ),
                        batch=batch_id,
                    ),
                )
        if state.status in ("done", "failed"):
            raise ServiceError(
                "JOB_FINISHED",
                Message(
                    N_("batch %(batch)s is already %(status)s"), batch=batch_id, status=state.status
                ),
            )
        with self.engine.begin() as conn:
            conn.execute(
                update(batches).where(batches.c.id == batch_id).values(cancel_requested=True)
            )
        for c in state.communities:
            if c.job_id is not None and c.status not in FINAL:
                with contextlib.suppress(ServiceError):  # it ended meanwhile
                    self.store.cancel(c.job_id)
        # a community whose retry was owed has a failed job: it stays failed
        return self.get(batch_id, community=community)


def community_row(batch_id: str, position: int) -> Update:
    """An update of the community at ``position`` of batch ``batch_id``."""
    return update(batch_communities).where(
        and_(batch_communities.c.batch_id == batch_id, batch_communities.c.position == position)
    )


def cache_result(conn: Connection, r: Any, plan_text: str) -> CommunityResult:
    """Compute and store the figures of a done community from its ``plan.json`` text;
    ``r`` has its ``batch_id``, ``position``, ``community_id``, ``tries`` and its job's
    ``started_at`` and ``finished_at``."""
    seconds = (r.finished_at or 0.0) - (r.started_at or r.finished_at or 0.0)
    res = community_result_of(
        r.community_id, json.loads(plan_text), attempts=r.tries, seconds=seconds
    )
    conn.execute(community_row(r.batch_id, r.position).values(result=asdict(res)))
    return res


def _retry_of(old: Any) -> NewJob:
    """The new job of a community's retry: the failed job's request, queued again."""
    return NewJob(
        kind="batch",
        request=json_value(old.request) or {},
        map_name=old.map_name,
        plan_date=old.plan_date,
        households=old.households,
        time_limit_s=old.time_limit_s,
        created_by=old.created_by,
        community=old.community,
    )


class _AlreadyRetriedError(Exception):
    """Another server swapped the community's job first (rolls the retry back)."""


def json_value(value: Any) -> Any:
    """A JSON column's value (some drivers hand JSON back as text)."""
    if isinstance(value, str):
        return json.loads(value)
    return value
