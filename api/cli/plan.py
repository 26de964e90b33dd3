"""``doorstep plan``: tomorrow's runs from the ledger, written to a folder.

Exit statuses (also in ``docs/OUTPUTS.md``):

====  =========================================================================
0     plan written; every household under observation is served (or has nothing due)
3     plan written; some households are not served (named, with reasons, in the outputs)
8     plan written, but no household of the ledger is under observation on the date
      (a warning: every household is named under ``not_observed``; check the date)
2     wrong command-line usage
4     the ledger is invalid (every bad row listed with line and column), the --rules
      file is invalid (every bad key named), the --previous plan cannot be read, or the
      plan is too large for the memory allowed
5     the map cannot be read
6     the routing problem is invalid (a defect: the ledger passed validation)
7     the independent checker rejected the plan (a defect)
====  =========================================================================

An error (exit 4-7) also leaves as the last line of stderr in the one error shape of
``docs/API.md``: ``{"code", "message", "details": [{"record", "field", "problem"}]}``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from api.cli.day_inputs import read_date
from api.cli.options import (
    Balance,
    Coords,
    Effort,
    FewestVolunteers,
    Language,
    PhoneRegion,
    RulesFile,
    Seed,
    SingleTrip,
    TimeLimit,
    cli_console,
    day_rules,
)
from api.errors import classify, report_cli_error
from api.i18n import Lang, choose
from api.outputs.document import NOBODY_UNDER_OBSERVATION
from api.outputs.labels import suggestion_texts
from api.outputs.table import print_plan
from api.plan.budget import command_started
from api.plan.cluster import machine_workers
from api.plan.continuity import PreviousPlanError, read_previous
from api.plan.ledger import LedgerError, ReadOptions, read_ledger
from api.plan.problem import PlanOptions
from api.plan.progress import Progress
from api.plan.request import PlanRequest
from api.plan.run import PlanRun, run_plan
from geo.crs import parse_coord_system
from geo.errors import GeoError

EXIT_OK = 0
EXIT_UNSERVED = 3
EXIT_LEDGER = 4
EXIT_MAP = 5
EXIT_PROBLEM = 6
EXIT_CHECK = 7
EXIT_NOBODY = 8

#: ``--workers`` by default: the machine's cores, up to the two searches of the portfolio
#: (on a day with trips the second is a thread of the same process: solver.solve).
PLAN_WORKERS = min(2, machine_workers())


class ProgressPrinter:
    """Shows pipeline progress on stderr in the reader's language; solver improvements
    update at most one line a second."""

    def __init__(
        self, console: Console, language: Lang | None = None, *, every_s: float = 1.0
    ) -> None:
        self.console = console
        self.language = language or Lang()
        self.every_s = every_s
        self._shown = -1e9

    def __call__(self, event: Progress) -> None:
        if event.improving:
            now = time.monotonic()
            if now - self._shown < self.every_s:  # at most one improvement line a second
                return
            self._shown = now
        stage = event.stage_name(self.language)
        line = Text.assemble((f"{stage:<9}", "dim"), " ", event.sentence(self.language))
        self.console.print(line, highlight=False)


def plan_and_print(
    request: PlanRequest,
    map_file: Path,
    out: Path,
    console: Console,
    language: Lang | None = None,
) -> int:
    """Run the plan, write every output, print the table; return the exit status.

    The ``plan`` and ``demo`` commands call it; the plan itself is
    :func:`api.plan.run.run_plan`. Outputs and table are in ``language`` (English by
    default).
    """
    lang = language or Lang()
    try:
        run = run_plan(
            request,
            map_file=map_file,
            out=out,
            progress=ProgressPrinter(console, lang),
            language=lang,
        )
    except GeoError as exc:
        label = lang.gettext("map error:")
        console.print(Text.assemble((label, "red"), " ", str(exc)))
        report_cli_error(exc, language=lang)
        return EXIT_MAP
    except Exception as exc:  # every error with a code leaves by the error contract
        body = classify(exc)
        if body.code == "INTERNAL":
            raise
        console.print(body.text(lang), style="red", highlight=False)
        return report_cli_error(exc, language=lang)
    print_run(run, out, console, lang)
    if any(w["code"] == NOBODY_UNDER_OBSERVATION for w in run.document["warnings"]):
        return EXIT_NOBODY
    return EXIT_OK if run.all_served else EXIT_UNSERVED


def print_run(run: PlanRun, out: Path, console: Console, language: Lang | None = None) -> None:
    """The plan's table (with its warnings), the suggestion, and where the files went."""
    lang = language or Lang()
    doc = run.document
    print_plan(doc, console, lang)
    if "suggestion" in doc:
        suggestion = suggestion_texts(doc["suggestion"], lang)
        for e in suggestion["extend"]:
            console.print(lang.gettext("suggest: %(text)s", text=e["text"]), highlight=False)
        for g in suggestion["groups"]:
            said = lang.gettext("suggest: %(text)s", text=g["text"])
            console.print(said, highlight=False)
        console.print(suggestion["message"], highlight=False)
    console.print(lang.gettext("wrote %(n)d files to %(out)s", n=len(run.written), out=out))


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to the CLI."""

    @app.command()
    def plan(
        map_file: Annotated[
            Path, typer.Option("--map", help="OSM file (.osm.pbf, .osm, .osm.bz2)")
        ],
        households: Annotated[Path, typer.Option(help="households .csv, .xlsx or .json")],
        volunteers: Annotated[Path, typer.Option(help="volunteers .csv, .xlsx or .json")],
        date: Annotated[str, typer.Option(help="plan date YYYY-MM-DD")],
        out: Annotated[Path, typer.Option(help="folder for the outputs")],
        depots: Annotated[Path | None, typer.Option(help="depots .csv, .xlsx or .json")] = None,
        time_limit: TimeLimit = 10.0,
        previous: Annotated[
            Path | None, typer.Option(help="yesterday's plan.json, to keep volunteers")
        ] = None,
        fewest_volunteers: FewestVolunteers = False,
        balance: Balance = 2.0,
        suggest_volunteers: Annotated[
            bool,
            typer.Option(
                "--suggest-volunteers", help="say how many more volunteers would serve everyone"
            ),
        ] = False,
        seed: Seed = 0,
        workers: Annotated[int, typer.Option(help="parallel searches")] = PLAN_WORKERS,
        effort: Effort = None,
        decompose_above: Annotated[
            int | None,
            typer.Option(help="more stops than this: solve by parts on --workers processes"),
        ] = None,
        coords: Coords = "wgs84",
        phone_region: PhoneRegion = "CN",
        lang: Language = "en",
        rules: RulesFile = None,
        single_trip: SingleTrip = False,
    ) -> None:
        """Plan the runs of DATE from the ledger over the street map (see docs/INPUTS.md)."""
        console = cli_console()
        try:
            system = parse_coord_system(coords)
            locale = choose(lang)
        except ValueError as exc:
            console.print(str(exc), style="red")
            raise typer.Exit(2) from None
        language = Lang(locale)
        day = read_date(date, console, language)
        day_rules_ = day_rules(rules, single_trip, console, language)
        try:
            ledger = read_ledger(households, volunteers, depots, ReadOptions(system, phone_region))
        except LedgerError as exc:
            console.print(classify(exc).text(language), style="red", highlight=False)
            raise typer.Exit(report_cli_error(exc, language=language)) from None
        try:
            previous_plan = None if previous is None else read_previous(previous)
        except PreviousPlanError as exc:
            said = language.gettext(
                "--previous %(path)s: %(error)s", path=previous, error=classify(exc).text(language)
            )
            console.print(said, style="red", highlight=False)
            report_cli_error(exc, language=language)
            raise typer.Exit(EXIT_LEDGER) from None
        request = PlanRequest(
            ledger=ledger,
            date=day,
            rules=day_rules_,
            options=PlanOptions(
                balance_factor=balance or None, fewest_volunteers=fewest_volunteers
            ),
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            effort=effort,
            previous=previous_plan,
            decompose_above=decompose_above,
            suggest=suggest_volunteers,
            started=command_started(),  # --time-limit counts the whole command
        )
        raise typer.Exit(plan_and_print(request, map_file, out, console, language))
