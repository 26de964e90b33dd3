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
