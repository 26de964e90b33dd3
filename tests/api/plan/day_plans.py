"""A day planned through the one entry, with the street travel already loaded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.plan.ledger import Ledger
from api.plan.request import PlanRequest
from api.plan.result import PlanResult
from api.plan.run import run_plan
from api.plan.travel import Travel
from geo.addresses import AddressIndex


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
