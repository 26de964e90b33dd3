"""Independent checker: a correct plan passes and each kind of broken rule is caught."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from solver import (
    Depot,
    Objective,
    ObjectiveKind,
    Problem,
    Profile,
    Reason,
    Route,
    Solution,
    Stop,
    Unassigned,
    Vehicle,
    Visit,
)
from solver.check import assert_feasible, check

H = 3600
_STEPS = np.abs(np.subtract.outer(np.arange(5), np.arange(5))).astype(np.int64)


def _problem(**changes: object) -> Problem:
    """Line of 5 locations; walk 600 s/step, bike 300 s/step, 1000 m/step for both."""
    stops = (
        Stop("a", 1, (2, 1), service=300, windows=((8 * H, 9 * H),)),
        Stop("b", 2, (3, 1), service=300, windows=((7 * H, 8 * H), (10 * H, 11 * H))),
        Stop("c", 3, (1, 0), service=60, deadline=8 * H, lateness_cost=2, skills={"cold"}),
        Stop("d", 4, (1, 1)),
    )
    vehicles = (
        Vehicle("v1", 0, 0, capacity=(10, 3), shift=(8 * H, 18 * H), fixed_cost=100),
        Vehicle("v2", 0, None, capacity=(5, 1), profile=1, skills=frozenset({"cold"})),
    )
    fields: dict[str, object] = {
        "stops": stops,
        "vehicles": vehicles,
        "profiles": (
            Profile("walk", _STEPS * 600, _STEPS * 1000),
            Profile("bike", _STEPS * 300, _STEPS * 1000),
        ),
        "depots": (Depot("home", 0, window=(7 * H, 19 * H)),),
        "dimensions": ("kg", "boxes"),
        "objective": Objective(kind=ObjectiveKind.DISTANCE),
    }
    fields.update(changes)
    return Problem(**fields)  # type: ignore[arg-type]


def _route(problem: Problem, vehicle_id: str, ids: Sequence[str], leave: int) -> Route:
    """Build a correct route leaving at ``leave``, starting each service as early as allowed."""
    v = problem.vehicles[problem.vehicle_index()[vehicle_id]]
    prof = problem.profiles[v.profile]
    stops = [problem.stops[problem.stop_index()[i]] for i in ids]
    load = tuple(int(x) for x in np.sum([s.demand for s in stops], axis=0))
    on_board = np.array(load)
    visits, prev, clock, tt, dist = [], v.start, leave, 0, 0
    for s in stops:
        t, d = int(prof.durations[prev, s.location]), int(prof.distances[prev, s.location])
        arrival = clock + t
        start = (
            min(max(arrival, lo) for lo, hi in s.windows if hi >= arrival) if s.windows else arrival
        )
        on_board = on_board - np.array(s.demand)
        late = 0 if s.deadline is None else max(0, start - s.deadline)
        visits.append(
            Visit(
                s.id,
                s.location,
                arrival,
                start,
                start + s.service,
                start - arrival,
                tuple(int(x) for x in on_board),
                late,
                t,
                d,
            )
        )
        prev, clock, tt, dist = s.location, start + s.service, tt + t, dist + d
    et = ed = 0
    if v.end is not None:
        et, ed = int(prof.durations[prev, v.end]), int(prof.distances[prev, v.end])
    return Route(v.id, tuple(visits), leave, clock + et, dist + ed, tt + et, load, et, ed)


def _solution(problem: Problem, routes: Sequence[Route], unassigned: Sequence[str]) -> Solution:
    """A solution whose cost follows the Solution docstring (distance objective)."""
    vehicles = {v.id: v for v in problem.vehicles}
    stops = {s.id: s for s in problem.stops}
    cost = sum(r.distance + vehicles[r.vehicle_id].fixed_cost for r in routes)
    cost += sum(vis.lateness * stops[vis.stop_id].lateness_cost for r in routes for vis in r.visits)
    return Solution(
        tuple(routes),
        tuple(Unassigned(i, Reason.FLEET_EXHAUSTED, "more hours needed") for i in unassigned),
        cost,
    )


def _good(problem: Problem | None = None) -> tuple[Problem, Solution]:
    p = problem or _problem()
    routes = [_route(p, "v1", ["a", "b"], 8 * H), _route(p, "v2", ["c"], 8 * H)]
    return p, _solution(p, routes, ["d"])


def _edit_visit(sol: Solution, route: int, visit: int, **changes: object) -> Solution:
    r = sol.routes[route]
    visits = list(r.visits)
    visits[visit] = dataclasses.replace(visits[visit], **changes)  # type: ignore[arg-type]
    routes = list(sol.routes)
    routes[route] = dataclasses.replace(r, visits=tuple(visits))
    return dataclasses.replace(sol, routes=tuple(routes))


def _edit_route(sol: Solution, route: int, **changes: object) -> Solution:
    routes = list(sol.routes)
    routes[route] = dataclasses.replace(routes[route], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(sol, routes=tuple(routes))


def test_correct_plan_passes() -> None:
    """A hand-built plan obeying every rule passes, with waits, two windows and lateness."""
    p, sol = _good()
    report = check(p, sol)
    assert report.ok, report.violations
    assert_feasible(p, sol)
    b = sol.routes[0].visits[1]
    assert b.start == 10 * H and b.wait > 0  # second window of b used after waiting
    assert sol.routes[1].visits[0].lateness == 900  # 3 steps x 300 s past 08:00
    assert sol.routes[1].end_travel_time == 0  # open route


def _case_unreachable() -> tuple[Problem, Solution]:
    d = _STEPS * 600
    d[1, 2] = -1
    m = np.where(d < 0, -1, _STEPS * 1000)
    p = _problem(profiles=(Profile("walk", d, m), Profile("bike", _STEPS * 300, _STEPS * 1000)))
    return p, _good()[1]


Case = Callable[[], tuple[Problem, Solution]]


def _mutate(fn: Callable[[Solution], Solution]) -> Case:
    def case() -> tuple[Problem, Solution]:
        p, sol = _good()
        return p, fn(sol)

    return case


def _tight(**vehicle_changes: object) -> Case:
    def case() -> tuple[Problem, Solution]:
        base = _problem()
        v1 = dataclasses.replace(base.vehicles[0], **vehicle_changes)  # type: ignore[arg-type]
        p = _problem(vehicles=(v1, base.vehicles[1]))
        p2, sol = _good(p)
        return p2, sol

    return case


def _with_stop(index: int, **changes: object) -> Case:
    def case() -> tuple[Problem, Solution]:
        base = _problem()
        stops = list(base.stops)
        stops[index] = dataclasses.replace(stops[index], **changes)  # type: ignore[arg-type]
        p = _problem(stops=tuple(stops))
        _, sol = _good()
        return p, sol

    return case


CASES: dict[str, tuple[Case, str]] = {
    "travel time per leg": (_mutate(lambda s: _edit_visit(s, 0, 0, travel_time=1)), "travel_time"),
    "travel distance per leg": (
        _mutate(lambda s: _edit_visit(s, 0, 1, travel_distance=5)),
        "travel_distance",
    ),
    "arrival": (_mutate(lambda s: _edit_visit(s, 0, 0, arrival=8 * H + 1)), "arrival"),
    "start before arrival": (
        _mutate(lambda s: _edit_visit(s, 0, 0, start=8 * H + 1, wait=-599, departure=8 * H + 301)),
        "before arrival",
    ),
    "start outside windows": (_with_stop(0, windows=((12 * H, 13 * H),)), "outside"),
    "wait": (_mutate(lambda s: _edit_visit(s, 0, 1, wait=0)), "wait"),
    "departure": (_mutate(lambda s: _edit_visit(s, 0, 0, departure=1)), "departure"),
    "load after": (_mutate(lambda s: _edit_visit(s, 0, 0, load_after=(5, 1))), "load_after"),
    "capacity": (_tight(capacity=(4, 3)), "carries 5 kg but the vehicle holds 4 kg"),
    "shift start": (_tight(shift=(9 * H, 18 * H)), "before the shift starts"),
    "shift end": (_tight(shift=(8 * H, 10 * H)), "after the shift ends"),
    "depot hours": (
        lambda: (_problem(depots=(Depot("home", 0, window=(7 * H, 10 * H)),)), _good()[1]),
        "end depot",
    ),
    "max duration": (_tight(max_duration=H), "max_duration"),
    "max distance": (_tight(max_distance=3000), "max_distance"),
    "max stops": (_tight(max_stops=1), "max_stops"),
    "skills": (_with_stop(0, skills=frozenset({"cold"})), "needs skills"),
    "allowed vehicles": (_with_stop(1, allowed_vehicles=frozenset({"v2"})), "allowed_vehicles"),
    "unreachable leg": (_case_unreachable, "no path"),
    "lateness": (_mutate(lambda s: _edit_visit(s, 1, 0, lateness=0)), "lateness"),
    "route distance total": (_mutate(lambda s: _edit_route(s, 0, distance=1)), "distance is 1"),
    "route travel time total": (_mutate(lambda s: _edit_route(s, 0, travel_time=1)), "travel_time"),
    "end time": (_mutate(lambda s: _edit_route(s, 1, end_time=10 * H)), "end_time"),
    "end travel": (_mutate(lambda s: _edit_route(s, 0, end_travel_time=0)), "end_travel_time"),
    "route load": (_mutate(lambda s: _edit_route(s, 0, load=(9, 9))), "load is"),
    "stop twice": (
        _mutate(lambda s: dataclasses.replace(s, routes=(s.routes[0], s.routes[0]))),
        "visited 2 times",
    ),
    "stop on route and unassigned": (
        _mutate(
            lambda s: dataclasses.replace(
                s, unassigned=(*s.unassigned, Unassigned("a", Reason.ROUTE_LIMIT, "x"))
            )
        ),
        "both on a route and unassigned",
    ),
    "stop neither": (_mutate(lambda s: dataclasses.replace(s, unassigned=())), "neither"),
    "unknown unassigned": (
        _mutate(
            lambda s: dataclasses.replace(
                s, unassigned=(*s.unassigned, Unassigned("zz", Reason.ROUTE_LIMIT, "x"))
            )
        ),
        "unknown stop 'zz'",
    ),
    "unassigned without sentence": (
        _mutate(
            lambda s: dataclasses.replace(
                s, unassigned=(Unassigned("d", Reason.FLEET_EXHAUSTED, " "),)
            )
        ),
        "no explanation",
    ),
    "unassigned without reason": (
        _mutate(lambda s: dataclasses.replace(s, unassigned=(Unassigned("d", "LAZY", "x"),))),  # type: ignore[arg-type]
        "no valid reason",
    ),
    "cost": (_mutate(lambda s: dataclasses.replace(s, cost=s.cost + 1)), "cost is"),
    "unknown vehicle": (
        _mutate(lambda s: _edit_route(s, 0, vehicle_id="ghost")),
        "unknown vehicle 'ghost'",
    ),
    "vehicle twice": (
        _mutate(lambda s: _edit_route(s, 1, vehicle_id="v1")),
        "drives 2 routes",
    ),
    "empty route": (
        _mutate(
            lambda s: dataclasses.replace(
                s, routes=(*s.routes, Route("v2", (), 0, 0, 0, 0, (0, 0)))
            )
        ),
        "no visits",
    ),
}


@pytest.mark.parametrize("rule", list(CASES))
def test_each_broken_rule_is_caught(rule: str) -> None:
    """A plan breaking one rule is rejected with a violation naming that rule."""
    make, expected = CASES[rule]
    problem, solution = make()
    report = check(problem, solution)
    assert not report.ok
    assert any(expected in v for v in report.violations), report.violations
    with pytest.raises(AssertionError, match="violation"):
        assert_feasible(problem, solution)


def test_cost_follows_objective_kind() -> None:
    """Duration and weighted objectives are recomputed from travel seconds and weights."""
    p = _problem(objective=Objective(kind=ObjectiveKind.DURATION))
    _, sol = _good(p)
    seconds = sum(r.travel_time for r in sol.routes) + 100 + 15 * 60 * 2
    assert check(p, dataclasses.replace(sol, cost=seconds)).ok
    base = _problem()
    v1, v2 = (dataclasses.replace(v, cost_per_second=3, cost_per_metre=2) for v in base.vehicles)
    w = _problem(objective=Objective(kind=ObjectiveKind.WEIGHTED), vehicles=(v1, v2))
    weighted = sum(3 * r.travel_time + 2 * r.distance for r in sol.routes) + 100 + 900 * 2
    assert check(w, dataclasses.replace(sol, cost=weighted)).ok
    assert not check(w, sol).ok


@pytest.mark.parametrize(
    ("rule", "case", "figures"),
    [
        ("start outside windows", "late", {"stop": "a", "start": "08:10"}),
        ("capacity", "overloaded", {"load": "5", "capacity": "4", "dimension": "kg"}),
        ("shift end", "shift_end", {"end": "10:25", "shift_end": "10:00"}),
        ("max duration", "too_long", {"duration_s": "8700", "max_duration_s": "3600"}),
        ("max distance", "too_far", {"distance_m": "4000", "max_distance_m": "3000"}),
        ("max stops", "too_many_stops", {"stops": "2", "max_stops": "1"}),
        ("skills", "skills", {"stop": "a", "skills": "cold"}),
    ],
)
def test_a_violation_gives_the_figures_of_its_sentence(
    rule: str, case: str, figures: dict[str, str]
) -> None:
    """Each violation has its facts in the same place (none for figures that do not add
    up); a timed, load, limit or skill rule names its case, vehicle and the figures its
    English sentence states (clock times as HH:MM)."""
    make, _ = CASES[rule]
    report = check(*make())
    assert len(report.facts) == len(report.violations) == len(report.breaches)
    told = [dict(f) for f in report.facts if dict(f).get("case") == case]
    assert told and told[0]["vehicle"] == "v1"
    assert {k: told[0][k] for k in figures} == figures
    sentence = report.violations[[dict(f) for f in report.facts].index(told[0])]
    plain = {k: v for k, v in figures.items() if not k.endswith("_s") and ":" not in v}
    assert all(v in sentence for v in plain.values())  # clock times: seconds in the sentence
