"""Batch rows over the job store on a real database: retry rules, derived status, cancel."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import ServiceError
from api.service.batches import BatchStore, NewCommunity
from api.service.db import JobStore

REQUEST: dict[str, Any] = {"map": "demo", "date": "2026-11-25", "households": []}


def _batch(store: BatchStore, ids: list[str], refused: dict[str, Any] | None = None) -> str:
    refused = refused or {}
    new = [
        NewCommunity(c, error=refused[c])
        if c in refused
        else NewCommunity(c, request=REQUEST, households=3, time_limit_s=1.0)
        for c in ids
    ]
    every = {c: "demo" for c in ids}
    return store.create(
        new, map_of=every, date_of=dict.fromkeys(ids, "2026-11-25"), created_by="dispatcher:x"
    )


def _fail_current(jobs: JobStore, batches: BatchStore, batch_id: str, cid: str, code: str) -> None:
    """Fail the community's current job with ``code`` (as a solver process would)."""
    job_id = next(c.job_id for c in batches.get(batch_id).communities if c.community_id == cid)
    assert job_id is not None
    jobs.finish_failed(job_id, {"code": code, "message": f"{code} provoked", "details": []})


@pytest.fixture
def stores(db_url: str) -> Any:
    """A fresh job store and its batch store."""
    jobs = JobStore(db_url)
    jobs.create_schema()
    yield jobs, BatchStore(jobs)
    jobs.dispose()


def test_retry_once_unless_input_or_interrupted(stores: Any) -> None:
    """A crash is retried once as a new job (twice called, still one retry); a ledger fault
    and an interruption are not; a refused community is failed from the start."""
    jobs, batches = stores
    bad = {"code": "INVALID_LEDGER", "message": "1 problem(s)", "details": []}
    batch_id = _batch(batches, ["crash", "ledger", "gone", "refused"], {"refused": bad})
    state = batches.get(batch_id)
    assert state.status == "queued"
    assert [c.status for c in state.communities] == ["queued", "queued", "queued", "failed"]
    _fail_current(jobs, batches, batch_id, "crash", "INTERNAL")
    first = next(c for c in batches.get(batch_id).communities if c.community_id == "crash")
    assert first.status == "queued" and first.tries == 2  # get() made its retry
    assert batches.advance(batch_id=batch_id) == 0
    _fail_current(jobs, batches, batch_id, "crash", "INTERNAL")
    _fail_current(jobs, batches, batch_id, "ledger", "INVALID_LEDGER")
    _fail_current(jobs, batches, batch_id, "gone", "INTERRUPTED")
    assert batches.advance() == 0
    state = batches.get(batch_id)
    assert state.status == "failed" and state.finished_at is not None
    failed = {f["community_id"]: (f["failure"], f["attempts"]) for f in state.summary()["failed"]}
    assert failed == {
        "crash": ("crash", 2),
        "ledger": ("input", 1),
        "gone": ("crash", 1),
        "refused": ("input", 0),
    }


def test_cancel_stops_retries_and_ends_cancelled(stores: Any) -> None:
    """DELETE cancels queued communities at once (a retry included), the batch ends
    cancelled and makes no retry after; a done or failed batch cannot be cancelled
    (JOB_FINISHED)."""
    jobs, batches = stores
    batch_id = _batch(batches, ["a", "b"])
    _fail_current(jobs, batches, batch_id, "a", "INTERNAL")
    state = batches.cancel(batch_id)
    assert state.status == "cancelled"
    assert {c.community_id: (c.status, c.tries) for c in state.communities} == {
        "a": ("cancelled", 2),
        "b": ("cancelled", 1),
    }
    assert batches.advance() == 0
    other = _batch(batches, ["x"], {"x": {"code": "UNKNOWN_MAP", "message": "m", "details": []}})
    with pytest.raises(ServiceError) as err:
        batches.cancel(other)
    assert err.value.code == "JOB_FINISHED"
    with pytest.raises(ServiceError) as err:
        batches.get("0123")
    assert err.value.code == "NOT_FOUND"
