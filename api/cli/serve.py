"""``doorstep serve``: the dispatch API and map page over HTTP (uvicorn).

Settings come from the environment (``api.settings.ServiceSettings``); the reference is
``docs/API.md``.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the dispatch API (/v1, /docs) and the map page (/) until stopped."""
    import uvicorn

    from api.errors import report_cli_error
    from api.service.app import create_app
    from api.settings import ServiceSettings, SettingsError
    from geo.errors import MapSourceError

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        settings = ServiceSettings.from_env()
        for name, path in settings.maps.items():
            if not path.is_file():
                raise MapSourceError(
                    f"map {name!r}: no such file {str(path)!r}",
                    record=f"map {name!r}",
                    field="DOORSTEP_MAPS",
                )
    except (SettingsError, MapSourceError) as exc:
        typer.echo(f"doorstep serve: {exc}", err=True)
        raise typer.Exit(report_cli_error(exc)) from None
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=10,
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``doorstep`` command."""
    app.command("serve")(serve_command)
