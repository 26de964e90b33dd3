"""Fixed prefixes and change costs against a reference plan, in the OR-Tools search."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from solver import (
    Breach,
    Depot,
    Problem,
    ProblemValidationError,
    Profile,
    Solution,
    Stop,
    Vehicle,
    _ortools,
    check,
    refine,
    solve,
)
from solver.trips import first_routes

H = 3600


def _grid_problem(n: int = 12, vehicles: int = 3, **vehicle_fields: object) -> Problem:
    """``n`` stops on a 4-wide grid, 120 s and 100 m per step; vehicles at the corner."""
    points = [(0, 0)] + [(1 + i % 4, 1 + i // 4) for i in range(n)]
    xy = np.asarray(points, dtype=np.int64)
    steps = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2)
    stops = tuple(Stop(f"s{i}", i + 1, (1,), service=60) for i in range(n))
    fleet = tuple(
        Vehicle(f"v{k}", 0, 0, capacity=(n,), shift=(8 * H, 18 * H), **vehicle_fields)  # type: ignore[arg-type]
        for k in range(vehicles)
    )
    return Problem(
        stops=stops,
        vehicles=fleet,
        profiles=(Profile("walk", steps * 120, steps * 100),),
        dimensions=("kg",),
    )


def _with_prefixes(problem: Problem, prefixes: dict[str, tuple[str, ...]]) -> Problem:
    vehicles = tuple(
        dataclasses.replace(v, prefix=prefixes.get(v.id, ())) for v in problem.vehicles
    )
    return dataclasses.replace(problem, vehicles=vehicles)


def _assignment(solution: object) -> dict[str, str]:
    return {v.stop_id: r.vehicle_id for r in solution.routes for v in r.stops}  # type: ignore[attr-defined]


def test_fixed_prefix_begins_the_route_in_order() -> None:
    """A vehicle's prefix is served by it first, in the given (poor) order, and checked."""
    problem = _with_prefixes(_grid_problem(), {"v1": ("s11", "s0", "s5")})
    solution = solve(problem, time_limit=30, effort=20)
    route = next(r for r in solution.routes if r.vehicle_id == "v1")
    assert [v.stop_id for v in route.visits[:3]] == ["s11", "s0", "s5"]
    report = check(problem, solution)
    assert report.ok, report.violations


def test_checker_names_a_changed_prefix() -> None:
    """A plan whose route leaves out its prefix is reported as PREFIX_CHANGED."""
    problem = _grid_problem()
    solution = solve(problem, time_limit=30, effort=10)
    owner = _assignment(solution)
    other = next(v.id for v in problem.vehicles if v.id != owner["s3"])
    fixed = _with_prefixes(problem, {other: ("s3",)})
    report = check(fixed, solution)
    assert Breach.PREFIX_CHANGED in report.breaches


def test_prefix_names_are_validated() -> None:
    """A prefix naming an unknown stop, or a stop in two prefixes, is a validation error."""
    with pytest.raises(ProblemValidationError, match="prefix"):
        _with_prefixes(_grid_problem(), {"v0": ("nowhere",)})
    with pytest.raises(ProblemValidationError, match="already in"):
        _with_prefixes(_grid_problem(), {"v0": ("s1",), "v1": ("s1",)})


def test_change_cost_keeps_stops_with_their_reference_vehicle() -> None:
    """With a change cost, a re-solve keeps (far) more stops on their reference vehicle."""
    problem = _grid_problem(n=16, vehicles=4)
    # A reference plan that no cost-minimising search would make: round robin.
    reference = {f"s{i}": f"v{i % 4}" for i in range(16)}

    def moved(change_cost: int) -> int:
        stops = tuple(
            dataclasses.replace(s, reference=reference[s.id], change_cost=change_cost)
            for s in problem.stops
        )
        p = dataclasses.replace(problem, stops=stops)
        solution = solve(p, time_limit=60, effort=30)
        assert check(p, solution).ok
        return sum(1 for sid, vid in _assignment(solution).items() if reference[sid] != vid)

    assert moved(10_000) < moved(0)
    assert moved(10_000) == 0


def _line_problem(change_cost: int) -> Problem:
    """Two vehicles at the ends of a 1,000 s street (A at 0, B at 1,000), closed routes, and
    stops at 100, 200 (A's side), 520 (a little nearer B), 800, 950 and 900 (B's side); the
    stops at 520 and 900 have A as their reference."""
    xs = [0, 1000, 100, 200, 520, 800, 950, 900]
    d = np.abs(np.subtract.outer(xs, xs)).astype(np.int64)
    names = ["a100", "a200", "near", "b800", "b950", "far"]
    reference = {"near": "A", "far": "A"}
    stops = tuple(
        Stop(
            name,
            i + 2,
            (1,),
            reference=reference.get(name),
            change_cost=change_cost if name in reference else 0,
        )
        for i, name in enumerate(names)
    )
    fleet = (
        Vehicle("A", 0, 0, capacity=(10,), cost_per_second=1, cost_per_metre=0),
        Vehicle("B", 1, 1, capacity=(10,), cost_per_second=1, cost_per_metre=0),
    )
    return Problem(
        stops=stops, vehicles=fleet, profiles=(Profile("walk", d, d),), dimensions=("n",)
    )


def test_change_cost_keeps_a_stop_where_keeping_costs_less_than_the_change() -> None:
    """At 200 s per change: the stop at 520 stays with A (80 s more travel than moving it),
    the stop at 900 moves to B (keeping it would cost 1,400 s more); the plan costs 80 s more
    than the free one."""
    free = solve(_line_problem(0), time_limit=30, effort=30)
    kept = solve(_line_problem(200), time_limit=30, effort=30)
    assert check(_line_problem(200), kept).ok
    assert _assignment(free)["near"] == "B" and _assignment(free)["far"] == "B"
    assert _assignment(kept)["near"] == "A" and _assignment(kept)["far"] == "B"
    assert (free.cost, kept.cost) == (1360, 1440)


def test_a_feasible_warm_start_stands_when_no_time_is_left_to_search() -> None:
    """A search whose deadline has passed returns the (feasible) warm start, or a plan at
    least as good, never "no plan"; every stop stays served."""
    problem = _grid_problem(n=120, vehicles=4)
    warm = [list(range(k, 120, 4)) for k in range(4)]
    result = _ortools.search(
        problem, config=_ortools.SearchConfig(), deadline=time.monotonic() - 1, initial_routes=warm
    )
    assert result.found
    assert sorted(i for r in result.routes for i in r) == list(range(120))
    start = _ortools.search(
        problem,
        config=_ortools.SearchConfig(),
        deadline=time.monotonic() + 60,
        initial_routes=warm,
        solution_limit=1,
    )
    assert result.objective <= start.objective


def test_the_first_plan_gives_each_vehicle_its_own_stops_first() -> None:
    """With references in a round robin no cost-minimising plan would make, the first plan
    (built in turn) still serves every stop, each by its reference vehicle; without change
    costs it does not."""
    problem = _grid_problem(n=12, vehicles=3)
    reference = {f"s{i}": f"v{i % 3}" for i in range(12)}

    def owners(change_cost: int) -> dict[str, str]:
        stops = tuple(
            dataclasses.replace(s, reference=reference[s.id], change_cost=change_cost)
            for s in problem.stops
        )
        p = dataclasses.replace(problem, stops=stops)
        routes = first_routes(p)
        return {p.stops[i].id: p.vehicles[k].id for k, r in enumerate(routes) for i in r}

    assert owners(100) == reference
    assert owners(0) != reference and len(owners(0)) == 12


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_continuity_plan_with_trips_starts_from_the_first_plan_in_turn(seed: int) -> None:
    """Stops with trips and change costs, no warm start: the search starts from
    ``trips.first_routes`` (each vehicle its own stops first), not from the refinement's own
    first plan: at one improving solution (OR-Tools keeps the plan it is given, the
    refinement's steps follow) the plan is the one warm-started from ``first_routes``
    (it differed on these problems when the refinement built the first plan)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, size=(11, 2))
    metres = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    steps = metres.astype(np.int64)
    owners = rng.integers(0, 2, size=10)
    problem = Problem(
        stops=tuple(
            Stop(f"s{i}", i + 1, (1,), service=60, reference=f"v{owners[i]}", change_cost=300)
            for i in range(10)
        ),
        vehicles=tuple(
            Vehicle(f"v{k}", 0, 0, capacity=(3,), max_trips=None, shift=(8 * H, 18 * H))
            for k in range(2)
        ),
        profiles=(Profile("walk", steps, steps),),
        depots=(Depot("office", 0),),
        dimensions=("kg",),
    )
    start = [[problem.entry_name(e) for e in r] for r in first_routes(problem)]

    def plan(solution: Solution) -> list[tuple[str, list[str]]]:
        return [(r.vehicle_id, [v.stop_id for v in r.stops]) for r in solution.routes]

    cold = solve(problem, time_limit=30, effort=1, seed=1)
    warm = solve(problem, time_limit=30, effort=1, seed=1, initial_routes=start)
    assert plan(cold) == plan(warm) and cold.cost == warm.cost
    assert not cold.unassigned


def _round_robin_replan(change_cost: int) -> tuple[Problem, list[list[str]], set[str]]:
    """16 grid stops planned round robin on 4 vehicles (a plan no cost-minimising search
    makes), each vehicle's first stop done (its fixed prefix), then v3 unavailable: the
    problem without v3 (references and ``change_cost`` against the round robin; v3's stops
    have none), the warm start (the plan without v3) and v3's orphaned stops."""
    base = _grid_problem(n=16, vehicles=4)
    plan = [[f"s{i}" for i in range(k, 16, 4)] for k in range(4)]
    reference = {s: f"v{k}" for k, r in enumerate(plan[:3]) for s in r}
    vehicles = tuple(
        dataclasses.replace(v, prefix=(plan[k][0],)) for k, v in enumerate(base.vehicles[:3])
    )
    stops = tuple(
        dataclasses.replace(s, reference=reference.get(s.id), change_cost=change_cost)
        for s in base.stops
        if s.id != plan[3][0]  # v3's first stop was done before it fell out
    )
    problem = dataclasses.replace(base, vehicles=vehicles, stops=stops)
    return problem, plan[:3], set(plan[3][1:])


def _moved(problem: Problem, solution: object) -> set[str]:
    """Stops served by another vehicle than their reference."""
    return {
        sid
        for sid, vid in _assignment(solution).items()
        if problem.stops[problem.stop_index()[sid]].reference != vid
    }


def test_the_change_cost_moves_fewer_stops_than_a_cold_replan() -> None:
    """Same events, same effort: the warm re-plan with a change cost moves exactly the
    unavailable vehicle's stops; a cold one (no warm start, no change cost) moves more."""
    warm_problem, warm, orphans = _round_robin_replan(900)
    warm_plan = solve(warm_problem, time_limit=60, effort=20, initial_routes=warm)
    cold_problem, _, _ = _round_robin_replan(0)
    cold_plan = solve(cold_problem, time_limit=60, effort=20)
    for p, s in ((warm_problem, warm_plan), (cold_problem, cold_plan)):
        assert check(p, s).ok and not s.unassigned
    assert _moved(warm_problem, warm_plan) == orphans
    assert len(_moved(cold_problem, cold_plan)) > len(orphans)


def test_a_short_replan_refines_the_warm_start_and_places_the_orphans() -> None:
    """At a budget too short for OR-Tools to rebuild the plan it is given, the refinement
    starts from the warm start: the unavailable vehicle's stops are served by the others,
    the prefixes stand, the plan checks and says how it was made."""
    refine.warm_up()
    problem, warm, orphans = _round_robin_replan(900)
    solution = solve(problem, time_limit=1.0, initial_routes=warm)
    assert check(problem, solution).ok
    assert not solution.unassigned
    assert _moved(problem, solution) == orphans
    assert "warm start of a re-plan" in solution.stats.status
