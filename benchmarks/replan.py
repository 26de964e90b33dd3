"""Re-plans of the demo day: ``python -m benchmarks.replan``.

The 300-household demo ledger (:func:`api.demo.data.generate`) is planned once; then for
each of ``--sequences`` random event sequences at ``--at`` (a volunteer unavailable, a
household urgent, a door not answered, a household cancelled: each with probability 1/2,
at least one event) the day is re-planned twice through :func:`api.plan.replan.replan_day`
in the same run, with the same budget and seed: warm with the change cost (the default)
and cold (no warm start, no change cost). Each row gives the wall seconds of the whole
re-plan (day rebuilt from the cached matrices, search, checker) and the households served
by another volunteer than in the current plan. Street travel keeps the day's matrices
(:class:`api.plan.travel.KeptMatrices`), as a service re-planning a loaded day would.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from api.demo.data import DEMO_DATE, generate, helsinki_map
from api.outputs.document import deliveries
from api.plan.events import Event, EventKind
from api.plan.ledger import read_ledger
from api.plan.replan import CHANGE_COST_S, replan_day
from api.plan.request import PlanRequest
from api.plan.run import run_plan
from api.plan.travel import KeptMatrices, open_map


def _events(doc: dict[str, object], at: int, rng: random.Random) -> list[Event]:
    """A random sequence of events before ``at``."""
    routes = doc["routes"]
    assert isinstance(routes, list)
    volunteers = [r["volunteer_id"] for r in routes]
    households = sorted(h for r in routes for s in deliveries(r) for h in s["household_ids"])
    kinds = [
        k
        for k in (
            EventKind.VOLUNTEER_UNAVAILABLE,
            EventKind.HOUSEHOLD_URGENT,
            EventKind.STOP_FAILED,
            EventKind.HOUSEHOLD_CANCELLED,
        )
        if rng.random() < 0.5
    ] or [EventKind.VOLUNTEER_UNAVAILABLE]
    out = []
    for kind in kinds:
        ids = volunteers if kind is EventKind.VOLUNTEER_UNAVAILABLE else households
        out.append(Event(at - rng.randint(0, 1800), kind, rng.choice(ids)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print one row per sequence and the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=20)
    parser.add_argument("--at", default="10:30")
    parser.add_argument("--budget", type=float, default=2.0, help="re-plan time limit (s)")
    parser.add_argument(
        "--cold-budget", type=float, default=None, help="cold re-plan time limit (s; --budget)"
    )
    parser.add_argument("--plan-budget", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    hours, minutes = (int(x) for x in args.at.split(":"))
    at = hours * 3600 + minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        ledger = read_ledger(*generate(Path(tmp), households=300, volunteers=20))
    request = PlanRequest(ledger, DEMO_DATE, time_limit=args.plan_budget, geometry=False)
    base, addresses = open_map(helsinki_map(), request.modes())
    travel = KeptMatrices(base)
    doc = run_plan(request, travel=travel, addresses=addresses).document
    again = {
        cost: PlanRequest(ledger, DEMO_DATE, time_limit=seconds, geometry=False)
        for cost, seconds in ((CHANGE_COST_S, args.budget), (0, args.cold_budget or args.budget))
    }
    rng = random.Random(args.seed)
    print("seq  events  warm_s  cold_s  moved_warm  moved_cold  unserved_warm  unserved_cold")
    rows = []
    for k in range(args.sequences):
        events = _events(doc, at, rng)
        figures = []
        for cost in (CHANGE_COST_S, 0):
            t = time.perf_counter()
            new = replan_day(
                again[cost], doc, events, at, travel=travel, addresses=addresses, change_cost=cost
            )
            seconds = time.perf_counter() - t
            replan = new.document["replan"]
            figures.append((seconds, replan["households_moved"], len(new.document["unassigned"])))
        (ws, wm, wu), (cs, cm, cu) = figures
        rows.append((ws, cs, wm, cm))
        line = f"{k:>3}  {len(events):>6}  {ws:6.2f}  {cs:6.2f}  {wm:10d}  {cm:10d}"
        print(f"{line}  {wu:13d}  {cu:13d}")
        sys.stdout.flush()
    med = [statistics.median(col) for col in zip(*rows, strict=True)]
    print(
        f"median: warm {med[0]:.2f} s, cold {med[1]:.2f} s; households moved warm {med[2]:g}, "
        f"cold {med[3]:g}; total moved warm {sum(r[2] for r in rows)}, "
        f"cold {sum(r[3] for r in rows)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
