"""``doorstep check``: every broken rule of a given ``plan.json``, without solving.

Exit statuses: 0 the plan keeps every rule; 9 it breaks some (each printed, and the JSON
``{"ok", "violations": [{"code", "record", "message"}]}`` on stdout); 2, 4, 5 as for
``plan`` (usage, ledger or plan file, map).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from api.cli.day_inputs import errors_as_exit, read_date, read_day_ledger, read_plan_file
from api.cli.options import (
    Coords,
    Language,
    PhoneRegion,
    RulesFile,
    SingleTrip,
    cli_console,
    day_rules,
    language_of,
)
from api.plan.request import PlanRequest
from api.plan.travel import open_map
from api.plan.validate import validate_document

#: Exit status of a plan that breaks rules.
EXIT_VIOLATIONS = 9


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to the CLI."""

    @app.command("check")
    def check_plan(
        plan: Annotated[Path, typer.Option(help="the plan.json to check")],
        map_file: Annotated[Path, typer.Option("--map", help="OSM file the plan was made on")],
        households: Annotated[Path, typer.Option(help="households .csv, .xlsx or .json")],
        volunteers: Annotated[Path, typer.Option(help="volunteers .csv, .xlsx or .json")],
        date: Annotated[str, typer.Option(help="plan date YYYY-MM-DD")],
        depots: Annotated[Path | None, typer.Option(help="depots .csv, .xlsx or .json")] = None,
        coords: Coords = "wgs84",
        phone_region: PhoneRegion = "CN",
        rules: RulesFile = None,
        single_trip: SingleTrip = False,
        lang: Language = "en",
    ) -> None:
        """Report every violation of PLAN (late, overloaded trip, skill missing, ride limit,
        a household twice or missing) against the ledger and map, without solving."""
        console = cli_console()
        language = language_of(lang, console)
        day = read_date(date, console, language)
        ledger = read_day_ledger(
            households, volunteers, depots, coords, phone_region, console, language
        )
        request = PlanRequest(
            ledger=ledger, date=day, rules=day_rules(rules, single_trip, console, language)
        )
        document = read_plan_file(plan, console, language)
        with errors_as_exit(console, language):
            travel, addresses = open_map(map_file, request.modes())
            found = validate_document(request, document, travel=travel, addresses=addresses)
        for v in found:
            code = v.code.ljust(24)
            said = language.gettext(
                "%(code)s %(record)s: %(problem)s", code=code, record=v.record, problem=v.message
            )
            console.print(said, highlight=False)
        if found:
            console.print(
                language.ngettext("%(num)d violation", "%(num)d violations", len(found)),
                highlight=False,
            )
        else:
            console.print(language.gettext("the plan keeps every rule"), highlight=False)
        typer.echo(json.dumps({"ok": not found, "violations": [v.document() for v in found]}))
        raise typer.Exit(EXIT_VIOLATIONS if found else 0)
