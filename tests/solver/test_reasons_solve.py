"""Each reason code comes out of a real solve of a small hand-made problem, checked."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solver import Problem, Profile, Reason, Stop, Vehicle, assert_feasible, diagnose
from solver.diagnose import short_of_time
from solver.solve import solve
from tests.solver.plane import plane_problem

H = 3600
#: Five locations on a line, 600 s and 1000 m per step.
_STEPS = np.abs(np.subtract.outer(np.arange(5), np.arange(5))).astype(np.int64)


def _problem(
    stops: tuple[Stop, ...], vehicle: Vehicle, durations: np.ndarray | None = None
) -> Problem:
    d = _STEPS * 600 if durations is None else durations
    return Problem(
        stops=(Stop("ok", 1, (1,)), *stops),
        vehicles=(vehicle,),
        profiles=(Profile("walk", d, np.where(d < 0, -1, _STEPS * 1000)),),
        dimensions=("kg",),
        skills=frozenset({"cold"}),
    )


def _cut(loc: int) -> np.ndarray:
    d = _STEPS * 600
    d[:, loc] = -1
    d[loc, :] = -1
    d[loc, loc] = 0
    return d


_V = Vehicle("v", 0, 0, capacity=(10,), shift=(8 * H, 18 * H))

CASES = {
    Reason.NO_COMPATIBLE_VEHICLE: (
        _problem((Stop("x", 2, (1,), skills=frozenset({"cold"})),), _V),
        "cold",
    ),
    Reason.DEMAND_EXCEEDS_CAPACITY: (
        _problem((Stop("x", 2, (12,)),), _V),
        "needs 12 kg but the largest compatible vehicle carries 10 kg",
    ),
    Reason.UNREACHABLE: (_problem((Stop("x", 4, (1,)),), _V, _cut(4)), "no path"),
    Reason.TIME_WINDOW_UNREACHABLE: (
        _problem((Stop("x", 4, (1,), windows=((8 * H, 8 * H + 1200),)),), _V),
        "08:40",
    ),
    Reason.ROUTE_LIMIT: (
        _problem(
            (Stop("x", 4, (1,)),),
            Vehicle("v", 0, 0, capacity=(10,), shift=(8 * H, 18 * H), max_distance=6000),
        ),
        "8000 m",
    ),
    Reason.FLEET_EXHAUSTED: (
        _problem((Stop("x", 2, (6,)), Stop("y", 3, (6,))), _V),
        "more vehicles or more hours",
    ),
    Reason.RIDE_TIME_UNREACHABLE: (
        _problem((Stop("x", 3, (1,), max_ride=1500),), _V),
        "within 25 min of loading",
    ),
}


@pytest.mark.parametrize("reason", list(CASES), ids=str)
def test_reason_comes_out_of_a_solve(reason: Reason) -> None:
    """The solve leaves the provoked stop unassigned with this reason; the plan checks."""
    problem, words = CASES[reason]
    solution = solve(problem, time_limit=1)
    assert_feasible(problem, solution)
    assert "ok" in {v.stop_id for r in solution.routes for v in r.visits}
    assert len(solution.unassigned) == 1
    (u,) = solution.unassigned
    assert u.reason is reason and words in u.message, u.message
    index = problem.stop_index()[u.stop_id]
    assert diagnose(problem, [index], solution.routes) == [u]


def test_cut_short_search_blames_the_fleet_only_when_it_cannot_take_the_stop() -> None:
    """Stopped after its first solution, a stop the fleet's load cannot hold stays
    FLEET_EXHAUSTED (x and y need 12 kg, the only van carries 10)."""
    problem, words = CASES[Reason.FLEET_EXHAUSTED]
    cut = solve(problem, time_limit=5, effort=1)
    assert_feasible(problem, cut)
    (u,) = cut.unassigned
    assert u.reason is Reason.FLEET_EXHAUSTED and words in u.message


def test_stop_that_fits_the_plan_is_left_to_the_time_limit() -> None:
    """A stop that fits the plan as it stands was left out by the clock: TIME_LIMIT."""
    problem = plane_problem(40, 4, seed=5, capacity=400)
    full = solve(problem, time_limit=1)
    assert not full.unassigned
    index = problem.stop_index()
    routes = [[index[v.stop_id] for v in r.visits] for r in full.routes]
    left_out = routes[0].pop(len(routes[0]) // 2)
    (u,) = diagnose(problem, [left_out], [])
    assert u.reason is Reason.FLEET_EXHAUSTED  # it fits alone: the plain diagnosis
    (t,) = short_of_time(problem, [u], routes, settled=True, time_limit=1.0)
    assert t.reason is Reason.TIME_LIMIT and "about 2 s" in t.message, t.message


def test_budget_too_short_for_any_plan_names_the_time_limit() -> None:
    """No plan in a budget shorter than the model's construction: every stop is reported
    TIME_LIMIT, never FLEET_EXHAUSTED (the fleet of 30 vans could take them all)."""
    base = plane_problem(600, 30, seed=2, capacity=1000)
    # Two windows per stop keep the problem with OR-Tools alone (no refinement).
    stops = tuple(
        dataclasses.replace(s, windows=((0, 10 * 3600), (10 * 3600 + 60, 24 * 3600)))
        for s in base.stops
    )
    problem = dataclasses.replace(base, stops=stops)
    sol = solve(problem, time_limit=0.2)
    assert not sol.routes and len(sol.unassigned) == len(problem.stops)
    reasons = {u.reason for u in sol.unassigned}
    assert reasons == {Reason.TIME_LIMIT}, reasons
