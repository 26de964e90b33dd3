"""``--suggest-volunteers``: what would serve everyone volunteers can help, checked.

The suggestion is checked, not estimated. First the volunteers already there are asked
for more: going out again (more trips) and staying later (a later end of shift, up to
:data:`EXTRA_SHIFT_S`, no later than the households left out still need); the day is
planned again with that. Only when that is not enough are new volunteers added, shaped
like the ones called today (the most common mode, its usual load, the hours the unserved
households need, the depot nearest to them, the medicine skill when needed), and the day
planned again, until every household that volunteers can help is served or the rounds or
the time run out. Of the asks, only those the checked plan uses are proposed.
Households no volunteer can help (address not on the map, a window that does not meet
the delivery window) are named apart: the suggestion never claims to serve them.
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
        "RIDE_TIME_UNREACHABLE",
        "ROUTE_LIMIT",
        "NO_COMPATIBLE_VEHICLE",
        "DEMAND_EXCEEDS_CAPACITY",
    }
)
#: Reasons no volunteer fixes: the address, the window or the door's position must change.
NOT_BY_VOLUNTEERS = frozenset({"ADDRESS_UNRESOLVED", "NO_TIME_WINDOW", "UNREACHABLE"})
#: The reason a longer search, not more volunteers, fixes.
SHORT_OF_TIME = "TIME_LIMIT"
#: Load per mode when no volunteer of that mode is in the ledger (kg).
DEFAULT_CAPACITY_KG = {"walk": 15.0, "bike": 25.0, "ebike": 35.0, "drive": 150.0}
#: Longest extension of a volunteer's shift the suggestion asks for (s).
EXTRA_SHIFT_S = 3600
#: Time after the last window closes that a volunteer still needs to get back (s).
WAY_BACK_S = 1800


@dataclass(frozen=True, slots=True)
class Extension:
    """A volunteer already on the team asked for more: more trips, a later end of shift.

    Attributes
    ----------
    before, after
        The volunteer as in today's ledger (and rules), and as asked.
    trips
        Trips the checked plan gives them.
    """

    before: Volunteer
    after: Volunteer
    trips: int

    def text(self) -> Message:
        """The ask in one sentence (ids and clock times as they are)."""
        more = self.after.max_trips != self.before.max_trips
        later = self.after.available_to != self.before.available_to
        values = {
            "volunteer": self.after.volunteer_id,
            "n": self.trips,
            "end": format_clock(self.after.available_to)[:5],
            "now": format_clock(self.before.available_to)[:5],
        }
        if more and later:
            return Message(
                N_(
                    "ask %(volunteer)s to go out %(n)d times (loading again at the depot) "
                    "and stay until %(end)s (now %(now)s)"
                ),
                **values,
            )
        if more:
            return Message(
                N_("ask %(volunteer)s to go out %(n)d times (loading again at the depot)"),
                **values,
            )
        return Message(N_("ask %(volunteer)s to stay until %(end)s (now %(now)s)"), **values)

    def document(self) -> dict[str, Any]:
        """The entry of ``plan.json`` ``suggestion.extend``."""
        return {
            "volunteer_id": self.after.volunteer_id,
            "trips": self.trips,
            "max_trips": [self.before.max_trips, self.after.max_trips],
            "available_to": [
                format_clock(self.before.available_to)[:5],
                format_clock(self.after.available_to)[:5],
            ],
            "text": self.text(),
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Asks of the volunteers already there, volunteers to add, and what re-planning with
    them gave.

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
    extend
        Volunteers already there asked for more trips or a later end of shift (first).
    others
        Households left out that volunteers cannot help (address, window, door position;
        named apart, never claimed).
    short_of_time
        Households today's plan left for want of search time (``TIME_LIMIT``): a longer
        ``--time-limit`` is their fix, so the suggestion does not count them.
    """

    volunteers: tuple[Volunteer, ...]
    served_all: bool
    remaining: tuple[HouseholdIssue, ...]
    rounds: int
    extend: tuple[Extension, ...] = ()
    others: int = 0
    short_of_time: int = 0

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

    def team(self) -> tuple[Volunteer, ...]:
        """The volunteers asked for more (as asked) and the ones to add, for
        ``suggested_volunteers.csv``."""
        return (*(e.after for e in self.extend), *self.volunteers)

    def _verdict(self) -> Message:
        """Whether planning again with the asks and the added volunteers served every
        household volunteers can help, in one sentence."""
        if not self.rounds and self.served_all:
            return Message(
                N_("No more volunteers are needed for the households volunteers can help.")
            )
        if not self.rounds:
            return Message(
                N_(
                    "No time was left within --time-limit to plan again with more "
                    "volunteers: plan with a longer --time-limit."
                )
            )
        if self.served_all:
            return Message(
                N_(
                    "Checked: planning again with them serves every household volunteers can "
                    "help (%(n)d re-plans)."
                ),
                n=self.rounds,
            )
        return Message(
            N_(
                "Even with them %(left)d household(s) stay unserved after %(n)d re-plans; "
                "see their reasons."
            ),
            left=len(self.remaining),
            n=self.rounds,
        )

    def document(self) -> dict[str, Any]:
        """The ``suggestion`` member of ``plan.json``."""
        parts = [self._verdict()]
        if self.others:
            parts.append(
                Message(
                    N_(
                        "%(n)d other household(s) need another fix (address, window, door "
                        "position): see their reasons."
                    ),
                    n=self.others,
                )
            )
        if self.short_of_time:
            parts.append(
                Message(
                    N_(
                        "%(n)d household(s) were left for want of search time: plan again with "
                        "a longer --time-limit before calling more volunteers."
                    ),
                    n=self.short_of_time,
                )
            )
        msg = parts[0]
        for part in parts[1:]:
            msg = Message(N_("%(first)s %(then)s"), first=msg, then=part)
        return {
            "extend": [e.document() for e in self.extend],
            "groups": self.groups(),
            "verified": self.served_all,
            "message": msg,
        }


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


def _stops_of(result: PlanResult, issues: Sequence[HouseholdIssue]) -> list[DayStop]:
    by_id = {s.stop_id: s for s in result.selection.stops}
    return list({i.stop_id: by_id[i.stop_id] for i in issues if i.stop_id in by_id}.values())


def _make(
    result: PlanResult, issues: Sequence[HouseholdIssue], start_no: int, n: int
) -> list[Volunteer]:
    stops = _stops_of(result, issues)
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


def _as_today(volunteer: Volunteer, request: PlanRequest) -> Volunteer:
    """A volunteer as today's plan treats them (one trip each under ``--single-trip``)."""
    return volunteer if request.rules.reloads else replace(volunteer, max_trips=1)


def _asked_more(
    result: PlanResult, request: PlanRequest, missing: Sequence[HouseholdIssue]
) -> tuple[Volunteer, ...]:
    """Every volunteer of today asked for as many trips as their shift allows and to stay
    until the households left out no longer need them (at most :data:`EXTRA_SHIFT_S` more)."""
    stops = _stops_of(result, missing)
    needed = max((s.window[1] for s in stops), default=0) + WAY_BACK_S
    return tuple(
        replace(
            v,
            max_trips=None,
            available_to=min(max(v.available_to, needed), v.available_to + EXTRA_SHIFT_S, 86400),
        )
        for v in result.ledger.volunteers
    )


def _used_asks(
    today: Sequence[Volunteer], asked: Sequence[Volunteer], plan: PlanResult
) -> tuple[Extension, ...]:
    """Of the asks, those the checked plan uses: more trips than today allows, or a run
    ending after today's end of shift. A run that uses neither is as valid without them."""
    routes = {r.vehicle_id: r for r in plan.solution.routes}
    out = []
    for before, after in zip(today, asked, strict=True):
        r = routes.get(before.volunteer_id)
        if r is None:
            continue
        more_trips = before.max_trips is not None and r.trips > before.max_trips
        later = r.end_time > before.available_to
        if more_trips or later:
            kept = replace(
                before,
                max_trips=after.max_trips if more_trips else before.max_trips,
                available_to=_until(r.end_time, after) if later else before.available_to,
            )
            out.append(Extension(before, kept, r.trips))
    return tuple(out)


def _until(end: int, asked: Volunteer) -> int:
    """The end of shift to ask for a run ending at ``end`` (s): the next quarter hour,
    within what was asked."""
    return min(math.ceil(end / 900) * 900, asked.available_to)


def _replan(
    request: PlanRequest,
    result: PlanResult,
    team: Sequence[Volunteer],
    *,
    travel: Travel,
    addresses: AddressIndex | None,
    budget: Budget,
) -> PlanResult:
    """The day planned again with ``team`` (reloads on; no geometry, previous plan or
    decomposition) in ``budget``."""
    ledger = replace(result.ledger, volunteers=tuple(team))
    return plan_day(
        replace(
            request,
            ledger=ledger,
            rules=replace(request.rules, reloads=True),
            geometry=False,
            suggest=False,
            previous=None,
            decompose_above=None,
        ),
        travel=travel,
        addresses=addresses,
        budget=budget,
    )


def suggest_volunteers(
    result: PlanResult,
    request: PlanRequest,
    *,
    travel: Travel,
    addresses: AddressIndex | None,
    budget: Budget,
    max_rounds: int = 4,
) -> Suggestion:
    """Find what serves every household volunteers can help: more of today's volunteers
    first, then volunteers to add.

    Parameters
    ----------
    result
        Today's plan.
    request
        Today's request; each re-plan is the same request with the asked and added
        volunteers (reloads allowed; no geometry, no previous plan, no decomposition).
    travel, addresses
        Street travel (must cover the suggested modes, ``drive`` included) and addresses.
    budget
        What is left of the call's budget: each re-plan gets an equal part of what is left
        when it starts (at least :data:`MIN_SEARCH_S`); none starts with less left.
    max_rounds
        Re-plans allowed (the first asks today's volunteers for more).
    """
    missing = _fixable(result.issues)
    others = sum(i.reason in NOT_BY_VOLUNTEERS for i in result.issues)
    short = sum(i.reason == SHORT_OF_TIME for i in result.issues)
    if not missing:
        return Suggestion((), True, (), 0, others=others, short_of_time=short)
    today = [_as_today(v, request) for v in result.ledger.volunteers]
    asked = _asked_more(result, request, missing)
    served_routes = [len(r.stops) for r in result.solution.routes]
    per_volunteer = max(statistics.mean(served_routes), 1.0) if served_routes else 5.0
    added: list[Volunteer] = []
    current = missing
    rounds = 0
    remaining: tuple[HouseholdIssue, ...] = tuple(missing)
    again = result
    while rounds < max_rounds and budget.left() >= MIN_SEARCH_S:
        if rounds:  # the first re-plan asks today's volunteers only
            n_new = max(1, math.ceil(len({i.stop_id for i in current}) / per_volunteer))
            added += _make(result, current, len(added) + 1, n_new)
        share = budget.part(min(max(1 / (max_rounds - rounds), MIN_SEARCH_S / budget.left()), 1))
        rounds += 1
        again = _replan(
            request,
            result,
            (*asked, *added),
            travel=travel,
            addresses=addresses,
            budget=share,
        )
        remaining = tuple(_fixable(again.issues))
        if not remaining:
            break
        current = list(remaining)
    extend = _used_asks(today, asked, again) if rounds else ()
    return Suggestion(tuple(added), not remaining, remaining, rounds, extend, others, short)
