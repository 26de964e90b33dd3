"""Shortage days with and without reloads: ``python -m benchmarks.day_trips``.

For generated shortage ledgers (:func:`api.demo.data.generate_shortage`: the demo's
households on the Helsinki buildings, a few walkers and cyclists from 09:00 to noon), the
same day is planned twice through :func:`api.plan.run.run_plan`, in the same run, with the
same budget and seed: with reloads (the default: volunteers go back to their depot and out
again) and with ``reloads = false`` (``--single-trip``: one load each). Each row gives the
households served and not served, the volunteers called, trips, kilometres, the heaviest
trip against its volunteer's load and the longest ride of a meal stop against its limit,
both read from the plan itself (the independent checker has accepted it, or the plan would
have failed). Street graphs come from the disk cache; matrices are computed once per
ledger and shared by both plans.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import machine
from benchmarks.day import RESULTS, read_rows


@dataclass(frozen=True, slots=True)
class TripsRow:
    """One shortage day planned one way (kg, km, minutes; counts).

    ``worst_trip_load`` is the heaviest trip's load over its volunteer's capacity (at most
    1); ``worst_meal_ride`` the longest time from leaving the depot (or the start) to a
    meal stop's service, over its limit (at most 1).
    """

    seed: int
    households: int
    volunteers: int
    reloads: bool
    budget_s: float
    effort: int | None
    households_due: int
    served: int
    unserved: int
    volunteers_called: int
    trips: int
    km: float
    worst_trip_load: float
    worst_meal_ride: float
    meal_stops: int


FIELDS = [f.name for f in fields(TripsRow)]


def trip_loads(result: Any) -> list[float]:
    """Every trip's load over its volunteer's capacity, from the plan's visits."""
    problem, out = result.problem, []
    vehicles = problem.vehicle_index()
    demand = {s.id: s.demand[0] for s in problem.stops}
    for r in result.solution.routes:
        capacity = problem.vehicles[vehicles[r.vehicle_id]].capacity[0]
        per_trip: dict[int, int] = {}
        for v in r.stops:
            per_trip[v.trip] = per_trip.get(v.trip, 0) + demand[v.stop_id]
        out += [load / capacity for load in per_trip.values()]
    return out


def meal_rides(result: Any) -> list[float]:
    """Each stop with a ride limit: seconds from the last departure from the start or a
    reload to its service start, over the limit."""
    limit = {s.id: s.max_ride for s in result.problem.stops if s.max_ride}
    out = []
    for r in result.solution.routes:
        left = r.start_time
        for v in r.visits:
            if v.stop_id in limit and v.kind.value == "stop":
                out.append((v.start - left) / limit[v.stop_id])
            elif v.kind.value == "reload":
                left = v.departure
    return out


def plan_both(
    seed: int,
    *,
    households: int,
    volunteers: int,
    budget: float,
    effort: int | None,
    travel: Any,
    addresses: Any,
    buildings: Any,
    folder: Path,
) -> list[TripsRow]:
    """One shortage ledger planned with reloads and without; the two rows."""
    from api.demo.data import DEMO_DATE, generate_shortage
    from api.plan.ledger import read_ledger
    from api.plan.request import PlanRequest
    from api.plan.rules import DayRules
    from api.plan.run import run_plan

    paths = generate_shortage(
        folder / f"shortage-{seed}",
        buildings=buildings,
        households=households,
        volunteers=volunteers,
        seed=seed,
    )
    ledger = read_ledger(*paths)
    rows = []
    for reloads in (True, False):
        request = PlanRequest(
            ledger,
            DEMO_DATE,
            rules=replace(DayRules(), reloads=reloads),
            time_limit=budget,
            effort=effort,
            seed=0,
            geometry=False,
        )
        run = run_plan(request, travel=travel, addresses=addresses)
        s = run.document["summary"]
        rides = meal_rides(run.result)
        rows.append(
            TripsRow(
                seed=seed,
                households=households,
                volunteers=volunteers,
                reloads=reloads,
                budget_s=budget,
                effort=effort,
                households_due=s["households_served"] + s["households_unassigned"],
                served=s["households_served"],
                unserved=s["households_unassigned"],
                volunteers_called=s["volunteers_called"],
                trips=s["trips"],
                km=round(s["distance_m"] / 1000, 2),
                worst_trip_load=round(max(trip_loads(run.result), default=0.0), 3),
                worst_meal_ride=round(max(rides, default=0.0), 3),
                meal_stops=len(rides),
            )
        )
    return rows


def table(rows: Sequence[TripsRow]) -> str:
    """Markdown table of the rows, and the served households summed per way."""
    lines = [
        "| seed | households due | reloads | served | not served | volunteers called | trips "
        "| km | heaviest trip / capacity | longest meal ride / limit |",
        "|---:|---:|:--|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.seed} | {r.households_due} | {'yes' if r.reloads else 'no'} | {r.served} "
            f"| {r.unserved} | {r.volunteers_called} | {r.trips} | {r.km:.1f} "
            f"| {r.worst_trip_load:.2f} | {r.worst_meal_ride:.2f} |"
        )
    for way in (True, False):
        mine = [r for r in rows if r.reloads is way]
        if mine:
            lines.append("")
            lines.append(
                f"{'With' if way else 'Without'} reloads: {sum(r.served for r in mine)} of "
                f"{sum(r.households_due for r in mine)} households served, "
                f"{sum(r.km for r in mine):.1f} km."
            )
    return "\n".join(lines)


def read_csv(path: Path) -> list[TripsRow]:
    """Rows back from a CSV written by :func:`main`."""
    return read_rows(path, TripsRow)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.day_trips",
        description="Shortage days on the Helsinki streets, with and without reloads.",
    )
    p.add_argument("--seeds", default="1,2,3", help="ledger seeds, comma-separated")
    p.add_argument("--households", type=int, default=220, help="households per ledger")
    p.add_argument("--volunteers", type=int, default=3, help="volunteers per ledger")
    p.add_argument("--budget", type=float, default=10.0, help="seconds per plan (whole call)")
    p.add_argument("--effort", type=int, default=None, help="improving solutions per search")
    p.add_argument("--out", type=Path, default=None, help="CSV path (default: results/)")
    p.add_argument("--from-csv", type=Path, default=None, help="print the table of a CSV")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or print a CSV's table)."""
    args = _parser().parse_args(argv)
    if args.from_csv:
        print(table(read_csv(args.from_csv)))
        return 0
    import geo
    from api.demo.data import helsinki_map
    from api.plan.travel import KeptMatrices, StreetTravel
    from geo.addresses import AddressIndex, load_buildings

    out = args.out or RESULTS / f"day-trips-{datetime.now(UTC):%Y%m%dT%H%M}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.day_trips " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    meta = out.with_suffix(".meta.txt")
    meta.write_text(f"command: {command}\n{machine.text()}\n")
    graphs = geo.load_graphs(str(helsinki_map()), profiles=("walk", "bike", "drive"))
    buildings = load_buildings(helsinki_map())
    addresses = AddressIndex(buildings)
    rows: list[TripsRow] = []
    with (
        tempfile.TemporaryDirectory(prefix="doorstep-trips-") as tmp,
        out.open("w", newline="") as fh,
    ):
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for seed in (int(s) for s in args.seeds.split(",") if s.strip()):
            travel = KeptMatrices(StreetTravel(graphs))
            for row in plan_both(
                seed,
                households=args.households,
                volunteers=args.volunteers,
                budget=args.budget,
                effort=args.effort,
                travel=travel,
                addresses=addresses,
                buildings=buildings,
                folder=Path(tmp),
            ):
                writer.writerow({k: "" if v is None else v for k, v in asdict(row).items()})
                fh.flush()
                rows.append(row)
                print(
                    f"seed {seed} reloads {row.reloads}: {row.served} of {row.households_due} "
                    f"served, {row.volunteers_called} volunteers, {row.trips} trips, "
                    f"{row.km:.1f} km",
                    file=sys.stderr,
                    flush=True,
                )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with meta.open("a") as fh:
        fh.write(f"finished: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, load average {load}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
