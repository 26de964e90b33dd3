"""The server state: finish watchers, waiting for a job, batch retries on a job's failure."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.service.batches import NewCommunity
from api.service.db import NewJob
from api.service.state import Service
from api.settings import ServiceSettings

REQUEST = {"map": "demo", "date": "2026-11-25", "households": [], "volunteers": []}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    """A service on a fresh SQLite store, without maps or workers."""
    svc = Service(ServiceSettings(database_url=f"sqlite:///{tmp_path / 'jobs.db'}"))
    svc.store.create_schema()
    yield svc
    svc.store.dispose()


def _job(service: Service) -> str:
    new = NewJob("job", REQUEST, "demo", "2026-11-25", 0, 1.0, "dispatcher:abc")
    return service.store.create(new)


def test_watchers_are_called_once_when_the_job_ends(service: Service) -> None:
    """Each watcher of a job is called when it ends, then forgotten; others are not called."""
    calls: list[str] = []
    service.watch("j1", lambda: calls.append("a"))
    service.watch("j1", lambda: calls.append("b"))
    service.watch("j2", lambda: calls.append("other"))
    service.finished("j1", "done")
    service.finished("j1", "done")
    assert calls == ["a", "b"]
    service.unwatch("j2")
    service.finished("j2", "done")
    assert calls == ["a", "b"]


def test_wait_returns_when_the_job_ends(service: Service) -> None:
    """A waiter sees the final job as soon as it is reported ended, before its timeout."""
    job_id = _job(service)
    service.store.claim("server-a")

    def finish() -> None:
        service.store.finish_failed(job_id, {"code": "INTERNAL", "message": "x", "details": []})
        service.finished(job_id, "failed")

    async def run() -> str:
        waiter = asyncio.ensure_future(service.wait(job_id, 60.0))
        await asyncio.sleep(0.2)
        threading.Thread(target=finish).start()
        return (await waiter).status

    assert asyncio.run(run()) == "failed"


def test_wait_gives_up_at_the_timeout(service: Service) -> None:
    """A job still queued at the timeout comes back as it is."""
    job_id = _job(service)
    job = asyncio.run(service.wait(job_id, 0.3))
    assert job.status == "queued" and job.id == job_id


def test_failed_batch_job_gets_its_retry(service: Service) -> None:
    """A batch community's job failing for a crash is queued again as a new job."""
    batch_id = service.batches.create(
        [NewCommunity("c1", request=REQUEST, households=0, time_limit_s=1.0)],
        map_of={"c1": "demo"},
        date_of={"c1": "2026-11-25"},
        created_by="dispatcher:abc",
    )
    first = service.batches.get(batch_id).communities[0].job_id
    assert first is not None
    service.store.claim("server-a")
    service.store.finish_failed(first, {"code": "INTERNAL", "message": "crash", "details": []})
    service.finished(first, "failed")
    community = service.batches.get(batch_id).communities[0]
    assert community.job_id != first and community.tries == 2
    assert service.store.get(str(community.job_id)).status == "queued"
