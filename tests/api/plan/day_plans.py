"""A day planned through the one entry, with the street travel already loaded; small
hand-made ledgers on real buildings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.demo.data import DEMO_DATE
from api.plan.ledger import DepotRecord, Household, Ledger, Volunteer
from api.plan.request import PlanRequest
from api.plan.result import PlanResult
from api.plan.run import run_plan
from api.plan.travel import Travel
from geo.addresses import AddressIndex, Building


def plan(
    ledger: Ledger,
    date: dt.date,
    *,
    travel: Travel,
    addresses: AddressIndex | None = None,
    **request: Any,
) -> PlanResult:
    """:func:`api.plan.run.run_plan` of ``PlanRequest(ledger, date, **request)``; its result."""
    return run_plan(PlanRequest(ledger, date, **request), travel=travel, addresses=addresses).result


def cluster_ledger(
    buildings: tuple[Building, ...],
    n: int,
    volunteers: tuple[Volunteer, ...],
    **household_kw: object,
) -> Ledger:
    """``n`` one-resident households ``h00``, ``h01``, ... on the first houses of
    ``buildings``, observed around the demo date; one depot ``d1`` at the first house."""
    homes = [b for b in buildings if b.kind == "yes"][:n]
    households = tuple(
        Household(
            household_id=f"h{i:02d}",
            lon=b.lon,
            lat=b.lat,
            residents=1,
            observation_start=DEMO_DATE - dt.timedelta(days=2),
            observation_end=DEMO_DATE + dt.timedelta(days=5),
            **household_kw,  # type: ignore[arg-type]
        )
        for i, b in enumerate(homes)
    )
    depot = DepotRecord("d1", homes[0].lon, homes[0].lat)
    return Ledger(households, volunteers, (depot,))


def walker(
    vid: str,
    *,
    cap: float = 30.0,
    skills: frozenset[str] = frozenset(),
    hours: tuple[int, int] = (9, 14),
    **volunteer_kw: Any,
) -> Volunteer:
    """A walking volunteer of depot ``d1`` carrying ``cap`` kg, on shift ``hours`` (o'clock)."""
    return Volunteer(
        vid,
        "walk",
        cap,
        hours[0] * 3600,
        hours[1] * 3600,
        depot_id="d1",
        skills=skills,
        **volunteer_kw,
    )
