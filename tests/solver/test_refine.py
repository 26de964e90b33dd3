"""The ruin-and-recreate refinement: same objective as the model, never an unchecked plan."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import (
    Problem,
    Profile,
    Solution,
    Stop,
    Vehicle,
    _ortools,
    _sisr,
    check,
    objective,
    refine,
)
from solver.diagnose import diagnose
from solver.schedule import plan_cost, timed_route
from solver.solve import solve
from tests.solver.plane import HOUR, plane_problem
from tests.solver.test_properties import problems

FAR = time.monotonic() + 3600.0


def _supported(problem: Problem) -> Problem:
    """``problem`` without what the refinement does not model."""
    stops = tuple(dataclasses.replace(s, windows=s.windows[:1]) for s in problem.stops)
    objective = dataclasses.replace(problem.objective, span_cost=0, balance_factor=None)
    return dataclasses.replace(problem, stops=stops, objective=objective)


def _objective(problem: Problem, routes: list[list[int]]) -> int:
    """The model's objective of ``routes``, recomputed from the problem."""
    timed = [timed_route(problem, k, r) for k, r in enumerate(routes) if r]
    served = {i for r in routes for i in r}
    bound = 1
    for v in problem.vehicles:
        p = problem.profiles[v.profile]
        _, per_s, per_m = objective.cost_key(problem, v)
        m = per_s * p.durations.astype(np.int64) + per_m * p.distances.astype(np.int64)
        finite = m[p.durations >= 0]
        bound = max(bound, int(finite.max()) if finite.size else 0)
    pens = objective.penalties(problem, bound)
    change = objective.change_costs(problem)
    moved = sum(change[k][i] for k, r in enumerate(routes) for i in r if i < len(problem.stops))
    return (
        plan_cost(problem, timed)
        + moved
        + sum(pens[i] for i in range(len(problem.stops)) if i not in served)
    )


def replanned(problem: Problem, routes: list[list[int]], data: st.DataObject) -> Problem:
    """``problem`` as a re-plan of ``routes``: each vehicle's route begins with a drawn
    fixed prefix of it (ending with a stop), and stops get drawn references and change
    costs."""
    n = len(problem.stops)
    vehicles = []
    for k, v in enumerate(problem.vehicles):
        route = routes[k] if k < len(routes) else []
        cut = data.draw(st.integers(0, len(route)))
        while cut > 0 and route[cut - 1] >= n:  # a prefix ends with a stop
            cut -= 1
        vehicles.append(
            dataclasses.replace(v, prefix=tuple(problem.entry_name(e) for e in route[:cut]))
        )
    ids = [None, *(v.id for v in problem.vehicles)]
    stops = tuple(
        dataclasses.replace(
            s,
            reference=data.draw(st.sampled_from(ids)),
            change_cost=data.draw(st.sampled_from([0, 1, 150, 2000])),
        )
        for s in problem.stops
    )
    return dataclasses.replace(problem, vehicles=tuple(vehicles), stops=stops)


def _searched(problem: Problem, seed: int) -> _ortools.SearchResult:
    """OR-Tools' plan of ``problem`` (five improving solutions at most): greedy descent,
    which ends at its first local optimum, where guided local search would look for the
    other four solutions of a problem of a few stops until the clock ends it."""
    start = _ortools.search(
        problem,
        config=_ortools.SearchConfig(metaheuristic="greedy"),
        deadline=FAR,
        seed=seed,
        solution_limit=5,
    )
    assert start.found
    return start


def _refined_exactly(problem: Problem, seed: int) -> refine.RefineResult:
    """OR-Tools' plan refined for 300 steps: the kernel prices the start as OR-Tools does,
    never returns a dearer plan, and prices its plan as the model does."""
    start = _searched(problem, seed)
    out = refine.refine(problem, start.routes, deadline=FAR, iterations=300, seed=seed)
    assert out.start_objective == start.objective
    assert out.objective <= start.objective
    assert out.objective == _objective(problem, out.routes)
    return out


def assert_refined_replan(problem: Problem, seed: int) -> None:
    """OR-Tools' plan of a re-plan ``problem``, refined: the kernel prices it as the model
    does, every fixed prefix stands, and the refined plan is priced exactly and checks."""
    out = _refined_exactly(problem, seed)
    for k in range(len(problem.vehicles)):
        fixed = problem.prefix_entries(k)
        assert out.routes[k][: len(fixed)] == fixed
    served = [i for r in out.routes for i in r if i < len(problem.stops)]
    assert len(served) == len(set(served))
    routes = [timed_route(problem, k, r) for k, r in enumerate(out.routes) if r]
    missing = [i for i in range(len(problem.stops)) if i not in set(served)]
    plan = Solution(
        routes=tuple(routes),
        unassigned=tuple(diagnose(problem, missing, routes)),
        cost=plan_cost(problem, routes),
    )
    report = check(problem, plan)
    assert report.ok, report.violations


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(problems().map(_supported), st.integers(0, 3))
def test_refinement_objective_is_the_models_and_its_plans_check(
    problem: Problem, seed: int
) -> None:
    """On random problems (every supported constraint kind) the kernel prices the OR-Tools
    plan exactly as OR-Tools does, and whatever it returns passes the checker."""
    assert refine.unsupported(problem) is None
    out = _refined_exactly(problem, seed)
    served = [i for r in out.routes for i in r]
    assert len(served) == len(set(served))
    solution = solve(problem, time_limit=2.0, seed=seed, effort=5)
    report = check(problem, solution)
    assert report.ok, report.violations


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(problems().map(_supported), st.integers(0, 3), st.data())
def test_refinement_of_replans_keeps_prefixes_and_prices_changes(
    problem: Problem, seed: int, data: st.DataObject
) -> None:
    """On random problems made re-plans (fixed prefixes of a plan, references and change
    costs), the kernel prices OR-Tools' plan as OR-Tools does, never changes a prefix, and
    its plans are priced exactly and check."""
    start = _searched(problem, seed)
    replan = replanned(problem, start.routes, data)
    assert refine.unsupported(replan) is None
    assert_refined_replan(replan, seed)


@pytest.mark.parametrize("deadlines", [False, True])
def test_refinement_improves_a_tight_window_plan_deterministically(deadlines: bool) -> None:
    """120 stops, windows, skills, two depots (and soft deadlines on every third stop):
    better than the OR-Tools plan it starts from, every stop still served, priced as the
    model prices it, checker-clean, and the same plan for the same seed."""
    problem = plane_problem(120, 12, seed=3, capacity=40, skilled=frozenset({0, 5}))
    if deadlines:
        stops = tuple(
            dataclasses.replace(s, deadline=9 * HOUR, lateness_cost=2) if i % 3 == 0 else s
            for i, s in enumerate(problem.stops)
        )
        problem = dataclasses.replace(problem, stops=stops)
    start = _ortools.search(
        problem, config=_ortools.SearchConfig(), deadline=FAR, seed=0, solution_limit=1
    )
    first = refine.refine(problem, start.routes, deadline=FAR, iterations=5000, seed=7)
    again = refine.refine(problem, start.routes, deadline=FAR, iterations=5000, seed=7)
    assert first.routes == again.routes
    assert first.objective < start.objective
    assert first.iterations == 5000 and first.improved > 0
    assert sorted(i for r in first.routes for i in r) == list(range(120))
    assert first.objective == _objective(problem, first.routes)
    routes = [timed_route(problem, k, r) for k, r in enumerate(first.routes) if r]
    plan = Solution(routes=tuple(routes), unassigned=(), cost=plan_cost(problem, routes))
    assert check(problem, plan).ok


def test_refinement_keeps_stops_it_cannot_place_unserved() -> None:
    """An optional stop no vehicle can reach in time stays out; the rest are served."""
    n = 6
    xs = np.arange(n + 1) * 100
    metres = np.abs(xs[:, None] - xs[None, :]).astype(np.int64)
    stops = tuple(
        Stop(f"s{i}", i + 1, demand=(1,), windows=((0, 10**4),) if i else ((0, 50),))
        for i in range(n)
    )
    problem = Problem(
        stops=stops,
        vehicles=(Vehicle("v", 0, 0, capacity=(10,)),),
        profiles=(Profile("walk", metres, metres),),
        dimensions=("items",),
    )
    solution = solve(problem, time_limit=5.0, effort=5)
    assert [u.stop_id for u in solution.unassigned] == ["s0"]
    assert check(problem, solution).ok


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: _stops(p, windows=((0, 10), (20, 30))), "several time windows on a stop"),
        (
            lambda p: dataclasses.replace(
                p, objective=dataclasses.replace(p.objective, span_cost=1)
            ),
            "span cost",
        ),
    ],
)
def test_unsupported_problems_are_named(change: object, reason: str) -> None:
    """What the kernel does not model keeps the problem out, and solve still plans it."""
    problem = plane_problem(10, 2, seed=1)
    assert refine.unsupported(problem) is None
    changed = change(problem)  # type: ignore[operator]
    assert refine.unsupported(changed) == reason


def _stops(problem: Problem, **kw: Any) -> Problem:
    return dataclasses.replace(
        problem, stops=tuple(dataclasses.replace(s, **kw) for s in problem.stops)
    )


def test_refinement_honours_duration_limits_and_span_bounds() -> None:
    """Volunteer hours (max_duration) and the balance span bound: refined plans keep them,
    and the kernel's shortest durations agree with the checker's compressed schedule. The
    start plan is made without the span bound, so routes that break it are emptied and
    their stops reinserted within it."""
    base = plane_problem(80, 8, seed=4, capacity=40)
    problem = dataclasses.replace(
        base,
        vehicles=tuple(dataclasses.replace(v, max_duration=2 * HOUR) for v in base.vehicles),
    )
    start = _ortools.search(
        problem,
        config=_ortools.SearchConfig(),
        deadline=time.monotonic() + 10.0,
        solution_limit=1,
    )
    assert start.found
    kept = refine.refine(problem, start.routes, deadline=FAR, iterations=0)
    assert kept.start_objective == start.objective  # every start route keeps the hours
    out = refine.refine(
        problem, start.routes, deadline=FAR, iterations=3000, seed=2, span_bound=HOUR + HOUR // 2
    )
    assert out.start_objective > start.objective  # some routes broke the bound: emptied
    assert out.objective == _objective(problem, out.routes)
    # The same plan against vehicles whose own limit is the span bound: the checker's
    # compressed schedules keep it.
    bounded = dataclasses.replace(
        problem,
        vehicles=tuple(
            dataclasses.replace(v, max_duration=HOUR + HOUR // 2) for v in problem.vehicles
        ),
    )
    routes = [timed_route(bounded, k, r) for k, r in enumerate(out.routes) if r]
    assert all(r.duration <= HOUR + HOUR // 2 for r in routes)
    served = {i for r in out.routes for i in r}
    ortools_bounded = _ortools.search(
        problem,
        config=_ortools.SearchConfig(),
        deadline=time.monotonic() + 10.0,
        solution_limit=1,
        span_bound=HOUR + HOUR // 2,
    )
    assert len(served) >= len({i for r in ortools_bounded.routes for i in r})
    missing = [i for i in range(len(problem.stops)) if i not in served]
    plan = Solution(
        routes=tuple(routes),
        unassigned=tuple(diagnose(bounded, missing, routes)),
        cost=plan_cost(bounded, routes),
    )
    assert check(bounded, plan).ok


def test_refinement_builds_a_plan_from_nothing() -> None:
    """Started from empty routes (OR-Tools found no plan in its share), the first
    reinsertion serves every stop that fits, and the plan checks."""
    problem = plane_problem(60, 6, seed=5, capacity=60)
    out = refine.refine(problem, [[] for _ in problem.vehicles], deadline=FAR, iterations=50)
    assert sorted(i for r in out.routes for i in r) == list(range(60))
    routes = [timed_route(problem, k, r) for k, r in enumerate(out.routes) if r]
    plan = Solution(routes=tuple(routes), unassigned=(), cost=plan_cost(problem, routes))
    assert check(problem, plan).ok


def _skilled_day() -> tuple[Problem, list[list[int]]]:
    """40 stops, every tenth from the third needing ``medicine``, two vehicles that
    reload (ten stops a trip), only the second with the skill; and a warm start that
    puts every stop on the first."""
    rng = np.random.default_rng(1)
    points = rng.integers(0, 100, size=(41, 2))
    d = np.abs(points[:, None, :] - points[None, :, :]).sum(-1).astype(np.int64)
    medicine = frozenset({"medicine"})
    stops = tuple(
        Stop(id=f"s{i}", location=i, demand=(1,), skills=medicine if i % 10 == 3 else frozenset())
        for i in range(1, 41)
    )
    vehicles = tuple(
        Vehicle(
            id=name, start=0, end=0, capacity=(10,), reload_locations=(0,), max_trips=None,
            skills=skills,
        )
        for name, skills in (("plain", frozenset[str]()), ("nurse", medicine))
    )  # fmt: skip
    problem = Problem(
        stops=stops,
        vehicles=vehicles,
        profiles=(Profile(name="p", durations=d, distances=d),),
        dimensions=("meals",),
    )
    reload = problem.reload_code(0)
    order: list[int] = []
    for i in range(40):
        order += [reload] if i and i % 10 == 0 else []
        order.append(i)
    return problem, [order, []]


def test_a_start_route_with_a_stop_its_vehicle_may_not_serve_is_emptied() -> None:
    """A warm start with a stop on a vehicle that lacks its skill (a ledger changed since
    the plan) is not kept, even when no step ruins it: the whole route is emptied (zero
    steps: its stops unserved), and a search reinserts them only where allowed."""
    problem, start = _skilled_day()
    medicine = {i for i, s in enumerate(problem.stops) if s.skills}
    kept = refine.refine(problem, start, deadline=time.monotonic() + 30, iterations=0)
    assert kept.routes[0] == []
    one = refine.refine(problem, start, deadline=time.monotonic() + 30, iterations=1)
    assert not medicine & set(one.routes[0])
    assert medicine <= set(one.routes[1])
    names = [[problem.entry_name(i) for i in r] for r in start]
    solution = solve(problem, time_limit=30, effort=1, initial_routes=names)
    assert check(problem, solution).ok
    assert not solution.unassigned


def _two_depot_line() -> tuple[Problem, list[list[int]]]:
    """Stops on a line: five near depot A (at 0) split over two vehicles of A, two near
    depot B (at 100) on the one vehicle of B; travel is the distance."""
    places = [0, 100, 2, 3, 4, 5, 6, 96, 97]
    d = np.abs(np.subtract.outer(places, places)).astype(np.int64)
    stops = tuple(Stop(id=f"s{i}", location=i + 2) for i in range(7))
    vehicles = tuple(
        Vehicle(id=name, start=at, end=at, cost_per_metre=1)
        for name, at in (("a1", 0), ("b", 1), ("a2", 0))
    )
    problem = Problem(
        stops=stops, vehicles=vehicles, profiles=(Profile(name="p", durations=d, distances=d),)
    )
    return problem, [[0, 1, 2], [5, 6], [3, 4]]


def test_the_smallest_route_goes_out_whole_and_its_vehicle_takes_none_of_it_back() -> None:
    """The route ruin takes every stop of the route with the fewest (B's two), marks it
    ruined, and bars its vehicle: their best places are then on A's vehicles, where
    without the bar B's vehicle takes them back."""
    problem, start = _two_depot_line()
    a = refine.arrays(problem)
    routes, lengths = refine._route_arrays(problem, a, start)
    prob = a.kernel()
    rs = _sisr._route_state(routes, lengths, prob)
    for v in range(3):
        assert _sisr._update(v, rs, prob, True)
    touched = np.zeros(3, dtype=np.bool_)
    loose = np.zeros(7, dtype=np.int64)
    assert _sisr._ruin_smallest_route(rs, prob, touched, loose, 0) == 2
    assert sorted(loose[:2].tolist()) == [5, 6]
    assert rs[1].tolist() == [3, 0, 2] and touched.tolist() == [False, True, False]
    assert rs[7][5] == rs[7][6] == -1 and rs[19][0] == 1
    _sisr._update(1, rs, prob, False)
    seen = np.zeros(int(prob[0][:, _sisr.V_CLASS].max()) + 1, dtype=np.bool_)
    barred = [_sisr._best_insertion(u, 0.0, rs, prob, seen)[0] for u in (5, 6)]
    rs[19][0] = -1
    free = [_sisr._best_insertion(u, 0.0, rs, prob, seen)[0] for u in (5, 6)]
    assert 1 not in barred and free == [1, 1]


def test_steps_that_all_take_a_route_out_keep_every_stop_served_and_priced() -> None:
    """Every step a route ruin (``route_out=1``): the plan stays whole, priced as the
    model prices it, never dearer than the start, and it checks."""
    problem = plane_problem(40, 5, seed=3, capacity=60)
    start = _searched(problem, 3)
    config = refine.RefineConfig(route_out=1.0)
    out = refine.refine(problem, start.routes, deadline=FAR, iterations=200, seed=3, config=config)
    assert sorted(i for r in out.routes for i in r) == list(range(40))
    assert out.objective == _objective(problem, out.routes) <= start.objective
    assert out.accepted > 0
    routes = [timed_route(problem, k, r) for k, r in enumerate(out.routes) if r]
    plan = Solution(routes=tuple(routes), unassigned=(), cost=plan_cost(problem, routes))
    assert check(problem, plan).ok
