"""A real ``doorstep serve`` process on a free loopback port, started and stopped by tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

DISPATCHER = "test-dispatcher-key-1"
VIEWER = "test-viewer-key-1"
#: A dispatcher of community ``north`` only.
NORTH_DISPATCHER = "test-north-dispatcher-key-1"
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: A tile server nobody listens on (a port free at import): the map page must fall back to
#: the street graph, as it does when the tile server is unreachable.
UNREACHABLE_TILES = f"http://127.0.0.1:{free_port()}/{{z}}/{{x}}/{{y}}.png"


#: Environment of a server with one solver process, for tests that need no second: each
#: solver process started costs seconds of CPU (imports, the maps, their warm-up).
ONE_SOLVER = {"DOORSTEP_WORKERS": "1"}


def server_env(db_url: str, **extra: str) -> dict[str, str]:
    """Environment of a test server: keys, database, unreachable tiles, small limits."""
    env = dict(os.environ)
    env.update(
        {
            "DOORSTEP_API_KEYS": (
                f"{DISPATCHER}:dispatcher,{VIEWER}:viewer,{NORTH_DISPATCHER}:dispatcher:north"
            ),
            "DOORSTEP_DATABASE_URL": db_url,
            "DOORSTEP_TILES": UNREACHABLE_TILES,
            "DOORSTEP_WORKERS": "2",
            "DOORSTEP_SYNC_MAX_HOUSEHOLDS": "12",
            "DOORSTEP_SYNC_MAX_SECONDS": "2",
            "DOORSTEP_MAX_BODY_BYTES": "200000",
            "DOORSTEP_JOB_LEASE_S": "4",
            "DOORSTEP_SYNC_WAIT_S": "6",
        }
    )
    env.pop("DOORSTEP_MAPS", None)
    env.update(extra)
    return env


class LiveServer:
    """One ``doorstep serve`` subprocess.

    Parameters
    ----------
    env
        Its environment (see :func:`server_env`).
    log
        File receiving its output.
    module
        The module run as ``python -m MODULE serve ...`` (``api``: the real command).
    """

    def __init__(self, env: Mapping[str, str], log: Path, *, module: str = "api") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._fh = log.open("ab")
        args = ["serve", "--port", str(self.port), "--log-level", "warning"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=dict(env),
            cwd=ROOT,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until ``/readyz`` says ready with every solver process up (fails after
        ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.tail()}")
            try:
                res = httpx.get(f"{self.url}/readyz", timeout=2)
                if res.status_code == 200 and all(w["ready"] for w in res.json()["workers"]):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server not ready after {timeout} s: {self.tail()}")

    def tail(self) -> str:
        """The end of the server's log."""
        return self.log.read_text(errors="replace")[-3000:]

    def client(self, key: str | None = DISPATCHER, **kw: Any) -> httpx.Client:
        """An HTTP client of this server sending ``key`` as bearer token."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)

    def kill(self) -> None:
        """SIGKILL the server process (its solver processes die with it)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._fh.close()

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), or SIGKILL after 20 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._fh.close()


def _poll(client: httpx.Client, path: str, statuses: set[str], timeout: float) -> dict[str, Any]:
    """GET ``path`` until its ``status`` is one of ``statuses``; return the document."""
    deadline = time.monotonic() + timeout
    doc: dict[str, Any] = {}
    while time.monotonic() < deadline:
        doc = client.get(path).json()
        if doc.get("status") in statuses:
            return doc
        time.sleep(0.2)
    raise AssertionError(f"{path} never reached {statuses}: {doc}")


def wait_status(
    client: httpx.Client, job_id: str, statuses: set[str], timeout: float = 90.0
) -> dict[str, Any]:
    """Poll a job until its status is one of ``statuses``; return the job document."""
    return _poll(client, f"/v1/jobs/{job_id}", statuses, timeout)


def wait_batch(
    client: httpx.Client, batch_id: str, statuses: set[str], timeout: float = 90.0
) -> dict[str, Any]:
    """Poll a batch until its status is one of ``statuses``; return its document."""
    return _poll(client, f"/v1/batches/{batch_id}", statuses, timeout)


def wait_solving(
    server: LiveServer, client: httpx.Client, job_id: str, timeout: float = 120.0
) -> None:
    """Poll a job until its progress stage is ``solve``; fail with the job document and the
    server's log if it ends first or never gets there in ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["progress"]["stage"] == "solve":
            return
        assert job["status"] not in {"done", "failed", "cancelled"}, (job, server.tail())
        assert time.monotonic() < deadline, ("the job never reached the solver", job, server.tail())
        time.sleep(0.05)


def expect_error(res: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert ``res`` is the error ``code`` with HTTP ``status`` in the one error shape."""
    assert res.status_code == status, res.text
    body: dict[str, Any] = res.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == code, body
    return body
