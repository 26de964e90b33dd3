"""Solver processes and the supervisor that feeds them jobs from the store.

The server never solves in its own process: ``N`` worker processes (``spawn``ed, each
loading the maps once) take one job at a time through their own pipe and answer with
progress events and the finished documents. A supervisor thread in the server

- claims queued jobs from the database for idle workers (synchronous plans first),
- writes progress, results and failures to the database,
- renews the lease (heartbeat) of the jobs it runs, and takes over jobs abandoned by a
  server that died (run again, or failed with a reason: :meth:`JobStore.reap`),
- cancels a running job by ending its worker process and starting a fresh one,
- ends every job: one whose result cannot be stored fails at once with the cause, and a
  watchdog ends a worker silent for longer than its job's search time plus
  ``watchdog_s`` (the job fails with ``JOB_STALLED``); a running job of this server that
  no worker holds any more is failed too.

Workers die with the server (``PR_SET_PDEATHSIG``), so a killed server leaves no solver
running on its own; they are all started by the supervisor thread (:meth:`Supervisor.start`
says why).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from api.errors import ErrorBody, classify
from api.i18n import N_, Message
from api.service.db import JobStore

log = logging.getLogger("doorstep.workers")

_PR_SET_PDEATHSIG = 1
_PROGRESS_EVERY_S = 0.5


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def worker_main(slot: int, maps: Mapping[str, Path], conn: Connection, parent_pid: int) -> None:
    """Body of a worker process: load the maps, then plan each job sent through ``conn``.

    Messages sent back: ``("ready", None)``, ``("progress", job_id, stage, message,
    fraction, best_cost)``, ``("done", job_id, plan, routes, manifests)``,
    ``("failed", job_id, error_dict)``, ``("broken", error_dict)`` when the maps fail to load.
    """
    _die_with_parent()
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    logging.basicConfig(level=logging.WARNING)
    try:
        from api.service.planning import (
            REPLAN,
            VALIDATE,
            PlanDocuments,
            load_maps,
            plan_documents,
            replan_documents,
            validation_report,
        )
        from api.service.solving import SOLVE, solve_documents

        loaded = load_maps(maps)
    except Exception as exc:
        conn.send(("broken", classify(exc).to_stored()))
        log.exception("worker %d: maps failed to load", slot)
        return
    conn.send(("ready", None))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        job_id, request = task
        last = [0.0, ""]

        def progress(p: Any, job_id: str = job_id, last: list[Any] = last) -> None:
            now = time.monotonic()
            if p.stage == last[1] and now - last[0] < _PROGRESS_EVERY_S:
                return
            last[0], last[1] = now, p.stage
            conn.send(("progress", job_id, p.stage, p.message, p.fraction, p.best_cost))

        try:
            if SOLVE in request:
                docs = solve_documents(request[SOLVE], on_progress=progress)
            elif REPLAN in request:
                docs = replan_documents(request, loaded, on_progress=progress)
            elif VALIDATE in request:
                docs = PlanDocuments(validation_report(request, loaded), {}, {})
            else:
                docs = plan_documents(request, loaded, on_progress=progress)
            conn.send(("done", job_id, docs.plan, docs.routes, docs.manifests))
        except (EOFError, OSError, BrokenPipeError):
            return  # the server is gone
        except Exception as exc:
            body = classify(exc)
            if body.code == "INTERNAL":
                log.error("job %s failed:\n%s", job_id, traceback.format_exc())
            conn.send(("failed", job_id, body.to_stored()))


@dataclass(slots=True)
class _Slot:
    index: int
    process: Any = None
    conn: Connection | None = None
    ready: bool = False
    job_id: str | None = None
    broken: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic)
    #: When the worker last sent anything (monotonic s), and how long it may stay silent.
    heard: float = field(default_factory=time.monotonic)
    silence_s: float = 0.0


class Supervisor:
    """Runs jobs from the store on worker processes (see the module notes).

    Parameters
    ----------
    store
        The job store.
    maps
        ``{name: OSM file}`` each worker loads at start.
    workers
        Number of worker processes.
    lease_s, attempts
        Lease of a running job and runs before an interrupted job fails (see
        :meth:`JobStore.reap`).
    watchdog_s
        A worker silent for longer than its job's search time (twice ``time_limit_s``) plus
        this is ended; its job fails with ``JOB_STALLED``.
    """

    def __init__(
        self,
        store: JobStore,
        maps: Mapping[str, Path],
        *,
        workers: int = 2,
        lease_s: float = 15.0,
        attempts: int = 2,
        watchdog_s: float = 300.0,
    ) -> None:
        self.store = store
        self.watchdog_s = watchdog_s
        self.maps = dict(maps)
        self.lease_s = lease_s
        self.attempts = attempts
        self.owner = f"{os.uname().nodename}:{os.getpid()}:{int(time.time())}"
        self._ctx = mp.get_context("spawn")
        self._slots = [_Slot(i) for i in range(workers)]
        self._wake_r, self._wake_w = self._ctx.Pipe(duplex=False)
        self._wake_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[str, str], None]] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Start the supervising thread, which starts the worker processes.

        Every worker is spawned from that thread, which lives as long as the supervisor:
        Linux sends a child its ``PR_SET_PDEATHSIG`` when the *thread* that forked it ends,
        not only its process, and the server starts up on a thread of its pool, which the
        pool retires when idle (a worker spawned there was killed mid-job, exit status -9).
        """
        for reaped in self.store.reap(me=self.owner, lease_s=self.lease_s, attempts=self.attempts):
            log.warning("job %s left by a stopped server: %s", reaped.id, reaped.action)
        self._thread = threading.Thread(target=self._run, name="doorstep-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop: end the workers and put their running jobs back in the queue (not counted
        as an attempt), so the next server start runs them."""
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)
        for slot in self._slots:
            if slot.job_id is not None:
                self.store.requeue(
                    slot.job_id, "queued again: the server was stopped", count_attempt=False
                )
                slot.job_id = None
            self._end(slot)

    def ready(self) -> bool:
        """Whether at least one worker is up and none is broken."""
        return any(s.ready for s in self._slots) and not any(s.broken for s in self._slots)

    def workers(self) -> list[dict[str, Any]]:
        """State of each worker (for ``/readyz``)."""
        return [
            {
                "worker": s.index,
                "pid": s.process.pid if s.process is not None else None,
                "ready": s.ready,
                "busy": s.job_id is not None,
            }
            for s in self._slots
        ]

    def wake(self) -> None:
        """Make the supervisor look at the queue now (after a new job or a cancel)."""
        with self._wake_lock, contextlib.suppress(OSError):
            self._wake_w.send(None)

    def on_finish(self, listener: Callable[[str, str], None]) -> None:
        """Call ``listener(job_id, status)`` (from the supervisor thread) when a job ends."""
        self._listeners.append(listener)

    # ------------------------------------------------------------ workers

    def _spawn(self, slot: _Slot) -> None:
        parent, child = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(
            target=worker_main,
            args=(slot.index, self.maps, child, os.getpid()),
            name=f"doorstep-worker-{slot.index}",
            daemon=True,
        )
        proc.start()
        child.close()
        slot.process, slot.conn, slot.ready, slot.job_id = proc, parent, False, None
        slot.started = time.monotonic()
        log.info("worker %d started (pid %d)", slot.index, proc.pid)

    def _end(self, slot: _Slot) -> None:
        proc = slot.process
        if proc is not None and proc.is_alive():
            proc.kill()
            proc.join(5)
        if slot.conn is not None:
            slot.conn.close()
        slot.process, slot.conn, slot.ready = None, None, False

    def _notify(self, job_id: str, status: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(job_id, status)
            except Exception:
                log.exception("finish listener failed")

    # ------------------------------------------------------------ the loop

    def _run(self) -> None:
        for slot in self._slots:
            self._spawn(slot)
        next_beat = next_reap = next_cancel = 0.0
        while not self._stop.is_set():
            try:
                self._tick()
                now = time.monotonic()
                if now >= next_cancel:
                    self._cancel_requested()
                    next_cancel = now + 0.5
                if now >= next_beat:
                    busy = [s.job_id for s in self._slots if s.job_id is not None]
                    self.store.heartbeat(self.owner, busy)
                    next_beat = now + min(2.0, self.lease_s / 4)
                self._watchdog(now)
                if now >= next_reap:
                    self._orphans()
                    for r in self.store.reap(
                        me=self.owner, lease_s=self.lease_s, attempts=self.attempts
                    ):
                        log.warning("job %s left by a stopped server: %s", r.id, r.action)
                        if r.action != "requeued":
                            self._notify(r.id, r.action)
                    next_reap = now + max(1.0, self.lease_s / 3)
                self._dispatch()
            except Exception:
                log.exception("supervisor: database or worker trouble; retrying")
                self._stop.wait(1.0)

    def _tick(self) -> None:
        conns: list[Any] = [self._wake_r]
        by_conn: dict[int, _Slot] = {}
        for s in self._slots:
            if s.conn is not None:
                conns.append(s.conn)
                by_conn[id(s.conn)] = s
        for c in wait(conns, timeout=0.25):
            if c is self._wake_r:
                while self._wake_r.poll():
                    self._wake_r.recv()
                continue
            slot = by_conn[id(c)]
            try:
                while slot.conn is not None and slot.conn.poll():
                    slot.heard = time.monotonic()
                    self._handle(slot, slot.conn.recv())
            except (EOFError, OSError):
                self._lost(slot)
        for s in self._slots:
            if s.process is not None and not s.process.is_alive() and s.broken is None:
                self._lost(s)

    def _handle(self, slot: _Slot, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        if kind == "ready":
            slot.ready = True
            log.info("worker %d ready in %.1f s", slot.index, time.monotonic() - slot.started)
        elif kind == "broken":
            slot.broken = msg[1]
            log.error("worker %d cannot load the maps: %s", slot.index, msg[1]["message"])
        elif kind == "progress":
            _, job_id, stage, message, fraction, best = msg
            if job_id == slot.job_id:
                self.store.progress(
                    job_id, stage=stage, message=message, fraction=fraction, best_cost=best
                )
        elif kind == "done":
            _, job_id, plan, routes, manifests = msg
            slot.job_id = None
            try:
                stored = self.store.finish_done(
                    job_id, plan=plan, routes=routes, manifest_html=manifests
                )
            except Exception as exc:
                log.exception("job %s: storing its plan failed", job_id)
                self._fail(
                    job_id,
                    ErrorBody(
                        "INTERNAL",
                        Message(
                            N_(
                                "the plan was made but storing it failed (%(cause)s); "
                                "the server log has the trace"
                            ),
                            cause=f"{type(exc).__name__}: {str(exc)[:200]!r}",
                        ),
                    ),
                )
                return
            if stored:
                self._notify(job_id, "done")
        elif kind == "failed":
            _, job_id, error = msg
            slot.job_id = None
            self._fail(job_id, ErrorBody.from_dict(error))

    def _fail(self, job_id: str, body: ErrorBody) -> None:
        """Fail a job with ``body`` and tell the listeners."""
        self.store.finish_failed(job_id, body.to_stored())
        self._notify(job_id, "failed")

    def _watchdog(self, now: float) -> None:
        """End the workers silent for longer than their job allows; fail those jobs."""
        for slot in self._slots:
            job_id = slot.job_id
            if job_id is None or now - slot.heard <= slot.silence_s:
                continue
            silent = now - slot.heard
            slot.job_id = None
            self._end(slot)
            log.error("job %s: worker %d silent for %.0f s; ended", job_id, slot.index, silent)
            self._fail(
                job_id,
                ErrorBody(
                    "JOB_STALLED",
                    Message(
                        N_(
                            "the solver process sent nothing for %(silent)s s (allowed "
                            "%(allowed)s s: twice the search time plus "
                            "DOORSTEP_JOB_WATCHDOG_S); it was ended and the job is not run "
                            "again"
                        ),
                        silent=f"{silent:.0f}",
                        allowed=f"{slot.silence_s:.0f}",
                    ),
                ),
            )
            if not self._stop.is_set():
                self._spawn(slot)

    def _orphans(self) -> None:
        """Fail running jobs of this server that no worker holds (their result was lost)."""
        held = {s.job_id for s in self._slots}
        for job_id in self.store.running_of(self.owner):
            if job_id not in held:
                log.error("job %s: running here but held by no solver process", job_id)
                self._fail(
                    job_id,
                    ErrorBody(
                        "INTERNAL",
                        Message(
                            N_(
                                "the job's result was lost inside the server; the server "
                                "log has the cause"
                            )
                        ),
                    ),
                )

    def _lost(self, slot: _Slot) -> None:
        code = slot.process.exitcode if slot.process is not None else None
        job_id = slot.job_id
        self._end(slot)
        if job_id is not None:
            job = self.store.get(job_id)
            if job.attempts < self.attempts:
                self.store.requeue(
                    job_id,
                    Message(
                        N_(
                            "queued again: the solver process ended unexpectedly "
                            "(exit status %(code)s)"
                        ),
                        code=str(code),
                    ),
                )
            else:
                said = Message(
                    N_(
                        "the solver process ended unexpectedly (exit status %(code)s), "
                        "%(attempts)d time(s); not run again"
                    ),
                    code=str(code),
                    attempts=job.attempts,
                )
                self.store.finish_failed(job_id, ErrorBody("INTERRUPTED", said).to_stored())
                self._notify(job_id, "failed")
        if not self._stop.is_set():
            log.warning("worker %d lost (exit status %s); starting a new one", slot.index, code)
            self._spawn(slot)

    def _cancel_requested(self) -> None:
        wanted: set[str] = set(self.store.cancel_requested(self.owner))
        for slot in self._slots:
            if slot.job_id is not None and slot.job_id in wanted:
                job_id = slot.job_id
                slot.job_id = None
                self._end(slot)
                self.store.finish_cancelled(job_id)
                self._notify(job_id, "cancelled")
                log.info("job %s cancelled; worker %d restarted", job_id, slot.index)
                self._spawn(slot)
        # A job asked to cancel that no worker of ours runs any more (it just finished, or
        # belongs to a server that is gone) is settled by finish_done/reap.

    def _dispatch(self) -> None:
        for slot in self._slots:
            if self._stop.is_set():
                return
            if not slot.ready or slot.job_id is not None or slot.conn is None:
                continue
            claimed = self.store.claim(self.owner)
            if claimed is None:
                return
            slot.job_id = claimed.id
            options = claimed.request.get("options") or {}
            slot.silence_s = 2 * float(options.get("time_limit_s", 2.0)) + self.watchdog_s
            slot.heard = time.monotonic()
            try:
                slot.conn.send((claimed.id, claimed.request))
            except OSError:
                self._lost(slot)
