"""The ``doorstep`` command line. Each sub-command lives in its own ``api/cmd_*.py`` module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="doorstep",
    help="Delivery routes for community volunteers over real OpenStreetMap streets.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as _version

    typer.echo(_version("doorstep"))


def main() -> None:
    """Entry point of the ``doorstep`` console script."""
    app()
