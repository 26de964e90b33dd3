"""Volunteer links: a signed, expiring, read-only token that opens one volunteer's manifest
of one plan without an API key (``GET /v1/links/{token}``).

The token is ``PAYLOAD.MAC``: ``PAYLOAD`` the base64url JSON ``[job id, links version,
volunteer id, expiry (Unix s)]`` and ``MAC`` its HMAC-SHA256 under the service's link
secret (``DOORSTEP_LINK_SECRET``, else a random secret kept in the database and shared by
the servers of one database). Nothing else is signed with it and no route but the link's
accepts it, so a link opens that manifest and nothing else.

A link is valid while its signature holds, it has not expired (the plan's finish time plus
``DOORSTEP_LINK_HOURS``), its job is done and not purged, the job's links version is still
the token's (``DELETE /v1/jobs/{id}/links`` raises it), and no newer plan of the same
community and date has been done since (a re-plan replaces the plan and its links).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service.db import secrets_table

_SECRET_NAME = "link_secret"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a link token says: which manifest, of which plan version, until when.

    Attributes
    ----------
    job_id, version, volunteer_id
        The job, its links version and the volunteer.
    expires
        Unix seconds after which the link no longer opens.
    """

    job_id: str
    version: int
    volunteer_id: str
    expires: int

    @property
    def actor(self) -> str:
        """How the audit names a reader of this link: ``link:job/volunteer``."""
        return f"link:{self.job_id}/{self.volunteer_id}"


def _mac(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign(secret: str, claim: LinkClaim) -> str:
    """The token of ``claim`` under ``secret``."""
    body = [claim.job_id, claim.version, claim.volunteer_id, claim.expires]
    payload = _b64(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
    return f"{payload}.{_mac(secret, payload)}"


def _no_link() -> ServiceError:
    return ServiceError("NOT_FOUND", Message(N_("no such link: check that it was copied whole")))


def verify(secret: str, token: str, now: float) -> LinkClaim:
    """The claim of a token signed with ``secret``: ``NOT_FOUND`` when it is malformed or
    its signature does not hold, ``LINK_EXPIRED`` when past its expiry."""
    payload, dot, mac = token.partition(".")
    if not dot or not hmac.compare_digest(mac.encode(), _mac(secret, payload).encode()):
        raise _no_link()
    try:
        job_id, version, volunteer_id, expires = json.loads(_unb64(payload))
        claim = LinkClaim(str(job_id), int(version), str(volunteer_id), int(expires))
    except (ValueError, TypeError):  # signed by us, so never; kept as a plain refusal
        raise _no_link() from None
    if claim.expires <= now:
        raise ServiceError(
            "LINK_EXPIRED",
            Message(N_("this link has expired: ask the dispatcher for the current one")),
        )
    return claim


def shared_secret(engine: Engine, configured: str) -> str:
    """The link secret: ``configured`` when set, else the one kept in the database (made
    at random by the first server that needs it)."""
    if configured:
        return configured
    query = select(secrets_table.c.value).where(secrets_table.c.name == _SECRET_NAME)
    with engine.connect() as conn:
        value = conn.execute(query).scalar()
    if value is None:
        try:
            with engine.begin() as conn:
                conn.execute(
                    secrets_table.insert().values(name=_SECRET_NAME, value=secrets.token_hex(32))
                )
        except IntegrityError:
            pass  # another server made it first
        with engine.connect() as conn:
            value = conn.execute(query).scalar()
    return str(value)
