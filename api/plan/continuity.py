"""Continuity: households keep yesterday's volunteer when that costs little more.

Yesterday's ``plan.json`` gives each household its volunteer and position; today's stops
prefer the volunteer most of their households had, and the day is solved twice (free, and
restricted to those preferences) by :func:`api.plan.pipeline.solve_with_continuity`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.plan.day import DaySelection
from api.plan.result import served_by
from solver.errors import Detail

if TYPE_CHECKING:
    from solver import Solution


@dataclass(frozen=True, slots=True)
class Continuity:
    """How yesterday's volunteer assignment carried over.

    Attributes
    ----------
    eligible
        Households on today's plan whose volunteer of yesterday works today.
    kept
        Of those, how many keep that volunteer.
    used_sticky
        Whether the plan preferring yesterday's volunteers was taken.
    cost_free, cost_sticky
        Plan cost without and with that preference.
    """

    eligible: int
    kept: int
    used_sticky: bool
    cost_free: int
    cost_sticky: int


class PreviousPlanError(ValueError):
    """Yesterday's ``plan.json`` does not have the shape of a plan; ``details`` name where."""

    code = "INVALID_LEDGER"

    def __init__(self, details: Sequence[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        super().__init__(
            f"{len(self.details)} problem(s) in the previous plan:\n"
            + "\n".join(f"- {d}" for d in self.details)
        )


def _previous_faults(plan: Any) -> list[Detail]:
    """Where ``plan`` differs from the part of ``plan.json`` continuity reads."""
    if not isinstance(plan, Mapping) or not isinstance(plan.get("routes"), list):
        return [Detail("previous plan", "routes", "must be a list of runs (is it a plan.json?)")]
    out: list[Detail] = []
    for i, route in enumerate(plan["routes"], start=1):
        where = f"previous plan routes item {i}"
        if not isinstance(route, Mapping):
            out.append(Detail(where, "route", "must be an object"))
            continue
        if not isinstance(route.get("volunteer_id"), str):
            out.append(Detail(where, "volunteer_id", "must be text"))
        stops = route.get("stops", [])
        if not isinstance(stops, list):
            out.append(Detail(where, "stops", "must be a list of stops"))
            continue
        for k, stop in enumerate(stops, start=1):
            ids = stop.get("household_ids", []) if isinstance(stop, Mapping) else None
            if not isinstance(ids, list) or not all(isinstance(h, str) for h in ids):
                out.append(Detail(f"{where} stop {k}", "household_ids", "must be a list of ids"))
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


def preferences(
    selection: DaySelection, previous: Mapping[str, tuple[str, int]], volunteer_ids: Sequence[str]
) -> tuple[dict[str, str], list[list[str]]]:
    """Preferred volunteer per stop (majority of its households) and warm-start routes."""
    present = set(volunteer_ids)
    prefer: dict[str, str] = {}
    order: dict[str, float] = {}
    for s in selection.stops:
        votes = Counter(previous[h][0] for h in s.household_ids if h in previous)
        if not votes:
            continue
        vid, _ = votes.most_common(1)[0]
        if vid in present:
            prefer[s.stop_id] = vid
            order[s.stop_id] = min(previous[h][1] for h in s.household_ids if h in previous)
    routes = [
        sorted((sid for sid, v in prefer.items() if v == vid), key=lambda sid: order[sid])
        for vid in volunteer_ids
    ]
    return prefer, routes


def count_kept(
    selection: DaySelection, solution: Solution, prefer_hh: Mapping[str, str]
) -> tuple[int, int]:
    """Households whose volunteer of yesterday works today, and how many of them keep them."""
    by = served_by(solution)
    eligible = kept = 0
    for s in selection.stops:
        for h in s.household_ids:
            if h in prefer_hh:
                eligible += 1
                kept += int(by.get(s.stop_id) == prefer_hh[h])
    return eligible, kept


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


def prefer_households(selection: DaySelection, prefer: Mapping[str, str]) -> dict[str, str]:
    """The preferred volunteer of each household, from its stop's preference."""
    return {
        h: prefer[s.stop_id]
        for s in selection.stops
        if s.stop_id in prefer
        for h in s.household_ids
    }
