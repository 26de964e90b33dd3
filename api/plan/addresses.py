"""Addresses of the day: households given by address placed offline; others named.

Households given by address only are placed by the map's offline address index (never
guessed: unresolved ones are left out with ``ADDRESS_UNRESOLVED``); households given by
coordinates only get the nearest map address for their manifests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from api.plan.day import LonLat
from api.plan.ledger import Ledger
from geo.addresses import AddressIndex, Resolution, Status


def resolve_addresses(
    ledger: Ledger, date: dt.date, index: AddressIndex | None
) -> dict[str, Resolution]:
    """Resolve the addresses of the day's households that have no coordinates."""
    out: dict[str, Resolution] = {}
    for h in ledger.households:
        if h.lon is not None or not (h.observation_start <= date <= h.observation_end):
            continue
        if index is None:
            out[h.household_id] = Resolution(
                h.address, Status.NOT_FOUND, message="no map addresses loaded"
            )
        else:
            out[h.household_id] = index.resolve(h.address)
    return out


def map_addresses(
    ledger: Ledger,
    date: dt.date,
    index: AddressIndex | None,
    resolved: Mapping[str, LonLat],
) -> dict[str, str]:
    """Nearest map address of the day's households the ledger gives none for, by id."""
    out: dict[str, str] = {}
    if index is None:
        return out
    for h in ledger.households:
        if h.address or not (h.observation_start <= date <= h.observation_end):
            continue
        at = (h.lon, h.lat) if h.lon is not None and h.lat is not None else None
        at = at or resolved.get(h.household_id)
        if at is not None:
            found, _ = index.nearest(*at)
            if found:
                out[h.household_id] = found
    return out
