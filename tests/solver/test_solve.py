"""The OR-Tools search: every constraint kind is obeyed and every stop is accounted for."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import numpy as np
import pytest

from solver import (
    Depot,
    Objective,
    ObjectiveKind,
    Problem,
    Profile,
    Reason,
    Solution,
    Stop,
    Vehicle,
    _ortools,
    solve,
)
from solver.check import assert_feasible
from solver.solve import _default_configs
from tests.solver.plane import plane_problem

LIMIT = 0.5


def line_profile(n: int, *, step: int = 100, speed: int = 1, name: str = "walk") -> Profile:
    """Locations 0..n-1 on a line, ``step`` metres apart, ``speed`` m/s."""
    pos = np.arange(n, dtype=np.int64) * step
    dist = np.abs(pos[:, None] - pos[None, :])
    return Profile(name, dist // speed, dist)


def consistent(problem: Problem, solution: Solution) -> None:
    """The independent checker accepts the plan (times, loads, limits, cost, accounting)."""
    assert_feasible(problem, solution)


def served(solution: Solution) -> set[str]:
    """Ids of the stops on some route."""
    return {v.stop_id for r in solution.routes for v in r.visits}


def route_of(solution: Solution, vehicle: str) -> Sequence[str]:
    """Stop ids of ``vehicle``'s route (empty if unused)."""
    for r in solution.routes:
        if r.vehicle_id == vehicle:
            return [v.stop_id for v in r.visits]
    return []


def test_serves_every_stop_when_it_can() -> None:
    """Five stops on a line, one vehicle: all served, in the cheap order, times consistent."""
    p = Problem(
        stops=tuple(Stop(f"s{i}", i, demand=(1,), service=10) for i in range(1, 6)),
        vehicles=(Vehicle("v", 0, 0, capacity=(5,)),),
        profiles=(line_profile(6),),
        dimensions=("box",),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert not sol.unassigned
    assert sol.cost == 1000  # out to 500 m and back
    assert set(sol.stats.phases) >= {"build", "search", "diagnose"}


def test_high_priority_kept_under_shortage() -> None:
    """Capacity for two of four stops: the two of highest priority are served."""
    p = Problem(
        stops=(
            Stop("far_high", 5, demand=(1,), priority=3),
            Stop("near_low", 1, demand=(1,), priority=0),
            Stop("mid_high", 3, demand=(1,), priority=2),
            Stop("near_low2", 2, demand=(1,), priority=1),
        ),
        vehicles=(Vehicle("v", 0, 0, capacity=(2,)),),
        profiles=(line_profile(6),),
        dimensions=("box",),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert served(sol) == {"far_high", "mid_high"}
    assert {u.reason for u in sol.unassigned} <= set(Reason)


def test_plain_method_may_return_no_plan() -> None:
    """The textbook model has no way to drop a stop: an impossible stop means no plan."""
    p = Problem(
        stops=(Stop("ok", 1), Stop("too_late", 5, windows=((0, 10),))),
        vehicles=(Vehicle("v", 0, 0),),
        profiles=(line_profile(6),),
    )
    sol = solve(p, time_limit=LIMIT, method="plain")
    consistent(p, sol)
    assert not sol.routes
    assert {u.stop_id for u in sol.unassigned} == {"ok", "too_late"}
    # The model is infeasible (not out of time): each stop gets its own diagnosis.
    reasons = {u.stop_id: u.reason for u in sol.unassigned}
    assert reasons == {"ok": Reason.FLEET_EXHAUSTED, "too_late": Reason.TIME_WINDOW_UNREACHABLE}
    assert "no solution" in sol.stats.status
    default = solve(p, time_limit=LIMIT)
    consistent(p, default)
    assert served(default) == {"ok"}


def test_unreachable_cells_are_never_travelled() -> None:
    """A -1 cell between two stops forces the route around it."""
    prof = line_profile(4)
    dur, dist = prof.durations.copy(), prof.distances.copy()
    dur[1, 2] = dist[1, 2] = -1
    p = Problem(
        stops=(Stop("a", 1), Stop("b", 2)),
        vehicles=(Vehicle("v", 0, 0),),
        profiles=(Profile("walk", dur, dist),),
        objective=Objective(kind=ObjectiveKind.DURATION),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert route_of(sol, "v") == ["b", "a"]


@pytest.mark.parametrize("depot_closes", [10_000, 400])
def test_depot_hours_bound_the_route(depot_closes: int) -> None:
    """A vehicle ending at a depot must be back before it closes."""
    p = Problem(
        stops=(Stop("a", 2, service=10),),
        vehicles=(Vehicle("v", 0, 0),),
        profiles=(line_profile(3),),
        depots=(Depot("d", 0, (0, depot_closes)),),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert served(sol) == ({"a"} if depot_closes >= 410 else set())


def test_multi_dimensional_capacity() -> None:
    """Two capacity dimensions: the second (cold boxes) forces a split over two vehicles."""
    p = Problem(
        stops=tuple(Stop(f"s{i}", i, demand=(1, 1)) for i in range(1, 5)),
        vehicles=(
            Vehicle("a", 0, 0, capacity=(10, 2)),
            Vehicle("b", 0, 0, capacity=(10, 2)),
        ),
        profiles=(line_profile(5),),
        dimensions=("kg", "cold"),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert not sol.unassigned
    assert sorted(len(r.visits) for r in sol.routes) == [2, 2]
    assert all(r.load == (2, 2) for r in sol.routes)


def test_second_time_window_is_used() -> None:
    """A stop whose first window cannot be reached is served in its second one."""
    p = Problem(
        stops=(Stop("s", 3, service=5, windows=((0, 100), (1000, 1100))),),
        vehicles=(Vehicle("v", 0, 0),),
        profiles=(line_profile(4),),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    (visit,) = sol.routes[0].visits
    assert visit.start == 1000
    assert visit.wait == 0  # the route leaves late instead of waiting at the door
    assert sol.routes[0].start_time == 700


def test_skills_and_allowed_vehicles() -> None:
    """A stop needing a skill goes to the vehicle having it; allowed_vehicles is obeyed."""
    p = Problem(
        stops=(
            Stop("meds", 1, skills=frozenset({"medical"})),
            Stop("only_b", 2, allowed_vehicles=frozenset({"b"})),
            Stop("any", 3),
        ),
        vehicles=(
            Vehicle("a", 0, 0, skills=frozenset({"medical"}), fixed_cost=0),
            Vehicle("b", 4, 4),
        ),
        profiles=(line_profile(5),),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert "meds" in route_of(sol, "a")
    assert "only_b" in route_of(sol, "b")
    assert not sol.unassigned


@pytest.mark.parametrize(
    "limit",
    [
        {"max_duration": 700},
        {"max_distance": 700},
        {"max_stops": 2},
    ],
)
def test_route_limits_split_the_work(limit: dict[str, int]) -> None:
    """Duration, distance and stop-count limits each force the four stops onto two routes."""
    p = Problem(  # depot in the middle: one round trip is 800 m / 800 s, each side 400
        stops=(Stop("a", 0), Stop("b", 1), Stop("c", 3), Stop("d", 4)),
        vehicles=(Vehicle("x", 2, 2, **limit), Vehicle("y", 2, 2, **limit)),  # type: ignore[arg-type]
        profiles=(line_profile(5),),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert not sol.unassigned
    assert len(sol.routes) == 2
    for r in sol.routes:
        assert r.duration <= limit.get("max_duration", r.duration)
        assert r.distance <= limit.get("max_distance", r.distance)
        assert len(r.visits) <= limit.get("max_stops", len(r.visits))


def test_open_route_ends_at_last_stop() -> None:
    """An open route pays no way back and ends at its last departure."""
    p = Problem(
        stops=(Stop("a", 2, service=30), Stop("b", 4, service=30)),
        vehicles=(Vehicle("v", 0, None),),
        profiles=(line_profile(5),),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    (route,) = sol.routes
    assert [v.stop_id for v in route.visits] == ["a", "b"]
    assert route.distance == 400 and route.end_travel_distance == 0
    assert route.end_time == route.visits[-1].departure
    assert sol.cost == 400


def test_vehicle_profiles_differ() -> None:
    """A walker cannot reach a stop the driver can; the driver's matrix times its route."""
    walk = line_profile(4, name="walk")
    wd, wm = walk.durations.copy(), walk.distances.copy()
    wd[:, 3] = wm[:, 3] = -1
    wd[3, :] = wm[3, :] = -1
    wd[3, 3] = wm[3, 3] = 0
    drive = line_profile(4, speed=10, name="drive")
    p = Problem(
        stops=(Stop("road_only", 3), Stop("near", 1)),
        vehicles=(Vehicle("walker", 0, 0, profile=0), Vehicle("driver", 0, 0, profile=1)),
        profiles=(Profile("walk", wd, wm), drive),
        objective=Objective(kind=ObjectiveKind.DURATION),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert "road_only" in route_of(sol, "driver")
    driver = next(r for r in sol.routes if r.vehicle_id == "driver")
    assert driver.travel_time == driver.distance // 10


def test_soft_deadline_costs_lateness() -> None:
    """A costly deadline pulls its stop first; a cheap one is missed and its lateness paid."""
    urgent = Problem(
        stops=(Stop("near", 1, service=100), Stop("far", 3, deadline=300, lateness_cost=100)),
        vehicles=(Vehicle("v", 0, 0),),
        profiles=(line_profile(4),),
        objective=Objective(kind=ObjectiveKind.DURATION),
    )
    sol = solve(urgent, time_limit=LIMIT)
    consistent(urgent, sol)
    assert route_of(sol, "v") == ["far", "near"]
    assert sol.cost == 600
    relaxed = Problem(
        stops=(Stop("a", 1, service=100), Stop("b", 2, deadline=100, lateness_cost=1)),
        vehicles=(Vehicle("v", 0, 0),),
        profiles=(line_profile(3),),
        objective=Objective(kind=ObjectiveKind.DURATION),
    )
    sol = solve(relaxed, time_limit=LIMIT)
    consistent(relaxed, sol)
    late = sum(v.lateness for r in sol.routes for v in r.visits)
    assert late > 0
    assert sol.cost == 400 + late


def _grid_problem(**objective: object) -> Problem:
    """Eight stops on a line, two vehicles with different fixed costs."""
    return Problem(
        stops=tuple(Stop(f"s{i}", i, demand=(1,), service=5) for i in range(1, 9)),
        vehicles=(
            Vehicle("cheap", 0, 0, capacity=(8,), fixed_cost=10),
            Vehicle("dear", 0, 0, capacity=(8,), fixed_cost=1000),
        ),
        profiles=(line_profile(9),),
        dimensions=("box",),
        objective=Objective(**objective),  # type: ignore[arg-type]
    )


def test_fixed_cost_picks_the_cheaper_vehicle() -> None:
    """One vehicle suffices; the one with the lower fixed cost is used and its cost counted."""
    p = _grid_problem()
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert [r.vehicle_id for r in sol.routes] == ["cheap"]
    assert sol.cost == 1600 + 10


def test_minimise_vehicles_uses_one_route() -> None:
    """Without fixed costs two routes tie on distance; minimise_vehicles makes it one."""
    p = Problem(
        stops=(Stop("w", 0), Stop("e", 4)),
        vehicles=(Vehicle("a", 2, 2), Vehicle("b", 2, 2)),
        profiles=(line_profile(5),),
        objective=Objective(minimise_vehicles=True),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert len(sol.routes) == 1
    assert sol.cost == 800  # the bonus steering the search is not part of the cost


def test_weighted_objective_uses_vehicle_rates() -> None:
    """Weighted cost = cost/s x seconds + cost/m x metres, per vehicle."""
    p = Problem(
        stops=(Stop("a", 2),),
        vehicles=(Vehicle("v", 0, 0, cost_per_second=3, cost_per_metre=2),),
        profiles=(line_profile(3, speed=2),),
        objective=Objective(kind=ObjectiveKind.WEIGHTED),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert sol.cost == 3 * 200 + 2 * 400


def test_warm_start_is_never_worse() -> None:
    """Starting from a poor but feasible plan returns a plan at most as costly."""
    p = _grid_problem()
    poor = [["s8", "s1", "s7", "s2"], ["s6", "s3", "s5", "s4"]]
    poor_cost = 2 * 1600 + 1010 + 1200  # zig-zags measured on the line, plus fixed costs
    sol = solve(p, time_limit=LIMIT, initial_routes=poor)
    consistent(p, sol)
    assert not sol.unassigned
    assert sol.cost <= poor_cost


def test_warm_start_is_where_the_search_begins() -> None:
    """With an effort of one solution, the OR-Tools search returns the warm start itself,
    not the cold one (the refinement, which would move on from it, is switched off)."""
    p = _grid_problem()
    everything = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]
    only_ortools = [dataclasses.replace(_default_configs(p)[0], refine_after=1.0)]
    cold = solve(p, time_limit=5, effort=1, configs=only_ortools)
    warm = solve(p, time_limit=5, effort=1, initial_routes=[[], everything], configs=only_ortools)
    consistent(p, cold)
    consistent(p, warm)
    assert [(r.vehicle_id, [v.stop_id for v in r.visits]) for r in cold.routes] == [
        ("cheap", everything)
    ]
    assert [(r.vehicle_id, [v.stop_id for v in r.visits]) for r in warm.routes] == [
        ("dear", everything)
    ]


def test_infeasible_warm_start_is_ignored() -> None:
    """A warm start breaking capacity is dropped and the search starts cold."""
    p = Problem(
        stops=(Stop("a", 1, demand=(1,)), Stop("b", 2, demand=(1,))),
        vehicles=(Vehicle("v", 0, 0, capacity=(1,)), Vehicle("w", 0, 0, capacity=(1,))),
        profiles=(line_profile(3),),
        dimensions=("box",),
    )
    sol = solve(p, time_limit=LIMIT, initial_routes=[["a", "b"]])
    consistent(p, sol)
    assert not sol.unassigned and len(sol.routes) == 2


def test_bad_options_raise() -> None:
    """Non-positive limits and unknown or repeated warm-start stops are rejected."""
    p = _grid_problem()
    with pytest.raises(ValueError, match="time_limit"):
        solve(p, time_limit=0)
    with pytest.raises(ValueError, match="unknown stop"):
        solve(p, time_limit=LIMIT, initial_routes=[["nope"]])
    with pytest.raises(ValueError, match="twice"):
        solve(p, time_limit=LIMIT, initial_routes=[["s1"], ["s1"]])


def test_effort_bound_is_deterministic() -> None:
    """With an effort bound reached before the clock, two runs give the same plan."""
    p = _grid_problem()
    a = solve(p, time_limit=5, effort=20)
    b = solve(p, time_limit=5, effort=20)
    consistent(p, a)
    consistent(p, b)
    assert [[v.stop_id for v in r.visits] for r in a.routes] == [
        [v.stop_id for v in r.visits] for r in b.routes
    ]
    assert a.cost == b.cost


def test_same_seed_same_plan_on_a_longer_search() -> None:
    """60 stops, 200 improving solutions: the same seed gives the same routes, run twice."""
    p = plane_problem(60, 5, seed=11)
    runs = [solve(p, time_limit=30, seed=3, effort=200) for _ in range(2)]
    for run in runs:
        consistent(p, run)
    assert [[v.stop_id for v in r.visits] for r in runs[0].routes] == [
        [v.stop_id for v in r.visits] for r in runs[1].routes
    ]
    assert runs[0].cost == runs[1].cost


def test_progress_reports_improvements() -> None:
    """on_progress sees non-decreasing times and strictly decreasing objectives."""
    seen: list[tuple[float, int]] = []
    p = _grid_problem()
    sol = solve(p, time_limit=LIMIT, on_progress=lambda t, c: seen.append((t, c)))
    consistent(p, sol)
    assert seen
    assert all(t1 <= t2 and c1 > c2 for (t1, c1), (t2, c2) in itertools.pairwise(seen))
    assert seen[-1][1] == sol.stats.objective


def test_two_workers_return_a_checked_plan() -> None:
    """The two-process portfolio returns a valid plan and says it used two workers."""
    p = _grid_problem()
    sol = solve(p, time_limit=2 * LIMIT, workers=2)
    consistent(p, sol)
    assert not sol.unassigned
    assert sol.stats.workers == 2
    assert sol.cost == 1610


@pytest.mark.parametrize(
    "config",
    [
        _ortools.SearchConfig(first_solution="LOCAL_CHEAPEST_INSERTION"),
        _ortools.SearchConfig(metaheuristic="ils", sisr_avg_removed=3, ils_temperature=0.5),
        _ortools.SearchConfig(metaheuristic="greedy", bandit=True, neighbors_ratio=0.5),
        _ortools.SearchConfig(metaheuristic="gls+tabu", switch_after=5),
        _ortools.SearchConfig(metaheuristic="ils", ils_recreate="LOCAL_CHEAPEST_INSERTION"),
        _ortools.SearchConfig(vehicle_cost=1.0, vehicle_cost_share=0.5),
    ],
    ids=["lci-gls", "ils", "greedy", "gls-tabu", "ils-lci", "route-guided"],
)
def test_each_search_configuration_returns_a_checked_plan(config: _ortools.SearchConfig) -> None:
    """Other first solutions and metaheuristics serve every stop of a windowed problem."""
    p = plane_problem(30, 3, seed=5)
    sol = solve(p, time_limit=1, configs=[config])
    consistent(p, sol)
    assert not sol.unassigned


def test_balance_factor_bounds_the_longest_route() -> None:
    """With a balance factor, no route lasts longer than factor x the mean duration."""
    p = Problem(
        stops=tuple(Stop(f"s{i}", i, service=50) for i in (1, 2, 3, 4, 6, 7, 8)),
        vehicles=(Vehicle("a", 5, 5), Vehicle("b", 5, 5), Vehicle("c", 5, 5)),
        profiles=(line_profile(9),),
        objective=Objective(kind=ObjectiveKind.DURATION, balance_factor=1.2),
    )
    sol = solve(p, time_limit=4 * LIMIT)
    consistent(p, sol)
    assert not sol.unassigned
    durations = [r.duration for r in sol.routes]
    assert max(durations) <= 1.2 * sum(durations) / len(durations)


def test_balance_rule_bounds_hours_and_stops_inside_the_search() -> None:
    """Five near stops on one van and three far on the other would be cheapest (counts 5
    and 3, hours 1000 and 1600 s); the rule evens both out and keeps every stop (most
    stops <= floor(1.2 x mean), longest <= 1.2 x mean + 1 s)."""
    p = Problem(
        stops=tuple(Stop(f"s{i}", i, demand=(1,)) for i in range(1, 9)),
        vehicles=(Vehicle("a", 0, 0, capacity=(5,)), Vehicle("b", 0, 0, capacity=(5,))),
        profiles=(line_profile(9),),
        objective=Objective(kind=ObjectiveKind.DURATION, balance_factor=1.2),
        dimensions=("box",),
    )
    sol = solve(p, time_limit=2 * LIMIT)
    consistent(p, sol)
    assert not sol.unassigned and len(sol.routes) == 2
    durations = [r.duration for r in sol.routes]
    counts = [len(r.visits) for r in sol.routes]
    assert max(counts) <= int(1.2 * sum(counts) / 2)
    assert max(durations) <= 1.2 * sum(durations) / 2 + 1
    assert "balance" not in sol.stats.status  # met inside the search, no re-solve


def test_required_beats_optional_and_optional_penalty_is_used() -> None:
    """Under shortage a required stop stays before a higher-priority optional one."""
    p = Problem(
        stops=(
            Stop("opt_high", 1, demand=(1,), required=False, priority=9),
            Stop("req_low", 2, demand=(1,), priority=0),
            Stop("opt_cheap", 3, demand=(1,), required=False, penalty=1),
        ),
        vehicles=(Vehicle("v", 0, 0, capacity=(2,)),),
        profiles=(line_profile(4),),
        dimensions=("box",),
    )
    sol = solve(p, time_limit=LIMIT)
    consistent(p, sol)
    assert served(sol) == {"req_low", "opt_high"}


def test_route_guidance_reports_the_true_objective() -> None:
    """With route-count guidance, the plan's objective carries no search-only vehicle cost."""
    p = plane_problem(30, 3, seed=5)
    guided = _ortools.SearchConfig(vehicle_cost=1.0, vehicle_cost_share=0.5)
    sol = solve(p, time_limit=1, configs=[guided])
    consistent(p, sol)
    assert not sol.unassigned
    assert sol.stats.objective == sol.cost


def test_window_after_every_shift_is_unserved_not_an_error() -> None:
    """A stop whose only window opens after the last shift ends is named, not a crash."""
    m = np.asarray([[0, 10], [10, 0]], dtype=np.int64)
    problem = Problem(
        stops=(Stop("late", 1, windows=((5400, 5400),)), Stop("fine", 1)),
        vehicles=(Vehicle("v", 0, 0, shift=(0, 3600)),),
        profiles=(Profile("walk", m, m),),
    )
    solution = solve(problem, time_limit=1.0, effort=5)
    assert served(solution) == {"fine"}
    assert [(u.stop_id, u.reason) for u in solution.unassigned] == [
        ("late", Reason.TIME_WINDOW_UNREACHABLE)
    ]
    assert_feasible(problem, solution)
