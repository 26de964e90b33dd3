"""The ``doorstep`` command line.

Each sub-command lives in its own module of this package, named after the command with
``-`` as ``_`` (``api/cli/plan.py`` for ``plan``, ``api/cli/plan_batch.py`` for
``plan-batch``, ...) and exposing ``register(app: typer.Typer) -> None``; this module finds
and registers them, so adding a command never means editing a shared list. A command
module only parses its options, calls the plan domain (:mod:`api.plan`) and prints.

A run of one command imports only that command's module (``doorstep plan`` never loads
the HTTP service, the database or the batch code); help and unknown commands register
them all. The commands that solve (:data:`SOLVING`) start the solver up
(:func:`solver.start_up`) before their module is imported, so that the kernel's load
overlaps the command's imports and inputs; the others (``keys``, ``purge``, ``version``,
the help) load neither OR-Tools nor numba; ``plan`` loads OR-Tools only for a day
that needs it (:data:`FROM_PROCESS_START`). ``api.cli.app`` is the application with every
command (the tests' runner).
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup


class _Group(TyperGroup):
    """The ``doorstep`` group: its help texts in the language the command line asks for
    (``--lang``, else ``DOORSTEP_LANG``), folded where a column is too narrow, each
    command's line in a list of commands on one line."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **named: Any) -> Any:
        from api.cli.options import (
            fold_help_words,
            help_in_language,
            help_language,
            one_line_summaries,
        )
        from api.i18n import DEFAULT

        words = list(sys.argv[1:] if args is None else args)
        if "--help" in words or not solves(words):
            fold_help_words()  # (Typer's help module: 0.07 s a solving command need not wait)
        language = help_language(words)
        if language.locale != DEFAULT:  # the English catalog's texts are the code's own
            help_in_language(self, language)
        one_line_summaries(self)
        return super().main(args, *rest, **named)


def _new_app() -> typer.Typer:
    """The bare application: its name, help and the ``version`` command."""
    app = typer.Typer(
        cls=_Group,
        name="doorstep",
        help="Delivery routes for community volunteers over real OpenStreetMap streets.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.command()
    def version() -> None:
        """Print the installed version."""
        from importlib.metadata import version as _version

        typer.echo(_version("doorstep"))

    return app


def command_modules() -> list[str]:
    """Names of the command modules of this package, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__))


def build_app(args: Sequence[str] = ()) -> typer.Typer:
    """The application for a command line: only the module of its command when the first
    argument names one, else every command module."""
    app = _new_app()
    for name in _modules_of(args):
        register = getattr(importlib.import_module(f"{__name__}.{name}"), "register", None)
        if register is not None:
            register(app)
    return app


def _modules_of(args: Sequence[str]) -> list[str]:
    """The command modules a command line needs: its command's, or all of them."""
    names = command_modules()
    first = next((a for a in args if not a.startswith("-")), "")
    wanted = first.replace("-", "_")
    return [wanted] if wanted in names else names


#: The command modules that solve. The solver starts up before such a module is imported
#: (its imports, the ledger and the map then overlap the kernel's load; started after
#: them, the load slowed reading the inputs instead: start-up median 4.5 s against 3.8 s,
#: benchmarks/README.md 2026-12-05), which is why they are named here, not in the modules.
SOLVING = frozenset({"demo", "plan", "plan_batch", "replan", "serve", "solve"})
#: The solving commands whose ``--time-limit`` counts from the process start: OR-Tools is
#: not loaded at their start-up but by their first search that builds a model (a day
#: without trips), inside the same budget; a day with trips, planned by the refinement
#: alone, never loads it (~0.2 s). The others load it at start-up, off their searches'
#: clocks, which start at the call.
FROM_PROCESS_START = frozenset({"plan"})


def solves(args: Sequence[str]) -> bool:
    """Whether a command line runs one command that solves (:data:`SOLVING`)."""
    names = _modules_of(args)
    return len(names) == 1 and names[0] in SOLVING


_FULL: list[typer.Typer] = []


def __getattr__(name: str) -> typer.Typer:
    """``api.cli.app``: the application with every command, built on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _FULL:
        _FULL.append(build_app())
    return _FULL[0]


def main() -> None:
    """Entry point of the ``doorstep`` console script.

    A command that solves starts the solver up first: the search kernel loads (and with
    ``--workers``, the worker processes start) on background threads while the command
    reads its inputs. When the command is done (its files written and closed, its status
    known) the process leaves at once (:func:`exit_now`): the interpreter's teardown of
    OR-Tools, numba and every module would add seconds to each call. A portfolio's worker
    processes are ended first (:func:`solver.shut_down`), so none writes to the shared
    standard streams after the command has left (leaving the normal way after them took
    ~1 s more).
    """
    from api.plan.budget import command_is_process

    command_is_process()  # --time-limit counts from the process start
    args = sys.argv[1:]
    solving = solves(args)
    if solving:
        import solver

        solver.start_up(
            workers_asked(args), or_tools=_modules_of(args)[0] not in FROM_PROCESS_START
        )
    try:
        build_app(args)()
    except SystemExit as done:
        _shut_down(solving)
        if done.code is None or isinstance(done.code, int):
            exit_now(done.code or 0)
        raise
    finally:
        _shut_down(solving)


def _shut_down(solving: bool) -> None:
    """End the solver's worker processes, when the command started the solver."""
    if solving:
        import solver

        solver.shut_down()


def workers_asked(args: Sequence[str]) -> int:
    """The ``--workers`` of a command line (``--workers N`` or ``--workers=N``; 1 when not
    given or not a number: the command's own parsing reports a bad value)."""
    for k, arg in enumerate(args):
        value = args[k + 1] if arg == "--workers" and k + 1 < len(args) else None
        if arg.startswith("--workers="):
            value = arg.split("=", 1)[1]
        if value is not None:
            return int(value) if value.isdigit() else 1
    return 1


def exit_now(status: int) -> None:
    """Flush the log and the standard streams and end the process with ``status`` without
    the interpreter's teardown."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
