"""Doorstep's routing core: problem model, OR-Tools search, diagnosis and checker.

The solver knows nothing of maps or HTTP: it takes integer matrices (seconds, metres) and
returns routes. See ``docs/ARCHITECTURE.md``.
"""

from solver.check import Breach, CheckReport, assert_feasible, check
from solver.decompose import DecomposeOptions, solve_decomposed
from solver.diagnose import diagnose
from solver.errors import Detail, ProblemValidationError, SolverError
from solver.model import (
    DAY,
    UNREACHABLE,
    Depot,
    Objective,
    ObjectiveKind,
    Problem,
    Profile,
    Stop,
    Vehicle,
)
from solver.solution import Reason, Route, Solution, SolveStats, Unassigned, Visit, VisitKind
from solver.solve import shut_down, solve, start_up

__all__ = [
    "DAY",
    "UNREACHABLE",
    "Breach",
    "CheckReport",
    "DecomposeOptions",
    "Depot",
    "Detail",
    "Objective",
    "ObjectiveKind",
    "Problem",
    "ProblemValidationError",
    "Profile",
    "Reason",
    "Route",
    "Solution",
    "SolveStats",
    "SolverError",
    "Stop",
    "Unassigned",
    "Vehicle",
    "Visit",
    "VisitKind",
    "assert_feasible",
    "check",
    "diagnose",
    "shut_down",
    "solve",
    "solve_decomposed",
    "start_up",
]
