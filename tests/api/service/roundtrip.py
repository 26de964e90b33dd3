"""Check a ``plan.json`` that came back over HTTP with the independent checker.

The test rebuilds the routing problem of the request on its own side (same ledger, day
rules, street matrices and options as the pipeline), turns the document's routes back
into a :class:`solver.Solution` (clock times, travel, loads, cost) and hands both to
:func:`solver.check.check`, which recomputes every leg, time and the cost.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from api.plan.day import build_day
from api.plan.ledger import parse_clock
from api.plan.problem import PlanOptions, build_problem, locate
from api.plan.travel import StreetTravel
from api.service.planning import ledger_of, plan_date, rules_of
from solver import Problem
from solver.check import CheckReport, check
from solver.solution import Reason, Route, Solution, Unassigned, Visit, VisitKind


def rebuild_problem(request: dict[str, Any], travel: StreetTravel) -> tuple[Problem, Any]:
    """The problem of ``request`` (coordinates given, no addresses) and its locations."""
    ledger = ledger_of(request)
    rules = rules_of(request)
    selection = build_day(ledger, plan_date(request), rules=rules, resolved={})
    locations = locate(selection, ledger.volunteers, ledger.depots)
    pairs = {}
    for mode in sorted({v.mode for v in ledger.volunteers}):
        mm = travel.matrices(mode, locations.points)
        pairs[mode] = (mm.durations, mm.distances)
    balance = request.get("options", {}).get("balance", 2.0)
    options = PlanOptions(balance_factor=None if not balance else float(balance))
    problem = build_problem(
        selection, ledger.volunteers, ledger.depots, locations, pairs, options=options, rules=rules
    )
    return problem, locations


def _trip_loads(problem: Problem, route: dict[str, Any]) -> dict[int, list[int]]:
    """What each trip of a ``plan.json`` route carries (g per dimension)."""
    stops = {s.id: s for s in problem.stops}
    loads: dict[int, list[int]] = defaultdict(lambda: [0] * len(problem.dimensions))
    for s in route["stops"]:
        if s.get("kind", "delivery") == "delivery":
            demand = stops[s["stop_id"]].demand
            loads[s["trip"]] = [a + b for a, b in zip(loads[s["trip"]], demand, strict=True)]
    return loads


def _visit(entry: dict[str, Any], problem: Problem, locations: Any, on_board: list[int]) -> Visit:
    """The visit a route entry states (``on_board``: what is carried after it)."""
    arrival = parse_clock(entry["arrival"])
    leg = {"travel_time": entry["travel_s"], "travel_distance": entry["travel_m"]}
    if entry["kind"] == "reload":
        return Visit(
            stop_id=entry["depot_id"],
            location=locations.depot[entry["depot_id"]],
            arrival=arrival,
            start=arrival + entry["wait_s"],
            departure=parse_clock(entry["departure"]),
            wait=entry["wait_s"],
            load_after=tuple(on_board),
            kind=VisitKind.RELOAD,
            trip=entry["trip"],
            **leg,
        )
    stop = {s.id: s for s in problem.stops}[entry["stop_id"]]
    start = parse_clock(entry["service_start"])
    return Visit(
        stop_id=entry["stop_id"],
        location=locations.stop[entry["stop_id"]],
        arrival=arrival,
        start=start,
        departure=parse_clock(entry["departure"]),
        wait=entry["wait_s"],
        load_after=tuple(on_board),
        lateness=0 if stop.deadline is None else max(0, start - stop.deadline),
        trip=entry["trip"],
        **leg,
    )


def solution_of(doc: dict[str, Any], problem: Problem, locations: Any) -> Solution:
    """The :class:`Solution` a ``plan.json`` document states."""
    stops = {s.id: s for s in problem.stops}
    routes = []
    for r in doc["routes"]:
        visits = []
        loads = _trip_loads(problem, r)
        total = [sum(t) for t in zip(*loads.values(), strict=True)]
        on_board = list(loads[1])
        for s in r["stops"]:
            if s["kind"] == "reload":
                on_board = list(loads[s["trip"]])
            else:
                demand = stops[s["stop_id"]].demand
                on_board = [a - b for a, b in zip(on_board, demand, strict=True)]
            visits.append(_visit(s, problem, locations, on_board))
        end = r["end"]
        routes.append(
            Route(
                vehicle_id=r["volunteer_id"],
                visits=tuple(visits),
                start_time=parse_clock(r["start"]["departure"]),
                end_time=parse_clock(end["arrival"]) if end else visits[-1].departure,
                distance=r["distance_m"],
                travel_time=r["travel_s"],
                load=tuple(total),
                end_travel_time=end["travel_s"] if end else 0,
                end_travel_distance=end["travel_m"] if end else 0,
                trips=r["trips"],
            )
        )
    by_stop: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for u in doc["unassigned"]:
        if u.get("stop_id"):
            by_stop[u["stop_id"]].append(u)
    unassigned = tuple(
        Unassigned(sid, Reason(items[0]["reason"]), items[0]["message"])
        for sid, items in by_stop.items()
    )
    return Solution(tuple(routes), unassigned, doc["summary"]["cost"])


def check_document(
    request: dict[str, Any], doc: dict[str, Any], travel: StreetTravel
) -> CheckReport:
    """The checker's verdict on the plan ``doc`` answered to ``request``."""
    problem, locations = rebuild_problem(request, travel)
    return check(problem, solution_of(doc, problem, locations))
