"""Fuzzing the dispatch API: ``python -m benchmarks.fuzz [--requests 5000]``.

Starts ``doorstep serve`` on loopback (SQLite store in a temporary folder, the demo map, 2
solver processes, small job limits so generated plans stay short), then sends schemathesis
calls generated from the live OpenAPI document until at least ``--requests`` were made:

- per operation, valid and invalid calls (``--examples`` each per round);
- stateful scenarios following the document's links (create a job or batch -> read it,
  its plan and routes -> cancel it), ``--scenarios`` per round of up to 8 steps.

Every response is checked (no 5xx; status, content type, headers and body as documented).
Then it waits up to ``--settle`` seconds for every job the run created to end, and reports
requests sent, statuses, server errors, other check failures and jobs left unfinished
(a line is appended to ``benchmarks/results/fuzz.csv``). Exit status 1 when any server
error or unfinished job was seen.

Not a test (the suite runs a bounded version: ``tests/api/service/test_stateful_fuzz.py``);
run it under the team's heavy lock, on loopback only::

    flock /tmp/doorstep-heavy.lock .venv/bin/python -m benchmarks.fuzz > fuzz.log 2>&1
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, Unsatisfiable
from hypothesis.stateful import Bundle, initialize
from schemathesis import GenerationMode, checks
from schemathesis.generation.stateful.state_machine import StepInput

from api.service.db import FINAL, JobStore
from api.service.sample import plan_request
from benchmarks.load import _free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
KEY = "fuzz-benchmark-dispatcher"

#: No 5xx, and every status, content type, header and body as the OpenAPI document says.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@dataclass(slots=True)
class Tally:
    """What a fuzzing run saw.

    Attributes
    ----------
    requests
        Calls made.
    statuses
        Calls per HTTP status.
    server_errors
        ``"METHOD path -> status"`` of every 5xx answer.
    failures
        Every other failed check, in words.
    jobs, batches
        Ids of the jobs and batches the run created.
    followed
        Calls on a job or batch created earlier in the same run, by operation.
    replays_stopped
        Batches of scenarios stopped because a replayed step got another answer.
    """

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    jobs: set[str] = field(default_factory=set)
    batches: set[str] = field(default_factory=set)
    followed: Counter[str] = field(default_factory=Counter)
    replays_stopped: int = 0

    def record(self, case: Any, response: Any) -> None:
        """Count one call and remember the job or batch it created."""
        self.requests += 1
        status = int(response.status_code)
        self.statuses[status] += 1
        label = case.operation.label
        if status >= 500:
            self.server_errors.append(f"{label} -> {status}: {response.text[:300]}")
        params = case.path_parameters or {}
        if params.get("job_id") in self.jobs or params.get("batch_id") in self.batches:
            self.followed[label] += 1
        job = response.headers.get("X-Doorstep-Job")
        if job:
            self.jobs.add(job)
        if status == 202:
            ident = response.json().get("id")
            (self.batches if case.operation.path == "/v1/batches" else self.jobs).add(ident)
            for community in response.json().get("communities", []):
                if community.get("job_id"):
                    self.jobs.add(community["job_id"])

    def check(self, case: Any, response: Any) -> None:
        """Run :data:`CHECKS`; a failure other than a 5xx is kept in ``failures``."""
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # schemathesis raises a group of check failures
            if int(response.status_code) < 500:
                self.failures.append(f"{case.operation.label}: {str(exc)[:300]}")


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def fuzz_operations(
    schema: Any, url: str, tally: Tally, *, examples: int, headers: dict[str, str]
) -> None:
    """Valid and invalid generated calls to every operation, ``examples`` each."""
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(mode))
            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            def run(case: Any) -> None:
                response = case.call(base_url=url, headers=headers, timeout=120)
                tally.record(case, response)
                tally.check(case, response)

            with contextlib.suppress(Unsatisfiable):  # no invalid call without inputs
                run()


def fuzz_scenarios(
    schema: Any, url: str, tally: Tally, *, scenarios: int, headers: dict[str, str]
) -> None:
    """Stateful scenarios along the document's links (create -> read -> cancel).

    Each scenario starts with one valid job (generated bodies are rarely a plannable
    ledger), then follows links from it and from whatever else it creates.
    """
    machine = schema.as_state_machine()
    create = schema["/v1/jobs"]["POST"]

    class Scenarios(machine):  # type: ignore[misc, valid-type]
        @initialize(target=Bundle("catch_all"), seed=st.integers(0, 10_000))
        def create_a_valid_job(self, seed: int) -> Any:
            body = plan_request(3, seed=seed, time_limit_s=0.5)
            case = create.Case(body=body, media_type="application/json")
            step = StepInput.initial(case)
            self.recorder.record_case(case=case)  # as the machine's own first steps do
            self.control.record_step(step, self.recorder)
            return self._step(step)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": url, "headers": headers, "timeout": 120}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)  # the recorder links steps to their parents
            tally.record(case, response)

        def validate_response(self, response: Any, case: Any, *args: Any, **kw: Any) -> None:
            tally.check(case, response)

    try:
        Scenarios.run(settings=_scenario_settings(scenarios))
    except Flaky:
        # A live server may answer a replayed step differently (a job done, or cancelled,
        # by then); Hypothesis then stops this batch of scenarios. Counted, not hidden.
        tally.replays_stopped += 1


def _scenario_settings(scenarios: int) -> settings:
    return settings(
        max_examples=scenarios,
        stateful_step_count=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )


def unfinished(client: httpx.Client, tally: Tally, settle_s: float) -> list[str]:
    """Jobs of the run still queued or running after waiting up to ``settle_s`` s."""
    deadline = time.monotonic() + settle_s
    left = sorted(tally.jobs)
    while left:
        left = [j for j in left if client.get(f"/v1/jobs/{j}").json().get("status") not in FINAL]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    return left


def start_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """``doorstep serve`` on 127.0.0.1:``port``, SQLite in ``folder``, short job limits."""
    env = dict(os.environ)
    env.update(
        {
            "DOORSTEP_API_KEYS": f"{KEY}:dispatcher",
            "DOORSTEP_DATABASE_URL": f"sqlite:///{folder / 'jobs.db'}",
            "DOORSTEP_TILES": "off",
            "DOORSTEP_WORKERS": "2",
            "DOORSTEP_SYNC_MAX_SECONDS": "1",
            "DOORSTEP_JOB_MAX_SECONDS": "2",
            "DOORSTEP_JOB_MAX_HOUSEHOLDS": "40",
            "DOORSTEP_BATCH_MAX_COMMUNITIES": "5",
            "DOORSTEP_SYNC_WAIT_S": "60",
        }
    )
    env.pop("DOORSTEP_MAPS", None)
    log = (folder / "server.log").open("wb")
    cmd = [sys.executable, "-m", "api", "serve", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzing and print (and append to results/fuzz.csv) what it saw."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000, help="at least this many calls")
    parser.add_argument("--examples", type=int, default=25, help="per operation and mode")
    parser.add_argument("--scenarios", type=int, default=40, help="stateful runs per round")
    parser.add_argument("--settle", type=float, default=180.0, help="s to wait for jobs")
    args = parser.parse_args(argv)
    tally = Tally()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(Path(tmp), port)
        try:
            wait_ready(url, proc)
            schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
            rounds = 0
            while tally.requests < args.requests:
                rounds += 1
                fuzz_operations(schema, url, tally, examples=args.examples, headers=_headers())
                fuzz_scenarios(schema, url, tally, scenarios=args.scenarios, headers=_headers())
                print(f"round {rounds}: {tally.requests} requests", flush=True)
            with httpx.Client(base_url=url, headers=_headers(), timeout=60) as client:
                left = unfinished(client, tally, args.settle)
            counts = JobStore(f"sqlite:///{Path(tmp) / 'jobs.db'}").counts()
        finally:
            proc.terminate()
            proc.wait(30)
    seconds = time.monotonic() - began
    print(f"requests {tally.requests} in {seconds:.0f} s over {rounds} round(s)")
    print("statuses " + ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items())))
    print(f"jobs created {len(tally.jobs)}, batches {len(tally.batches)}; store {counts}")
    print("links followed " + ", ".join(f"{k}: {n}" for k, n in sorted(tally.followed.items())))
    print(f"scenario batches stopped by a replay answered differently {tally.replays_stopped}")
    print(f"server errors {len(tally.server_errors)}")
    for line in tally.server_errors[:20]:
        print("  " + line)
    print(f"other check failures {len(tally.failures)}")
    for line in tally.failures[:20]:
        print("  " + line)
    print(f"jobs unfinished {len(left)} {left[:10]}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "fuzz.csv"
    new = not out.exists()
    with out.open("a", newline="") as fh:
        w = csv.writer(fh)
        if new:
            w.writerow(
                [
                    "requests",
                    "seconds",
                    "server_errors",
                    "check_failures",
                    "jobs",
                    "unfinished",
                    "statuses",
                ]
            )
        w.writerow(
            [
                tally.requests,
                round(seconds),
                len(tally.server_errors),
                len(tally.failures),
                len(tally.jobs),
                len(left),
                dict(sorted(tally.statuses.items())),
            ]
        )
    return 1 if tally.server_errors or left else 0


if __name__ == "__main__":
    raise SystemExit(main())
