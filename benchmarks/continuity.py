"""Fourteen days of plans, with and without continuity: ``python -m benchmarks.continuity``.

A generated ledger (:func:`api.demo.data.generate`, ``--households`` on the Helsinki
buildings, ``--volunteers`` volunteers) whose observation periods are spread around the
middle of the fortnight, so households enter and leave observation along it; each
volunteer takes each day off with probability ``--day-off`` (a seeded draw, the same for
both runs). Every day is planned twice through :func:`api.plan.run.run_plan`, same budget
(whole call) and seed: without continuity, and with yesterday's ``plan.json`` of the
continuity run as ``--previous``. Street matrices of a day are computed once and shared by
its two plans. The refinement kernel is loaded before the first day, so every plan of
both runs is searched alike.

Per run: the share of household-days served by the household's usual (most frequent over
the fortnight) volunteer, the total plan cost (objective: seconds of travel), households
not served, and per day the households that kept their own volunteer and why the others
did not (``summary.continuity.outcomes``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import os
import random
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import machine

RESULTS = Path(__file__).parent / "results"
FIELDS = (
    "day",
    "date",
    "volunteers_working",
    "households_due",
    "cost_without",
    "cost_with",
    "unserved_without",
    "unserved_with",
    "kept",
    "own_working",
    "outcomes",
)


def days_off(volunteers: Sequence[str], days: int, share: float, seed: int) -> list[set[str]]:
    """Per day, the volunteers off (each off with probability ``share``, seeded)."""
    rng = random.Random(seed)
    return [{v for v in volunteers if rng.random() < share} for _ in range(days)]


def usual_share(served: Sequence[Mapping[str, str]]) -> tuple[int, int]:
    """Household-days served by the household's most frequent volunteer, of all served
    household-days (``served``: per day, household id -> volunteer id)."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for day in served:
        for h, v in day.items():
            per[h][v] += 1
    usual = sum(c.most_common(1)[0][1] for c in per.values())
    return usual, sum(sum(c.values()) for c in per.values())


def usual_by_day(served: Sequence[Mapping[str, str]]) -> list[tuple[int, int]]:
    """Per day, household-days served by the household's most frequent volunteer over the
    fortnight (ties: the first met), of the households served that day."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for day in served:
        for h, v in day.items():
            per[h][v] += 1
    usual = {h: c.most_common(1)[0][0] for h, c in per.items()}
    return [(sum(1 for h, v in day.items() if usual[h] == v), len(day)) for day in served]


def _served(doc: Mapping[str, Any]) -> dict[str, str]:
    """Household id -> volunteer id of a ``plan.json`` document."""
    return {
        h: r["volunteer_id"]
        for r in doc["routes"]
        for s in r["stops"]
        for h in s.get("household_ids", [])
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=300)
    p.add_argument("--volunteers", type=int, default=20)
    p.add_argument("--days", type=int, default=14)
    p.add_argument("--day-off", type=float, default=0.15, help="chance a volunteer is off")
    p.add_argument("--budget", type=float, default=5.0, help="time limit per plan (s)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--effort", type=int, default=None, help="improving solutions per search")
    p.add_argument("--balance", type=float, default=0.0, help="balance factor (0: off)")
    p.add_argument("--change-cost", type=int, default=None, help="s per household moved")
    p.add_argument("--out", type=Path, default=None, help="CSV path (default: results/)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fortnight twice and print one row per day and the totals."""
    args = _parser().parse_args(argv)
    from api.demo.data import DEMO_DATE, generate, helsinki_map
    from api.plan.continuity import CHANGE_COST_S
    from api.plan.ledger import read_ledger
    from api.plan.pipeline import prepare_day
    from api.plan.problem import PlanOptions
    from api.plan.progress import silent
    from api.plan.request import PlanRequest
    from api.plan.run import run_plan
    from api.plan.travel import KeptMatrices, open_map
    from solver import refine

    cost = CHANGE_COST_S if args.change_cost is None else args.change_cost
    # Loaded before day 1: a process's first search does not wait for the kernel (OR-Tools
    # alone), which would make day 1's first run, and only it, unrefined.
    refine.warm_up()
    first = DEMO_DATE
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(
            Path(tmp),
            households=args.households,
            volunteers=args.volunteers,
            date=first + dt.timedelta(days=args.days // 2),
            seed=args.seed,
        )
        ledger = read_ledger(*paths)
    ids = [v.volunteer_id for v in ledger.volunteers]
    off = days_off(ids, args.days, args.day_off, args.seed)
    modes = sorted({v.mode for v in ledger.volunteers})
    base, addresses = open_map(helsinki_map(), modes)
    out = args.out or RESULTS / f"continuity-{datetime.now(UTC):%Y%m%dT%H%M}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.continuity " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    meta = out.with_suffix(".meta.txt")
    meta.write_text(f"command: {command}\n{machine.text()}\n")
    served: dict[str, list[dict[str, str]]] = {"without": [], "with": []}
    totals: dict[str, int] = Counter()
    previous: dict[str, Any] | None = None
    print(" ".join(FIELDS))
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for d in range(args.days):
            date = first + dt.timedelta(days=d)
            today = dataclasses.replace(
                ledger,
                volunteers=tuple(v for v in ledger.volunteers if v.volunteer_id not in off[d]),
            )
            travel = KeptMatrices(base)  # one day's matrices, shared by its two plans
            # The matrices are computed before the plans, so neither pays for them.
            prepare_day(PlanRequest(today, date, geometry=False), travel, addresses, silent, {})
            docs = {}
            for run, prev in (("without", None), ("with", previous)):
                request = PlanRequest(
                    today,
                    date,
                    time_limit=args.budget,
                    seed=args.seed,
                    effort=args.effort,
                    options=PlanOptions(balance_factor=args.balance or None),
                    geometry=False,
                    previous=prev,
                    continuity_cost_s=cost,
                )
                docs[run] = run_plan(request, travel=travel, addresses=addresses).document
                served[run].append(_served(docs[run]))
            previous = docs["with"]
            summary = {run: doc["summary"] for run, doc in docs.items()}
            cont = summary["with"].get("continuity", {})
            row = {
                "day": d + 1,
                "date": date.isoformat(),
                "volunteers_working": len(today.volunteers),
                "households_due": summary["without"]["households_under_observation"]
                - summary["without"]["households_not_due"],
                "cost_without": summary["without"]["cost"],
                "cost_with": summary["with"]["cost"],
                "unserved_without": summary["without"]["households_unassigned"],
                "unserved_with": summary["with"]["households_unassigned"],
                "kept": cont.get("kept_same_volunteer", ""),
                "own_working": cont.get("own_volunteer_working", ""),
                "outcomes": " ".join(f"{k}={v}" for k, v in cont.get("outcomes", {}).items() if v),
            }
            for run in ("without", "with"):
                totals[f"cost_{run}"] += summary[run]["cost"]
                totals[f"unserved_{run}"] += summary[run]["households_unassigned"]
            writer.writerow(row)
            fh.flush()
            print(" ".join(str(row[f]) for f in FIELDS), flush=True)
    lines = []
    for run in ("without", "with"):
        usual, days = usual_share(served[run])
        lines.append(
            f"{run} continuity: {usual} of {days} household-days with the usual volunteer "
            f"({100 * usual / max(days, 1):.1f} %), cost {totals[f'cost_{run}']:,}, "
            f"households not served {totals[f'unserved_{run}']}"
        )
    extra = totals["cost_with"] / max(totals["cost_without"], 1) - 1
    lines.append(f"extra cost with continuity: {100 * extra:+.1f} % (change cost {cost} s)")
    lines.append("per day, household-days with the usual volunteer (without / with):")
    by_day = {run: usual_by_day(served[run]) for run in ("without", "with")}
    for d, ((uw, nw), (u, n)) in enumerate(zip(by_day["without"], by_day["with"], strict=True)):
        lines.append(
            f"  day {d + 1}: {uw}/{nw} ({100 * uw / max(nw, 1):.0f} %) / "
            f"{u}/{n} ({100 * u / max(n, 1):.0f} %)"
        )
    print("\n".join(lines))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with meta.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.write(f"finished: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, load average {load}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
