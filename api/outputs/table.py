"""The terminal table: per volunteer stops, km, hours, load; unassigned with fixes."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_plan(doc: dict[str, Any], console: Console | None = None) -> None:
    """Print the runs and the households not served of a ``plan.json`` document."""
    console = console or Console()
    runs = Table(title=f"Runs on {doc['date']}")
    for col in ("volunteer", "mode", "stops", "households", "km", "hours", "kg", "leaves"):
        runs.add_column(col, justify="left" if col in ("volunteer", "mode") else "right")
    for r in doc["routes"]:
        runs.add_row(
            r["volunteer_id"],
            r["mode"],
            str(len(r["stops"])),
            str(sum(len(s["household_ids"]) for s in r["stops"])),
            f"{r['distance_m'] / 1000:.1f}",
            f"{r['duration_s'] / 3600:.2f}",
            f"{r['load_kg']:g}",
            r["start"]["departure"][:5],
        )
    console.print(runs)
    if doc["unassigned"]:
        miss = Table(title="Not served")
        for col in ("household", "reason", "why", "what would fix it"):
            miss.add_column(col)
        for u in doc["unassigned"]:
            miss.add_row(u["household_id"], u["reason"], u["message"], u["fix"])
        console.print(miss)
    s = doc["summary"]
    console.print(
        f"{s['households_served']} of {s['households_under_observation']} households served, "
        f"{s['households_unassigned']} not served, {s['households_not_due']} nothing due; "
        f"{s['volunteers_called']} volunteers, {s['distance_m'] / 1000:.1f} km"
    )
    console.print(s["balance"])
