"""What one plan is asked for: the ledger, the date, the rules and how to search.

:class:`PlanRequest` is the one settable object every door fills (the command line, the
city batch, the HTTP service, the benchmarks) and hands to :func:`api.plan.run.run_plan`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from api.plan.continuity import CHANGE_COST_S
from api.plan.ledger import Ledger
from api.plan.problem import PlanOptions
from api.plan.rules import DayRules


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """One day to plan and how.

    Attributes
    ----------
    ledger
        Households, volunteers and depots (the volunteers listed are the ones available).
    date
        The plan date.
    rules
        Day rules: loads, windows, priorities, service times (docs/INPUTS.md).
    options
        Balance and fleet options of the objective.
    time_limit
        Wall-clock seconds of the whole call (map, matrices, searches, checker, geometry,
        suggestions, outputs), shared out by :class:`api.plan.budget.Budget`.
    time_cap
        Hard cap (s): past it the plan stops at its next stage, nothing written
        (``None``: none).
    seed, workers
        Search seed; parallel searches (and decomposition processes).
    effort
        Stop each search after this many improving solutions (see :func:`solver.solve`):
        the plan then depends on the inputs and seed alone, when the limit is not reached
        first.
    previous
        Yesterday's ``plan.json`` document: each household keeps its own volunteer unless
        another saves more than ``continuity_cost_s`` seconds of travel
        (:mod:`api.plan.continuity`).
    decompose_above
        More stops than this (and no ``previous``): solve by parts on ``workers`` processes.
    suggest
        When some households are not served, say which volunteers to add (re-plans checked
        inside the same limit).
    geometry
        Trace each run's street geometry.
    started
        ``time.monotonic()`` when the call began, for a caller that counts more than the
        plan itself (a command counts from its process's start, see
        :func:`api.plan.budget.command_started`); ``None``: when the plan is asked.
    """

    ledger: Ledger
    date: dt.date
    rules: DayRules = field(default_factory=DayRules)
    options: PlanOptions = field(default_factory=PlanOptions)
    time_limit: float = 10.0
    time_cap: float | None = None
    seed: int = 0
    workers: int = 1
    effort: int | None = None
    previous: Mapping[str, Any] | None = None
    continuity_cost_s: int = CHANGE_COST_S
    decompose_above: int | None = None
    suggest: bool = False
    geometry: bool = True
    started: float | None = None

    def modes(self) -> list[str]:
        """Travel modes the plan needs graphs for (``drive`` too when suggesting)."""
        modes = {v.mode for v in self.ledger.volunteers}
        return sorted({*modes, "drive"} if self.suggest else modes)
