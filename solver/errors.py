"""Errors a caller of the solver can cause, each naming the record and field at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Detail:
    """One problem found in the input.

    Attributes
    ----------
    record
        Which object is at fault, e.g. ``"stop 'S12'"`` or ``"vehicle 'v3'"``.
    field
        The field of that object, e.g. ``"demand"``.
    problem
        A sentence saying what is wrong, e.g. ``"must not be negative, got -2"``.
    """

    record: str
    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.record}, field {self.field!r}: {self.problem}"


class SolverError(Exception):
    """Base class of every error the solver package raises on purpose."""

    code = "SOLVER_ERROR"


class ProblemValidationError(SolverError, ValueError):
    """The problem given to the solver is invalid; ``details`` lists every fault found.

    Validation collects all faults before raising, so a caller sees them all at once.
    """

    code = "INVALID_PROBLEM"

    def __init__(self, details: list[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        head = f"{len(self.details)} problem(s) in the input"
        super().__init__(head + ":\n" + "\n".join(f"- {d}" for d in self.details))
