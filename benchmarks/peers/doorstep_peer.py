"""Our engine as a benchmark peer: :func:`solver.solve` with one worker (one core)."""

from __future__ import annotations

from solver import solve as doorstep_solve
from solver.model import Problem
from solver.solution import Solution


def solve(problem: Problem, *, time_limit: float, seed: int) -> Solution:
    """Solve ``problem`` with the default method, ``workers=1``, within ``time_limit`` s."""
    return doorstep_solve(problem, time_limit=time_limit, seed=seed, workers=1)
