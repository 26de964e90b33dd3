"""Load on the dispatch API: ``python -m benchmarks.load [--clients 50 --seconds 60]``.

Starts ``doorstep serve`` on loopback (SQLite store in a temporary folder, the demo map,
default solver processes), waits until every solver process is ready, then lets
``--clients`` concurrent clients post ``--stops``-household plans to ``POST /v1/plans``
back to back for ``--seconds`` seconds. Each client posts a different generated request
(:func:`api.service.sample.plan_request`). Reports throughput (plans answered per second),
p50/p99 latency of answered requests, and errors (any status other than 200, or a
transport error), and appends a row to ``benchmarks/results/load.csv`` with the machine
facts beside it (``load.meta.txt``).

Not a test: run it once, under the team's heavy lock::

    flock /tmp/doorstep-heavy.lock .venv/bin/python -m benchmarks.load
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.service.sample import plan_request
from benchmarks.machine import describe

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
KEY = "load-benchmark-dispatcher"


@dataclass(slots=True)
class Tally:
    """Latencies (s) of answered plans and the errors seen, by kind."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, port: int, time_limit_s: float) -> subprocess.Popen[bytes]:
    """``doorstep serve`` on 127.0.0.1:``port`` with a SQLite store in ``folder``."""
    env = dict(os.environ)
    env.update(
        {
            "DOORSTEP_API_KEYS": f"{KEY}:dispatcher",
            "DOORSTEP_DATABASE_URL": f"sqlite:///{folder / 'jobs.db'}",
            "DOORSTEP_TILES": "off",
            "DOORSTEP_SYNC_MAX_SECONDS": str(max(time_limit_s, 0.5)),
            "DOORSTEP_SYNC_WAIT_S": "300",
        }
    )
    env.pop("DOORSTEP_MAPS", None)
    log = (folder / "server.log").open("wb")
    cmd = [sys.executable, "-m", "api", "serve", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 180.0) -> int:
    """Wait until ``/readyz`` reports every solver process ready; return their number."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}")
        try:
            res = httpx.get(f"{url}/readyz", timeout=2)
            if res.status_code == 200:
                workers = res.json()["workers"]
                if all(w["ready"] for w in workers):
                    return len(workers)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("server not ready in time")


async def client(
    http: httpx.AsyncClient, bodies: list[dict[str, Any]], until: float, tally: Tally
) -> None:
    """Post plans back to back until the clock passes ``until``."""
    k = 0
    while time.monotonic() < until:
        body = bodies[k % len(bodies)]
        k += 1
        began = time.monotonic()
        try:
            res = await http.post("/v1/plans", json=body)
        except httpx.HTTPError as exc:
            tally.errors[type(exc).__name__] += 1
            continue
        if res.status_code == 200:
            tally.latencies.append(time.monotonic() - began)
        else:
            code = res.json().get("code", "?") if res.content else "?"
            tally.errors[f"{res.status_code} {code}"] += 1


async def run_load(
    url: str, clients: int, seconds: float, bodies: list[list[dict[str, Any]]]
) -> Tally:
    """Run ``clients`` concurrent clients for ``seconds``; requests still open at the end
    are awaited (their latency counts, the throughput window is the wall time)."""
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600, limits=limits) as http:
        until = time.monotonic() + seconds
        await asyncio.gather(*(client(http, bodies[i], until, tally) for i in range(clients)))
    return tally


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values`` (inclusive method)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print/append its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--stops", type=int, default=20, help="households per plan")
    ap.add_argument("--time-limit", type=float, default=1.0, help="search seconds per plan")
    ap.add_argument("--no-save", action="store_true", help="print only")
    args = ap.parse_args(argv)

    bodies = [
        [
            plan_request(args.stops, seed=1000 * c + k, time_limit_s=args.time_limit)
            for k in range(3)
        ]
        for c in range(args.clients)
    ]
    with tempfile.TemporaryDirectory(prefix="doorstep-load-") as tmp:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(Path(tmp), port, args.time_limit)
        try:
            workers = wait_ready(url, proc)
            load_before = os.getloadavg()[0]
            began = time.monotonic()
            tally = asyncio.run(run_load(url, args.clients, args.seconds, bodies))
            wall = time.monotonic() - began
            load_after = os.getloadavg()[0]
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    done = len(tally.latencies)
    errors = sum(tally.errors.values())
    row = {
        "clients": args.clients,
        "seconds": args.seconds,
        "stops": args.stops,
        "time_limit_s": args.time_limit,
        "solver_processes": workers,
        "wall_s": round(wall, 1),
        "plans": done,
        "throughput_per_s": round(done / wall, 3),
        "p50_s": round(percentile(tally.latencies, 0.50), 2),
        "p99_s": round(percentile(tally.latencies, 0.99), 2),
        "errors": errors,
        "error_kinds": ";".join(f"{k}={n}" for k, n in sorted(tally.errors.items())),
        "load_1min_before_after": f"{load_before:.2f}/{load_after:.2f}",
    }
    for k, v in row.items():
        print(f"{k:>24}: {v}")
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / "load.csv"
        new = not out.exists()
        with out.open("a", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(row))
            if new:
                w.writeheader()
            w.writerow(row)
        meta = "\n".join(f"{k}: {v}" for k, v in describe().items())
        (RESULTS / "load.meta.txt").write_text(meta + "\n")
        print(f"appended to {out}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
