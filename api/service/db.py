"""The job store: requests, progress and results in a real database through SQLAlchemy.

SQLite (a file) by default, PostgreSQL by URL (``DOORSTEP_DATABASE_URL``). Times are Unix
seconds (float, UTC). A job row moves ``queued -> running -> done | failed | cancelled``;
``running`` rows carry the ``owner`` (server instance) and a ``heartbeat_at`` it renews, so
a job whose server died is found by :meth:`JobStore.reap` and run again or failed with a
reason, never left running forever.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Update

from api.errors import ErrorBody, ServiceError
from api.i18n import N_, Message

#: Job states; the last three are final.
STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINAL = frozenset({"done", "failed", "cancelled"})

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    # "plan" / "solve" / "validate" (synchronous), "job" / "solvejob" / "replan" (queued),
    # or "batch"
    Column("kind", String(8), nullable=False),
    Column("priority", Integer, nullable=False, default=0),
    Column("status", String(12), nullable=False, index=True),
    Column("map_name", String(200), nullable=False),
    Column("plan_date", String(10), nullable=False),
    Column("households", Integer, nullable=False),
    Column("time_limit_s", Float, nullable=False),
    Column("request", JSON, nullable=False),
    Column("created_by", String(40), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("heartbeat_at", Float),
    Column("owner", String(200)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("progress_stage", String(40), nullable=False, default=""),
    Column("progress_message", Text, nullable=False, default=""),
    Column("progress_fraction", Float, nullable=False, default=0.0),
    Column("best_cost", BigInteger),
    Column("error", JSON),
    # who may see it: the request's community (a batch's: the community id)
    Column("community", String(200), nullable=False, default="default", index=True),
    # version of its volunteer links: raised to revoke them (api.service.volunteer_links)
    Column("links_version", Integer, nullable=False, default=1),
    # when its personal and health data were purged (api.service.retention)
    Column("purged_at", Float),
    # a re-plan ("replan"): the day's first plan, the version it re-planned, its number
    # and time; a first plan is version 1 of its own day (root_id None)
    Column("root_id", String(32), index=True),
    Column("previous_id", String(32)),
    Column("version", Integer, nullable=False, default=1),
    Column("replan_at", String(5)),
)

results = Table(
    "results",
    metadata,
    Column("job_id", String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("plan", Text, nullable=False),  # plan.json, serialised once
    Column("routes", Text, nullable=False),  # routes.geojson
)

manifests = Table(
    "manifests",
    metadata,
    Column("job_id", String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("volunteer_id", String(200), primary_key=True),
    Column("html", Text, nullable=False),
)

#: A batch of communities (``POST /v1/batches``); its state is derived from its
#: communities' jobs (:mod:`api.service.batches`).
batches = Table(
    "batches",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_by", String(40), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("communities", Integer, nullable=False),
    Column("cancel_requested", Boolean, nullable=False, default=False),
)

#: One community of a batch: its current job (``None`` when its input was refused at
#: submission, then ``error`` says why), how many jobs it took, and its figures once done.
batch_communities = Table(
    "batch_communities",
    metadata,
    Column("batch_id", String(32), ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("community_id", String(200), nullable=False),
    Column("job_id", String(32), ForeignKey("jobs.id"), index=True),
    Column("tries", Integer, nullable=False, default=1),
    Column("error", JSON),
    Column("result", JSON),
)

#: API keys kept in the database (``doorstep keys``): only the SHA-256 of each key.
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("fingerprint", String(12), nullable=False, index=True),
    Column("role", String(12), nullable=False),
    Column("community", String(200)),  # None: city-wide
    Column("label", String(200), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float),  # None: never
    Column("revoked_at", Float),
)

#: Every read of personal data: who (key fingerprint or volunteer link), what, when.
audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("actor", String(300), nullable=False),
    Column("action", String(40), nullable=False),
    Column("job_id", String(32), index=True),
    Column("community", String(200), nullable=False),
    Column("volunteer_id", String(200)),
)

#: What happened during a planned day (``POST /v1/jobs/{id}/events``), kept with the day's
#: first plan in the order it arrived: each event as checked (the fields of ``events.csv``).
job_events = Table(
    "job_events",
    metadata,
    Column("job_id", String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("event", JSON, nullable=False),
    Column("created_by", String(40), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

#: Secrets the servers of one database share (the signing key of volunteer links).
secrets_table = Table(
    "service_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

#: Queue order of job kinds: synchronous plans and solves first, then jobs, then batch
#: communities.
PRIORITY = {
    "plan": 1,
    "solve": 1,
    "validate": 1,
    "replan": 0,
    "job": 0,
    "solvejob": 0,
    "batch": -1,
}
#: Kinds of job that solve a plain routing problem (their answer: ``/v1/jobs/{id}/solution``).
SOLVE_KINDS = frozenset({"solve", "solvejob"})
#: Kinds of job that make no plan of their own to read (a validation's answer is its report).
NO_PLAN_KINDS = SOLVE_KINDS | {"validate"}


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """Where a re-plan stands in its day.

    Attributes
    ----------
    root_id
        The day's first plan (version 1).
    previous_id
        The version it re-plans.
    number
        Its version number (2, 3, ...).
    at
        The re-plan time ``HH:MM``.
    """

    root_id: str
    previous_id: str
    number: int
    at: str


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to queue: its request and what the job list shows of it.

    Attributes
    ----------
    kind
        ``plan`` (synchronous), ``job``, ``batch`` (a batch's community), ``replan`` or
        ``validate``; sets the queue order (:data:`PRIORITY`).
    request
        The checked request body (``POST /v1/jobs`` shape).
    map_name, plan_date
        Map name and plan date (``YYYY-MM-DD``) of the request.
    households, time_limit_s
        Size and search time (s) of the request.
    created_by
        ``role:key fingerprint`` of the caller.
    community
        The community whose households these are (who may see the job).
    version
        A re-plan's place in its day (:class:`PlanVersion`); ``None`` for a first plan.
    """

    kind: str
    request: dict[str, Any]
    map_name: str
    plan_date: str
    households: int
    time_limit_s: float
    created_by: str
    community: str = "default"
    version: PlanVersion | None = None

    def row(self) -> dict[str, Any]:
        """The values of its new queued job row (with a fresh id)."""
        return {
            "id": uuid.uuid4().hex,
            "kind": self.kind,
            "priority": PRIORITY[self.kind],
            "status": "queued",
            "map_name": self.map_name,
            "plan_date": self.plan_date,
            "households": self.households,
            "time_limit_s": self.time_limit_s,
            "request": self.request,
            "created_by": self.created_by,
            "community": self.community,
            "links_version": 1,
            "created_at": time.time(),
            "attempts": 0,
            "cancel_requested": False,
            "progress_stage": "queued",
            "progress_message": "waiting for a solver",
            "progress_fraction": 0.0,
            "version": 1 if self.version is None else self.version.number,
            "root_id": None if self.version is None else self.version.root_id,
            "previous_id": None if self.version is None else self.version.previous_id,
            "replan_at": None if self.version is None else self.version.at,
        }


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A snapshot of one job row (times in Unix seconds)."""

    id: str
    kind: str
    status: str
    map_name: str
    plan_date: str
    households: int
    time_limit_s: float
    created_by: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    cancel_requested: bool
    progress_stage: str
    progress_message: str
    progress_fraction: float
    best_cost: int | None
    error: dict[str, Any] | None
    community: str = "default"
    links_version: int = 1
    purged_at: float | None = None
    root_id: str | None = None
    previous_id: str | None = None
    version: int = 1
    replan_at: str | None = None
    volunteer_ids: tuple[str, ...] = ()

    @property
    def day_id(self) -> str:
        """The id of the day's first plan: its own for a first plan, its root for a re-plan."""
        return self.root_id or self.id


#: Fields of a job record read as they are stored.
_RECORD_COLUMNS = tuple(
    f.name for f in fields(JobRecord) if f.name not in ("cancel_requested", "volunteer_ids")
)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job taken by a server to run: its id, request body and attempt number."""

    id: str
    request: dict[str, Any]
    attempt: int


@dataclass(frozen=True, slots=True)
class Reaped:
    """What :meth:`JobStore.reap` did to one abandoned job (``requeued``/``failed``/...)."""

    id: str
    action: str


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _create_private(url: str) -> None:
    """Create the SQLite file of ``url`` readable by its owner only (mode 0600), if missing;
    SQLite gives its journal files the same mode."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(OSError):  # present already, or SQLite names the fault
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite files (created 0600) get WAL, a busy timeout and
    foreign keys."""
    if url.startswith("sqlite"):
        _create_private(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def owner_pid_dead(owner: str) -> bool:
    """Whether ``owner`` (``host:pid:started``) names a process of this host that is gone."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != os.uname().nodename or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


#: Columns of ``jobs`` added after its first version, with their SQL (both databases).
_ADDED_COLUMNS = (
    ("community", "VARCHAR(200) NOT NULL DEFAULT 'default'"),
    ("links_version", "INTEGER NOT NULL DEFAULT 1"),
    ("purged_at", "FLOAT"),
    ("root_id", "VARCHAR(32)"),
    ("previous_id", "VARCHAR(32)"),
    ("version", "INTEGER NOT NULL DEFAULT 1"),
    ("replan_at", "VARCHAR(5)"),
)


#: One job per version number of a day (a re-plan's root and number; first plans have no
#: root, and both databases let NULLs repeat in a unique index).
_VERSION_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS ix_jobs_day_version ON jobs (root_id, version)"


def _update_job(job_id: str, *statuses: str) -> Update:
    """An update of job ``job_id`` that applies only while its status is one of ``statuses``."""
    return update(jobs).where(and_(jobs.c.id == job_id, jobs.c.status.in_(statuses)))


def no_job(job_id: str) -> Message:
    """``NOT_FOUND``'s sentence for a job id that names none."""
    return Message(N_("no job %(job)s"), job=repr(job_id))


class JobStore:
    """Every read and write of jobs and results.

    Parameters
    ----------
    url
        SQLAlchemy database URL.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def create_schema(self) -> None:
        """Create the tables if missing, and add the columns a database made by an older
        version lacks (:data:`_ADDED_COLUMNS`)."""
        metadata.create_all(self.engine)
        present = {c["name"] for c in inspect(self.engine).get_columns("jobs")}
        with self.engine.begin() as conn:
            for name, ddl in _ADDED_COLUMNS:
                if name not in present:
                    conn.execute(text(f"ALTER TABLE jobs ADD COLUMN {name} {ddl}"))
            conn.execute(text(_VERSION_INDEX))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    # ------------------------------------------------------------ creating and reading

    def create(self, job: NewJob) -> str:
        """Store a new queued job and return its id."""
        row = job.row()
        with self.engine.begin() as conn:
            conn.execute(jobs.insert().values(**row))
        return str(row["id"])

    def _record(self, conn: Connection, row: Any) -> JobRecord:
        vids: tuple[str, ...] = ()
        if row.status == "done":
            vids = tuple(
                conn.execute(
                    select(manifests.c.volunteer_id)
                    .where(manifests.c.job_id == row.id)
                    .order_by(manifests.c.volunteer_id)
                ).scalars()
            )
        values = {name: getattr(row, name) for name in _RECORD_COLUMNS}
        return JobRecord(**values, cancel_requested=bool(row.cancel_requested), volunteer_ids=vids)

    _COLUMNS = tuple(c for c in jobs.c if c.name != "request")

    def get(self, job_id: str, *, community: str | None = None) -> JobRecord:
        """The job ``job_id``; raises ``NOT_FOUND`` if there is none, or if ``community`` is
        given and the job is another community's (the same answer: nothing leaks)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(*self._COLUMNS).where(jobs.c.id == job_id)).first()
            if row is None or (community is not None and row.community != community):
                raise ServiceError("NOT_FOUND", no_job(job_id))
            return self._record(conn, row)

    def recent(
        self, *, limit: int = 50, status: str | None = None, community: str | None = None
    ) -> list[JobRecord]:
        """The most recent jobs first, optionally of one status and of one community."""
        q = select(*self._COLUMNS).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit)
        if status is not None:
            q = q.where(jobs.c.status == status)
        if community is not None:
            q = q.where(jobs.c.community == community)
        with self.engine.connect() as conn:
            return [self._record(conn, r) for r in conn.execute(q).all()]

    def counts(self) -> dict[str, int]:
        """Number of jobs per status."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status))
            return {str(s): int(n) for s, n in rows}

    def request(self, job_id: str) -> dict[str, Any]:
        """The stored request of a job (``NOT_FOUND`` if there is none)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(jobs.c.request).where(jobs.c.id == job_id)).scalar()
        if value is None:
            raise ServiceError("NOT_FOUND", no_job(job_id))
        return dict(value)

    def plan(self, job_id: str) -> str:
        """The stored ``plan.json`` text of a done job (``JOB_NOT_DONE`` otherwise)."""
        return self._result(job_id, results.c.plan)

    def routes(self, job_id: str) -> str:
        """The stored ``routes.geojson`` text of a done job."""
        return self._result(job_id, results.c.routes)

    def _result(self, job_id: str, column: Any) -> str:
        with self.engine.connect() as conn:
            value = conn.execute(select(column).where(results.c.job_id == job_id)).scalar()
        if value is None:
            self._not_done(job_id)
        return str(value)

    def _not_done(self, job_id: str) -> None:
        job = self.get(job_id)
        said = (
            Message(
                N_("job %(job)s is %(status)s: %(why)s"),
                job=job_id,
                status=job.status,
                why=ErrorBody.from_dict(job.error).message,
            )
            if job.error
            else Message(N_("job %(job)s is %(status)s"), job=job_id, status=job.status)
        )
        raise ServiceError("JOB_NOT_DONE", said)

    def manifest(self, job_id: str, volunteer_id: str) -> str:
        """The stored HTML manifest of one volunteer of a done job."""
        with self.engine.connect() as conn:
            html = conn.execute(
                select(manifests.c.html).where(
                    and_(manifests.c.job_id == job_id, manifests.c.volunteer_id == volunteer_id)
                )
            ).scalar()
        if html is None:
            job = self.get(job_id)
            if job.status != "done":
                self._not_done(job_id)
            raise ServiceError(
                "NOT_FOUND",
                Message(
                    N_("volunteer %(volunteer)s has no run in job %(job)s"),
                    volunteer=repr(volunteer_id),
                    job=job_id,
                ),
            )
        return str(html)

    def newer_plan(self, job: JobRecord) -> str | None:
        """The id of a plan that replaced done job ``job``: a plan (a first plan or a
        re-plan, not a validation) of the same community and date done after it (``None``
        if there is none)."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(jobs.c.id)
                .where(
                    and_(
                        jobs.c.community == job.community,
                        jobs.c.plan_date == job.plan_date,
                        jobs.c.status == "done",
                        jobs.c.kind.notin_(NO_PLAN_KINDS),
                        jobs.c.finished_at > (job.finished_at or 0.0),
                        jobs.c.id != job.id,
                    )
                )
                .limit(1)
            ).scalar()
        return None if found is None else str(found)

    def revoke_links(self, job_id: str, *, community: str | None = None) -> JobRecord:
        """Revoke the volunteer links of job ``job_id`` by raising its links version (new
        links replace them); scoped like :meth:`get`."""
        self.get(job_id, community=community)
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(links_version=jobs.c.links_version + 1)
            )
        return self.get(job_id)

    # ------------------------------------------------------------ a day's versions and events

    def versions(self, day_id: str) -> list[JobRecord]:
        """The plans of the day whose first plan is ``day_id``: that plan, then its re-plans
        by version number."""
        q = (
            select(*self._COLUMNS)
            .where((jobs.c.id == day_id) | (jobs.c.root_id == day_id))
            .order_by(jobs.c.version, jobs.c.created_at)
        )
        with self.engine.connect() as conn:
            return [self._record(conn, r) for r in conn.execute(q).all()]

    def current(self, day_id: str) -> JobRecord | None:
        """The day's current plan: its done version of the highest number (``None`` while
        none is done)."""
        done = [v for v in self.versions(day_id) if v.status == "done"]
        return done[-1] if done else None

    def create_version(self, job: NewJob) -> str:
        """Store a re-plan (``job.version`` set) and return its id; ``JOB_NOT_DONE`` when
        its version number is taken meanwhile by another re-plan of the day."""
        if job.version is None:
            raise ValueError("a re-plan needs its version")
        row = job.row()
        try:
            with self.engine.begin() as conn:
                conn.execute(jobs.insert().values(**row))
        except IntegrityError:  # the unique (root_id, version) index: another re-plan won
            raise ServiceError(
                "JOB_NOT_DONE",
                Message(
                    N_(
                        "another re-plan of job %(job)s was made meanwhile: "
                        "read GET /v1/jobs/%(job)s/plans and try again"
                    ),
                    job=job.version.root_id,
                ),
            ) from None
        return str(row["id"])

    def append_events(self, day_id: str, events: Sequence[dict[str, Any]], created_by: str) -> int:
        """Append ``events`` to the day of ``day_id`` in order; the day's number of events."""
        for _ in range(5):
            try:
                with self.engine.begin() as conn:
                    last = conn.execute(
                        select(func.max(job_events.c.position)).where(job_events.c.job_id == day_id)
                    ).scalar()
                    start = int(last or 0) + 1
                    if events:
                        conn.execute(
                            job_events.insert(),
                            [
                                {
                                    "job_id": day_id,
                                    "position": start + k,
                                    "event": e,
                                    "created_by": created_by,
                                    "created_at": time.time(),
                                }
                                for k, e in enumerate(events)
                            ],
                        )
                    return start - 1 + len(events)
            except IntegrityError:  # another append took these positions: read them again
                continue
        raise ServiceError(
            "BUSY", Message(N_("events of this day are being appended by others; try again"))
        )

    def events(self, day_id: str) -> list[dict[str, Any]]:
        """The events of the day of ``day_id``, in the order they arrived."""
        q = (
            select(job_events.c.event)
            .where(job_events.c.job_id == day_id)
            .order_by(job_events.c.position)
        )
        with self.engine.connect() as conn:
            values = conn.execute(q).scalars().all()
        return [json.loads(v) if isinstance(v, str) else dict(v) for v in values]

    # ------------------------------------------------------------ running

    def claim(self, owner: str) -> Claimed | None:
        """Take the next queued job (synchronous plans first, then oldest) for ``owner``.

        The conditional update makes two servers on one database never take the same job.
        """
        for _ in range(5):
            with self.engine.begin() as conn:
                row = conn.execute(
                    select(jobs.c.id, jobs.c.request, jobs.c.attempts)
                    .where(jobs.c.status == "queued")
                    .order_by(jobs.c.priority.desc(), jobs.c.created_at, jobs.c.id)
                    .limit(1)
                ).first()
                if row is None:
                    return None
                now = time.time()
                done = conn.execute(
                    _update_job(row.id, "queued").values(
                        status="running",
                        owner=owner,
                        started_at=now,
                        heartbeat_at=now,
                        attempts=jobs.c.attempts + 1,
                        progress_stage="starting",
                        progress_message="a solver took the job",
                    )
                )
                if done.rowcount == 1:
                    request = row.request
                    if isinstance(request, str):  # some drivers hand JSON back as text
                        request = json.loads(request)
                    return Claimed(row.id, request, int(row.attempts) + 1)
        return None

    def progress(
        self, job_id: str, *, stage: str, message: str, fraction: float, best_cost: int | None
    ) -> None:
        """Record a running job's progress (and renew its heartbeat)."""
        values: dict[str, Any] = {
            "progress_stage": stage[:40],
            "progress_message": message,
            "progress_fraction": max(0.0, min(1.0, fraction)),
            "heartbeat_at": time.time(),
        }
        if best_cost is not None:
            values["best_cost"] = best_cost
        with self.engine.begin() as conn:
            conn.execute(_update_job(job_id, "running").values(**values))

    def running_of(self, owner: str) -> list[str]:
        """Ids of the jobs ``owner`` runs, by the database."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(jobs.c.id).where(and_(jobs.c.owner == owner, jobs.c.status == "running"))
                ).scalars()
            )

    def heartbeat(self, owner: str, job_ids: Sequence[str]) -> None:
        """Renew the lease of ``owner``'s running jobs."""
        if not job_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(
                    and_(
                        jobs.c.id.in_(list(job_ids)),
                        jobs.c.owner == owner,
                        jobs.c.status == "running",
                    )
                )
                .values(heartbeat_at=time.time())
            )

    def finish_done(
        self,
        job_id: str,
        *,
        plan: dict[str, Any],
        routes: dict[str, Any],
        manifest_html: dict[str, str],
    ) -> bool:
        """Store the outputs and mark the job done (False if it was no longer running)."""
        with self.engine.begin() as conn:
            done = conn.execute(
                _update_job(job_id, "running").values(
                    status="done",
                    finished_at=time.time(),
                    progress_stage="done",
                    progress_message="plan ready",
                    progress_fraction=1.0,
                    best_cost=plan.get("summary", {}).get("cost"),
                )
            )
            if done.rowcount != 1:
                return False
            conn.execute(
                results.insert().values(
                    job_id=job_id,
                    plan=json.dumps(plan, ensure_ascii=False),
                    routes=json.dumps(routes, ensure_ascii=False),
                )
            )
            if manifest_html:
                conn.execute(
                    manifests.insert(),
                    [
                        {"job_id": job_id, "volunteer_id": vid, "html": html}
                        for vid, html in manifest_html.items()
                    ],
                )
        return True

    def finish_failed(self, job_id: str, error: dict[str, Any]) -> None:
        """Mark a job failed with its error object ``{"code", "message", "details"}``."""
        self._finish_unfinished(job_id, "failed", str(error.get("message", "")), error=error)

    def finish_cancelled(self, job_id: str) -> None:
        """Mark a job cancelled."""
        self._finish_unfinished(job_id, "cancelled", "cancelled on request")

    def _finish_unfinished(
        self, job_id: str, status: str, message: str, *, error: dict[str, Any] | None = None
    ) -> None:
        """End a queued or running job with ``status`` (a finished job is left as it is)."""
        values: dict[str, Any] = {
            "status": status,
            "finished_at": time.time(),
            "progress_stage": status,
            "progress_message": message,
        }
        if error is not None:
            values["error"] = error
        with self.engine.begin() as conn:
            conn.execute(_update_job(job_id, "queued", "running").values(**values))

    def requeue(self, job_id: str, message: str, *, count_attempt: bool = True) -> None:
        """Put a running job back in the queue (``count_attempt=False`` on a clean stop)."""
        values: dict[str, Any] = {
            "status": "queued",
            "owner": None,
            "heartbeat_at": None,
            "progress_stage": "queued",
            "progress_message": message,
            "progress_fraction": 0.0,
            "best_cost": None,
        }
        if not count_attempt:
            values["attempts"] = jobs.c.attempts - 1
        with self.engine.begin() as conn:
            conn.execute(_update_job(job_id, "running").values(**values))

    def cancel(self, job_id: str) -> JobRecord:
        """Cancel a job: at once if queued, by request if running.

        Raises ``NOT_FOUND`` for an unknown job and ``JOB_FINISHED`` for a done or failed one;
        cancelling a cancelled job changes nothing.
        """
        job = self.get(job_id)
        if job.status in ("done", "failed"):
            raise ServiceError(
                "JOB_FINISHED",
                Message(N_("job %(job)s is already %(status)s"), job=job_id, status=job.status),
            )
        with self.engine.begin() as conn:
            conn.execute(
                _update_job(job_id, "queued").values(
                    status="cancelled",
                    finished_at=time.time(),
                    progress_stage="cancelled",
                    progress_message="cancelled on request before it started",
                )
            )
            conn.execute(
                _update_job(job_id, "running").values(
                    cancel_requested=True, progress_message="cancelling"
                )
            )
        return self.get(job_id)

    def cancel_requested(self, owner: str) -> list[str]:
        """Ids of ``owner``'s running jobs asked to cancel."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(jobs.c.id).where(
                        and_(
                            jobs.c.owner == owner,
                            jobs.c.status == "running",
                            jobs.c.cancel_requested.is_(True),
                        )
                    )
                ).scalars()
            )

    def reap(self, *, me: str, lease_s: float, attempts: int) -> list[Reaped]:
        """Find running jobs whose server is gone and run them again or fail them.

        A job is abandoned when another owner's heartbeat is older than ``lease_s`` or its
        owner is a dead process of this host. It goes back to the queue while it has run
        fewer than ``attempts`` times; otherwise it fails with code ``INTERRUPTED``. A job
        asked to cancel is cancelled instead.
        """
        now = time.time()
        out: list[Reaped] = []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    jobs.c.id,
                    jobs.c.owner,
                    jobs.c.heartbeat_at,
                    jobs.c.attempts,
                    jobs.c.cancel_requested,
                ).where(and_(jobs.c.status == "running", jobs.c.owner != me))
            ).all()
        for r in rows:
            stale = r.heartbeat_at is None or r.heartbeat_at < now - lease_s
            if not (stale or owner_pid_dead(r.owner or "")):
                continue
            if r.cancel_requested:
                self.finish_cancelled(r.id)
                out.append(Reaped(r.id, "cancelled"))
            elif r.attempts < attempts:
                self.requeue(
                    r.id,
                    f"queued again: the server running it stopped (attempt {r.attempts} of "
                    f"{attempts} was interrupted)",
                )
                out.append(Reaped(r.id, "requeued"))
            else:
                said = Message(
                    N_(
                        "the server stopped while solving this job %(attempts)d time(s); "
                        "it is not run again"
                    ),
                    attempts=r.attempts,
                )
                self.finish_failed(r.id, ErrorBody("INTERRUPTED", said).to_stored())
                out.append(Reaped(r.id, "failed"))
        return out
