"""``doorstep plan``: tomorrow's runs from the ledger, written to a folder.

Exit statuses (also in ``docs/OUTPUTS.md``):

====  =========================================================================
0     plan written; every household under observation is served (or has nothing due)
3     plan written; some households are not served (named, with reasons, in the outputs)
8     plan written, but no household of the ledger is under observation on the date
      (a warning: every household is named under ``not_observed``; check the date)
2     wrong command-line usage
4     the ledger is invalid (every bad row listed with line and column), the
      --previous plan cannot be read, or the plan is too large for the memory allowed
5     the map cannot be read
6     the routing problem is invalid (a defect: the ledger passed validation)
7     the independent checker rejected the plan (a defect)
====  =========================================================================

An error (exit 4-7) also leaves as the last line of stderr in the one error shape of
``docs/API.md``: ``{"code", "message", "details": [{"record", "field", "problem"}]}``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from api.cli_options import (
    Balance,
    Coords,
    Effort,
    FewestVolunteers,
    Language,
    PhoneRegion,
    Seed,
)
from api.cluster import process_map
from api.day import PlanOptions
from api.errors import classify, report_cli_error
from api.i18n import Lang, choose
from api.ledger import Ledger, LedgerError, ReadOptions, read_ledger
from api.outputs.document import NOBODY_UNDER_OBSERVATION, plan_document
from api.outputs.table import print_plan
from api.outputs.write import write_outputs
from api.pipeline import (
    Progress,
    ProgressFn,
    load_street_travel,
    plan_day,
    previous_assignment,
)
from geo.crs import parse_coord_system
from geo.errors import MapSourceError
from solver.decompose import DecomposeOptions
from solver.errors import Detail

EXIT_OK = 0
EXIT_UNSERVED = 3
EXIT_LEDGER = 4
EXIT_MAP = 5
EXIT_PROBLEM = 6
EXIT_CHECK = 7
EXIT_NOBODY = 8


class ProgressPrinter:
    """Shows pipeline progress on stderr; solver improvements update one status line."""

    def __init__(self, console: Console, *, every_s: float = 1.0) -> None:
        self.console = console
        self.every_s = every_s
        self._shown = -1e9

    def __call__(self, event: Progress) -> None:
        if event.stage == "solve" and "best_cost" in event.figures and "done" not in event.message:
            now = time.monotonic()
            if now - self._shown >= self.every_s:  # at most one improvement line a second
                self._shown = now
                self.console.print(f"[dim]solve[/dim]     {event.message}", highlight=False)
            return
        self.console.print(f"[dim]{event.stage:<9}[/dim] {event.message}", highlight=False)


class TimeCapError(RuntimeError):
    """The plan ran past its time cap (:attr:`PlanArgs.time_cap`); nothing was written.

    ``stage`` names the stage it was stopped at.
    """

    code = "TIME_CAP_EXCEEDED"

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


class _Capped:
    """Progress that stops the plan at its first stage event past ``deadline``.

    Only stage events raise: the search's improvement events come from inside OR-Tools,
    which must not be interrupted by an exception (its own time limit ends it instead).
    """

    def __init__(self, inner: ProgressFn, deadline: float, cap: float) -> None:
        self.inner = inner
        self.deadline = deadline
        self.cap = cap

    def check(self, stage: str) -> None:
        """Raise :class:`TimeCapError` when the deadline has passed."""
        if time.monotonic() > self.deadline:
            message = f"time cap of {self.cap:g} s exceeded (at stage '{stage}')"
            raise TimeCapError(message, stage)

    def __call__(self, event: Progress) -> None:
        if "best_cost" not in event.figures:
            self.check(event.stage)
        self.inner(event)


@dataclass(frozen=True, slots=True)
class PlanArgs:
    """Everything the ``plan`` and ``demo`` commands pass to :func:`run_plan`."""

    map_file: Path
    ledger: Ledger
    date: dt.date
    out: Path
    time_limit: float = 10.0
    seed: int = 0
    workers: int = 1
    previous: Path | None = None
    fewest: bool = False
    balance: float | None = 2.0
    suggest: bool = False
    effort: int | None = None
    decompose_above: int | None = None
    #: Seconds the whole plan may take (``None``: no cap); see :func:`run_plan`.
    time_cap: float | None = None
    #: Language of the outputs and the table (a supported locale, see :mod:`api.i18n`).
    lang: str = "en"


def run_plan(args: PlanArgs, console: Console) -> int:
    """Plan, write every output, print the table; return the exit status.

    With ``args.time_cap``, the search gets at most the time left under the cap, and a plan
    still running past the cap stops at its next stage (map, matrices, search, checker,
    outputs) with :class:`TimeCapError`, before anything is written.
    """
    from geo.cn_addresses import load_cn_address_index

    say: ProgressFn = ProgressPrinter(console)
    capped = None
    if args.time_cap is not None:
        capped = _Capped(say, time.monotonic() + args.time_cap, args.time_cap)
        say = capped
    modes = sorted({v.mode for v in args.ledger.volunteers})
    if args.suggest:
        modes = sorted({*modes, "drive"})
    try:
        travel = load_street_travel(str(args.map_file), modes, progress=say)
        # Also names the street address of households given by coordinates only.
        addresses = load_cn_address_index(args.map_file)
    except (OSError, ValueError) as exc:  # geo's errors derive from ValueError
        console.print(f"[red]map error:[/red] {exc}")
        report_cli_error(exc if hasattr(exc, "code") else MapSourceError(str(exc)))
        return EXIT_MAP
    previous: dict[str, Any] | None = None
    if args.previous is not None:
        try:
            previous = json.loads(args.previous.read_text(encoding="utf-8"))
            previous_assignment(previous)  # its shape, before any work
        except (OSError, ValueError) as exc:
            console.print(f"[red]--previous {args.previous}: {exc}[/red]", highlight=False)
            if not hasattr(exc, "code"):
                exc = LedgerError([Detail(args.previous.name, "file", str(exc))])
            report_cli_error(exc)
            return EXIT_LEDGER
    time_limit = args.time_limit
    if capped is not None:
        capped.check("search")
        time_limit = min(time_limit, capped.deadline - time.monotonic())
    plan_kwargs: dict[str, Any] = {
        "travel": travel,
        "addresses": addresses,
        "options": PlanOptions(balance_factor=args.balance, fewest_volunteers=args.fewest),
        "time_limit": time_limit,
        "seed": args.seed,
        "workers": args.workers,
        "progress": say,
    }
    decompose = None
    if args.decompose_above:
        # Parts of 300 stops (fewer when the threshold is lower), one per worker at a time.
        decompose = DecomposeOptions(
            threshold=args.decompose_above,
            part_size=max(2, min(300, args.decompose_above)),
            parallel=max(1, args.workers),
        )
    try:
        with contextlib.ExitStack() as stack:
            map_fn = stack.enter_context(process_map(args.workers)) if decompose else None
            result = plan_day(
                args.ledger,
                args.date,
                previous=previous,
                effort=args.effort,
                decompose=decompose,
                map_fn=map_fn,
                **plan_kwargs,
            )
        doc = plan_document(result)
        if args.suggest and result.issues:
            from api.suggest import suggest_volunteers

            plan_kwargs["progress"] = None
            sug = suggest_volunteers(result, **plan_kwargs)
            doc["suggestion"] = sug.document()
            _write_suggested(sug.volunteers, args.out / "suggested_volunteers.csv")
    except Exception as exc:  # every error with a code leaves by the error contract
        if classify(exc).code == "INTERNAL":
            raise
        console.print(f"[red]{exc}[/red]", highlight=False)
        return report_cli_error(exc)
    if capped is not None:
        capped.check("outputs")
    phones = {h.household_id: h.phone for h in args.ledger.households if h.phone}
    language = Lang(args.lang)
    written = write_outputs(doc, result.geometry, phones, args.out, language)
    print_plan(doc, console, language)
    if "suggestion" in doc:
        for g in doc["suggestion"]["groups"]:
            console.print(f"suggest: {g['text']}")
        console.print(doc["suggestion"]["message"])
    console.print(language.gettext("wrote %(n)d files to %(out)s", n=len(written), out=args.out))
    if any(w["code"] == NOBODY_UNDER_OBSERVATION for w in doc["warnings"]):
        return EXIT_NOBODY
    return EXIT_UNSERVED if doc["unassigned"] else EXIT_OK


def _write_suggested(volunteers: Sequence[Any], path: Path) -> None:
    from api.ledger import format_clock

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "volunteer_id",
                "mode",
                "capacity_kg",
                "available_from",
                "available_to",
                "depot_id",
                "start_lon",
                "start_lat",
                "skills",
            ]
        )
        for v in volunteers:
            w.writerow(
                [
                    v.volunteer_id,
                    v.mode,
                    f"{v.capacity_kg:g}",
                    format_clock(v.available_from)[:5],
                    format_clock(v.available_to)[:5],
                    v.depot_id,
                    "" if v.start_lon is None else v.start_lon,
                    "" if v.start_lat is None else v.start_lat,
                    ";".join(sorted(v.skills)),
                ]
            )


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
        time_limit: Annotated[float, typer.Option(help="seconds for the search")] = 10.0,
        previous: Annotated[
            Path | None, typer.Option(help="yesterday's plan.json, to keep volunteers")
        ] = None,
        fewest_volunteers: FewestVolunteers = False,
        balance: Balance = 2.0,
        suggest_volunteers: Annotated[
            bool, typer.Option(help="say how many more volunteers would serve everyone")
        ] = False,
        seed: Seed = 0,
        workers: Annotated[int, typer.Option(help="parallel searches")] = 1,
        effort: Effort = None,
        decompose_above: Annotated[
            int | None,
            typer.Option(help="more stops than this: solve by parts on --workers processes"),
        ] = None,
        coords: Coords = "wgs84",
        phone_region: PhoneRegion = "CN",
        lang: Language = "en",
    ) -> None:
        """Plan the runs of DATE from the ledger over the street map (see docs/INPUTS.md)."""
        console = Console(stderr=True)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            console.print(f"[red]--date must be YYYY-MM-DD, got {date!r}[/red]")
            raise typer.Exit(2) from None
        try:
            system = parse_coord_system(coords)
            locale = choose(lang)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        try:
            ledger = read_ledger(households, volunteers, depots, ReadOptions(system, phone_region))
        except LedgerError as exc:
            console.print(f"[red]{exc}[/red]", highlight=False)
            raise typer.Exit(report_cli_error(exc)) from None
        args = PlanArgs(
            map_file=map_file,
            ledger=ledger,
            date=day,
            out=out,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            previous=previous,
            fewest=fewest_volunteers,
            balance=balance or None,
            suggest=suggest_volunteers,
            effort=effort,
            decompose_above=decompose_above,
            lang=locale,
        )
        raise typer.Exit(run_plan(args, console))
