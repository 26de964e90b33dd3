"""The day's inputs as ``plan`` reads them, for the commands that rebuild a planned day
(``check``, ``replan``): the ledger files, the date and the rules, read or ended with the
error shape and the status of ``plan``."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console

from api.errors import classify, report_cli_error
from api.plan.continuity import PreviousPlanError, read_previous
from api.plan.ledger import Ledger, LedgerError, ReadOptions, read_ledger
from geo.crs import parse_coord_system
from geo.errors import GeoError

#: Exit status of wrong command-line usage.
EXIT_USAGE = 2
#: Exit status of an unreadable plan file (as for an invalid ledger).
EXIT_INPUT = 4
#: Exit status of a map that cannot be read.
EXIT_MAP = 5


@contextlib.contextmanager
def errors_as_exit(console: Console) -> Iterator[None]:
    """End the command by the error contract on any error with a code: printed, its
    error shape as the last stderr line, and its exit status (a map error: 5); an error
    without a code (a defect) goes on up."""
    try:
        yield
    except GeoError as exc:
        console.print(f"[red]map error:[/red] {exc}")
        report_cli_error(exc)
        raise typer.Exit(EXIT_MAP) from None
    except Exception as exc:
        if classify(exc).code == "INTERNAL":
            raise
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(report_cli_error(exc)) from None


def read_date(text: str, console: Console) -> dt.date:
    """``--date`` as a date; a malformed one ends the command (exit 2)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        console.print(f"[red]--date must be YYYY-MM-DD, got {text!r}[/red]")
        raise typer.Exit(EXIT_USAGE) from None


def read_day_ledger(
    households: Path,
    volunteers: Path,
    depots: Path | None,
    coords: str,
    phone_region: str,
    console: Console,
) -> Ledger:
    """The ledger of the day; a bad coordinate system ends the command (exit 2), a bad
    ledger with every fault listed (exit 4)."""
    try:
        system = parse_coord_system(coords)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        return read_ledger(households, volunteers, depots, ReadOptions(system, phone_region))
    except LedgerError as exc:
        console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(report_cli_error(exc)) from None


def read_plan_file(path: Path, console: Console) -> dict[str, object]:
    """A ``plan.json`` document; an unreadable or misshapen one ends the command (exit 4)."""
    try:
        return read_previous(path)
    except PreviousPlanError as exc:
        console.print(f"[red]--plan {path}: {exc}[/red]", highlight=False)
        report_cli_error(exc)
        raise typer.Exit(EXIT_INPUT) from None
