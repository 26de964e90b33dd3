"""The live day: re-plan at a time ``T`` from what has happened, without undoing what is done.

``plan.json + events + T -> a new plan`` in these steps:

1. the events up to ``T`` change the ledger (households and volunteers added, households
   cancelled, volunteers gone before they started) and the day is built again
   (:func:`api.plan.pipeline.prepare_day`);
2. what was done before ``T`` -- each run's visits starting before ``T`` by the plan's
   schedule (before its ``volunteer_unavailable`` time for a volunteer who stopped
   earlier), plus ``stop_done`` events, less visits ``stop_failed`` names (those starting
   before the failure plus the retry delay: a retry planned later is not failed) -- becomes each
   volunteer's fixed prefix (:attr:`solver.Vehicle.prefix`): never moved, never served
   again; after it the volunteer goes on from where they are, with what is still on board
   and the trips left (the prefix fixes all three in the routing model);
3. every other stop starts service at ``T`` or later; a volunteer who has not left starts
   at ``T`` (plus a ``volunteer_delayed`` delay); one unavailable keeps the prefix and
   stops there; an urgent household gets the top priority and a soft deadline
   at ``T`` (a hard one when the event gives one); a door not answered is tried again
   after the retry delay, or escalated, and refused / not found households are left out
   (:mod:`api.plan.outcomes`); ``street_closed`` events close their streets (two points
   or an OSM way id) on every mode's graph, and the matrices and the runs' drawings come
   from the closed graphs (:mod:`api.plan.closures`);
4. the rest is solved with each stop paying ``change_cost`` when it moves to another
   volunteer (:attr:`solver.Stop.change_cost`), by one search warm from the current plan
   (:func:`_search`); a cold re-plan (``change_cost=0``) is one search from scratch
   without the cost;
5. the plan is checked, every household is on a run or named with its reason, the done
   visits keep the times and ETA windows of the current plan (:func:`keep_done_times`:
   the new schedule does not re-time what happened), and the document carries
   ``replan``: the time, the events applied, the streets closed, how many households
   moved and each volunteer's diff against the current plan; and ``outcomes``: every
   household's outcome, the escalations and the households unattended.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.i18n import N_
from api.outputs.document import deliveries, plan_document, time_warnings
from api.outputs.labels import replan_warning
from api.plan.budget import Budget
from api.plan.closures import closed_travel, closure_document
from api.plan.events import Event, EventKind, EventsError, event_document
from api.plan.ledger import Ledger, format_clock, parse_clock
from api.plan.outcomes import Failure, failures, outcomes_document, plan_retries
from api.plan.pipeline import Day, check_plan, prepare_day, streets_around, trace_runs
from api.plan.progress import Progress, ProgressFn, silent
from api.plan.request import PlanRequest
from api.plan.result import PlanResult, household_issues
from api.plan.rules import TOP_PRIORITY
from api.plan.run import budget_of
from api.plan.travel import Travel
from api.plan.validate import visit_names
from geo.addresses import AddressIndex
from solver import Problem, Solution, Stop, Vehicle, solve
from solver.errors import Detail

#: Default search cost of moving a stop to another volunteer (objective units: seconds of
#: travel): a move must save a quarter of an hour of walking to be worth it.
CHANGE_COST_S = 900
#: An ETA moved by more than this (s) is a change told to the household.
ETA_MOVED_S = 600
#: Priority of an urgent household: above every priority of the day rules.
URGENT_PRIORITY = TOP_PRIORITY
#: A done visit's fields copied from the plan re-planned: what happened, not re-timed.
DONE_FIELDS = (
    "arrival",
    "service_start",
    "departure",
    "wait_s",
    "travel_s",
    "travel_m",
    "eta_window",
)


@dataclass(frozen=True, slots=True)
class _Visit:
    """One visit of the current plan: its name, households, service start (s), ETA and
    its entry in the run's ``stops``."""

    name: str
    households: tuple[str, ...]
    start: int
    eta: tuple[str, str] | None
    entry: Mapping[str, Any] = field(compare=False)


def _current_runs(plan: Mapping[str, Any]) -> dict[str, list[_Visit]]:
    """The current plan's visits per volunteer, in order."""
    out: dict[str, list[_Visit]] = {}
    for route in plan["routes"]:
        visits = []
        for name, stop in zip(visit_names(route), route.get("stops", []), strict=True):
            clock = stop.get("service_start") or stop.get("arrival") or "00:00"
            eta = stop.get("eta_window")
            visits.append(
                _Visit(
                    name,
                    tuple(stop.get("household_ids", [])),
                    parse_clock(str(clock)[:5]),
                    None if eta is None else (str(eta[0]), str(eta[1])),
                    stop,
                )
            )
        out[str(route["volunteer_id"])] = visits
    return out


@dataclass(frozen=True, slots=True)
class _Happened:
    """The events up to ``T``, sorted by what they change."""

    at: int
    events: tuple[Event, ...]

    def ids(self, *kinds: EventKind) -> set[str]:
        return {e.id for e in self.events if e.kind in kinds}

    def of(self, kind: EventKind) -> dict[str, Event]:
        return {e.id: e for e in self.events if e.kind is kind}


def _done_prefixes(
    runs: Mapping[str, list[_Visit]],
    happened: _Happened,
    failed: Mapping[str, Failure],
    retry_delay_s: int,
) -> dict[str, list[_Visit]]:
    """Each volunteer's visits done before ``T`` (or reported done), failed ones left out:
    a visit of a household whose last failure is less than ``retry_delay_s`` after the
    visit's planned start (a retry starts later than that). A volunteer unavailable from
    an earlier time did only the visits planned to start before then: those planned
    between it and ``T`` never happened."""
    done_ids = happened.ids(EventKind.STOP_DONE)
    until: dict[str, int] = {}
    for e in happened.events:
        if e.kind is EventKind.VOLUNTEER_UNAVAILABLE:
            until[e.id] = min(e.at, until.get(e.id, happened.at))

    def done(visit: _Visit) -> bool:
        return visit.name in done_ids or any(h in done_ids for h in visit.households)

    def failed_visit(visit: _Visit) -> bool:
        hits = [failed[h] for h in visit.households if h in failed]
        return any(visit.start < f.at + retry_delay_s for f in hits)

    return {
        vid: [
            v
            for v in visits
            if (v.start < until.get(vid, happened.at) or done(v)) and not failed_visit(v)
        ]
        for vid, visits in runs.items()
    }


def _ledger_at(
    ledger: Ledger,
    happened: _Happened,
    started: set[str],
    done_households: set[str],
    left_out: set[str],
) -> Ledger:
    """The ledger after the events: added records in, cancelled households (not yet
    served), failed households not served again (``left_out``) and volunteers gone before
    they started out."""
    cancelled = (happened.ids(EventKind.HOUSEHOLD_CANCELLED) | left_out) - done_households
    gone = happened.ids(EventKind.VOLUNTEER_UNAVAILABLE) - started
    added_h = [e.household for e in happened.events if e.household is not None]
    added_v = [e.volunteer for e in happened.events if e.volunteer is not None]
    known = {h.household_id for h in ledger.households} | {
        v.volunteer_id for v in ledger.volunteers
    }
    clash = [
        e for e in happened.events if (e.household or e.volunteer) is not None and e.id in known
    ]
    if clash:
        raise EventsError(
            [Detail(e.record, "id", f"{e.id!r} is already in the ledger") for e in clash]
        )
    return Ledger(
        tuple(h for h in ledger.households if h.household_id not in cancelled) + tuple(added_h),
        tuple(v for v in ledger.volunteers if v.volunteer_id not in gone) + tuple(added_v),
        ledger.depots,
    )


def _vehicle_at(v: Vehicle, prefix: Sequence[str], stops: set[str], happened: _Happened) -> Vehicle:
    """A volunteer's vehicle at ``T``: the prefix fixed; one not started leaves at ``T``
    (plus a delay); one unavailable from ``T`` serves nothing more and ends where they are."""
    delay = happened.of(EventKind.VOLUNTEER_DELAYED)
    fields: dict[str, Any] = {"prefix": tuple(prefix)}
    if not prefix:
        lo = max(v.shift[0], happened.at) + 60 * (delay[v.id].minutes if v.id in delay else 0)
        fields["shift"] = (min(lo, v.shift[1]), v.shift[1])
    if v.id in happened.ids(EventKind.VOLUNTEER_UNAVAILABLE):
        fields["max_stops"] = sum(1 for name in prefix if name in stops)
        fields["end"] = None
    return dataclasses.replace(v, **fields)


def _stop_at(
    s: Stop,
    households: Sequence[str],
    reference: str | None,
    change_cost: int,
    happened: _Happened,
    retry_from: Mapping[str, int],
) -> Stop:
    """A stop not yet served: service at ``T`` or later, and a retry no earlier than its
    ``retry_from`` (a window closed before then is left as that instant, so the diagnosis
    names it); urgent households first; the current plan's volunteer as the reference."""
    at = max([happened.at, *(retry_from[h] for h in households if h in retry_from)])
    lo, hi = s.windows[0] if s.windows else (at, at)
    windows = ((max(lo, at), max(hi, at)),)
    fields: dict[str, Any] = {
        "windows": windows,
        "reference": reference,
        "change_cost": change_cost if reference else 0,
    }
    urgent = happened.of(EventKind.HOUSEHOLD_URGENT)
    hits = [urgent[h] for h in households if h in urgent] + (
        [urgent[s.id]] if s.id in urgent else []
    )
    if hits:
        fields["priority"] = URGENT_PRIORITY
        fields["deadline"] = at
        fields["lateness_cost"] = max(s.lateness_cost, 1)
        ends = [e.deadline for e in hits if e.deadline is not None]
        if ends:
            w_lo, w_hi = windows[0]
            fields["windows"] = ((w_lo, max(w_lo, min(w_hi, *ends))),)
    if s.deadline is not None and "deadline" not in fields:
        fields["deadline"] = max(s.deadline, at)
    return dataclasses.replace(s, **fields)


@dataclass(frozen=True, slots=True, eq=False)
class Replanned:
    """A re-plan: the checked plan, its ``plan.json`` (with ``replan``), the households
    whose ETA window changed (the only ones told), and the travel it was planned and drawn
    on (the day's, without the streets closed)."""

    result: PlanResult
    document: dict[str, Any]
    changed: tuple[str, ...]
    travel: Travel


def _reference(
    selection_stop_households: Sequence[str], name: str, owner: Mapping[str, str]
) -> str | None:
    votes = [owner[h] for h in selection_stop_households if h in owner] or (
        [owner[name]] if name in owner else []
    )
    return max(set(votes), key=votes.count) if votes else None


def replan_problem(
    day: Day,
    runs: Mapping[str, list[_Visit]],
    prefixes: Mapping[str, list[_Visit]],
    happened: _Happened,
    change_cost: int,
    retry_from: Mapping[str, int] | None = None,
) -> tuple[Problem, list[dict[str, str]]]:
    """The day's problem at ``T`` (prefixes, starts, windows, references, retries no
    earlier than ``retry_from``: household id -> s) and warnings (plan.json's
    ``replan.warnings``)."""
    problem = day.problem
    index = problem.stop_index()
    names = set(index)
    warnings: list[dict[str, str]] = []
    fixed: dict[str, list[str]] = {}
    for vid, visits in prefixes.items():
        keep = []
        for v in visits:
            if v.name in names or (
                vid in problem.vehicle_index()
                and problem.entry(problem.vehicle_index()[vid], v.name, index) is not None
            ):
                keep.append(v.name)
            else:
                warnings.append(
                    replan_warning("DONE_VISIT_NOT_IN_DAY", volunteer_id=vid, stop_id=v.name)
                )
        while keep and keep[-1] not in names:  # a reload last: the search may add it again
            keep.pop()
        fixed[vid] = keep
    done = {n for p in fixed.values() for n in p if n in names}
    working = set(problem.vehicle_index())
    owner = {
        h: vid
        for vid, visits in runs.items()
        if vid in working
        for v in visits
        for h in (v.name, *v.households)
    }
    households = {s.stop_id: s.household_ids for s in day.selection.stops}
    delayed_under_way = [vid for vid in happened.ids(EventKind.VOLUNTEER_DELAYED) if fixed.get(vid)]
    for vid in delayed_under_way:
        warnings.append(replan_warning("DELAY_UNDER_WAY", volunteer_id=vid))
    stops = tuple(
        s
        if s.id in done
        else _stop_at(
            s,
            households.get(s.id, ()),
            _reference(households.get(s.id, ()), s.id, owner),
            change_cost,
            happened,
            retry_from or {},
        )
        for s in problem.stops
    )
    vehicles = tuple(_vehicle_at(v, fixed.get(v.id, []), names, happened) for v in problem.vehicles)
    return dataclasses.replace(problem, stops=stops, vehicles=vehicles), warnings


def _warm_routes(
    problem: Problem, runs: Mapping[str, list[_Visit]], retried: Collection[str] = ()
) -> list[list[str]]:
    """The current plan's orders on the re-plan's problem: each prefix, then the rest of
    the run (stops still in the day, reloads between them; a volunteer who stops keeps
    the prefix only). A visit to a household in ``retried`` (a door not answered, to be
    tried again later) is left out for the search to place: where it was, before the
    retry may start, the wait would make the run's later visits late, and the whole run
    would be planned again."""
    index = problem.stop_index()
    taken = {n for v in problem.vehicles for n in v.prefix if n in index}
    taken |= {
        x.name for visits in runs.values() for x in visits if set(x.households) & set(retried)
    }
    out = []
    for k, v in enumerate(problem.vehicles):
        stopped = v.max_stops is not None and v.end is None and bool(v.prefix)
        order = list(v.prefix)
        done = 0
        for x in [] if stopped else runs.get(v.id, []):
            if done < len(v.prefix) and x.name == v.prefix[done]:
                done += 1
            elif x.name in index and x.name not in taken:
                order.append(x.name)
                taken.add(x.name)
            elif x.name not in index and problem.entry(k, x.name, index) is not None:
                after_stop = bool(order) and order[-1] in index  # never two reloads in a row
                if after_stop or (not order and not v.start_loaded):
                    order.append(x.name)
        while len(order) > len(v.prefix) and order[-1] not in index:  # nor last
            order.pop()
        out.append(order)
    return out


def keep_done_times(
    doc: dict[str, Any],
    plan: Mapping[str, Any],
    problem: Problem,
    prefixes: Mapping[str, list[_Visit]],
) -> None:
    """Give each done visit of ``doc`` (the first entries of a run: its vehicle's prefix)
    the times, legs and ETA window it has in ``plan``, the plan re-planned
    (:data:`DONE_FIELDS`), and a run with a done visit its departure there: what is done
    is not re-timed by the new schedule (a visit reported done before its planned time, a
    run the search would have started later)."""
    prefix = {v.id: v.prefix for v in problem.vehicles}
    departed = {
        str(r["volunteer_id"]): (r.get("start") or {}).get("departure") for r in plan["routes"]
    }
    for route in doc["routes"]:
        vid = str(route["volunteer_id"])
        kept = prefix.get(vid, ())
        done = iter(prefixes.get(vid, ()))
        for name, entry in zip(kept, route["stops"], strict=False):
            visit = next(v for v in done if v.name == name)
            entry.update({k: visit.entry[k] for k in DONE_FIELDS if k in visit.entry})
        if kept and departed.get(vid) is not None and route.get("start") is not None:
            route["start"]["departure"] = departed[vid]


def _households_of(doc: Mapping[str, Any]) -> dict[str, tuple[str, int, tuple[str, str]]]:
    """Household id -> (volunteer, service start s, ETA window) of a plan document."""
    out = {}
    for r in doc["routes"]:
        for s in deliveries(r):
            start = parse_clock(str(s.get("service_start", "00:00"))[:5])
            eta = tuple(s.get("eta_window", ("", "")))
            for h in s.get("household_ids", []):
                out[h] = (str(r["volunteer_id"]), start, (str(eta[0]), str(eta[1])))
    return out


def plan_diff(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], int, list[str]]:
    """Per volunteer: households added, removed, and with their ETA moved by more than
    :data:`ETA_MOVED_S`; the households served by another volunteer than before; and the
    households whose ETA window changed (or who are newly served)."""
    old, new = _households_of(before), _households_of(after)
    volunteers = sorted({v for v, _, _ in old.values()} | {v for v, _, _ in new.values()})
    diff: dict[str, Any] = {}
    for vid in volunteers:
        mine_old = {h for h, (v, _, _) in old.items() if v == vid}
        mine_new = {h for h, (v, _, _) in new.items() if v == vid}
        moved = sorted(h for h in mine_old & mine_new if abs(new[h][1] - old[h][1]) > ETA_MOVED_S)
        entry = {
            "added": sorted(mine_new - mine_old),
            "removed": sorted(mine_old - mine_new),
            "eta_moved": moved,
        }
        if any(entry.values()):
            diff[vid] = entry
    moved_count = sum(1 for h in old.keys() & new.keys() if old[h][0] != new[h][0])
    changed = sorted(h for h in new if h not in old or old[h][2] != new[h][2])
    return diff, moved_count, changed


def _search(
    request: PlanRequest,
    problem: Problem,
    runs: Mapping[str, list[_Visit]],
    budget: Budget,
    change_cost: int,
    retried: Collection[str] = (),
) -> Solution:
    """With a change cost, one search warm from the current plan without the households to
    try again (``retried``; it stands, unimproved, when no time is left to search from
    it). Without (a cold re-plan): one search from scratch."""
    warm = _warm_routes(problem, runs, retried) if change_cost else None
    return solve(
        problem,
        time_limit=budget.search_seconds(stops=len(problem.stops)),
        seed=request.seed,
        effort=request.effort,
        initial_routes=warm,
    )


def replan_day(
    request: PlanRequest,
    plan: Mapping[str, Any],
    events: Sequence[Event],
    at: int,
    *,
    travel: Travel,
    addresses: AddressIndex | None,
    change_cost: int = CHANGE_COST_S,
    progress: ProgressFn | None = None,
    written: bool = False,
) -> Replanned:
    """Re-plan the day of ``plan`` at ``at`` (s after midnight) after ``events``, within
    ``request.time_limit`` seconds for the whole call, counted from ``request.started``
    when given (``doorstep replan``: the process's start), else from now.

    Parameters
    ----------
    request
        The day as it was planned (ledger, date, rules) and the search settings.
    plan
        The current ``plan.json`` document.
    events
        What happened; those after ``at`` are not known yet and are left out.
    at
        The re-plan time (s after midnight).
    travel, addresses
        Street travel and address index of the day's map.
    change_cost
        Search cost per stop moved to another volunteer; 0: a cold re-plan (no warm
        start either).
    written
        Whether the caller writes the re-plan's outputs to a folder after it: the search
        leaves their time too (:func:`api.plan.run.budget_of`).

    Raises
    ------
    EventsError
        An event that cannot be applied (a record already in the ledger; a closed street).
    api.plan.result.PlanCheckError
        The independent checker rejected the plan (a defect).
    """
    say = progress or silent
    happened = _Happened(at, tuple(e for e in events if e.at <= at))
    travel, closures = closed_travel(travel, happened.events)
    budget = budget_of(request, written=written)
    runs = _current_runs(plan)
    rules = request.rules
    failed = failures(
        happened.events, {v.name: v.households for visits in runs.values() for v in visits}
    )
    prefixes = _done_prefixes(runs, happened, failed, 60 * rules.retry_delay_minutes)
    started = {vid for vid, p in prefixes.items() if p}
    delivered = {h: (vid, v.start) for vid, p in prefixes.items() for v in p for h in v.households}
    retries = plan_retries(
        {h: f for h, f in failed.items() if h not in delivered}, request.ledger, request.date, rules
    )
    ledger = _ledger_at(request.ledger, happened, started, set(delivered), retries.left_out())
    day_request = dataclasses.replace(request, ledger=ledger)
    day = prepare_day(day_request, travel, addresses, say, {})
    problem, warnings = replan_problem(
        day, runs, prefixes, happened, change_cost, retries.retry_from
    )
    done = sum(len(v.prefix) for v in problem.vehicles)
    say(
        Progress(
            "solve",
            N_("re-plan at %(at)s: %(done)d visits done"),
            {"at": format_clock(at), "done": done},
        )
    )
    solution = _search(request, problem, runs, budget, change_cost, set(retries.retry_from))
    check_plan(problem, solution, say)
    geometry: dict[str, Any] = {}
    streets: tuple[tuple[tuple[float, float], ...], ...] = ()
    if request.geometry:  # on the closed graphs: no run is drawn along a closed street
        traced = dataclasses.replace(day, problem=problem)
        geometry = trace_runs(day_request, traced, solution, travel, say)
        streets = streets_around(day.locations.points, travel)
    issues = household_issues(day.selection, solution, day.resolutions, day.matrices, day.locations)
    result = PlanResult(
        date=request.date,
        ledger=ledger,
        selection=day.selection,
        locations=day.locations,
        problem=problem,
        solution=solution,
        matrices=day.matrices,
        issues=issues,
        not_due=day.selection.not_due,
        resolutions=day.resolutions,
        geometry=geometry,
        timings={},
        streets=streets,
    )
    doc = plan_document(result)
    doc["warnings"] += time_warnings(budget.short)
    keep_done_times(doc, plan, problem, prefixes)
    diff, moved, changed = plan_diff(plan, doc)
    doc["replan"] = {
        "at": format_clock(at),
        "events": [event_document(e) for e in happened.events],
        "done_visits": done,
        "closures": [closure_document(e, n) for e, n in closures.per_event],
        "households_moved": moved,
        "change_cost_s": change_cost,
        "diff": diff,
        "warnings": warnings,
    }
    phones = {h.household_id: h.phone for h in request.ledger.households if h.phone}
    doc["outcomes"] = outcomes_document(doc, delivered, retries, rules, phones)
    # A household delivered before the re-plan is told nothing more, whatever its window.
    return Replanned(result, doc, tuple(h for h in changed if h not in delivered), travel)
