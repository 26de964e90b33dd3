"""``doorstep serve``: the dispatch API and map page over HTTP (uvicorn).

Settings come from the environment (``api.settings.ServiceSettings``); the reference is
``docs/API.md``.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from api.cli.options import Language


def serve_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    lang: Language = "en",
) -> None:
    """Serve the dispatch API (/v1, /docs) and the map page (/) until stopped."""
    import uvicorn

    from api.cli.options import cli_console, language_of
    from api.errors import classify, report_cli_error
    from api.i18n import N_, Message
    from api.service.app import create_app
    from api.settings import ServiceSettings, SettingsError
    from geo.errors import MapSourceError

    language = language_of(lang, cli_console())
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        settings = ServiceSettings.from_env()
        for name, path in settings.maps.items():
            if not path.is_file():
                raise MapSourceError(
                    Message(N_("no such file %(path)s"), path=repr(str(path))),
                    record=Message(N_("map %(name)s"), name=repr(name)),
                    field="DOORSTEP_MAPS",
                )
    except (SettingsError, MapSourceError) as exc:
        said = classify(exc).in_language(language).message
        typer.echo(f"doorstep serve: {said}", err=True)
        raise typer.Exit(report_cli_error(exc, language=language)) from None
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
