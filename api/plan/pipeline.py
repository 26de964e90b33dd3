"""The stages of one plan, in order, each a named function.

``request + street travel + budget -> PlanResult``:

1. :func:`select_day` -- resolve addresses offline, select the day's households, merge
   them into stops, give every point a location index (yesterday's plan, when given, is
   checked for its shape before);
2. :func:`street_matrices` -- snap every point and compute exact street matrices per mode;
3. :func:`problem_of` -- the routing problem (:func:`api.plan.problem.build_problem`);
4. :func:`search` -- solve it (by parts for a large area), or
   :func:`solve_with_continuity` when yesterday's plan is given (both in :func:`solve_day`);
5. :func:`check_plan` -- the independent checker;
6. :func:`trace_runs` -- each run's street geometry;
7. :func:`api.plan.result.household_issues` -- every household not served, with reason.

The balance rule (hours and stops per run) is the solver's, kept inside its search
(:mod:`solver.balance`); the plan only passes the factor.

Every search takes its seconds from the one :class:`api.plan.budget.Budget`. No FastAPI,
no printing: progress goes to a callback. The entry is :func:`api.plan.run.run_plan`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.i18n import N_
from api.plan.addresses import map_addresses, resolve_addresses
from api.plan.budget import Budget
from api.plan.continuity import (
    Continuity,
    outcomes,
    own_volunteers,
    references,
    with_change_costs,
)
from api.plan.coord_check import check_coordinates
from api.plan.day import DaySelection, build_day
from api.plan.outcomes import missed_first, missed_households
from api.plan.problem import Locations, build_problem, locate
from api.plan.progress import Progress, ProgressFn, silent
from api.plan.request import PlanRequest
from api.plan.result import (
    PlanCheckError,
    PlanResult,
    household_issues,
)
from api.plan.travel import Travel, check_matrix_memory
from api.settings import matrix_max_bytes
from geo.addresses import AddressIndex, Resolution
from solver import Problem, Solution, solve
from solver.check import check
from solver.decompose import DecomposeOptions, MapFn, solve_decomposed
from solver.trips import first_routes

if TYPE_CHECKING:
    from geo import TravelMatrices

OnSolve = Callable[[float, int], None]


@dataclass(frozen=True, slots=True, eq=False)
class Day:
    """The day before its search: stops, their location index, matrices, problem."""

    selection: DaySelection
    locations: Locations
    resolutions: dict[str, Resolution]
    matrices: dict[str, TravelMatrices]
    problem: Problem


@dataclass(frozen=True, slots=True, eq=False)
class Searched:
    """A search's plan, the problem it was solved under, and the continuity it kept."""

    solution: Solution
    solved: Problem
    continuity: Continuity | None = None


def select_day(
    request: PlanRequest, addresses: AddressIndex | None, say: ProgressFn
) -> tuple[DaySelection, Locations, dict[str, Resolution]]:
    """Stage 1: addresses resolved, the day's stops, every point's location index."""
    ledger, date = request.ledger, request.date
    resolutions = resolve_addresses(ledger, date, addresses)
    resolved = {h: r.lonlat for h, r in resolutions.items() if r.lonlat is not None}
    if resolutions:
        say(
            Progress(
                "addresses",
                N_("%(resolved)d of %(total)d addresses resolved"),
                {"resolved": len(resolved), "total": len(resolutions)},
            )
        )
    named = map_addresses(ledger, date, addresses, resolved)
    selection = build_day(ledger, date, rules=request.rules, resolved=resolved, map_addresses=named)
    locations = locate(selection, ledger.volunteers, ledger.depots)
    return selection, locations, resolutions


def street_matrices(
    locations: Locations,
    modes: list[str],
    travel: Travel,
    say: ProgressFn,
    timings: dict[str, float],
) -> dict[str, TravelMatrices]:
    """Stage 2: every point snapped and exact street matrices, per travel mode (refused up
    front when they would need more than ``DOORSTEP_MATRIX_MAX_BYTES``)."""
    n = len(locations.points)
    check_matrix_memory(n, len(modes), matrix_max_bytes())
    matrices: dict[str, TravelMatrices] = {}
    for mode in modes:
        t = time.monotonic()
        snap_m = travel.snap(mode, locations.points)
        timings[f"snap_{mode}"] = time.monotonic() - t
        farthest = float(snap_m.max(initial=0))
        say(
            Progress(
                "snap",
                N_("%(mode)s: %(n)d points on the streets, farthest %(far)s m (%(s)s s)"),
                {
                    "mode": mode,
                    "n": n,
                    "far": f"{farthest:.0f}",
                    "s": f"{timings[f'snap_{mode}']:.2f}",
                },
            )
        )
        t = time.monotonic()
        mm = travel.matrices(mode, locations.points)
        matrices[mode] = mm
        far = int((~mm.reachable).sum())
        timings[f"matrix_{mode}"] = time.monotonic() - t
        text = (
            N_(
                "%(mode)s: %(n)dx%(n)d street times and distances in %(s)s s; %(far)d points "
                "beyond the snap limit, unreachable"
            )
            if far
            else N_("%(mode)s: %(n)dx%(n)d street times and distances in %(s)s s")
        )
        seconds = f"{timings[f'matrix_{mode}']:.2f}"
        values = {"mode": mode, "n": n, "s": seconds, "far": far}
        say(Progress("matrix", text, values, {"points": n, "unreachable": far}))
    return matrices


def prepare_day(
    request: PlanRequest,
    travel: Travel,
    addresses: AddressIndex | None,
    say: ProgressFn,
    timings: dict[str, float],
) -> Day:
    """Stages 1-3: the day's stops, their street matrices and the routing problem."""
    t = time.monotonic()
    selection, locations, resolutions = select_day(request, addresses, say)
    timings["select"] = time.monotonic() - t
    modes = sorted({v.mode for v in request.ledger.volunteers})
    matrices = street_matrices(locations, modes, travel, say, timings)
    problem = problem_of(request, selection, locations, matrices)
    return Day(selection, locations, resolutions, matrices, problem)


def problem_of(
    request: PlanRequest,
    selection: DaySelection,
    locations: Locations,
    matrices: Mapping[str, TravelMatrices],
) -> Problem:
    """Stage 3: the routing problem of the day; households the previous day missed come
    first (:func:`api.plan.outcomes.missed_first`)."""
    ledger = request.ledger
    pairs = {m: (mm.durations, mm.distances) for m, mm in matrices.items()}
    problem = build_problem(
        selection,
        ledger.volunteers,
        ledger.depots,
        locations,
        pairs,
        options=request.options,
        rules=request.rules,
    )
    return missed_first(problem, selection, missed_households(request.previous))


def search(
    request: PlanRequest,
    problem: Problem,
    budget: Budget,
    on_solve: OnSolve,
    say: ProgressFn,
    map_fn: MapFn | None,
) -> Solution:
    """Stage 4: solve the day in the budget's search share (by parts for a large area)."""
    parts = decompose_options(request)
    if parts is not None and len(problem.stops) > parts.threshold:
        say(
            Progress(
                "solve",
                N_("large area: decomposed into parts of ~%(size)d"),
                {"size": parts.part_size},
            )
        )
        return solve_decomposed(
            problem,
            time_limit=budget.search_seconds(stops=len(problem.stops)),
            seed=request.seed,
            options=parts,
            map_fn=map_fn,
            on_progress=on_solve,
            effort=request.effort,
        )
    return solve(
        problem,
        time_limit=budget.search_seconds(stops=len(problem.stops)),
        seed=request.seed,
        workers=request.workers,
        effort=request.effort,
        on_progress=on_solve,
    )


def decompose_options(request: PlanRequest) -> DecomposeOptions | None:
    """How a large area is solved by parts: parts of 300 stops (fewer when the threshold
    is lower), one per worker at a time; ``None`` when not asked for."""
    if not request.decompose_above:
        return None
    return DecomposeOptions(
        threshold=request.decompose_above,
        part_size=max(2, min(300, request.decompose_above)),
        parallel=max(1, request.workers),
    )


def solve_with_continuity(
    request: PlanRequest,
    day: Day,
    own: Mapping[str, str],
    budget: Budget,
    on_solve: OnSolve,
) -> Searched:
    """Stage 4 with yesterday's plan: one search in which a household served by another
    than its own volunteer (working today) costs ``request.continuity_cost_s`` of travel
    (:mod:`api.plan.continuity`), from a first plan in which every volunteer takes their own
    households first (:func:`solver.trips.first_routes`); the plan says per household
    whether it kept its volunteer."""
    ids = [v.volunteer_id for v in request.ledger.volunteers]
    cost = request.continuity_cost_s
    problem = with_change_costs(day.problem, references(day.selection, own, ids), cost)
    first = [[problem.entry_name(e) for e in r] for r in first_routes(problem)]
    solution = solve(
        problem,
        time_limit=budget.search_seconds(stops=len(problem.stops)),
        seed=request.seed,
        workers=request.workers,
        effort=request.effort,
        initial_routes=first,
        on_progress=on_solve,
    )
    continuity = outcomes(day.selection, problem, solution, own, cost)
    return Searched(solution, problem, continuity)


def check_plan(problem: Problem, solution: Solution, say: ProgressFn) -> None:
    """Stage 5: the independent checker recomputes every route.

    Raises
    ------
    PlanCheckError
        If it rejects the plan (a defect).
    """
    report = check(problem, solution)
    if not report.ok:
        raise PlanCheckError(f"the checker rejected the plan: {report}")
    say(Progress("check", N_("plan checked: every route recomputed from the street matrices")))


def trace_runs(
    request: PlanRequest, day: Day, solution: Solution, travel: Travel, say: ProgressFn
) -> dict[str, Any]:
    """Stage 6: each run's street-following GeoJSON geometry, by volunteer id."""
    problem = day.problem
    mode_of = {v.volunteer_id: v.mode for v in request.ledger.volunteers}
    vehicle = problem.vehicle_index()
    out: dict[str, Any] = {}
    for r in solution.routes:
        v = problem.vehicles[vehicle[r.vehicle_id]]
        order = [v.start, *(s.location for s in r.visits)]
        if v.end is not None:
            order.append(v.end)
        out[r.vehicle_id] = travel.geometry(mode_of[r.vehicle_id], day.locations.points, order)
    say(Progress("geometry", N_("%(n)d runs traced along the streets"), {"n": len(out)}))
    return out


#: Margin drawn around a plan's points on the pages' maps (degrees, about 200 m).
STREETS_MARGIN_DEG = 0.002
#: The pages' maps are between these aspects (width / height): the streets are taken over
#: the plan's box widened to ``MAP_ASPECT[1]`` times its height and heightened to its width
#: over ``MAP_ASPECT[0]``, so that a map framed on a narrow plan has streets to its edges.
MAP_ASPECT = (1.5, 1.6)


def streets_around(
    points: Sequence[tuple[float, float]], travel: Travel
) -> tuple[tuple[tuple[float, float], ...], ...]:
    """The map's streets within :data:`STREETS_MARGIN_DEG` of the plan's points (stops,
    starts, depots), the box widened to :data:`MAP_ASPECT`, for the pages' maps (drawn
    offline, as the map page does)."""
    if not points:
        return ()
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    m = STREETS_MARGIN_DEG
    west, east = min(lons) - m, max(lons) + m
    south, north = min(lats) - m, max(lats) + m
    k = math.cos(math.radians((south + north) / 2))  # degrees of longitude to of latitude
    width, height = (east - west) * k, north - south
    grow_x = max(0.0, MAP_ASPECT[1] * height - width) / 2 / k
    grow_y = max(0.0, width / MAP_ASPECT[0] - height) / 2
    bbox = (west - grow_x, south - grow_y, east + grow_x, north + grow_y)
    return tuple(tuple(line) for line in travel.streets(bbox))


def solve_day(
    request: PlanRequest,
    day: Day,
    own: Mapping[str, str] | None,
    budget: Budget,
    say: ProgressFn,
    map_fn: MapFn | None,
) -> Searched:
    """Stage 4: the search (with continuity when the households' own volunteers are given);
    progress on every improvement."""

    def on_solve(seconds: float, best: int) -> None:
        say(
            Progress(
                "solve",
                N_("best cost %(cost)s after %(s)s s"),
                {"cost": f"{best:,}", "s": f"{seconds:.1f}"},
                {"best_cost": best},
                improving=True,
            )
        )

    n_stops, n_vehicles = len(day.problem.stops), len(day.problem.vehicles)
    say(
        Progress(
            "solve",
            N_("%(stops)d stops, %(volunteers)d volunteers"),
            {"stops": n_stops, "volunteers": n_vehicles},
        )
    )
    if own is not None:
        searched = solve_with_continuity(request, day, own, budget, on_solve)
    else:
        solution = search(request, day.problem, budget, on_solve, say, map_fn)
        searched = Searched(solution, day.problem)
    solution = searched.solution
    say(
        Progress(
            "solve",
            N_("done: cost %(cost)s, %(n)d stops unassigned"),
            {"cost": f"{solution.cost:,}", "n": len(solution.unassigned)},
            {"best_cost": solution.cost},
        )
    )
    return searched


def plan_day(
    request: PlanRequest,
    *,
    travel: Travel,
    addresses: AddressIndex | None,
    budget: Budget,
    progress: ProgressFn | None = None,
    map_fn: MapFn | None = None,
) -> PlanResult:
    """Plan one day: the stages above in order (see the module notes).

    Parameters
    ----------
    request
        The day and how to plan it.
    travel
        Street travel per mode; must cover every volunteer's mode.
    addresses
        Offline address index (``None``: households given by address only are unresolved).
    budget
        The call's time budget; each search takes its share.
    progress
        Called with a :class:`Progress` at each stage.
    map_fn
        Runs the parts of a decomposed solve (default: one after another here).

    Raises
    ------
    PlanCheckError
        If the independent checker rejects the plan (a defect).
    PlanTooLargeError
        If the street matrices would exceed ``DOORSTEP_MATRIX_MAX_BYTES`` (checked before
        any is built).
    PreviousPlanError
        If ``request.previous`` is not shaped as a ``plan.json``.
    """
    say = progress or silent
    timings: dict[str, float] = {}
    # Yesterday's plan is checked for its shape before any work.
    own = own_volunteers(request.previous) if request.previous else None
    day = prepare_day(request, travel, addresses, say, timings)
    coord_fit = check_coordinates(request.ledger, travel, addresses)
    if coord_fit is not None and coord_fit.warn:
        warning = {"sentence": coord_fit.sentence()}
        say(Progress("coords", N_("warning: %(sentence)s"), warning))

    t = time.monotonic()
    searched = solve_day(request, day, own, budget, say, map_fn)
    solution = searched.solution
    timings["solve"] = time.monotonic() - t
    t = time.monotonic()
    check_plan(day.problem, solution, say)
    timings["check"] = time.monotonic() - t
    geometry: dict[str, Any] = {}
    streets: tuple[tuple[tuple[float, float], ...], ...] = ()
    if request.geometry:
        t = time.monotonic()
        geometry = trace_runs(request, day, solution, travel, say)
        streets = streets_around(day.locations.points, travel)
        timings["geometry"] = time.monotonic() - t
    issues = household_issues(day.selection, solution, day.resolutions, day.matrices, day.locations)
    return PlanResult(
        date=request.date,
        ledger=request.ledger,
        selection=day.selection,
        locations=day.locations,
        problem=day.problem,
        solution=solution,
        matrices=day.matrices,
        issues=issues,
        not_due=day.selection.not_due,
        resolutions=day.resolutions,
        geometry=geometry,
        timings=timings,
        continuity=searched.continuity,
        coord_fit=coord_fit,
        streets=streets,
    )
