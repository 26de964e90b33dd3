"""Retention: a purge drops the personal and health data of jobs past DOORSTEP_RETAIN_DAYS
and nothing more, keeps the figures, and leaves no trace in the database files (SQLite and
PostgreSQL, read from disk); ``doorstep purge`` and the service's periodic purge do it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.errors import ServiceError
from api.service.batches import BatchStore, NewCommunity
from api.service.db import JobStore, jobs
from api.service.reading import (
    link_claim,
    read_link,
    read_manifest,
    read_plan,
    read_routes,
)
from api.service.retention import KEPT_REQUEST, Purger, purge
from api.service.state import Service
from api.service.volunteer_links import shared_secret, sign
from api.settings import ServiceSettings
from tests.api.service.live import ROOT, server_env

DAY = 86400.0
#: Personal and health values of the old job: none may stay anywhere in the database.
OLD = ("Wang-Old-Sentinel", "13900004242", "oxygen-Old-Sentinel")
#: The same fields of a recent job: all must stay.
NEW = ("Li-New-Sentinel", "13900005353", "oxygen-New-Sentinel")


def _request(name: str, phone: str, note: str) -> dict[str, Any]:
    """A small stored request (kept below PostgreSQL's compression threshold, so its text
    is on disk as it is)."""
    return {
        "map": "demo",
        "date": "2026-11-25",
        "households": [
            {
                "household_id": "H001",
                "name": name,
                "phone": phone,
                "note": note,
                "observation_start": "2026-11-20",
                "observation_end": "2026-12-01",
                "elderly_alone": True,
            }
        ],
        "volunteers": [{"volunteer_id": "V1", "name": name + "-vol", "phone": phone}],
        "options": {"time_limit_s": 2},
    }


def _plan(name: str, note: str) -> dict[str, Any]:
    return {
        "date": "2026-11-25",
        "routes": [
            {
                "volunteer_id": "V1",
                "stops": [{"lines": [{"household_id": "H001", "note": note, "name": name}]}],
            }
        ],
        "unassigned": [{"household_id": "H002", "reason": "NO_VOLUNTEER", "message": name}],
        "summary": {
            "households_served": 1,
            "households_unassigned": 1,
            "volunteers_called": 1,
            "volunteers_available": 1,
            "distance_m": 900,
            "cost": 5,
        },
    }


def _done_job(store: BatchStore, values: tuple[str, str, str], *, ended: float) -> str:
    """A batch of one community whose job is done with ``values`` in its request, plan and
    manifest, finished at ``ended``; its job id."""
    name, phone, note = values
    request = _request(name, phone, note)
    batch = store.create(
        [NewCommunity("north", request=request, households=1, time_limit_s=2.0)],
        map_of={"north": "demo"},
        date_of={"north": "2026-11-25"},
        created_by="dispatcher:0123456789ab",
    )
    job_id = store.get(batch).communities[0].job_id
    assert job_id is not None
    claimed = store.store.claim("test")
    assert claimed is not None and claimed.id == job_id
    assert store.store.finish_done(
        job_id,
        plan=_plan(name, note),
        routes={"type": "FeatureCollection", "features": [{"properties": {"name": name}}]},
        manifest_html={"V1": f"<p>{name} {phone} {note}</p>"},
    )
    with store.engine.begin() as conn:
        conn.execute(sa.update(jobs).where(jobs.c.id == job_id).values(finished_at=ended))
    return job_id


def _disk_bytes(engine: sa.Engine) -> bytes:
    """Every byte the database keeps on disk for its tables (after a checkpoint)."""
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("CHECKPOINT"))
        folder = Path(str(conn.execute(sa.text("SHOW data_directory")).scalar()))
        files = conn.execute(
            sa.text(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't') "
                "AND pg_relation_filepath(c.oid) IS NOT NULL"
            )
        ).scalars()
        paths = [folder / f for f in files]
    return b"".join(seg.read_bytes() for p in paths for seg in sorted(p.parent.glob(p.name + "*")))


def test_purge_drops_personal_data_and_nothing_more(db_url: str) -> None:
    """A job past retention loses its ledger, plan lines, routes and manifests (gone from
    the database files), keeps its figures; a recent job keeps everything."""
    store = JobStore(db_url)
    store.create_schema()
    batches = BatchStore(store)
    now = time.time()
    old = _done_job(batches, OLD, ended=now - 31 * DAY)
    new = _done_job(batches, NEW, ended=now - 29 * DAY)
    raw = _disk_bytes(store.engine)
    assert all(v.encode() in raw for v in OLD + NEW)
    old_batch_summary = batches.recent()[1].summary()["totals"]

    report = purge(store.engine, retain_days=30, now=now)

    assert report.jobs == 1
    assert purge(store.engine, retain_days=30, now=now).jobs == 0  # once only
    raw = _disk_bytes(store.engine)
    assert [v for v in OLD if v.encode() in raw] == []
    assert all(v.encode() in raw for v in NEW)
    with store.engine.connect() as conn:
        request = conn.execute(sa.select(jobs.c.request).where(jobs.c.id == old)).scalar()
    request = json.loads(request) if isinstance(request, str) else request
    assert set(request) <= set(KEPT_REQUEST) and request["map"] == "demo"
    plan = json.loads(store.plan(old))
    assert plan == {
        "date": "2026-11-25",
        "summary": _plan("x", "y")["summary"],
        "unassigned": [{"reason": "NO_VOLUNTEER"}],
    }
    assert json.loads(store.routes(old))["features"] == []
    assert store.get(old).volunteer_ids == () and store.get(old).purged_at is not None
    assert store.get(new).purged_at is None and store.get(new).volunteer_ids == ("V1",)
    assert batches.recent()[1].summary()["totals"] == old_batch_summary
    store.dispose()


def test_purged_job_answers_purged_and_its_links_are_revoked(db_url: str) -> None:
    """After the purge a job's plan, routes and manifests are 410 PURGED for every reader
    and its volunteer links 410 LINK_REVOKED; a recent job still reads."""
    service = Service(ServiceSettings(database_url=db_url, link_hours=24 * 60.0))
    service.store.create_schema()
    service.link_secret = shared_secret(service.store.engine, "")
    now = time.time()
    old = _done_job(service.batches, OLD, ended=now - 31 * DAY)
    new = _done_job(service.batches, NEW, ended=now - 1 * DAY)
    token = sign(service.link_secret, link_claim(service, service.store.get(old), "V1"))
    purge(service.store.engine, retain_days=30, now=now)
    for read in (
        lambda: read_plan(service, old, actor="key:x", community=None, base_url="http://h/"),
        lambda: read_routes(service, old, actor="key:x", community="north"),
        lambda: read_manifest(service, old, "V1", actor="key:x", community=None),
    ):
        with pytest.raises(ServiceError) as err:
            read()
        assert err.value.code == "PURGED"
    with pytest.raises(ServiceError) as err:
        read_link(service, token)
    assert err.value.code == "LINK_REVOKED"
    assert NEW[0] in read_manifest(service, new, "V1", actor="key:x", community="north")
    service.store.dispose()


def test_purge_command_and_the_services_periodic_purge(tmp_path: Path) -> None:
    """``doorstep purge --days`` purges what is past its retention and says how much; the
    service's purge thread does the same on its own."""
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    store = JobStore(url)
    store.create_schema()
    batches = BatchStore(store)
    now = time.time()
    first = _done_job(batches, OLD, ended=now - 3 * DAY)
    second = _done_job(batches, NEW, ended=now - 1 * DAY)
    done = subprocess.run(
        [sys.executable, "-m", "api", "purge", "--days", "2"],
        env=server_env(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "purged 1 job(s)" in done.stdout
    assert store.get(first).purged_at is not None and store.get(second).purged_at is None
    purger = Purger(store.engine, retain_days=0.5)
    purger.start()
    try:
        deadline = time.monotonic() + 60
        while store.get(second).purged_at is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        purger.stop()
    assert store.get(second).purged_at is not None
    store.dispose()
