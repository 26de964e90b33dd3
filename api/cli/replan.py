"""``doorstep replan``: the day's plan again at a time T, after what has happened.

Reads the current ``plan.json``, the events (``events.csv``, docs/INPUTS.md) and the same
ledger, map and rules as ``plan``; writes the new plan's outputs to ``--out`` (docs/OUTPUTS.md:
``plan.json`` with ``replan``, and ``notifications.csv`` only for households whose ETA
window changed, and ``outcomes``). Exit statuses as for ``plan``: 0 every household served
or delivered and none unattended, 3 some named as not served or unattended, 4 the ledger,
plan or events cannot be used, 5 the map, 7 the checker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from api.cli.day_inputs import errors_as_exit, read_date, read_day_ledger, read_plan_file
from api.cli.options import (
    Coords,
    Effort,
    Language,
    PhoneRegion,
    RulesFile,
    Seed,
    SingleTrip,
    TimeLimit,
    cli_console,
    day_rules,
    language_of,
)
from api.cli.plan import EXIT_OK, EXIT_UNSERVED, ProgressPrinter
from api.i18n import Lang
from api.outputs.labels import replan_warning_text
from api.outputs.notifications import write_notifications
from api.outputs.table import print_warnings
from api.plan.budget import command_started
from api.plan.events import read_events
from api.plan.ledger import ReadOptions, parse_clock
from api.plan.replan import CHANGE_COST_S, replan_day
from api.plan.request import PlanRequest
from api.plan.run import write_plan
from api.plan.travel import open_map
from geo.crs import parse_coord_system


def register(app: typer.Typer) -> None:
    """Add the ``replan`` command to the CLI."""

    @app.command()
    def replan(
        plan: Annotated[Path, typer.Option(help="the current plan.json")],
        events: Annotated[Path, typer.Option(help="events .csv, .xlsx or .json")],
        at: Annotated[str, typer.Option(help="re-plan time HH:MM")],
        out: Annotated[Path, typer.Option(help="folder for the new plan's outputs")],
        map_file: Annotated[Path, typer.Option("--map", help="OSM file of the plan")],
        households: Annotated[Path, typer.Option(help="households .csv, .xlsx or .json")],
        volunteers: Annotated[Path, typer.Option(help="volunteers .csv, .xlsx or .json")],
        depots: Annotated[Path | None, typer.Option(help="depots .csv, .xlsx or .json")] = None,
        date: Annotated[str | None, typer.Option(help="plan date (default: the plan's)")] = None,
        change_cost: Annotated[
            int,
            typer.Option(help="search cost (s) per household moved to another volunteer; 0: cold"),
        ] = CHANGE_COST_S,
        time_limit: TimeLimit = 10.0,
        seed: Seed = 0,
        effort: Effort = None,
        coords: Coords = "wgs84",
        phone_region: PhoneRegion = "CN",
        lang: Language = "en",
        rules: RulesFile = None,
        single_trip: SingleTrip = False,
    ) -> None:
        """Re-plan the day of PLAN at AT after EVENTS: what is done stays, the rest moves as
        little as it can."""
        console = cli_console()
        language = language_of(lang, console)
        try:
            clock = parse_clock(at)
        except ValueError as exc:
            said = language.text(exc.args[0]) if exc.args else str(exc)
            console.print(f"--at: {said}", style="red")
            raise typer.Exit(2) from None
        document = read_plan_file(plan, console, language)
        day = read_date(date or str(document.get("date", "")), console, language)
        ledger = read_day_ledger(
            households, volunteers, depots, coords, phone_region, console, language
        )
        request = PlanRequest(
            ledger=ledger,
            date=day,
            rules=day_rules(rules, single_trip, console, language),
            time_limit=time_limit,
            seed=seed,
            effort=effort,
            started=command_started(),  # --time-limit counts the whole command
        )
        with errors_as_exit(console, language):
            happened = read_events(events, ReadOptions(parse_coord_system(coords), phone_region))
            travel, addresses = open_map(map_file, request.modes())
            new = replan_day(
                request,
                document,
                happened,
                clock,
                travel=travel,
                addresses=addresses,
                change_cost=change_cost,
                progress=ProgressPrinter(console, language),
                written=True,
            )
            write_plan(new.result, new.document, None, out, language)
        phones = {h.household_id: h.phone for h in new.result.ledger.households if h.phone}
        write_notifications(new.document, phones, out / "notifications.csv", language, new.changed)
        print_replan(console, new.document, len(new.changed), language)
        unattended = new.document["outcomes"]["unattended"]
        raise typer.Exit(EXIT_UNSERVED if new.document["unassigned"] or unattended else EXIT_OK)


def print_replan(console: Console, doc: dict[str, Any], told: int, lang: Lang) -> None:
    """Each volunteer's diff, the streets closed, the re-plan's figures, what it could not
    apply (its warnings), the escalations (phone checks) and the households unattended, in
    ``lang``."""
    info = doc["replan"]
    for vid, d in info["diff"].items():
        text = lang.gettext(
            "%(volunteer)s: +%(added)d -%(removed)d households, %(moved)d ETA moved",
            volunteer=vid,
            added=len(d["added"]),
            removed=len(d["removed"]),
            moved=len(d["eta_moved"]),
        )
        console.print(text, highlight=False)
    for c in info["closures"]:
        text = lang.gettext(
            "street closed at %(at)s (%(id)s): %(n)d street pieces closed",
            at=c["at"],
            id=c["id"],
            n=c["links_closed"],
        )
        console.print(text, highlight=False)
    text = lang.gettext(
        "re-plan at %(at)s: %(done)d visits done, %(moved)d households moved, "
        "%(told)d told a new ETA",
        at=info["at"],
        done=info["done_visits"],
        moved=info["households_moved"],
        told=told,
    )
    console.print(text, highlight=False)
    for w in info.get("warnings", []):
        label = lang.gettext("warning:")
        said = Text.assemble((label, "yellow"), " ", replan_warning_text(w, lang))
        console.print(said, highlight=False)
    print_warnings(doc, console, lang)  # about the plan as a whole (its time limit, ...)
    outcomes = doc["outcomes"]
    for row in outcomes["households"]:
        if row["outcome"] == "escalated":
            text = lang.gettext(
                "phone check: %(household)s (%(phone)s), no answer at %(at)s, no retry fits",
                household=row["household_id"],
                phone=row.get("phone") or "-",
                at=row.get("failed_at") or "-",
            )
            console.print(text, style="yellow", highlight=False)
    if outcomes["unattended"]:
        text = lang.gettext(
            "unattended (no delivery by %(by)s): %(n)d households: %(ids)s",
            by=outcomes["unattended_by"],
            n=len(outcomes["unattended"]),
            ids=", ".join(outcomes["unattended"]),
        )
        console.print(text, style="red", highlight=False)
    else:
        text = lang.gettext(
            "no household unattended: each has a delivery by %(by)s, done or planned",
            by=outcomes["unattended_by"],
        )
        console.print(text, highlight=False)
