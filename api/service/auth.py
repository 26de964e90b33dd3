"""API keys with roles, sent as bearer tokens.

``dispatcher`` may create and cancel plans and jobs (and read); ``viewer`` may only read.
A missing or unknown key is ``UNAUTHORIZED`` (401), a known key with too small a role is
``FORBIDDEN`` (403). Keys are compared in constant time and never logged or stored: jobs
keep a short fingerprint of the key that created them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ServiceError

_RANK = {"viewer": 1, "dispatcher": 2}
bearer = HTTPBearer(auto_error=False, description="An API key: Authorization: Bearer KEY")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: their role and the fingerprint of their key."""

    role: str
    fingerprint: str

    @property
    def tag(self) -> str:
        """``role:fingerprint``, as jobs and batches record who created them."""
        return f"{self.role}:{self.fingerprint}"


def fingerprint(key: str) -> str:
    """A short, non-reversible tag of a key (first 12 hex digits of its SHA-256)."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def identify(keys: Mapping[str, str], token: str | None) -> Caller:
    """The caller of a bearer ``token`` among ``keys`` (``{key: role}``); 401 if unknown."""
    if not token:
        raise ServiceError(
            "UNAUTHORIZED", "an API key is required: send the header Authorization: Bearer KEY"
        )
    found = None
    for key, role in keys.items():  # compare with every key, in constant time each
        if hmac.compare_digest(key.encode(), token.encode()):
            found = role
    if found is None:
        raise ServiceError("UNAUTHORIZED", "unknown API key")
    return Caller(found, fingerprint(token))


def require(role: str) -> Callable[..., Caller]:
    """A FastAPI dependency admitting callers of ``role`` or a higher one."""

    def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
    ) -> Caller:
        keys: Mapping[str, str] = request.app.state.settings.api_keys
        caller = identify(keys, credentials.credentials if credentials else None)
        if _RANK[caller.role] < _RANK[role]:
            raise ServiceError(
                "FORBIDDEN", f"this needs the {role} role; the key given is a {caller.role}'s"
            )
        return caller

    return dependency
