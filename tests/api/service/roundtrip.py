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
from api.service.planning import ledger_of, plan_date
from solver import Problem
from solver.check import CheckReport, check
from solver.solution import Reason, Route, Solution, Unassigned, Visit


def rebuild_problem(request: dict[str, Any], travel: StreetTravel) -> tuple[Problem, Any]:
    """The problem of ``request`` (coordinates given, no addresses) and its locations."""
    ledger = ledger_of(request)
    selection = build_day(ledger, plan_date(request), resolved={})
    locations = locate(selection, ledger.volunteers, ledger.depots)
    pairs = {}
    for mode in sorted({v.mode for v in ledger.volunteers}):
        mm = travel.matrices(mode, locations.points)
        pairs[mode] = (mm.durations, mm.distances)
    balance = request.get("options", {}).get("balance", 2.0)
    options = PlanOptions(balance_factor=None if not balance else float(balance))
    problem = build_problem(
        selection, ledger.volunteers, ledger.depots, locations, pairs, options=options
    )
    return problem, locations


def solution_of(doc: dict[str, Any], problem: Problem, locations: Any) -> Solution:
    """The :class:`Solution` a ``plan.json`` document states."""
    stops = {s.id: s for s in problem.stops}
    routes = []
    for r in doc["routes"]:
        visits = []
        total = [0] * len(problem.dimensions)
        for s in r["stops"]:
            total = [a + b for a, b in zip(total, stops[s["stop_id"]].demand, strict=True)]
        on_board = list(total)
        for s in r["stops"]:
            stop = stops[s["stop_id"]]
            on_board = [a - b for a, b in zip(on_board, stop.demand, strict=True)]
            start = parse_clock(s["service_start"])
            late = 0 if stop.deadline is None else max(0, start - stop.deadline)
            visits.append(
                Visit(
                    stop_id=s["stop_id"],
                    location=locations.stop[s["stop_id"]],
                    arrival=parse_clock(s["arrival"]),
                    start=start,
                    departure=parse_clock(s["departure"]),
                    wait=s["wait_s"],
                    load_after=tuple(on_board),
                    lateness=late,
                    travel_time=s["travel_s"],
                    travel_distance=s["travel_m"],
                )
            )
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
