"""Re-plans of the demo day: ``python -m benchmarks.replan``.

The 300-household demo ledger (:func:`api.demo.data.generate`) is planned once; then for
each of ``--sequences`` random event sequences before ``--at`` (a volunteer unavailable, a
household urgent, a door not answered, a household cancelled: each with probability 1/2,
at least one event; times on whole minutes, as ``events.csv`` gives them) the day is
re-planned, same seed:

- ``warm``: through :func:`api.plan.replan.replan_day` in this process with the change
  cost (the default) in ``--budget`` s; the wall seconds of the call: the day rebuilt
  (selection, snapping, the problem) and the search and the checker. Street matrices are
  kept from the first plan (:class:`api.plan.travel.KeptMatrices`, as a service
  re-planning a loaded day does), runs are not traced and nothing is written;
- ``cold``: the same call without warm start nor change cost, in ``--cold-budget`` s;
- ``cli`` (with ``--cli``): ``doorstep replan`` in a fresh process with the change cost in
  ``--budget`` s, timed from the process start to its exit, as a user sees it: interpreter
  and imports, reading the plan, ledger and events, the map from the disk cache (filled by
  the first plan), the matrices, the search, the checker, the runs traced, every output
  written. ``--time-limit`` of ``doorstep replan`` counts the whole command from the
  process start, as for ``doorstep plan``.

Each row gives the wall seconds, the households served by another volunteer than in the
current plan, the households not served (named under ``unassigned``), and the households
the current plan had an unavailable volunteer serve from the event on (``orphaned``: each
of them moves or is named, so the households moved with a volunteer unavailable are at
least these, less those not served). Rows go to a CSV
(``--out``) beside a ``.meta.txt`` (command, machine, when it finished) and a Markdown table;
rows are written as measured.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from api.demo.data import DEMO_DATE, generate, helsinki_map
from api.outputs.document import deliveries
from api.plan.events import Event, EventKind
from api.plan.ledger import format_clock, parse_clock, read_ledger
from api.plan.replan import CHANGE_COST_S, replan_day
from api.plan.request import PlanRequest
from api.plan.run import run_plan
from api.plan.travel import KeptMatrices, open_map
from benchmarks import machine
from solver import refine

RESULTS = Path(__file__).parent / "results"
FIELDS = [
    "seq",
    "events",
    "warm_s",
    "cold_s",
    "cli_s",
    "moved_warm",
    "moved_cold",
    "moved_cli",
    "unserved_warm",
    "unserved_cold",
    "unserved_cli",
    "done_visits",
    "orphaned",
]


def _events(doc: dict[str, Any], at: int, rng: random.Random) -> list[Event]:
    """A random sequence of events before ``at``, on whole minutes."""
    routes = doc["routes"]
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
        out.append(Event(at - 60 * rng.randint(0, 30), kind, rng.choice(ids)))
    return out


def _orphaned(doc: dict[str, Any], events: Sequence[Event]) -> int:
    """Households ``doc`` has a volunteer serve at or after the time the volunteer became
    unavailable (by ``events``)."""
    gone: dict[str, int] = {}
    for e in events:
        if e.kind is EventKind.VOLUNTEER_UNAVAILABLE:
            gone[e.id] = min(e.at, gone.get(e.id, e.at))
    return sum(
        len(s["household_ids"])
        for r in doc["routes"]
        if r["volunteer_id"] in gone
        for s in deliveries(r)
        if parse_clock(str(s["service_start"])[:5]) >= gone[r["volunteer_id"]]
    )


def _write_events(events: Sequence[Event], path: Path) -> Path:
    """``events.csv`` of ``events`` (``at``, ``event``, ``id``)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["at", "event", "id"])
        for e in events:
            w.writerow([format_clock(e.at)[:5], str(e.kind), e.id])
    return path


def _cli(
    ledger: Sequence[Path], plan: Path, events: Path, at: str, budget: float, out: Path
) -> tuple[float, dict[str, Any]]:
    """Wall seconds of one ``doorstep replan`` process and its ``plan.json``."""
    command = [
        machine.doorstep_script(), "replan",
        "--plan", str(plan), "--events", str(events), "--at", at, "--out", str(out),
        "--map", str(helsinki_map()), "--households", str(ledger[0]),
        "--volunteers", str(ledger[1]), "--depots", str(ledger[2]),
        "--date", DEMO_DATE.isoformat(), "--time-limit", f"{budget:g}",
    ]  # fmt: skip
    t = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode not in (0, 3):
        raise RuntimeError(f"doorstep replan failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, json.loads((out / "plan.json").read_text(encoding="utf-8"))


def _figures(doc: dict[str, Any]) -> tuple[int, int]:
    """Households moved and households not served of a re-plan's ``plan.json``."""
    return int(doc["replan"]["households_moved"]), len(doc["unassigned"])


def _median(rows: Sequence[dict[str, Any]], name: str) -> float | None:
    values = [float(r[name]) for r in rows if r[name] not in ("", None)]
    return statistics.median(values) if values else None


def table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a Markdown table and a line of medians and totals."""
    head = (
        "| seq | events | warm s | cold s | `doorstep replan` s | moved warm | moved cold "
        "| moved cli | not served warm | not served cold | not served cli "
        "| households of a volunteer out |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = "".join(
        f"| {r['seq']} | {r['events']} | {r['warm_s']} | {r['cold_s']} | {r['cli_s'] or '-'} "
        f"| {r['moved_warm']} | {r['moved_cold']} | {r['moved_cli'] if r['cli_s'] else '-'} "
        f"| {r['unserved_warm']} | {r['unserved_cold']} "
        f"| {r['unserved_cli'] if r['cli_s'] else '-'} | {r['orphaned']} |\n"
        for r in rows
    )
    parts = []
    for name in FIELDS[2:]:
        m = _median(rows, name)
        if m is not None:
            parts.append(f"{name} {m:g}")
    totals = ", ".join(
        f"{name} {sum(int(r[name]) for r in rows if r[name] != '')}"
        for name in ("moved_warm", "moved_cold", "unserved_warm", "unserved_cold")
    )
    return head + body + f"\nMedians: {', '.join(parts)}. Totals: {totals}.\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print one row per sequence and the medians; write the files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=20)
    parser.add_argument("--at", default="10:30")
    parser.add_argument("--budget", type=float, default=2.0, help="re-plan time limit (s)")
    parser.add_argument(
        "--cold-budget", type=float, default=None, help="cold re-plan time limit (s; --budget)"
    )
    parser.add_argument("--plan-budget", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cli", action="store_true", help="also time `doorstep replan`")
    parser.add_argument(
        "--only",
        type=int,
        nargs="+",
        help="re-plan only these sequence numbers (each drawn as in the full run)",
    )
    parser.add_argument("--out", type=Path, help="CSV of the rows (a .md and .meta.txt beside)")
    args = parser.parse_args(argv)
    hours, minutes = (int(x) for x in args.at.split(":"))
    at = hours * 3600 + minutes * 60
    out = args.out or RESULTS / f"replan-{args.sequences}.csv"
    command = "python -m benchmarks.replan " + " ".join(argv if argv is not None else sys.argv[1:])
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = out.with_suffix(".meta.txt")
    meta.write_text(f"command: {command}\n{machine.text()}\n", encoding="utf-8")
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="doorstep-replan-") as tmp,
        out.open("w", newline="", encoding="utf-8") as fh,
    ):
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        folder = Path(tmp)
        files = generate(folder / "ledger", households=300, volunteers=20)
        ledger = read_ledger(*files)
        refine.warm_up()  # the kernel loaded, as in a running service, before any clock
        request = PlanRequest(ledger, DEMO_DATE, time_limit=args.plan_budget, geometry=False)
        base, addresses = open_map(helsinki_map(), request.modes())
        travel = KeptMatrices(base)
        doc = run_plan(request, travel=travel, addresses=addresses).document
        plan_file = folder / "plan.json"
        plan_file.write_text(json.dumps(doc), encoding="utf-8")
        again = {
            cost: PlanRequest(ledger, DEMO_DATE, time_limit=seconds, geometry=False)
            for cost, seconds in (
                (CHANGE_COST_S, args.budget),
                (0, args.cold_budget or args.budget),
            )
        }
        rng = random.Random(args.seed)
        print(" ".join(FIELDS))
        for k in range(args.sequences):
            events = _events(doc, at, rng)
            if args.only is not None and k not in args.only:
                continue
            row: dict[str, Any] = {
                "seq": k,
                "events": " ".join(str(e.kind) for e in events),
                "orphaned": _orphaned(doc, events),
            }
            for cost, name in ((CHANGE_COST_S, "warm"), (0, "cold")):
                t = time.perf_counter()
                new = replan_day(
                    again[cost], doc, events, at, travel=travel, addresses=addresses,
                    change_cost=cost,
                )  # fmt: skip
                row[f"{name}_s"] = round(time.perf_counter() - t, 3)
                row[f"moved_{name}"], row[f"unserved_{name}"] = _figures(new.document)
                if name == "warm":
                    row["done_visits"] = new.document["replan"]["done_visits"]
            row["cli_s"] = row["moved_cli"] = row["unserved_cli"] = ""
            if args.cli:
                path = _write_events(events, folder / f"events-{k}.csv")
                wall, cli_doc = _cli(files, plan_file, path, args.at, args.budget, folder / "out")
                row["cli_s"] = round(wall, 3)
                row["moved_cli"], row["unserved_cli"] = _figures(cli_doc)
            rows.append(row)
            writer.writerow(row)  # as measured: a run cut short keeps its rows
            fh.flush()
            print(" ".join(str(row[f]) for f in FIELDS), flush=True)
    text = table(rows)
    out.with_suffix(".md").write_text(f"`{command}`\n\n{text}", encoding="utf-8")
    with meta.open("a", encoding="utf-8") as fm:
        fm.write(f"finished: {machine.describe()['date']}\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
