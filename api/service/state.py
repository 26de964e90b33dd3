"""What the routes share: the settings, the job and batch stores, the database keys, the
audit, the link secret, the periodic purge, the loaded maps, the solver supervisor, and who
waits for which job to end (:class:`Service`, one per app, at ``app.state.service``)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service import schemas
from api.service.audit import AuditLog
from api.service.auth import Caller
from api.service.batches import BatchStore
from api.service.db import FINAL, JobRecord, JobStore, NewJob
from api.service.intake import check_batch, check_request, check_solve
from api.service.keys import KeyStore
from api.service.maps import LoadedMap, load_catalog
from api.service.planning import SUGGEST
from api.service.retention import Purger
from api.service.solve_schemas import SolveProblem, VroomProblem
from api.service.volunteer_links import shared_secret
from api.service.workers import Supervisor
from api.settings import ServiceSettings

log = logging.getLogger("doorstep.service")


class Service:
    """The state of one server: settings, stores, maps, supervisor and finish watchers.

    Parameters
    ----------
    settings
        The server's settings (database, maps, workers, limits).
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.store = JobStore(settings.database_url)
        self.batches = BatchStore(self.store)
        self.keys = KeyStore(self.store.engine)
        self.audit = AuditLog(self.store.engine)
        self.purger = Purger(self.store.engine, settings.retain_days)
        self.link_secret = ""
        self.maps: dict[str, LoadedMap] = {}
        self.supervisor: Supervisor | None = None
        self._waiters: dict[str, list[Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Create the schema, load the maps, start the workers (blocking; run once)."""
        self.store.create_schema()
        self.link_secret = shared_secret(self.store.engine, self.settings.link_secret)
        self.purger.start()
        self.maps = load_catalog(self.settings.maps)
        self.supervisor = Supervisor(
            self.store,
            self.settings.maps,
            workers=self.settings.workers,
            lease_s=self.settings.job_lease_s,
            attempts=self.settings.job_attempts,
            watchdog_s=self.settings.job_watchdog_s,
        )
        self.supervisor.on_finish(self.finished)
        self.supervisor.start()
        if self.batches.advance():  # retries owed since the last stop
            self.supervisor.wake()

    def stop(self) -> None:
        """Stop the workers (their running jobs go back to the queue) and close the store."""
        if self.supervisor is not None:
            self.supervisor.stop()
        self.purger.stop()
        self.store.dispose()

    def finished(self, job_id: str, status: str) -> None:
        """Job ``job_id`` ended with ``status``: queue a batch community's retry when one is
        owed, and call whoever watches the job."""
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

    async def wait(self, job_id: str, timeout: float) -> JobRecord:
        """The job once it is final, or as it is after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()

        def wake() -> None:
            loop.call_soon_threadsafe(event.set)

        self.watch(job_id, wake)
        deadline = loop.time() + timeout
        try:
            while True:
                job = await run_in_threadpool(self.store.get, job_id)
                if job.status in FINAL or loop.time() >= deadline:
                    return job
                with suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), min(1.0, deadline - loop.time()))
        finally:
            self.unwatch(job_id)

    def submit(
        self,
        body: schemas.PlanRequest,
        caller: Caller,
        *,
        kind: str,
        suggest: bool = False,
        adds: Mapping[str, Any] | None = None,
    ) -> str:
        """Check a request (``kind`` plan, job or validate) against the limits and the
        ledger, store it (``suggest``: with volunteer suggestions; ``adds``: with these
        keys, e.g. the plan a validation checks), return the job id (``ServiceError`` on
        any fault)."""
        community = body.community or caller.community or "default"
        if not caller.sees(community):
            raise ServiceError(
                "FORBIDDEN",
                Message(
                    N_("this key acts for community %(community)s only"),
                    community=repr(caller.community),
                ),
            )
        request = check_request(body, kind, self.settings, self.maps)
        if suggest:
            request[SUGGEST] = True
        request.update(adds or {})
        job = NewJob(
            kind=kind,
            request=request,
            map_name=body.map,
            plan_date=body.date,
            households=len(body.households),
            time_limit_s=body.options.time_limit_s,
            created_by=caller.tag,
            community=community,
        )
        job_id = self.store.create(job)
        log.info("%s %s: %d households, %s", kind, job_id, len(body.households), body.map)
        return job_id

    def submit_solve(self, body: SolveProblem | VroomProblem, caller: Caller, *, kind: str) -> str:
        """Check a solve request (``kind`` solve or solvejob: :func:`check_solve`), store
        it, return the job id (``ServiceError`` on any fault)."""
        request = check_solve(body, kind, self.settings)
        job = NewJob(
            kind=kind,
            request=request,
            map_name="",
            plan_date="",
            households=len(body.jobs),
            time_limit_s=body.options.time_limit_s,
            created_by=caller.tag,
            community=caller.community or "default",
        )
        job_id = self.store.create(job)
        log.info("%s %s: %d jobs", kind, job_id, len(body.jobs))
        return job_id

    def submit_batch(self, body: schemas.BatchRequest, caller: Caller) -> str:
        """Store a batch (:func:`api.service.intake.check_batch`): one job per community
        whose request passes the checks of ``POST /v1/jobs``; return the batch id."""
        others = sorted(
            {c.community_id for c in body.communities if not caller.sees(c.community_id)}
        )
        if others:
            raise ServiceError(
                "FORBIDDEN",
                Message(
                    N_("this key acts for community %(community)s only; the batch has %(others)s"),
                    community=repr(caller.community),
                    others=", ".join(repr(o) for o in others[:5]),
                ),
            )
        new = check_batch(body, self.settings, self.maps)
        batch_id = self.batches.create(
            new,
            map_of={c.community_id: c.map for c in body.communities},
            date_of={c.community_id: c.date for c in body.communities},
            created_by=caller.tag,
        )
        refused = sum(1 for c in new if c.error is not None)
        log.info("batch %s: %d communities, %d refused at once", batch_id, len(new), refused)
        return batch_id
