"""Each reason code comes out of a real solve of a small hand-made problem, checked."""

from __future__ import annotations

import numpy as np
import pytest

from solver import Problem, Profile, Reason, Stop, Vehicle, assert_feasible, diagnose
from solver.solve import solve

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


def test_search_cut_short_says_more_time_may_help() -> None:
    """Stopped after its first solution, the solve adds that a longer limit may fit the stop."""
    problem, words = CASES[Reason.FLEET_EXHAUSTED]
    cut = solve(problem, time_limit=5, effort=1)
    settled = solve(problem, time_limit=1)
    for solution in (cut, settled):
        assert_feasible(problem, solution)
    (u,) = cut.unassigned
    assert u.reason is Reason.FLEET_EXHAUSTED and words in u.message
    assert "longer limit may also fit it in" in u.message
    (v,) = settled.unassigned
    assert v.reason is Reason.FLEET_EXHAUSTED and "longer limit" not in v.message
