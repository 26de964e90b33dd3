"""The floor: the textbook OR-Tools model (``method="plain"``) with one worker.

Per-arc callbacks, first solution by path cheapest arc, guided local search: the model we
must stay far above. It is built by :mod:`solver` (the only place that imports OR-Tools).
"""

from __future__ import annotations

from solver import solve as doorstep_solve
from solver.model import Problem
from solver.solution import Solution


def solve(problem: Problem, *, time_limit: float, seed: int) -> Solution:
    """Solve ``problem`` with ``method="plain"``, ``workers=1``, within ``time_limit`` s."""
    return doorstep_solve(problem, time_limit=time_limit, seed=seed, workers=1, method="plain")
