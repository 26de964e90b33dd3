"""Retention of personal and health data: a finished job keeps its households' data for
``DOORSTEP_RETAIN_DAYS`` days, then it is purged (inside the service, periodically, and by
``doorstep purge`` for cron).

Purging a job keeps what the city counts and drops whom it was about:

- the stored request keeps its map, date, community and options; the ledger (households
  with their observation dates, flags, phones, names, addresses, needs and notes;
  volunteers; depots) goes;
- ``plan.json`` keeps its date, summary and the reason of each unserved household (no
  id); routes, stops, lines and warnings go; ``routes.geojson`` becomes empty;
- the manifests are deleted (and with them the volunteer links), and so are the day's
  events (a re-plan's stored plan and events go with its ledger);
- an error keeps its code and message; its details (records and values) go;
- a batch community keeps its figures (cached first) and its error's code and message.

Then the database is compacted so that the old values are gone from its files, not only
from its rows: ``VACUUM`` and a truncating WAL checkpoint on SQLite, ``VACUUM FULL`` of the
touched tables on PostgreSQL (which rewrites them and their TOAST tables into new files).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, text, update

from api.service.batches import cache_result, community_row, json_value
from api.service.db import (
    FINAL,
    batch_communities,
    batches,
    job_events,
    jobs,
    manifests,
    results,
)

log = logging.getLogger("doorstep.service")

#: Keys of a stored request kept after purging (nothing personal).
KEPT_REQUEST = ("map", "date", "options", "coord_system")
#: Tables whose old values a purge leaves behind in the database files.
_TOUCHED = ("jobs", "results", "manifests", "job_events", "batch_communities")
_EMPTY_ROUTES = json.dumps({"type": "FeatureCollection", "features": []})


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """What one purge did: jobs purged and batch communities refused at submission whose
    error details were dropped."""

    jobs: int
    refused_communities: int


def purged_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """What a ``plan.json`` keeps: date, summary, and each unserved household's reason."""
    return {
        "date": plan.get("date"),
        "summary": plan.get("summary", {}),
        "unassigned": [{"reason": u.get("reason")} for u in plan.get("unassigned", [])],
    }


def purged_error(error: Any) -> dict[str, Any] | None:
    """An error object without its details (which name records and quote values)."""
    if isinstance(error, str):
        error = json.loads(error)
    if not error:
        return None
    purged: dict[str, Any] = {
        "code": error.get("code", "INTERNAL"),
        "message": error.get("message", ""),
        "details": [],
    }
    said = error.get("said")
    if isinstance(said, dict) and "message" in said:
        purged["said"] = {"message": said["message"], "details": []}
    return purged


def due_jobs(engine: Engine, before: float) -> list[str]:
    """Ids of the finished, unpurged jobs that ended before ``before`` (Unix s)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(jobs.c.id).where(
                    and_(
                        jobs.c.status.in_(sorted(FINAL)),
                        jobs.c.finished_at < before,
                        jobs.c.purged_at.is_(None),
                    )
                )
            ).scalars()
        )


def _cache_community_results(conn: Connection, job_id: str) -> None:
    """Store the figures of a done batch community before its plan is cut down."""
    rows = conn.execute(
        select(
            batch_communities.c.batch_id,
            batch_communities.c.position,
            batch_communities.c.community_id,
            batch_communities.c.tries,
            jobs.c.started_at,
            jobs.c.finished_at,
            results.c.plan,
        )
        .select_from(
            batch_communities.join(jobs, jobs.c.id == batch_communities.c.job_id).join(
                results, results.c.job_id == jobs.c.id
            )
        )
        .where(and_(batch_communities.c.job_id == job_id, batch_communities.c.result.is_(None)))
    ).all()
    for r in rows:
        cache_result(conn, r, str(r.plan))


def purge_job(engine: Engine, job_id: str, now: float) -> bool:
    """Purge one finished job's personal data (False if it was purged meanwhile)."""
    with engine.begin() as conn:
        row = conn.execute(
            select(jobs.c.request, jobs.c.error, jobs.c.purged_at).where(jobs.c.id == job_id)
        ).first()
        if row is None or row.purged_at is not None:
            return False
        _cache_community_results(conn, job_id)
        request = json_value(row.request) or {}
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id)
            .values(
                request={k: request[k] for k in KEPT_REQUEST if k in request},
                error=purged_error(row.error),
                purged_at=now,
            )
        )
        plan = conn.execute(select(results.c.plan).where(results.c.job_id == job_id)).scalar()
        if plan is not None:
            conn.execute(
                update(results)
                .where(results.c.job_id == job_id)
                .values(
                    plan=json.dumps(purged_plan(json.loads(str(plan))), ensure_ascii=False),
                    routes=_EMPTY_ROUTES,
                )
            )
        conn.execute(manifests.delete().where(manifests.c.job_id == job_id))
        conn.execute(job_events.delete().where(job_events.c.job_id == job_id))
    return True


def _purge_refused(engine: Engine, before: float) -> int:
    """Drop the details of errors of batch communities refused at submission (they quote
    the ledger) in batches made before ``before``."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(
                batch_communities.c.batch_id,
                batch_communities.c.position,
                batch_communities.c.error,
            )
            .select_from(
                batch_communities.join(batches, batches.c.id == batch_communities.c.batch_id)
            )
            .where(
                and_(
                    batch_communities.c.job_id.is_(None),
                    batch_communities.c.error.is_not(None),
                    batches.c.created_at < before,
                )
            )
        ).all()
        changed = 0
        for r in rows:
            error = json_value(r.error) or {}
            if not error.get("details"):
                continue
            conn.execute(community_row(r.batch_id, r.position).values(error=purged_error(error)))
            changed += 1
    return changed


def compact(engine: Engine, tables: Sequence[str] = _TOUCHED) -> None:
    """Rewrite the database so that purged values leave its files: SQLite ``VACUUM`` and a
    truncating WAL checkpoint; PostgreSQL ``VACUUM FULL`` of ``tables``."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("VACUUM"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        elif engine.dialect.name == "postgresql":
            for table in tables:
                conn.execute(text(f"VACUUM FULL {table}"))


def purge(engine: Engine, *, retain_days: float, now: float | None = None) -> PurgeReport:
    """Purge every job finished more than ``retain_days`` days ago, then compact the
    database when anything was purged (nothing when ``retain_days`` is 0: kept forever)."""
    if retain_days <= 0:
        return PurgeReport(0, 0)
    now = time.time() if now is None else now
    before = now - retain_days * 86400.0
    done = sum(purge_job(engine, job_id, now) for job_id in due_jobs(engine, before))
    refused = _purge_refused(engine, before)
    if done or refused:
        compact(engine)
        log.info("purged the personal data of %d job(s), %d refused community(ies)", done, refused)
    return PurgeReport(done, refused)


def purge_interval(retain_days: float) -> float:
    """Seconds between the service's purges: a tenth of the retention, from 1 s to 1 hour."""
    return max(1.0, min(3600.0, retain_days * 86400.0 / 10))


class Purger:
    """The service's periodic purge, on a daemon thread.

    Parameters
    ----------
    engine
        The job store's engine.
    retain_days
        The retention (``0``: the thread does not start).
    """

    def __init__(self, engine: Engine, retain_days: float) -> None:
        self.engine = engine
        self.retain_days = retain_days
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Purge now and then every :func:`purge_interval` seconds until :meth:`stop`."""
        if self.retain_days <= 0:
            return
        self._thread = threading.Thread(target=self._run, name="doorstep-purge", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = purge_interval(self.retain_days)
        while not self._stop.is_set():
            try:
                purge(self.engine, retain_days=self.retain_days)
            except Exception:  # the database may be away for a while; try again later
                log.exception("purge failed; trying again in %.0f s", interval)
            self._stop.wait(interval)

    def stop(self) -> None:
        """Stop the thread (waits for a purge under way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
