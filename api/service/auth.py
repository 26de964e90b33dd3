"""API keys with roles and scopes, sent as bearer tokens.

``dispatcher`` may create and cancel plans and jobs (and read); ``viewer`` may only read.
A key with a community (``KEY:ROLE:COMMUNITY``, or ``doorstep keys add --community``) sees
and acts on that community's jobs and batch communities only; one without is city-wide.
A missing, unknown, expired or revoked key is ``UNAUTHORIZED`` (401), a known key with too
small a role is ``FORBIDDEN`` (403). Keys of the environment are compared in constant time,
database keys are found by their SHA-256 (:mod:`api.service.keys`); keys are never logged
or stored in clear: jobs and the audit keep a short fingerprint of the key.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service.keys import KeyStore, fingerprint
from api.settings import Grant

_RANK = {"viewer": 1, "dispatcher": 2}
bearer = HTTPBearer(auto_error=False, description="An API key: Authorization: Bearer KEY")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: their role, the fingerprint of their key and their community
    (``None``: city-wide)."""

    role: str
    fingerprint: str
    community: str | None = None

    @property
    def tag(self) -> str:
        """``role:fingerprint``, as jobs and batches record who created them."""
        return f"{self.role}:{self.fingerprint}"

    @property
    def actor(self) -> str:
        """How the audit names this caller: ``key:fingerprint``."""
        return f"key:{self.fingerprint}"

    def sees(self, community: str) -> bool:
        """Whether this caller may see ``community``'s households."""
        return self.community is None or self.community == community


def identify(
    keys: Mapping[str, Grant], token: str | None, stored: KeyStore | None = None
) -> Caller:
    """The caller of a bearer ``token`` among the environment's ``keys`` and, when given,
    the database's active keys; 401 if unknown."""
    if not token:
        raise ServiceError(
            "UNAUTHORIZED",
            Message(N_("an API key is required: send the header Authorization: Bearer KEY")),
        )
    found: Grant | None = None
    for key, grant in keys.items():  # compare with every key, in constant time each
        if hmac.compare_digest(key.encode(), token.encode()):
            found = grant
    if found is None and stored is not None:
        found = stored.grant(token)
    if found is None:
        raise ServiceError("UNAUTHORIZED", Message(N_("unknown, expired or revoked API key")))
    return Caller(found.role, fingerprint(token), found.community)


def require(role: str, *, city_wide: bool = False) -> Callable[..., Caller]:
    """A FastAPI dependency admitting callers of ``role`` or a higher one (and, with
    ``city_wide``, only keys without a community)."""

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    ) -> Caller:
        keys: Mapping[str, Grant] = request.app.state.settings.api_keys
        stored: KeyStore = request.app.state.service.keys
        caller = identify(keys, credentials.credentials if credentials else None, stored)
        if _RANK[caller.role] < _RANK[role]:
            raise ServiceError(
                "FORBIDDEN",
                Message(
                    N_("this needs the %(role)s role; the key given is a %(given)s's"),
                    role=role,
                    given=caller.role,
                ),
            )
        if city_wide and caller.community is not None:
            raise ServiceError(
                "FORBIDDEN",
                Message(N_("this needs a city-wide key; the key given is one community's")),
            )
        return caller

    return dependency
