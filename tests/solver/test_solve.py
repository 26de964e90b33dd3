"""The OR-Tools search: every constraint kind is obeyed and every stop is accounted for."""

from __future__ import annotations

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
    solve,
)

LIMIT = 1.0


def line_profile(n: int, *, step: int = 100, speed: int = 1, name: str = "walk") -> Profile:
    """Locations 0..n-1 on a line, ``step`` metres apart, ``speed`` m/s."""
    pos = np.arange(n, dtype=np.int64) * step
    dist = np.abs(pos[:, None] - pos[None, :])
    return Profile(name, dist // speed, dist)


def consistent(problem: Problem, solution: Solution) -> None:
    """Times, loads and accounting of a plan agree with the matrices (until the checker)."""
    stops = {s.id: s for s in problem.stops}
    vehicles = {v.id: v for v in problem.vehicles}
    seen: list[str] = []
    for route in solution.routes:
        v = vehicles[route.vehicle_id]
        prof = problem.profiles[v.profile]
        here, t = v.start, route.start_time
        on_board = list(route.load)
        for visit in route.visits:
            s = stops[visit.stop_id]
            assert visit.travel_time == prof.durations[here, s.location] >= 0
            assert visit.arrival == t + visit.travel_time
            assert visit.start >= visit.arrival
            assert visit.departure == visit.start + s.service
            if s.windows:
                assert any(lo <= visit.start <= hi for lo, hi in s.windows)
            on_board = [a - b for a, b in zip(on_board, s.demand, strict=True)]
            assert list(visit.load_after) == on_board
            here, t = s.location, visit.departure
            seen.append(s.id)
        assert all(c >= q for c, q in zip(v.capacity, route.load, strict=True))
        assert route.start_time >= v.shift[0] and route.end_time <= v.shift[1]
        if v.max_duration is not None:
            assert route.duration <= v.max_duration
    seen += [u.stop_id for u in solution.unassigned]
    assert sorted(seen) == sorted(stops)


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
    assert not sol.routes
    assert {u.stop_id for u in sol.unassigned} == {"ok", "too_late"}
    assert {u.reason for u in sol.unassigned} == {Reason.FLEET_EXHAUSTED}
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
