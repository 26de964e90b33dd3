"""What one plan produced: the checked plan, the households it leaves out and why.

Also the judgments every stage shares: who serves each stop, how many stops of each
priority are served (the "elderly first" comparison between two plans).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.plan.coord_check import CoordFit
from api.plan.day import NOTHING_DUE_YET, DaySelection, Excluded
from api.plan.ledger import Ledger
from api.plan.problem import Locations
from geo.addresses import Resolution
from solver import Problem, Solution
from solver.objective import priority_rank

if TYPE_CHECKING:
    from api.plan.continuity import Continuity
    from geo import TravelMatrices


class PlanCheckError(RuntimeError):
    """The independent checker rejected a plan: a defect, never the user's fault."""

    code = "PLAN_REJECTED"


@dataclass(frozen=True, slots=True)
class HouseholdIssue:
    """A household under observation that gets no delivery today, with reason and sentence."""

    household_id: str
    reason: str
    message: str
    stop_id: str = ""
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class PlanResult:
    """Everything one plan produced; the outputs are written from it.

    Attributes
    ----------
    date
        The plan date.
    ledger, selection, locations, problem, solution
        The inputs, the day's stops, their location index, the routing problem and its plan.
    matrices
        Street matrices per mode over ``locations``.
    issues
        Households under observation that get no delivery today, each with reason.
    not_due
        Households under observation with nothing due today.
    resolutions
        Address lookups made, by household id.
    geometry
        Street-following GeoJSON geometry per volunteer id (empty when not asked).
    timings
        Seconds per stage.
    continuity
        Carry-over from yesterday when a previous plan was given.
    coord_fit
        How the households' coordinates fit the map, and whether another coordinate
        system fits far better (``coord_fit.warn``, :mod:`api.plan.coord_check`).
    streets
        The map's streets around the plan (every run, depot and household placed), as
        ``(lon, lat)`` polylines, drawn on the pages' maps; empty when geometry is not
        asked.
    """

    date: dt.date
    ledger: Ledger
    selection: DaySelection
    locations: Locations
    problem: Problem
    solution: Solution
    matrices: dict[str, TravelMatrices]
    issues: tuple[HouseholdIssue, ...]
    not_due: tuple[Excluded, ...]
    resolutions: dict[str, Resolution]
    geometry: dict[str, Any]
    timings: dict[str, float]
    continuity: Continuity | None = None
    coord_fit: CoordFit | None = None
    streets: tuple[tuple[tuple[float, float], ...], ...] = ()


def household_issues(
    selection: DaySelection,
    solution: Solution,
    resolutions: Mapping[str, Resolution],
    matrices: Mapping[str, TravelMatrices],
    locations: Locations,
) -> tuple[HouseholdIssue, ...]:
    """Every household under observation that gets no delivery today, with its reason: those
    left out of the day (address, window) and those on a stop the plan could not serve."""
    out: list[HouseholdIssue] = []
    for e in selection.excluded:
        message, facts = e.message, e.facts
        res = resolutions.get(e.household_id)
        if e.reason == "ADDRESS_UNRESOLVED" and res is not None:
            message = f"Address {res.query!r}: {res.message}; add lon/lat to the ledger."
            if NOTHING_DUE_YET in e.message:
                message += f" {NOTHING_DUE_YET}"
            status = ("case", f"address_{res.status.value}")
            facts = (status, *((k, v) for k, v in facts if k != "case"))
        out.append(HouseholdIssue(e.household_id, e.reason, message, facts=facts))
    stops = {s.stop_id: s for s in selection.stops}
    for u in solution.unassigned:
        stop = stops[u.stop_id]
        message, facts = u.message, u.facts
        if u.reason == "UNREACHABLE":
            loc = locations.stop[u.stop_id]
            far = [
                f"{m} {mm.snap_m[loc]:.0f} m"
                for m, mm in matrices.items()
                if not bool(mm.reachable[loc])
            ]
            if far:
                message += f" Distance from the door to the nearest street: {', '.join(far)}."
                facts = (*facts, ("far", ", ".join(far)))
        for hid in stop.household_ids:
            out.append(HouseholdIssue(hid, str(u.reason), message, u.stop_id, facts))
    return tuple(sorted(out, key=lambda i: i.household_id))


def served_by(solution: Solution) -> dict[str, str]:
    """The volunteer serving each served stop, by stop id."""
    return {v.stop_id: r.vehicle_id for r in solution.routes for v in r.stops}


def priority_served(problem: Problem, solution: Solution) -> tuple[int, ...]:
    """Stops served per ``(required, priority)`` group, highest first
    (:func:`solver.objective.priority_rank`, the one definition)."""
    return priority_rank(problem, served_by(solution))
