"""The day's inputs as ``plan`` reads them, for the commands that rebuild a planned day
(``check``, ``replan``): the ledger files, the date and the rules, read or ended with the
error shape and the status of ``plan``, in the reader's language."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from api.errors import classify, report_cli_error
from api.i18n import Lang
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
def errors_as_exit(console: Console, language: Lang | None = None) -> Iterator[None]:
    """End the command by the error contract on any error with a code: printed in
    ``language``, its error shape as the last stderr line, and its exit status (a map
    error: 5); an error without a code (a defect) goes on up."""
    lang = language or Lang()
    try:
        yield
    except GeoError as exc:
        label = lang.gettext("map error:")
        console.print(Text.assemble((label, "red"), " ", str(exc)))
        report_cli_error(exc, language=lang)
        raise typer.Exit(EXIT_MAP) from None
    except Exception as exc:
        body = classify(exc)
        if body.code == "INTERNAL":
            raise
        console.print(body.text(lang), style="red", highlight=False)
        raise typer.Exit(report_cli_error(exc, language=lang)) from None


def read_date(text: str, console: Console, language: Lang | None = None) -> dt.date:
    """``--date`` as a date; a malformed one ends the command (exit 2)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        said = (language or Lang()).gettext("--date must be YYYY-MM-DD, got '%(date)s'", date=text)
        console.print(said, style="red")
        raise typer.Exit(EXIT_USAGE) from None


def read_day_ledger(
    households: Path,
    volunteers: Path,
    depots: Path | None,
    coords: str,
    phone_region: str,
    console: Console,
    language: Lang | None = None,
) -> Ledger:
    """The ledger of the day; a bad coordinate system ends the command (exit 2), a bad
    ledger with every fault listed in ``language`` (exit 4)."""
    lang = language or Lang()
    try:
        system = parse_coord_system(coords)
    except ValueError as exc:
        console.print(str(exc), style="red")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        return read_ledger(households, volunteers, depots, ReadOptions(system, phone_region))
    except LedgerError as exc:
        console.print(classify(exc).text(lang), style="red", highlight=False)
        raise typer.Exit(report_cli_error(exc, language=lang)) from None


def read_plan_file(path: Path, console: Console, language: Lang | None = None) -> dict[str, object]:
    """A ``plan.json`` document; an unreadable or misshapen one ends the command (exit 4)."""
    lang = language or Lang()
    try:
        return read_previous(path)
    except PreviousPlanError as exc:
        said = lang.gettext("--plan %(path)s: %(error)s", path=path, error=classify(exc).text(lang))
        console.print(said, style="red", highlight=False)
        report_cli_error(exc, language=lang)
        raise typer.Exit(EXIT_INPUT) from None
