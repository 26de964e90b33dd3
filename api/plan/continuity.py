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

if TYPE_CHECKING:
    from solver import Solution


class PreviousPlanError(ValueError):
    """Yesterday's plan (``--previous``) cannot be read or is not a ``plan.json``."""

    code = "INVALID_LEDGER"


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


def previous_assignment(plan: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Map household id -> (volunteer id, position on that run) from a ``plan.json`` document."""
    out: dict[str, tuple[str, int]] = {}
    for route in plan.get("routes", []):
        for k, stop in enumerate(route.get("stops", [])):
            for hid in stop.get("household_ids", []):
                out[str(hid)] = (str(route["volunteer_id"]), k)
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
        When the file cannot be read or has no ``routes`` list.
    """
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(previous, dict) or not isinstance(previous.get("routes"), list):
            raise ValueError("no 'routes' list: not a plan.json")
    except (OSError, ValueError) as exc:
        raise PreviousPlanError(f"--previous {path}: {exc}") from None
    return previous


def prefer_households(selection: DaySelection, prefer: Mapping[str, str]) -> dict[str, str]:
    """The preferred volunteer of each household, from its stop's preference."""
    return {
        h: prefer[s.stop_id]
        for s in selection.stops
        if s.stop_id in prefer
        for h in s.household_ids
    }
