"""``doorstep purge``: purge the personal and health data of jobs finished more than
``DOORSTEP_RETAIN_DAYS`` days ago from the service's database, for cron
(:mod:`api.service.retention`; the service also does it periodically)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.options import Language


def purge_command(
    days: Annotated[
        float | None,
        typer.Option(help="Retention in days (default: DOORSTEP_RETAIN_DAYS, else 30).", min=0),
    ] = None,
    lang: Language = "en",
) -> None:
    """Purge what is past its retention, compact the database and print what was purged."""

    from api.cli.options import cli_console, language_of
    from api.errors import report_cli_error
    from api.service.db import JobStore
    from api.service.retention import purge
    from api.settings import ServiceSettings

    language = language_of(lang, cli_console())
    try:
        settings = ServiceSettings.from_env()
        store = JobStore(settings.database_url)
        store.create_schema()
        report = purge(store.engine, retain_days=settings.retain_days if days is None else days)
        store.dispose()
    except Exception as exc:
        raise typer.Exit(report_cli_error(exc, language=language)) from None
    said = language.gettext(
        "purged %(jobs)d job(s) and %(communities)d refused batch community(ies)",
        jobs=report.jobs,
        communities=report.refused_communities,
    )
    typer.echo(said)


def register(app: typer.Typer) -> None:
    """Add ``purge`` to the ``doorstep`` command."""
    app.command("purge")(purge_command)
