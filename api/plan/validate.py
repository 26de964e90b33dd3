"""Validate only: every broken rule of a given ``plan.json``, without solving.

The plan's runs are mapped back onto the day's routing problem (the ledger, date and map
it was planned from): each run becomes its volunteer's visiting order (deliveries by
``stop_id``, reloads by ``depot_id``), timed again from the street matrices
(:func:`solver.schedule.timed_route`: a volunteer waits for a window that has not opened,
and is late where the order makes them late), and the solver's independent checker
(:func:`solver.check.check`) names every broken rule with its code
(:class:`solver.check.Breach`: the codes of unassigned reasons where the rule is the same:
``TIME_WINDOW_UNREACHABLE`` late, ``DEMAND_EXCEEDS_CAPACITY`` a trip overloaded,
``NO_COMPATIBLE_VEHICLE`` a skill missing, ``RIDE_TIME_UNREACHABLE`` a ride limit,
``ROUTE_LIMIT`` a shift or stop limit; ``SERVED_TWICE``, ``MISSING`` ...). Households
are checked too: one on two deliveries, or neither delivered nor named as unassigned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.i18n import N_, Message
from api.outputs.document import RELOAD, deliveries
from api.plan.day import DaySelection
from api.plan.pipeline import prepare_day
from api.plan.progress import silent
from api.plan.request import PlanRequest
from api.plan.travel import Travel
from geo.addresses import AddressIndex
from solver import Problem, Reason, Route, Solution, Unassigned
from solver.check import Breach, check
from solver.schedule import plan_cost, timed_route


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule of a plan: its code, the run or household it concerns, a sentence
    (record and sentence an :class:`api.i18n.Message` where the catalogs have them; the
    checker's own sentences are English)."""

    code: str
    record: str
    message: str

    def document(self) -> dict[str, str]:
        """The JSON object of the violation."""
        return {"code": self.code, "record": self.record, "message": self.message}


def visit_names(route: Mapping[str, Any]) -> list[str]:
    """A ``plan.json`` run's visits as visiting-order names: a delivery's ``stop_id``, a
    reload's ``depot_id``."""
    return [
        str(s.get("depot_id", "")) if s.get("kind") == RELOAD else str(s.get("stop_id", ""))
        for s in route.get("stops", [])
    ]


def orders_of(
    problem: Problem, plan: Mapping[str, Any]
) -> tuple[dict[int, list[int]], list[Violation]]:
    """Each run of ``plan`` as a visiting order of its vehicle (by vehicle position), and
    the runs and visits that name nothing of the problem."""
    vehicles = problem.vehicle_index()
    index = problem.stop_index()
    orders: dict[int, list[int]] = {}
    out: list[Violation] = []
    for route in plan["routes"]:
        vid = str(route.get("volunteer_id"))
        record = Message(N_("run of '%(volunteer)s'"), volunteer=vid)
        if vid not in vehicles:
            out.append(
                Violation(Breach.UNKNOWN_STOP, record, Message(N_("no such volunteer today")))
            )
            continue
        k = vehicles[vid]
        if k in orders:
            said = Message(N_("the volunteer has two runs"))
            out.append(Violation(Breach.INCONSISTENT, record, said))
            continue
        entries = []
        for name in visit_names(route):
            entry = problem.entry(k, name, index)
            if entry is None:
                said = Message(N_("visits '%(stop)s': not a stop today"), stop=name)
                out.append(Violation(Breach.UNKNOWN_STOP, record, said))
            else:
                entries.append(entry)
        orders[k] = entries
    return orders, out


def _household(household_id: str) -> Message:
    """A household as a violation's record: ``household 'H1'``."""
    return Message(N_("household '%(household)s'"), household=household_id)


def _household_faults(selection: DaySelection, plan: Mapping[str, Any]) -> list[Violation]:
    """Households on two deliveries, or on none and not named as unassigned."""
    served = Counter(
        h for r in plan["routes"] for s in deliveries(r) for h in s.get("household_ids", [])
    )
    named = {str(u.get("household_id")) for u in plan.get("unassigned", [])}
    out = [
        Violation(
            Breach.SERVED_TWICE,
            _household(h),
            Message(N_("is delivered %(n)d times"), n=n),
        )
        for h, n in sorted(served.items())
        if n > 1
    ]
    for s in selection.stops:
        for h in s.household_ids:
            if h not in served and h not in named:
                said = Message(N_("is neither delivered nor named as unassigned"))
                out.append(Violation(Breach.MISSING, _household(h), said))
    return out


def solution_of(
    problem: Problem, orders: Mapping[int, Sequence[int]], plan: Mapping[str, Any]
) -> Solution:
    """The timed plan of ``orders``, with the stops ``plan`` names as unassigned (their
    households' reason when it is a routing reason)."""
    routes: list[Route] = [
        timed_route(problem, k, order) for k, order in sorted(orders.items()) if order
    ]
    on_routes = {v.stop_id for r in routes for v in r.stops}
    reasons = {str(u.get("stop_id")): str(u.get("reason")) for u in plan.get("unassigned", [])}
    unassigned = tuple(
        Unassigned(
            s.id,
            Reason(reasons[s.id])
            if reasons[s.id] in Reason.__members__
            else Reason.FLEET_EXHAUSTED,
            "named in the plan",
        )
        for s in problem.stops
        if s.id in reasons and s.id not in on_routes
    )
    return Solution(routes=tuple(routes), unassigned=unassigned, cost=plan_cost(problem, routes))


def validate_plan(
    problem: Problem, selection: DaySelection, plan: Mapping[str, Any]
) -> list[Violation]:
    """Every broken rule of ``plan`` (a ``plan.json`` document) on the day's ``problem``.

    Parameters
    ----------
    problem, selection
        The day's routing problem and stops, rebuilt from the ledger the plan was made from.
    plan
        The plan document (its shape checked by :func:`api.plan.continuity.read_previous`).

    Returns
    -------
    list[Violation]
        Empty when the plan keeps every rule.
    """
    orders, out = orders_of(problem, plan)
    report = check(problem, solution_of(problem, orders, plan))
    found = zip(report.breaches, report.violations, report.facts, strict=True)
    for breach, text, facts in found:
        if breach is Breach.MISSING:  # named per household below
            continue
        told = breach_sentence(dict(facts))
        if told is not None:
            run = Message(N_("run of '%(volunteer)s'"), volunteer=dict(facts)["vehicle"])
            out.append(Violation(breach, run, told))
            continue
        record, _, message = text.partition(": ")
        out.append(Violation(breach, record, message or text))
    return out + _household_faults(selection, plan)


#: The checker's violations told from their facts (``CheckReport.facts``), by case.
BREACHES = {
    "late": N_("arrives at %(stop)s at %(start)s, outside its window %(windows)s"),
    "shift_end": N_("ends at %(end)s, after the shift ends at %(shift_end)s"),
    "shift_start": N_("leaves at %(start)s, before the shift starts at %(shift_start)s"),
    "depot_leave": N_("leaves the depot at %(start)s, outside its hours %(hours)s"),
    "depot_reach": N_("reaches the depot at %(end)s, outside its hours %(hours)s"),
    "too_far": N_("covers %(km)s km, more than the %(max_km)s km allowed"),
    "too_many_stops": N_("makes %(stops)s stops, more than the %(max_stops)s allowed"),
    "no_reloads": N_("goes back to load %(reloads)s times, but may make one trip only"),
    "too_many_trips": N_(
        "goes back to load %(reloads)s times, more than its %(max_trips)s trips allow"
    ),
    "too_long": N_("lasts %(duration)s, more than the %(limit)s the volunteer may work"),
    "overloaded": N_(
        "carries %(load)s %(unit)s, more than the %(capacity)s %(unit)s the volunteer carries"
    ),
    "overloaded_trip": N_(
        "trip %(trip)s carries %(load)s %(unit)s, more than the %(capacity)s %(unit)s the "
        "volunteer carries"
    ),
    "ride": N_("reaches %(stop)s %(ride)s after loading, more than the %(limit)s allowed"),
    "skills": N_("%(stop)s needs %(skills)s, which the volunteer lacks"),
}


def breach_sentence(facts: Mapping[str, str]) -> Message | None:
    """A violation of the checker told by the catalogs from its facts (durations in
    minutes, loads in kilograms where the day counts grams), or ``None`` when its facts
    name no case the catalogs tell (the checker's own English then stands)."""
    case = facts.get("case", "")
    values: dict[str, Any] = dict(facts)
    for name in ("duration_s", "max_duration_s", "ride_s", "max_ride_s"):
        if name in facts:
            values[name.removesuffix("_s")] = Message(N_("%(m)d min"), m=int(facts[name]) // 60)
    values["limit"] = values.get("max_duration", values.get("max_ride"))
    for name in ("distance_m", "max_distance_m"):
        if name in facts:
            values[name.replace("distance_m", "km")] = f"{int(facts[name]) / 1000:.1f}"
    if facts.get("dimension") == "g":  # the day model counts grams; people weigh in kg
        values |= {k: f"{int(facts[k]) / 1000:g}" for k in ("load", "capacity")}
        values["unit"] = "kg"
    else:
        values["unit"] = facts.get("dimension", "")
    if case == "overloaded" and facts.get("trip"):
        case = "overloaded_trip"
    if case not in BREACHES:
        return None
    return Message(BREACHES[case], **values)


def validate_document(
    request: PlanRequest,
    plan: Mapping[str, Any],
    *,
    travel: Travel,
    addresses: AddressIndex | None,
) -> list[Violation]:
    """Every broken rule of ``plan`` on the day ``request`` describes (its ledger, date and
    rules; the street matrices from ``travel``), without solving."""
    day = prepare_day(request, travel, addresses, silent, {})
    return validate_plan(day.problem, day.selection, plan)
