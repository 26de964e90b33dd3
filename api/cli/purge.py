"""``doorstep purge``: purge the personal and health data of jobs finished more than
``DOORSTEP_RETAIN_DAYS`` days ago from the service's database, for cron
(:mod:`api.service.retention`; the service also does it periodically)."""

from __future__ import annotations

from typing import Annotated

import typer


def purge_command(
    days: Annotated[
        float | None,
        typer.Option(help="Retention in days (default: DOORSTEP_RETAIN_DAYS, else 30).", min=0),
    ] = None,
) -> None:
    """Purge what is past its retention, compact the database and print what was purged."""
    from api.errors import report_cli_error
    from api.service.db import JobStore
    from api.service.retention import purge
    from api.settings import ServiceSettings

    try:
        settings = ServiceSettings.from_env()
        store = JobStore(settings.database_url)
        store.create_schema()
        report = purge(store.engine, retain_days=settings.retain_days if days is None else days)
        store.dispose()
    except Exception as exc:
        raise typer.Exit(report_cli_error(exc)) from None
    typer.echo(
        f"purged {report.jobs} job(s) and {report.refused_communities} refused batch community(ies)"
    )


def register(app: typer.Typer) -> None:
    """Add ``purge`` to the ``doorstep`` command."""
    app.command("purge")(purge_command)
