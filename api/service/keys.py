"""API keys kept in the database (``doorstep keys add|list|revoke``), beside the keys of
the environment (``DOORSTEP_API_KEYS``).

A key is made here (48 random URL-safe characters, shown once) and only its SHA-256 is
stored, with its role, its community (``None``: city-wide), a label, and an expiry. A key
is looked up by its hash; an expired or revoked key is unknown to the service (401). Keys
are random, so a fast hash suffices: nothing can be guessed from it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine, and_, or_, select, update

from api.errors import ServiceError
from api.service.db import api_keys
from api.settings import ROLES, Grant, parse_grant


def key_hash(key: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(key: str) -> str:
    """A short, non-reversible tag of a key (first 12 hex digits of its SHA-256)."""
    return key_hash(key)[:12]


@dataclass(frozen=True, slots=True)
class StoredKey:
    """One database key as listed (never the key itself).

    Attributes
    ----------
    fingerprint
        First 12 hex digits of the key's SHA-256 (as jobs and the audit name callers).
    role, community
        What it may do; ``community`` ``None`` is city-wide.
    label
        A note of whom it was given to.
    created_at, expires_at, revoked_at
        Unix seconds (``None``: never expires / not revoked).
    """

    fingerprint: str
    role: str
    community: str | None
    label: str
    created_at: float
    expires_at: float | None
    revoked_at: float | None

    def state(self, now: float) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class KeyStore:
    """Every read and write of database keys.

    Parameters
    ----------
    engine
        The job store's engine (keys live in the same database).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, role: str, community: str | None, *, days: float | None, label: str = "") -> str:
        """Make, store (hashed) and return a new key of ``role`` for ``community`` lasting
        ``days`` days (``None``: no expiry). ``INVALID_REQUEST`` for a bad role or community."""
        key = secrets.token_urlsafe(36)
        parsed = parse_grant(f"{key}:{role}:{community}" if community else f"{key}:{role}")
        if isinstance(parsed, str):
            raise ServiceError("INVALID_REQUEST", parsed)
        grant = parsed[1]
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    key_hash=key_hash(key),
                    fingerprint=fingerprint(key),
                    role=grant.role,
                    community=grant.community,
                    label=label,
                    created_at=now,
                    expires_at=None if days is None else now + days * 86400.0,
                    revoked_at=None,
                )
            )
        return key

    def grant(self, key: str) -> Grant | None:
        """The grant of an active database key, or ``None``."""
        now = time.time()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_keys.c.role, api_keys.c.community).where(
                    and_(
                        api_keys.c.key_hash == key_hash(key),
                        api_keys.c.revoked_at.is_(None),
                        or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now),
                    )
                )
            ).first()
        if row is None or row.role not in ROLES:
            return None
        return Grant(str(row.role), row.community)

    def list(self) -> list[StoredKey]:
        """Every database key, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(api_keys).order_by(api_keys.c.created_at, api_keys.c.fingerprint)
            ).all()
        return [
            StoredKey(
                fingerprint=r.fingerprint,
                role=r.role,
                community=r.community,
                label=r.label,
                created_at=r.created_at,
                expires_at=r.expires_at,
                revoked_at=r.revoked_at,
            )
            for r in rows
        ]

    def revoke(self, fingerprint_: str) -> int:
        """Revoke the unrevoked keys of a fingerprint; return how many (0: none such)."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_keys)
                .where(
                    and_(api_keys.c.fingerprint == fingerprint_, api_keys.c.revoked_at.is_(None))
                )
                .values(revoked_at=time.time())
            )
        return int(done.rowcount)
