"""Continuity: each household keeps its own volunteer wherever that costs little.

Yesterday's ``plan.json`` gives each household its own volunteer (its
``continuity.volunteer_of`` when it has one, else who served the household there). Today
each stop takes as its reference (:attr:`solver.Stop.reference`) the own volunteer of most
of its households, when that volunteer works today, and pays :data:`CHANGE_COST_S` per such
household when another volunteer serves it (:attr:`solver.Stop.change_cost`).
:func:`api.plan.pipeline.solve_with_continuity` searches with that cost from a first plan
in which each volunteer takes their own households first: a household moves only where
that saves more travel than the change cost, or where keeping it is not possible.
:func:`outcomes` says, per household, whether it kept its volunteer and, if not, why.

A household's own volunteer carries over from day to day: it stays the same on a day its
volunteer does not work (the household returns to them the next day), and becomes today's
volunteer when the household is new, had none working, or was moved for cost.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.i18n import N_, Message
from api.plan.day import DaySelection
from api.plan.result import served_by
from solver.errors import Detail
from solver.objective import compatible_vehicles

if TYPE_CHECKING:
    from solver import Problem, Solution

#: Search cost (objective units: seconds of travel) of serving a household by another
#: volunteer than its own: a household changes volunteer only when that saves more than
#: this much travel (chosen on the 14-day benchmark, ``benchmarks/continuity.py``).
CHANGE_COST_S = 250

#: Why a household on today's stops did or did not keep its own volunteer.
KEPT = "kept"
VOLUNTEER_ABSENT = "volunteer_absent"
HOUSEHOLD_NEW = "household_new"
CANNOT_SERVE = "volunteer_cannot_serve"
SHARED_STOP = "shares_stop"
COST = "cost_too_high"
NOT_SERVED = "not_served"
OUTCOMES = (KEPT, VOLUNTEER_ABSENT, HOUSEHOLD_NEW, CANNOT_SERVE, SHARED_STOP, COST, NOT_SERVED)


@dataclass(frozen=True, slots=True)
class Continuity:
    """How the households' own volunteers carried over into today's plan.

    Attributes
    ----------
    change_cost_s
        Search cost per household served by another volunteer than its own (s of travel).
    outcomes
        ``(household id, own volunteer or "", served by or "", outcome)`` for every
        household on today's stops; outcome one of :data:`OUTCOMES`.
    volunteer_of
        Each household's own volunteer for tomorrow (households of yesterday's plan not on
        today's stops keep theirs).
    """

    change_cost_s: int
    outcomes: tuple[tuple[str, str, str, str], ...]
    volunteer_of: Mapping[str, str]

    def count(self, outcome: str) -> int:
        """Households with ``outcome``."""
        return sum(1 for o in self.outcomes if o[3] == outcome)

    @property
    def with_own_working(self) -> int:
        """Households on today's stops whose own volunteer works today."""
        return sum(1 for o in self.outcomes if o[3] not in (VOLUNTEER_ABSENT, HOUSEHOLD_NEW))


class PreviousPlanError(ValueError):
    """Yesterday's ``plan.json`` does not have the shape of a plan; ``details`` name where."""

    code = "INVALID_LEDGER"

    def __init__(self, details: Sequence[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        self.head = Message(N_("%(n)d problem(s) in the previous plan:"), n=len(self.details))
        super().__init__(self.head + "\n" + "\n".join(f"- {d}" for d in self.details))


def _carried(plan: Mapping[str, Any]) -> Any:
    """The plan's ``continuity.volunteer_of`` (an empty mapping when it has none)."""
    member = plan.get("continuity")
    return member.get("volunteer_of", {}) if isinstance(member, Mapping) else {}


def _previous_faults(plan: Any) -> list[Detail]:
    """Where ``plan`` differs from the part of ``plan.json`` continuity reads."""
    whole = Message(N_("previous plan"))
    if not isinstance(plan, Mapping) or not isinstance(plan.get("routes"), list):
        said = Message(N_("must be a list of runs (is it a plan.json?)"))
        return [Detail(whole, "routes", said)]
    out: list[Detail] = []
    for i, route in enumerate(plan["routes"], start=1):
        where = Message(N_("previous plan routes item %(i)d"), i=i)
        if not isinstance(route, Mapping):
            out.append(Detail(where, "route", Message(N_("must be an object"))))
            continue
        if not isinstance(route.get("volunteer_id"), str):
            out.append(Detail(where, "volunteer_id", Message(N_("must be text"))))
        stops = route.get("stops", [])
        if not isinstance(stops, list):
            out.append(Detail(where, "stops", Message(N_("must be a list of stops"))))
            continue
        for k, stop in enumerate(stops, start=1):
            ids = stop.get("household_ids", []) if isinstance(stop, Mapping) else None
            if not isinstance(ids, list) or not all(isinstance(h, str) for h in ids):
                at = Message(N_("%(route)s stop %(k)d"), route=where, k=k)
                out.append(Detail(at, "household_ids", Message(N_("must be a list of ids"))))
    carried = _carried(plan)
    if not isinstance(carried, Mapping) or not all(
        isinstance(h, str) and isinstance(v, str) for h, v in carried.items()
    ):
        said = Message(N_("must map household ids to volunteer ids"))
        out.append(Detail(whole, "continuity.volunteer_of", said))
    return out


def previous_assignment(plan: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Map household id -> (volunteer id, position on that run) from a ``plan.json`` document.

    Raises
    ------
    PreviousPlanError
        Naming every place where ``plan`` is not shaped as a plan (runs, ids, stops).
    """
    faults = _previous_faults(plan)
    if faults:
        raise PreviousPlanError(faults)
    out: dict[str, tuple[str, int]] = {}
    for route in plan["routes"]:
        for k, stop in enumerate(route.get("stops", [])):
            for hid in stop.get("household_ids", []):
                out[hid] = (route["volunteer_id"], k)
    return out


def own_volunteers(plan: Mapping[str, Any]) -> dict[str, str]:
    """Each household's own volunteer after ``plan``: its ``continuity.volunteer_of`` where
    it has one, else the volunteer who served the household there.

    Raises
    ------
    PreviousPlanError
        Naming every place where ``plan`` is not shaped as a plan.
    """
    own = {h: v for h, (v, _) in previous_assignment(plan).items()}
    own.update(_carried(plan))
    return own


def read_previous(path: Path) -> dict[str, Any]:
    """Yesterday's ``plan.json`` document.

    Raises
    ------
    PreviousPlanError
        When the file cannot be read, is not JSON, or is not shaped as a plan (every
        place named).
    """
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PreviousPlanError([Detail(path.name, "file", str(exc))]) from None
    previous_assignment(previous)  # its shape, before any work
    return dict(previous)


def references(
    selection: DaySelection, own: Mapping[str, str], working: Sequence[str]
) -> dict[str, tuple[str, int]]:
    """Per stop id: its reference volunteer (the own volunteer of most of its households,
    among those working today; ties to the smaller id) and how many of its households have
    that volunteer as their own. Stops with none of them working are left out."""
    present = set(working)
    out: dict[str, tuple[str, int]] = {}
    for s in selection.stops:
        votes = Counter(own[h] for h in s.household_ids if own.get(h) in present)
        if votes:
            vid, n = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
            out[s.stop_id] = (vid, n)
    return out


def with_change_costs(
    problem: Problem, refs: Mapping[str, tuple[str, int]], per_household: int
) -> Problem:
    """``problem`` with each referenced stop paying ``per_household`` x its households of
    that volunteer when served by another (:attr:`solver.Stop.change_cost`)."""
    stops = tuple(
        dataclasses.replace(s, reference=refs[s.id][0], change_cost=per_household * refs[s.id][1])
        if s.id in refs
        else s
        for s in problem.stops
    )
    return dataclasses.replace(problem, stops=stops)


def outcomes(
    selection: DaySelection,
    problem: Problem,
    solution: Solution,
    own: Mapping[str, str],
    change_cost_s: int,
) -> Continuity:
    """Per household on today's stops: kept its own volunteer, or why not; and each
    household's own volunteer for tomorrow."""
    by = served_by(solution)
    working = {v.id for v in problem.vehicles}
    index = problem.stop_index()
    able = compatible_vehicles(problem)
    tomorrow = dict(own)
    rows = []
    for s in selection.stops:
        stop = problem.stops[index[s.stop_id]]
        served = by.get(s.stop_id, "")
        may = {problem.vehicles[k].id for k in able[index[s.stop_id]]}
        for h in s.household_ids:
            mine = own.get(h, "")
            if served and mine == served:
                outcome = KEPT
            elif not served:
                outcome = NOT_SERVED
            elif not mine:
                outcome = HOUSEHOLD_NEW
            elif mine not in working:
                outcome = VOLUNTEER_ABSENT
            elif mine not in may:
                outcome = CANNOT_SERVE
            elif stop.reference != mine:
                outcome = SHARED_STOP
            else:
                outcome = COST
            if served and outcome != VOLUNTEER_ABSENT:
                tomorrow[h] = served
            rows.append((h, mine, served, outcome))
    return Continuity(change_cost_s, tuple(rows), tomorrow)
