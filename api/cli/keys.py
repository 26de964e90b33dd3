"""``doorstep keys add|list|revoke``: API keys kept in the service's database
(``DOORSTEP_DATABASE_URL``), stored as SHA-256 hashes with a role, an optional community
and an expiry. The key itself is printed once, by ``add``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.options import Language
from api.i18n import N_, Lang

if TYPE_CHECKING:
    from api.service.keys import KeyStore

keys_app = typer.Typer(help="API keys kept in the service's database.", no_args_is_help=True)


def _store() -> KeyStore:
    from api.service.db import JobStore
    from api.service.keys import KeyStore
    from api.settings import ServiceSettings

    store = JobStore(ServiceSettings.from_env().database_url)
    store.create_schema()
    return KeyStore(store.engine)


#: The columns of ``keys list`` and the states of a key, for the catalogs.
_HEADINGS = (
    N_("fingerprint"),
    N_("role"),
    N_("community"),
    N_("state"),
    N_("expires"),
    N_("label"),
)
_STATES = {"active": N_("active"), "revoked": N_("revoked"), "expired": N_("expired")}


def _language(lang: str) -> Lang:

    from api.cli.options import cli_console, language_of

    return language_of(lang, cli_console())


def _when(t: float | None) -> str:
    if t is None:
        return "-"
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _fail(exc: BaseException, language: Lang) -> typer.Exit:
    from api.errors import report_cli_error

    return typer.Exit(report_cli_error(exc, language=language))


@keys_app.command("add")
def add_command(
    role: Annotated[str, typer.Option(help="dispatcher or viewer.")],
    community: Annotated[
        str | None, typer.Option(help="The one community it acts for (default: city-wide).")
    ] = None,
    days: Annotated[float, typer.Option(help="Days until it expires (0: never).", min=0)] = 90.0,
    label: Annotated[str, typer.Option(help="Whom it is for (shown by list).")] = "",
    lang: Language = "en",
) -> None:
    """Make a key and print it (once: only its hash is kept)."""
    from api.service.keys import fingerprint

    language = _language(lang)
    try:
        store = _store()
        key = store.add(role, community, days=days or None, label=label)
    except Exception as exc:
        raise _fail(exc, language) from None
    typer.echo(key)
    said = language.gettext(
        "fingerprint %(fingerprint)s: keep the key; it is not shown again",
        fingerprint=fingerprint(key),
    )
    typer.echo(said, err=True)


@keys_app.command("list")
def list_command(lang: Language = "en") -> None:
    """List the database's keys: fingerprint, role, community, state, expiry, label."""
    import time

    language = _language(lang)
    try:
        store = _store()
        rows = store.list()
    except Exception as exc:
        raise _fail(exc, language) from None
    now = time.time()
    typer.echo("\t".join(language.gettext(h) for h in _HEADINGS))
    city_wide = language.gettext("(city-wide)")
    for k in rows:
        state = language.gettext(_STATES[k.state(now)])
        typer.echo(
            f"{k.fingerprint}\t{k.role}\t{k.community or city_wide}\t{state}\t"
            f"{_when(k.expires_at)}\t{k.label}"
        )


@keys_app.command("revoke")
def revoke_command(
    fingerprint: Annotated[str, typer.Argument(help="The key's fingerprint (from list).")],
    lang: Language = "en",
) -> None:
    """Revoke a key: it is refused (401) from now on."""
    from api.errors import ServiceError
    from api.i18n import Message

    language = _language(lang)
    try:
        store = _store()
        if store.revoke(fingerprint) == 0:
            said = Message(
                N_("no active key with fingerprint %(fingerprint)s"), fingerprint=repr(fingerprint)
            )
            raise ServiceError("NOT_FOUND", said)
    except Exception as exc:
        raise _fail(exc, language) from None
    typer.echo(language.gettext("revoked %(fingerprint)s", fingerprint=fingerprint))


def register(app: typer.Typer) -> None:
    """Add ``keys`` to the ``doorstep`` command."""
    app.add_typer(keys_app, name="keys")
