"""Property tests: on random small problems every stop is accounted for and plans check.

The random problems use every constraint kind: several capacity dimensions, multiple
windows, skills and allowed vehicles, duration / distance / stop limits, open routes,
per-vehicle profiles with unreachable islands, depot hours, soft deadlines, priorities and
optional stops. Travel is Manhattan distance on a small grid (scaled per profile), so the
triangle inequality holds and a served stop is always feasible on its own.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    check,
)
from solver.diagnose import diagnose_stop
from solver.solve import solve

SKILLS = ("cold", "lift")


def _profiles(draw: st.DrawFn, points: np.ndarray, n_profiles: int) -> tuple[Profile, ...]:
    manhattan = np.abs(points[:, None, :] - points[None, :, :]).sum(axis=2).astype(np.int64)
    out = []
    for p in range(n_profiles):
        speed = draw(st.integers(20, 120))
        durations, distances = manhattan * speed, manhattan * 50
        # An island: locations cut off from the rest on this profile only.
        island = draw(st.sets(st.integers(1, len(points) - 1), max_size=1))
        for loc in island:
            mask = np.zeros(len(points), dtype=bool)
            mask[loc] = True
            cut = mask[:, None] != mask[None, :]
            durations = np.where(cut, -1, durations)
            distances = np.where(cut, -1, distances)
        out.append(Profile(f"p{p}", durations, distances))
    return tuple(out)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """A random valid problem with 1-6 stops and 1-3 vehicles."""
    n_loc = draw(st.integers(2, 7))
    points = np.array(
        draw(
            st.lists(
                st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=n_loc, max_size=n_loc
            )
        )
    )
    dims = draw(st.integers(1, 2))
    n_profiles = draw(st.integers(1, 2))
    profiles = _profiles(draw, points, n_profiles)
    skill_sets = st.frozensets(st.sampled_from(SKILLS), max_size=1)

    vehicles = []
    for k in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, min(1, n_loc - 1)))
        shift_start = draw(st.integers(0, 4)) * 1800
        vehicles.append(
            Vehicle(
                id=f"v{k}",
                start=start,
                end=draw(st.one_of(st.none(), st.just(start))),
                capacity=tuple(draw(st.integers(3, 12)) for _ in range(dims)),
                shift=(shift_start, shift_start + draw(st.integers(2, 10)) * 1800),
                max_duration=draw(st.one_of(st.none(), st.integers(1, 8).map(lambda h: h * 1800))),
                max_distance=draw(st.one_of(st.none(), st.integers(500, 3000))),
                max_stops=draw(st.one_of(st.none(), st.integers(0, 3))),
                skills=draw(st.frozensets(st.sampled_from(SKILLS))),
                profile=draw(st.integers(0, n_profiles - 1)),
                fixed_cost=draw(st.integers(0, 50)),
                cost_per_second=draw(st.integers(0, 2)),
                cost_per_metre=draw(st.integers(0, 2)),
            )
        )
    ids = [v.id for v in vehicles]

    stops = []
    for i in range(draw(st.integers(1, 6))):
        windows: list[tuple[int, int]] = []
        t = draw(st.integers(0, 3)) * 1800
        for _ in range(draw(st.integers(0, 2))):
            width = draw(st.integers(0, 3)) * 1200
            windows.append((t, t + width))
            t += width + draw(st.integers(1, 4)) * 1200
        deadline = draw(st.one_of(st.none(), st.integers(0, 5 * 3600)))
        stops.append(
            Stop(
                id=f"s{i}",
                location=draw(st.integers(0, n_loc - 1)),
                demand=tuple(draw(st.integers(0, 8)) for _ in range(dims)),
                service=draw(st.integers(0, 3)) * 300,
                windows=tuple(windows),
                deadline=deadline,
                lateness_cost=0 if deadline is None else draw(st.integers(0, 3)),
                priority=draw(st.integers(0, 3)),
                skills=draw(skill_sets),
                allowed_vehicles=draw(
                    st.one_of(st.none(), st.frozensets(st.sampled_from(ids), min_size=1))
                ),
                required=draw(st.booleans()),
                penalty=draw(st.one_of(st.none(), st.integers(0, 5000))),
            )
        )
    depots = ()
    if draw(st.booleans()):
        opens = draw(st.integers(0, 3)) * 1800
        depots = (Depot("d", 0, window=(opens, opens + draw(st.integers(1, 10)) * 1800)),)
    return Problem(
        stops=tuple(stops),
        vehicles=tuple(vehicles),
        profiles=profiles,
        depots=depots,
        objective=Objective(kind=draw(st.sampled_from(list(ObjectiveKind)))),
        dimensions=tuple(f"d{k}" for k in range(dims)),
        skills=frozenset(SKILLS),
    )


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(problems(), st.integers(0, 3), st.data())
def test_every_stop_accounted_for_and_plan_checks(
    problem: Problem, seed: int, data: st.DataObject
) -> None:
    """Each stop is on one route or unassigned with a reason (not both), and the plan checks."""
    # Bounded by effort, the plan is a function of the example (the clock a backstop only):
    # without it every example searched its whole half second.
    solution = solve(problem, time_limit=0.5, seed=seed, effort=5)
    served = Counter(v.stop_id for r in solution.routes for v in r.visits)
    left = Counter(u.stop_id for u in solution.unassigned)
    for stop in problem.stops:
        assert served[stop.id] + left[stop.id] == 1, stop.id
    for u in solution.unassigned:
        assert isinstance(u.reason, Reason) and u.message.strip()
    report = check(problem, solution)
    assert report.ok, report.violations
    # A stop the search served is feasible on its own, so diagnosis would never call it
    # impossible: the two agree on what "impossible" means.
    for stop in problem.stops:
        if served[stop.id]:
            assert diagnose_stop(problem, stop).reason is Reason.FLEET_EXHAUSTED, stop.id
    # And the checker is not a rubber stamp: one small corruption of this plan is caught.
    broken = data.draw(st.sampled_from(_corruptions(solution)))
    assert not check(problem, broken).ok


def _corruptions(solution: Solution) -> list[Solution]:
    """Plans that differ from ``solution`` by one broken rule each."""
    out = [dataclasses.replace(solution, cost=solution.cost + 1)]
    if solution.routes:
        r = solution.routes[0]
        v = r.visits[0]
        late = dataclasses.replace(v, arrival=v.arrival + 1)
        out.append(_with_route(solution, dataclasses.replace(r, visits=(late, *r.visits[1:]))))
        out.append(_with_route(solution, dataclasses.replace(r, visits=r.visits[1:])))
        gone = Unassigned(v.stop_id, Reason.FLEET_EXHAUSTED, "listed twice")
        out.append(dataclasses.replace(solution, unassigned=(*solution.unassigned, gone)))
    if solution.unassigned:
        out.append(dataclasses.replace(solution, unassigned=solution.unassigned[1:]))
    return out


def _with_route(solution: Solution, route: Route) -> Solution:
    return dataclasses.replace(solution, routes=(route, *solution.routes[1:]))
