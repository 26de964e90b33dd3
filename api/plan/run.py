"""The one entry of the plan domain: :func:`run_plan`.

``doorstep plan`` and ``doorstep demo`` (:mod:`api.cli`), a city batch's communities
(:mod:`api.plan.batch`), the HTTP service's workers (:mod:`api.service.planning`) and the
benchmarks all call it. It makes the call's one :class:`~api.plan.budget.Budget`, opens
the map (unless the caller has it loaded), runs the pipeline (:mod:`api.plan.pipeline`),
adds the suggestion when asked, and writes the outputs when given a folder. Failures
leave as typed exceptions, each carrying its code of the one error table
(:mod:`api.errors`): the map's :class:`geo.errors.GeoError`, the solver's
:class:`solver.errors.ProblemValidationError`, :class:`~api.plan.result.PlanCheckError`,
:class:`~api.plan.budget.TimeCapError`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.i18n import Lang
from api.outputs.document import plan_document, time_warnings
from api.outputs.write import write_outputs
from api.plan.budget import (
    CHECKED_TAIL,
    PLAN_SHARE_WITH_SUGGESTIONS,
    WRITTEN_TAIL,
    Budget,
)
from api.plan.cluster import process_map
from api.plan.ledger import write_volunteers
from api.plan.pipeline import decompose_options, plan_day
from api.plan.progress import Progress, ProgressFn, silent
from api.plan.request import PlanRequest
from api.plan.result import PlanResult
from api.plan.suggest import Suggestion, suggest_volunteers
from api.plan.travel import KeptMatrices, Travel, load_street_travel, open_map
from api.settings import sheet_tiles
from geo.addresses import AddressIndex
from solver.decompose import MapFn

__all__ = ["PlanRun", "load_street_travel", "run_plan"]


@dataclass(frozen=True, slots=True, eq=False)
class PlanRun:
    """What one call of :func:`run_plan` produced.

    Attributes
    ----------
    result
        The checked plan and everything its outputs are written from.
    document
        ``plan.json`` (docs/OUTPUTS.md), with the ``suggestion`` member when one was made.
    suggestion
        The volunteers to add, when asked and some households are not served.
    written
        Files written (empty when no output folder was given).
    """

    result: PlanResult
    document: dict[str, Any]
    suggestion: Suggestion | None = None
    written: tuple[Path, ...] = ()

    @property
    def all_served(self) -> bool:
        """Whether every household under observation is served (or has nothing due)."""
        return not self.document["unassigned"]


def run_plan(
    request: PlanRequest,
    *,
    map_file: Path | None = None,
    travel: Travel | None = None,
    addresses: AddressIndex | None = None,
    out: Path | None = None,
    progress: ProgressFn | None = None,
    language: Lang | None = None,
) -> PlanRun:
    """Plan one day within ``request.time_limit`` seconds for the whole call.

    Parameters
    ----------
    request
        The day and how to plan it.
    map_file
        The OSM file to open (graphs of the request's modes, and its address index) when
        ``travel`` is not given.
    travel, addresses
        Street travel and address index already loaded (the HTTP service's maps).
    out
        Folder for every output (``plan.json``, GeoJSON, summary, manifests, notifications,
        ``suggested_volunteers.csv``); ``None``: nothing written.
    progress
        Called with each stage's :class:`~api.plan.progress.Progress`.
    language
        Language of the written pages and texts (English by default).

    Raises
    ------
    geo.errors.GeoError
        The map cannot be read.
    solver.errors.ProblemValidationError
        The routing problem is invalid (a defect: the ledger passed validation).
    api.plan.result.PlanCheckError
        The independent checker rejected the plan (a defect).
    api.plan.budget.TimeCapError
        Past ``request.time_cap`` at a stage boundary; nothing written.
    """
    budget = budget_of(request, written=out is not None)
    before: dict[str, float] = {}
    if request.started is not None:
        before["start"] = budget.spent()
    say = _checked(progress or silent, budget)
    if travel is None:
        if map_file is None:
            raise ValueError("run_plan needs a map_file or a loaded travel")
        t = time.monotonic()
        travel, addresses = open_map(map_file, request.modes(), progress=say)
        before["map"] = time.monotonic() - t
    budget.check("search")
    if request.suggest:  # the re-plans of the suggestion reuse the day's matrices
        travel = KeptMatrices(travel)
    plan_budget = budget.part(PLAN_SHARE_WITH_SUGGESTIONS) if request.suggest else budget
    with _parts_runner(request) as map_fn:
        result = plan_day(
            request,
            travel=travel,
            addresses=addresses,
            budget=plan_budget,
            progress=say,
            map_fn=map_fn,
        )
    if before:
        result = dataclasses.replace(result, timings={**before, **result.timings})
    doc = plan_document(result)
    doc["warnings"] += time_warnings(budget.short)
    suggestion = None
    if request.suggest and result.issues:
        suggestion = suggest_volunteers(
            result, request, travel=travel, addresses=addresses, budget=budget
        )
        doc["suggestion"] = suggestion.document()
    written: tuple[Path, ...] = ()
    if out is not None:
        budget.check("outputs")
        written = write_plan(result, doc, suggestion, out, language)
    return PlanRun(result, doc, suggestion, written)


def budget_of(request: PlanRequest, *, written: bool = False) -> Budget:
    """The call's one budget, counted from ``request.started`` when given, keeping for
    the work after the search the tail of a plan ``written`` to a folder or returned."""
    tail = WRITTEN_TAIL if written else CHECKED_TAIL
    if request.started is None:
        return Budget(request.time_limit, request.time_cap, tail=tail)
    return Budget(request.time_limit, request.time_cap, started=request.started, tail=tail)


def write_plan(
    result: PlanResult,
    document: dict[str, Any],
    suggestion: Suggestion | None,
    out: Path,
    language: Lang | None = None,
) -> tuple[Path, ...]:
    """Write every output of a plan into ``out`` (docs/OUTPUTS.md), pages and texts in
    ``language``; return the files."""
    phones = {h.household_id: h.phone for h in result.ledger.households if h.phone}
    written = list(
        write_outputs(
            document,
            result.geometry,
            phones,
            out,
            language,
            streets=result.streets,
            tiles=sheet_tiles(),
        )
    )
    if suggestion is not None:
        csv_path = out / "suggested_volunteers.csv"
        written.append(write_volunteers(suggestion.team(), csv_path))
    return tuple(written)


def _checked(inner: ProgressFn, budget: Budget) -> ProgressFn:
    """Progress that stops the plan at its first stage event past the budget's hard cap.

    Only stage events check: the search's improvement events come from inside OR-Tools,
    which must not be interrupted by an exception (its own time limit ends it instead).
    """

    def say(event: Progress) -> None:
        if "best_cost" not in event.figures:
            budget.check(event.stage)
        inner(event)

    return say


@contextlib.contextmanager
def _parts_runner(request: PlanRequest) -> Iterator[MapFn | None]:
    """A process pool for the parts of a decomposed solve, when the request asks for one."""
    if decompose_options(request) is None:
        yield None
        return
    with process_map(request.workers) as map_fn:
        yield map_fn
