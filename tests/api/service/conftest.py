"""Fixtures of the service tests: databases (SQLite file, PostgreSQL when available) and a
live server shared by the HTTP tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.api.service.city import ENV_KEYS as CITY_KEYS
from tests.api.service.live import ONE_SOLVER, LiveServer, server_env

PG_URL = os.environ.get("DOORSTEP_TEST_POSTGRES_URL", "")
PG_SKIP = "DOORSTEP_TEST_POSTGRES_URL is not set (python3 -m tests starts a server and sets it)"


def _pg_database() -> tuple[str, str]:
    """Create a fresh database on the test PostgreSQL server; return (url, name)."""
    import sqlalchemy as sa

    name = f"doorstep_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    return url, name


def _pg_drop(name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def database_of(kind: str, folder: Path) -> tuple[str, str]:
    """A fresh database of ``kind`` (``sqlite``: a file in ``folder``; ``postgresql``: a new
    database, skipped without the test server): its URL and PostgreSQL name (or "")."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'jobs.db'}", ""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    return _pg_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty job database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.db'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url, name = _pg_database()
    try:
        yield url
    finally:
        _pg_drop(name)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One ``doorstep serve`` on loopback with a SQLite store, shared by the HTTP tests."""
    folder = tmp_path_factory.mktemp("live")
    live = LiveServer(server_env(f"sqlite:///{folder / 'jobs.db'}"), folder / "server.log")
    try:
        live.wait_ready()
        yield live
    finally:
        live.stop()


@dataclass(frozen=True)
class City:
    """A server of one solver process holding the keys of :mod:`tests.api.service.city`,
    and its database's URL."""

    live: LiveServer
    url: str


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def city(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[City]:
    """The server of the community tests, on SQLite, then on PostgreSQL."""
    folder = tmp_path_factory.mktemp("city")
    url, pg_name = database_of(request.param, folder)
    env = server_env(url, DOORSTEP_API_KEYS=CITY_KEYS, **ONE_SOLVER)
    live = LiveServer(env, folder / "server.log")
    try:
        live.wait_ready(timeout=300)  # the solver process loads the map on a shared machine
        yield City(live, url)
    finally:
        live.stop()
        if pg_name:
            _pg_drop(pg_name)
