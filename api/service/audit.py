"""The audit of personal-data reads: every read of a plan, its routes, a manifest or a
day's events (by an API key, a volunteer link or a synchronous plan's answer) appends
who, what and when to the ``audit`` table; ``GET /v1/audit`` lists them for city-wide
dispatchers."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, select

from api.service.db import audit

#: What a personal-data read reads (the ``action`` of an audit entry).
ACTIONS = ("plan", "routes", "manifest", "events")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One read of personal data.

    Attributes
    ----------
    id
        Increasing number of the entry.
    at
        When (Unix seconds).
    actor
        Who: ``key:FINGERPRINT`` (an API key) or ``link:JOB/VOLUNTEER`` (a volunteer link).
    action
        What: ``plan``, ``routes``, ``manifest`` or ``events``.
    job_id, community
        Whose data: the job and its community.
    volunteer_id
        The volunteer of a manifest read.
    """

    id: int
    at: float
    actor: str
    action: str
    job_id: str
    community: str
    volunteer_id: str | None


class AuditLog:
    """Appends and lists audit entries.

    Parameters
    ----------
    engine
        The job store's engine (the audit lives in the same database).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        actor: str,
        action: str,
        *,
        job_id: str,
        community: str,
        volunteer_id: str | None = None,
    ) -> None:
        """Append one read of ``action`` on job ``job_id`` by ``actor``."""
        with self.engine.begin() as conn:
            conn.execute(
                audit.insert().values(
                    at=time.time(),
                    actor=actor,
                    action=action,
                    job_id=job_id,
                    community=community,
                    volunteer_id=volunteer_id,
                )
            )

    def recent(
        self, *, limit: int = 100, job_id: str | None = None, actor: str | None = None
    ) -> list[AuditEntry]:
        """The newest entries first, optionally of one job or one actor."""
        q = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if job_id is not None:
            q = q.where(audit.c.job_id == job_id)
        if actor is not None:
            q = q.where(audit.c.actor == actor)
        with self.engine.connect() as conn:
            return [
                AuditEntry(
                    id=int(r.id),
                    at=float(r.at),
                    actor=str(r.actor),
                    action=str(r.action),
                    job_id=str(r.job_id),
                    community=str(r.community),
                    volunteer_id=r.volunteer_id,
                )
                for r in conn.execute(q).all()
            ]
