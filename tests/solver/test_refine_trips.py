"""The refinement with trips: reloads placed by the kernel, loads per trip, max_trips, reload
time, starting empty and ride limits, on the star of :mod:`tests.solver.test_trips`."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import (
    Objective,
    Problem,
    Solution,
    Vehicle,
    VisitKind,
    _sisr,
    assert_feasible,
    balance,
    refine,
)
from solver.check import route_violations
from solver.schedule import plan_cost, timed_route
from solver.solve import solve
from solver.trips import first_routes
from tests.solver.test_refine import _objective, assert_refined_replan, replanned
from tests.solver.test_trips import STOPS, _problem, trip_problems

FAR = time.monotonic() + 3600.0


def _refined(problem: Problem, steps: int = 2000) -> tuple[refine.RefineResult, Solution]:
    """The kernel's plan from empty routes, as a timed solution the checker must accept."""
    assert refine.unsupported(problem) is None
    empty: list[list[int]] = [[] for _ in problem.vehicles]
    out = refine.refine(problem, empty, deadline=FAR, iterations=steps, seed=1, min_iterations=1)
    routes = tuple(timed_route(problem, k, r) for k, r in enumerate(out.routes) if r)
    plan = Solution(routes=routes, unassigned=(), cost=plan_cost(problem, routes))
    for route in routes:
        assert not route_violations(problem, route), route
    served = [v.stop_id for r in routes for v in r.stops]
    assert len(served) == len(set(served))
    assert out.objective == _objective(problem, out.routes)
    return out, plan


def _trips(plan: Solution) -> list[list[str]]:
    """Stop ids per trip, over every route of the plan."""
    out: list[list[str]] = []
    for route in plan.routes:
        per: dict[int, list[str]] = {}
        for visit in route.visits:
            if visit.kind is VisitKind.STOP:
                per.setdefault(visit.trip, []).append(visit.stop_id)
        out.extend(per[t] for t in sorted(per))
    return out


def test_kernel_reloads_when_a_trip_is_full() -> None:
    """10 kg per trip and six 5 kg stops: the kernel serves all six in three trips, each
    trip within capacity (loads reset at each reload)."""
    _, plan = _refined(_problem(Vehicle("v", 0, 0, capacity=(10,), max_trips=None)))
    assert sorted(len(t) for t in _trips(plan)) == [2, 2, 2]
    assert plan.routes[0].trips == 3


def test_kernel_keeps_max_trips() -> None:
    """Two trips allowed: four stops served (two per trip), never a third load."""
    _, plan = _refined(_problem(Vehicle("v", 0, 0, capacity=(10,), max_trips=2)))
    assert [len(t) for t in _trips(plan)] == [2, 2]


def test_kernel_counts_reload_time_in_the_shift() -> None:
    """Three trips of two stops take 6,660 s; with 300 s per reload they no longer fit a
    7,000 s shift, so one stop stays out; with instant reloads all six fit."""
    quick = Vehicle("v", 0, 0, capacity=(10,), max_trips=None, shift=(0, 7000))
    _, plan = _refined(_problem(quick))
    assert sum(len(t) for t in _trips(plan)) == 6
    slow = dataclasses.replace(quick, reload_service=300)
    _, plan = _refined(_problem(slow))
    assert sum(len(t) for t in _trips(plan)) == 5
    reloads = [v for v in plan.routes[0].visits if v.kind is VisitKind.RELOAD]
    assert all(v.departure - v.start == 300 for v in reloads)


def test_kernel_keeps_ride_limits() -> None:
    """A 700 s ride limit lets no trip carry two stops (the second is 1,560 s out): the
    kernel gives every stop a trip of its own."""
    stops = tuple(dataclasses.replace(s, max_ride=700) for s in STOPS)
    _, plan = _refined(_problem(Vehicle("v", 0, 0, capacity=(10,), max_trips=None), stops))
    assert sorted(len(t) for t in _trips(plan)) == [1] * 6


def test_kernel_loads_first_when_starting_empty() -> None:
    """A volunteer starting at home (location 7) empty goes to the office first."""
    home = Vehicle("v", 7, 7, capacity=(10,), max_trips=None, start_loaded=False)
    _, plan = _refined(_problem(home))
    assert plan.routes[0].visits[0].kind is VisitKind.RELOAD
    assert sum(len(t) for t in _trips(plan)) == 6


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trip_problems())
def test_kernel_plans_with_trips_check_and_are_priced_exactly(problem: Problem) -> None:
    """On random problems with trips, from the trip-aware first plan, every route the
    kernel returns passes the checker and its objective is the model's."""
    out = refine.refine(problem, first_routes(problem), deadline=FAR, iterations=300, seed=2)
    for k, order in enumerate(out.routes):
        if order:
            assert not route_violations(problem, timed_route(problem, k, order)), (k, order)
    assert out.objective == _objective(problem, out.routes)
    assert out.objective <= out.start_objective


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trip_problems(), st.data())
def test_kernel_replans_with_trips_keep_prefixes_and_price_changes(
    problem: Problem, data: st.DataObject
) -> None:
    """On random problems with trips made re-plans (fixed prefixes with their reloads,
    references and change costs), the kernel prices OR-Tools' plan as OR-Tools does, never
    changes a prefix (the load on board and trips used after it count), and its plans are
    priced exactly and check."""
    replan = replanned(problem, first_routes(problem), data)
    assert refine.unsupported(replan) is None
    assert_refined_replan(replan, seed=3)


def test_balance_of_trips_lives_in_the_search() -> None:
    """Two volunteers whose 5,000 s shifts hold two trips of two stops (4,440 s), six
    stops, balance factor 1.2: the first plan gives one volunteer four stops and the other
    two; the refinement (no second search) ends with three each, every stop served."""
    vehicles = tuple(
        Vehicle(f"v{k}", 0, 0, capacity=(10,), max_trips=None, shift=(0, 5000)) for k in range(2)
    )
    problem = dataclasses.replace(
        _problem(vehicles[0]),
        vehicles=vehicles,
        objective=Objective(balance_factor=1.2),
    )
    assert refine.unsupported(problem) is None  # so solve runs no balance re-solve
    solution = solve(problem, time_limit=5, effort=20)
    assert_feasible(problem, solution)
    assert not solution.unassigned
    assert "balance" not in solution.stats.status
    assert balance.met(problem, solution.routes)
    assert sorted(len(r.stops) for r in solution.routes) == [3, 3]


def _joined(capacity: int) -> list[int]:
    """Route ``[s1, reload, s2]`` (5 kg each) after the ruin's trip merge over its entries."""
    problem = _problem(Vehicle("v", 0, 0, capacity=(capacity,), max_trips=None))
    a = refine.arrays(problem)
    reload = problem.reload_code(0)
    routes, lengths = refine._route_arrays(problem, a, [[0, reload, 1]])
    prob = a.kernel()
    rs = _sisr._route_state(routes, lengths, prob)
    assert _sisr._update(0, rs, prob, True)
    _sisr._merge_trips(0, 0, 2, rs, prob)
    return a.order(problem, routes[0, : lengths[0]].tolist())


def test_ruin_joins_trips_that_fit_one_load() -> None:
    """Two 5 kg trips join into one under a 10 kg capacity and stay apart under 9 kg."""
    assert _joined(10) == [0, 1]
    assert _joined(9) == [0, _problem(Vehicle("v", 0, 0, capacity=(9,))).reload_code(0), 1]


def test_recreate_gives_a_new_trip_to_an_idle_vehicle_at_equal_cost() -> None:
    """One stop per 5 kg load: s2 costs the same as a second trip of the vehicle serving
    s1 (after a reload) as on the idle vehicle listed after it; the idle one gets it."""
    vehicles = tuple(Vehicle(f"v{k}", 0, 0, capacity=(5,), max_trips=None) for k in range(2))
    problem = dataclasses.replace(_problem(vehicles[0], STOPS[:2]), vehicles=vehicles)
    a = refine.arrays(problem)
    routes, lengths = refine._route_arrays(problem, a, [[0], []])
    prob = a.kernel()
    rs = _sisr._route_state(routes, lengths, prob)
    assert _sisr._update(0, rs, prob, True) and _sisr._update(1, rs, prob, True)
    seen = np.zeros(int(a.vint[:, _sisr.V_CLASS].max()) + 1, dtype=np.bool_)
    assert _sisr._best_insertion(1, 0.0, rs, prob, seen) == (1, 0, -1, 1200)


def test_long_routes_anneal_hotter() -> None:
    """The first temperature is the mean arc cost up to 8 stops per route, then rises with
    the stops per route, at most threefold."""
    cfg = refine.RefineConfig()
    assert refine.start_temperature(cfg, 1000, 10, served=16, used=2) == 100.0
    assert refine.start_temperature(cfg, 1000, 10, served=40, used=2) == 250.0
    assert refine.start_temperature(cfg, 1000, 10, served=100, used=1) == 300.0
