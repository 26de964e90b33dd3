"""``--suggest-volunteers``: how many more volunteers, by mode and hours, would serve everyone.

The suggestion is checked, not estimated: volunteers shaped like the ones called today
(the most common mode, its usual load, the hours the unserved households need, the depot
nearest to them, the medicine skill when needed) are added and the day is planned again;
more are added until every household that volunteers can help is served or the rounds run
out. Households no volunteer can help (address not on the map, impossible window) are
named apart.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from api.i18n import N_, Message
from api.plan.budget import MIN_SEARCH_S, Budget
from api.plan.day import DayStop
from api.plan.ledger import MODES, Volunteer, format_clock
from api.plan.pipeline import plan_day
from api.plan.request import PlanRequest
from api.plan.result import HouseholdIssue, PlanResult
from api.plan.rules import MEDICINE
from api.plan.travel import Travel
from geo.addresses import AddressIndex

#: Reasons more or other volunteers can fix.
FIXABLE = frozenset(
    {
        "FLEET_EXHAUSTED",
        "TIME_WINDOW_UNREACHABLE",
        "ROUTE_LIMIT",
        "NO_COMPATIBLE_VEHICLE",
        "DEMAND_EXCEEDS_CAPACITY",
    }
)
#: Load per mode when no volunteer of that mode is in the ledger (kg).
DEFAULT_CAPACITY_KG = {"walk": 15.0, "bike": 25.0, "ebike": 35.0, "drive": 150.0}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Volunteers to add and what re-planning with them gave.

    Attributes
    ----------
    volunteers
        The added volunteers (ids ``S01``, ``S02``, ...), ready for ``volunteers.csv``.
    served_all
        Re-planning with them served every household volunteers can help.
    remaining
        Households still not served with them.
    rounds
        Re-plans made.
    """

    volunteers: tuple[Volunteer, ...]
    served_all: bool
    remaining: tuple[HouseholdIssue, ...]
    rounds: int

    def groups(self) -> list[dict[str, Any]]:
        """The added volunteers grouped by mode, hours, depot and skills, with a sentence."""
        counts = Counter(
            (v.mode, v.available_from, v.available_to, v.depot_id, v.capacity_kg, v.skills)
            for v in self.volunteers
        )
        out = []
        for (mode, a, b, depot, cap, skills), n in counts.items():
            skill = f" with the {', '.join(sorted(skills))} skill" if skills else ""
            text = (
                f"{n} more {mode} volunteer{'s' if n > 1 else ''}{skill}, "
                f"{format_clock(a)[:5]}-{format_clock(b)[:5]}, {cap:g} kg, from depot {depot}"
            )
            out.append(
                {
                    "mode": mode,
                    "count": n,
                    "available_from": format_clock(a)[:5],
                    "available_to": format_clock(b)[:5],
                    "depot_id": depot,
                    "capacity_kg": cap,
                    "skills": sorted(skills),
                    "text": text,
                }
            )
        return out

    def document(self) -> dict[str, Any]:
        """The ``suggestion`` member of ``plan.json``."""
        if self.served_all:
            msg = Message(
                N_("Checked: planning again with them serves every household (%(n)d re-plans)."),
                n=self.rounds,
            )
        else:
            msg = Message(
                N_(
                    "Even with them %(left)d household(s) stay unserved after %(n)d re-plans; "
                    "see their reasons."
                ),
                left=len(self.remaining),
                n=self.rounds,
            )
        return {"groups": self.groups(), "verified": self.served_all, "message": msg}


def _fixable(issues: Sequence[HouseholdIssue]) -> list[HouseholdIssue]:
    return [i for i in issues if i.reason in FIXABLE]


def _template(result: PlanResult, stops: Sequence[DayStop]) -> tuple[str, float]:
    vols = result.ledger.volunteers
    counts = Counter(v.mode for v in vols)
    mode = max(MODES, key=lambda m: (counts.get(m, 0), -MODES.index(m)))
    caps = [v.capacity_kg for v in vols if v.mode == mode]
    cap = statistics.median(caps) if caps else DEFAULT_CAPACITY_KG[mode]
    heaviest = max((s.demand_g for s in stops), default=0) / 1000
    if heaviest > cap:
        mode, cap = "drive", max(DEFAULT_CAPACITY_KG["drive"], heaviest)
    return mode, float(cap)


def _nearest_depot(result: PlanResult, stops: Sequence[DayStop]) -> str:
    depots = result.ledger.depots
    if not depots:
        return ""
    lon = sum(s.lon for s in stops) / len(stops)
    lat = sum(s.lat for s in stops) / len(stops)
    k = math.cos(math.radians(lat))
    return min(depots, key=lambda d: ((d.lon - lon) * k) ** 2 + (d.lat - lat) ** 2).depot_id


def _make(
    result: PlanResult, issues: Sequence[HouseholdIssue], start_no: int, n: int
) -> list[Volunteer]:
    by_id = {s.stop_id: s for s in result.selection.stops}
    stops = list({i.stop_id: by_id[i.stop_id] for i in issues if i.stop_id in by_id}.values())
    mode, cap = _template(result, stops)
    lo = max(min(s.window[0] for s in stops) - 1800, 0)
    hi = min(max(s.window[1] for s in stops) + 1800, 24 * 3600)
    skills = frozenset({MEDICINE}) if any(s.skills for s in stops) else frozenset()
    depot = _nearest_depot(result, stops)
    start = (None, None) if depot else (stops[0].lon, stops[0].lat)
    return [
        Volunteer(
            volunteer_id=f"S{start_no + j:02d}",
            mode=mode,
            capacity_kg=cap,
            available_from=lo,
            available_to=hi,
            start_lon=start[0],
            start_lat=start[1],
            depot_id=depot,
            skills=skills,
            name="suggested",
        )
        for j in range(n)
    ]


def suggest_volunteers(
    result: PlanResult,
    request: PlanRequest,
    *,
    travel: Travel,
    addresses: AddressIndex | None,
    budget: Budget,
    max_rounds: int = 4,
) -> Suggestion:
    """Find volunteers to add so every household volunteers can help is served.

    Parameters
    ----------
    result
        Today's plan.
    request
        Today's request; each re-plan is the same request with the added volunteers
        (no geometry, no previous plan, no decomposition).
    travel, addresses
        Street travel (must cover the suggested modes, ``drive`` included) and addresses.
    budget
        What is left of the call's budget: each re-plan gets an equal part of what is left
        when it starts (at least :data:`MIN_SEARCH_S`); none starts with less left.
    max_rounds
        Re-plans allowed.
    """
    missing = _fixable(result.issues)
    if not missing:
        return Suggestion((), True, (), 0)
    served_routes = [len(r.visits) for r in result.solution.routes]
    per_volunteer = max(statistics.mean(served_routes), 1.0) if served_routes else 5.0
    n_stops = len({i.stop_id for i in missing})
    added: list[Volunteer] = []
    current = missing
    rounds = 0
    remaining: tuple[HouseholdIssue, ...] = tuple(missing)
    while rounds < max_rounds and budget.left() >= MIN_SEARCH_S:
        n_new = max(1, math.ceil(n_stops / per_volunteer))
        added += _make(result, current, len(added) + 1, n_new)
        ledger = replace(result.ledger, volunteers=(*result.ledger.volunteers, *added))
        share = budget.part(min(max(1 / (max_rounds - rounds), MIN_SEARCH_S / budget.left()), 1))
        rounds += 1
        again = plan_day(
            replace(
                request,
                ledger=ledger,
                geometry=False,
                suggest=False,
                previous=None,
                decompose_above=None,
            ),
            travel=travel,
            addresses=addresses,
            budget=share,
        )
        remaining = tuple(_fixable(again.issues))
        if not remaining:
            return Suggestion(tuple(added), True, (), rounds)
        current = list(remaining)
        n_stops = len({i.stop_id for i in remaining})
    return Suggestion(tuple(added), False, remaining, rounds)
