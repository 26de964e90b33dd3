"""Stop balance: no run carries more than ``factor`` x the mean number of stops.

The solver bounds hours (no run longer than ``factor`` x the mean run); this stage bounds
the number of doors per run by re-solving with a per-volunteer stop cap, and keeps the
tighter plan only when it serves as well (every priority group) and its hours are no less
even. The search's own balance lives in :mod:`solver`; this stage is kept apart, as a
named stage of :mod:`api.plan.pipeline`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from api.plan.result import covers, diagnosed
from solver import Problem, Solution, solve


def balance_stops(
    problem: Problem,
    solution: Solution,
    factor: float,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    effort: int | None = None,
    on_progress: Callable[[float, int], None] | None = None,
    rounds: int = 2,
) -> Solution:
    """Bound every run's number of stops by ``factor`` x the mean over the runs called.

    The solver bounds hours (no run longer than ``factor`` x the mean run). Hours alone let
    a fast driver take thirty doors while a walker takes three; so when the most stops on
    one run exceed ``factor`` x the mean, the day is solved again (``time_limit`` s, warm
    started from the plan with each run cut to the bound) with every volunteer's
    ``max_stops`` lowered to that bound. The tighter plan is kept only if it serves at least
    as many stops in every priority group and its hours are no less even (still within the
    bound, or no worse than before); otherwise ``solution`` stands and the summary
    says the bound is not met. Calling more volunteers lowers the mean, so this is done up
    to ``rounds`` times, sharing ``time_limit``. ``effort`` bounds each re-solve's improving
    solutions as in :func:`solver.solve` (deterministic plans under any machine load).
    """
    for _ in range(rounds):
        tighter = _cap_stops(
            problem, solution, factor, time_limit / rounds, seed, workers, effort, on_progress
        )
        if tighter is solution:
            break
        solution = tighter
    return solution


def _hours_ratio(solution: Solution) -> float:
    """Longest run over the mean run (1.0 when there is no run)."""
    durations = [r.duration for r in solution.routes if r.visits]
    if not durations:
        return 1.0
    return max(durations) * len(durations) / max(sum(durations), 1)


def _cap_stops(
    problem: Problem,
    solution: Solution,
    factor: float,
    time_limit: float,
    seed: int,
    workers: int,
    effort: int | None,
    on_progress: Callable[[float, int], None] | None,
) -> Solution:
    counts = [len(r.visits) for r in solution.routes if r.visits]
    if not counts:
        return solution
    cap = max(1, math.floor(factor * sum(counts) / len(counts)))
    if max(counts) <= cap:
        return solution
    vehicles = tuple(
        replace(v, max_stops=cap if v.max_stops is None else min(v.max_stops, cap))
        for v in problem.vehicles
    )
    capped = replace(problem, vehicles=vehicles)
    by_vehicle = {r.vehicle_id: [v.stop_id for v in r.visits][:cap] for r in solution.routes}
    warm = [by_vehicle.get(v.id, []) for v in problem.vehicles]
    tighter = solve(
        capped,
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        effort=effort,
        initial_routes=warm,
        on_progress=on_progress,
    )
    if not covers(problem, tighter, solution):
        return solution
    if _hours_ratio(tighter) > max(factor, _hours_ratio(solution)):
        return solution  # fewer stops each, but hours less even than before
    return diagnosed(problem, tighter)
