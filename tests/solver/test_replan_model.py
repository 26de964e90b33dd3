"""Fixed prefixes and change costs against a reference plan, in the OR-Tools search."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solver import Breach, Problem, ProblemValidationError, Profile, Stop, Vehicle, check, solve

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
