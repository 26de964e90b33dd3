"""The ``doorstep`` command line.

Each sub-command lives in its own module of this package (``api/cli/plan.py``,
``api/cli/batch.py``, ...) exposing ``register(app: typer.Typer) -> None``; this module finds
and registers them all, so adding a command never means editing a shared list. A command
module only parses its options, calls the plan domain (:mod:`api.plan`) and prints.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import solver

app = typer.Typer(
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


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()


def main() -> None:
    """Entry point of the ``doorstep`` console script."""
    solver.start_up()  # the search kernel loads while the command reads its inputs
    try:
        app()
    finally:
        solver.shut_down()
