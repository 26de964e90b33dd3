"""The one plan pipeline every door calls (CLI, HTTP service, benchmarks).

``ledger + date + street graphs -> PlanResult``: resolve addresses offline, select the day's
households and merge them into stops, snap every point per travel mode, compute exact
street matrices per mode over one shared location index, build and solve the routing
problem (with continuity from yesterday's plan when given), check the plan independently,
and trace each run's street geometry. No FastAPI, no printing: progress goes to a callback.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from api.day import (
    DayRules,
    DaySelection,
    Excluded,
    Locations,
    LonLat,
    PlanOptions,
    build_day,
    build_problem,
    locate,
)
from api.ledger import Ledger
from api.settings import matrix_max_bytes
from geo.addresses import AddressIndex, Resolution, Status
from solver import Problem, Solution, solve
from solver.check import check
from solver.decompose import DecomposeOptions, MapFn, solve_decomposed
from solver.diagnose import diagnose
from solver.errors import Detail
from solver.objective import priority_rank

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event: a stage (``addresses``, ``graph``, ``snap``, ``matrix``, ``solve``,
    ``check``, ``geometry``) with a sentence and optional figures (e.g. ``best_cost``)."""

    stage: str
    message: str
    figures: dict[str, float] = field(default_factory=dict)


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True, slots=True, eq=False)
class ModeMatrices:
    """Street travel between the plan's points on one mode.

    Attributes
    ----------
    durations, distances
        N x N int64 seconds and metres, ``-1`` where unreachable.
    snap_m
        Distance (m) from each point to its street.
    reachable
        Whether each point snapped within the limit.
    """

    durations: IntMatrix
    distances: IntMatrix
    snap_m: npt.NDArray[np.float64]
    reachable: npt.NDArray[np.bool_]


class Travel(Protocol):
    """Where travel times come from: the street graphs of each mode."""

    def modes(self) -> Sequence[str]:
        """Travel modes available."""
        ...

    def snap(self, mode: str, points: Sequence[LonLat]) -> npt.NDArray[np.float64]:
        """Place ``(lon, lat)`` points on the streets of ``mode``; return snap distances (m)."""
        ...

    def matrices(self, mode: str, points: Sequence[LonLat]) -> ModeMatrices:
        """Snap ``(lon, lat)`` points and return their matrices on ``mode``."""
        ...

    def geometry(self, mode: str, points: Sequence[LonLat], order: Sequence[int]) -> Any:
        """Street-following GeoJSON geometry visiting ``points[order]`` on ``mode``, or None."""
        ...


class StreetTravel:
    """Travel on real OSM street graphs (one per mode) from :mod:`geo`.

    Parameters
    ----------
    graphs
        ``{mode: StreetGraph}`` as returned by ``geo.load_graphs``.
    max_snap_m
        Doors farther than this from a usable street are unreachable on that mode (m).
    """

    def __init__(self, graphs: Mapping[str, Any], *, max_snap_m: float = 300.0) -> None:
        self.graphs = dict(graphs)
        self.max_snap_m = max_snap_m
        self._snapped: dict[tuple[str, tuple[LonLat, ...]], Any] = {}

    def modes(self) -> Sequence[str]:
        """Travel modes with a loaded graph."""
        return tuple(self.graphs)

    def _snap(self, mode: str, points: Sequence[LonLat]) -> Any:
        import geo

        key = (mode, tuple(points))
        if key not in self._snapped:
            self._snapped[key] = geo.snap(
                self.graphs[mode], list(points), max_snap_m=self.max_snap_m
            )
        return self._snapped[key]

    def snap(self, mode: str, points: Sequence[LonLat]) -> npt.NDArray[np.float64]:
        """Snap the points to the streets of ``mode`` (kept for the matrices and geometry)."""
        return np.asarray(self._snap(mode, points).snap_m, np.float64)

    def matrices(self, mode: str, points: Sequence[LonLat]) -> ModeMatrices:
        """Snap the points on ``mode`` and compute exact street matrices."""
        import geo

        snapped = self._snap(mode, points)
        tm = geo.travel_matrices(self.graphs[mode], snapped)
        return ModeMatrices(
            np.asarray(tm.durations, np.int64),
            np.asarray(tm.distances, np.int64),
            np.asarray(snapped.snap_m, np.float64),
            np.asarray(snapped.reachable, np.bool_),
        )

    def geometry(self, mode: str, points: Sequence[LonLat], order: Sequence[int]) -> Any:
        """Street-following GeoJSON of a run visiting ``points`` in ``order``."""
        import geo

        return geo.route_geometry(self.graphs[mode], self._snap(mode, points), list(order))


def load_street_travel(
    source: str, modes: Sequence[str], *, progress: ProgressFn | None = None
) -> StreetTravel:
    """Load the street graphs of ``modes`` from an OSM file (cached on disk by :mod:`geo`)."""
    import geo

    t0 = time.monotonic()
    graphs = geo.load_graphs(source, profiles=tuple(modes))
    if progress:
        sizes = ", ".join(f"{m} {g.n_nodes:,} nodes" for m, g in graphs.items())
        progress(Progress("graph", f"{sizes} in {time.monotonic() - t0:.1f} s"))
    return StreetTravel(graphs)


@dataclass(frozen=True, slots=True)
class HouseholdIssue:
    """A household under observation that gets no delivery today, with reason and sentence."""

    household_id: str
    reason: str
    message: str
    stop_id: str = ""


@dataclass(frozen=True, slots=True)
class Continuity:
    """How yesterday's volunteer assignment carried over.

    Attributes
    ----------
    eligible
        Households on today's plan whose volunteer of yesterday works today.
    kept
        Of those, how many keep that volunteer.
    used_sticky
        Whether the plan preferring yesterday's volunteers was taken.
    cost_free, cost_sticky
        Plan cost without and with that preference.
    """

    eligible: int
    kept: int
    used_sticky: bool
    cost_free: int
    cost_sticky: int


@dataclass(frozen=True, slots=True, eq=False)
class PlanResult:
    """Everything one plan produced; the outputs are written from it.

    Attributes
    ----------
    date
        The plan date.
    ledger, selection, locations, problem, solution
        The inputs, the day's stops, their location index, the routing problem and its plan.
    matrices
        Street matrices per mode over ``locations``.
    issues
        Households under observation that get no delivery today, each with reason.
    not_due
        Households under observation with nothing due today.
    resolutions
        Address lookups made, by household id.
    geometry
        Street-following GeoJSON geometry per volunteer id (empty when not asked).
    timings
        Seconds per stage.
    continuity
        Carry-over from yesterday when a previous plan was given.
    """

    date: dt.date
    ledger: Ledger
    selection: DaySelection
    locations: Locations
    problem: Problem
    solution: Solution
    matrices: dict[str, ModeMatrices]
    issues: tuple[HouseholdIssue, ...]
    not_due: tuple[Excluded, ...]
    resolutions: dict[str, Resolution]
    geometry: dict[str, Any]
    timings: dict[str, float]
    continuity: Continuity | None = None


class PlanCheckError(RuntimeError):
    """The independent checker rejected a plan: a defect, never the user's fault."""

    code = "PLAN_REJECTED"


def resolve_addresses(
    ledger: Ledger, date: dt.date, index: AddressIndex | None
) -> dict[str, Resolution]:
    """Resolve the addresses of the day's households that have no coordinates."""
    out: dict[str, Resolution] = {}
    for h in ledger.households:
        if h.lon is not None or not (h.observation_start <= date <= h.observation_end):
            continue
        if index is None:
            out[h.household_id] = Resolution(
                h.address, Status.NOT_FOUND, message="no map addresses loaded"
            )
        else:
            out[h.household_id] = index.resolve(h.address)
    return out


def map_addresses(
    ledger: Ledger,
    date: dt.date,
    index: AddressIndex | None,
    resolved: Mapping[str, LonLat],
) -> dict[str, str]:
    """Nearest map address of the day's households the ledger gives none for, by id."""
    out: dict[str, str] = {}
    if index is None:
        return out
    for h in ledger.households:
        if h.address or not (h.observation_start <= date <= h.observation_end):
            continue
        at = (h.lon, h.lat) if h.lon is not None and h.lat is not None else None
        at = at or resolved.get(h.household_id)
        if at is not None:
            found, _ = index.nearest(*at)
            if found:
                out[h.household_id] = found
    return out


def _household_issues(
    selection: DaySelection,
    solution: Solution,
    resolutions: Mapping[str, Resolution],
    matrices: Mapping[str, ModeMatrices],
    locations: Locations,
) -> tuple[HouseholdIssue, ...]:
    out: list[HouseholdIssue] = []
    for e in selection.excluded:
        message = e.message
        res = resolutions.get(e.household_id)
        if e.reason == "ADDRESS_UNRESOLVED" and res is not None:
            message = f"Address {res.query!r}: {res.message}; add lon/lat to the ledger."
        out.append(HouseholdIssue(e.household_id, e.reason, message))
    stops = {s.stop_id: s for s in selection.stops}
    for u in solution.unassigned:
        stop = stops[u.stop_id]
        message = u.message
        if u.reason == "UNREACHABLE":
            loc = locations.stop[u.stop_id]
            far = [
                f"{m} {mm.snap_m[loc]:.0f} m"
                for m, mm in matrices.items()
                if not bool(mm.reachable[loc])
            ]
            if far:
                message += f" Distance from the door to the nearest street: {', '.join(far)}."
        for hid in stop.household_ids:
            out.append(HouseholdIssue(hid, str(u.reason), message, u.stop_id))
    return tuple(sorted(out, key=lambda i: i.household_id))


class PreviousPlanError(ValueError):
    """Yesterday's ``plan.json`` does not have the shape of a plan; ``details`` name where."""

    code = "INVALID_LEDGER"

    def __init__(self, details: Sequence[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        super().__init__(
            f"{len(self.details)} problem(s) in the previous plan:\n"
            + "\n".join(f"- {d}" for d in self.details)
        )


def _previous_faults(plan: Any) -> list[Detail]:
    """Where ``plan`` differs from the part of ``plan.json`` continuity reads."""
    if not isinstance(plan, Mapping) or not isinstance(plan.get("routes"), list):
        return [Detail("previous plan", "routes", "must be a list of runs (is it a plan.json?)")]
    out: list[Detail] = []
    for i, route in enumerate(plan["routes"], start=1):
        where = f"previous plan routes item {i}"
        if not isinstance(route, Mapping):
            out.append(Detail(where, "route", "must be an object"))
            continue
        if not isinstance(route.get("volunteer_id"), str):
            out.append(Detail(where, "volunteer_id", "must be text"))
        stops = route.get("stops", [])
        if not isinstance(stops, list):
            out.append(Detail(where, "stops", "must be a list of stops"))
            continue
        for k, stop in enumerate(stops, start=1):
            ids = stop.get("household_ids", []) if isinstance(stop, Mapping) else None
            if not isinstance(ids, list) or not all(isinstance(h, str) for h in ids):
                out.append(Detail(f"{where} stop {k}", "household_ids", "must be a list of ids"))
    return out


def previous_assignment(plan: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Map household id -> (volunteer id, position on that run) from a ``plan.json`` document.

    Raises
    ------
    PreviousPlanError
        Naming every place where ``plan`` is not shaped as a plan (runs, ids, stops).
    """
    faults = _previous_faults(plan)
    if faults:
        raise PreviousPlanError(faults)
    out: dict[str, tuple[str, int]] = {}
    for route in plan["routes"]:
        for k, stop in enumerate(route.get("stops", [])):
            for hid in stop.get("household_ids", []):
                out[hid] = (route["volunteer_id"], k)
    return out


#: Bytes per point pair and travel mode of the street matrices (durations and distances,
#: int64 each).
MATRIX_BYTES_PER_PAIR = 16


class PlanTooLargeError(ValueError):
    """The street matrices of a plan would need more memory than allowed; nothing was built."""

    code = "PLAN_TOO_LARGE"

    def __init__(self, message: str, details: Sequence[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        super().__init__(message)


def check_matrix_memory(points: int, modes: int, limit: int) -> None:
    """Refuse a plan whose street matrices would exceed ``limit`` bytes, before building them.

    Parameters
    ----------
    points
        Distinct locations (depots, volunteer starts, stops).
    modes
        Travel modes needing a matrix.
    limit
        Most bytes the matrices may take (``DOORSTEP_MATRIX_MAX_BYTES``).

    Raises
    ------
    PlanTooLargeError
        Naming the figure, the limit and what to do.
    """
    need = MATRIX_BYTES_PER_PAIR * points * points * modes
    if need <= limit:
        return
    message = (
        f"the street matrices would need {need:,} bytes ({need / 2**30:,.1f} GiB: {points:,} "
        f"distinct points squared x {modes} travel mode(s) x {MATRIX_BYTES_PER_PAIR} bytes); "
        f"the limit is {limit:,} bytes (DOORSTEP_MATRIX_MAX_BYTES): plan the ledger in "
        "smaller parts (one per community, e.g. doorstep plan-batch)"
    )
    problem = f"{points:,} distinct points on {modes} mode(s) need {need:,} bytes of matrices"
    raise PlanTooLargeError(message, [Detail("ledger", "households", problem)])


def _preferences(
    selection: DaySelection, previous: Mapping[str, tuple[str, int]], volunteer_ids: Sequence[str]
) -> tuple[dict[str, str], list[list[str]]]:
    """Preferred volunteer per stop (majority of its households) and warm-start routes."""
    present = set(volunteer_ids)
    prefer: dict[str, str] = {}
    order: dict[str, float] = {}
    for s in selection.stops:
        votes = Counter(previous[h][0] for h in s.household_ids if h in previous)
        if not votes:
            continue
        vid, _ = votes.most_common(1)[0]
        if vid in present:
            prefer[s.stop_id] = vid
            order[s.stop_id] = min(previous[h][1] for h in s.household_ids if h in previous)
    routes = [
        sorted((sid for sid, v in prefer.items() if v == vid), key=lambda sid: order[sid])
        for vid in volunteer_ids
    ]
    return prefer, routes


def _served_by(solution: Solution) -> dict[str, str]:
    return {v.stop_id: r.vehicle_id for r in solution.routes for v in r.visits}


def _count_kept(
    selection: DaySelection, solution: Solution, prefer_hh: Mapping[str, str]
) -> tuple[int, int]:
    by = _served_by(solution)
    eligible = kept = 0
    for s in selection.stops:
        for h in s.household_ids:
            if h in prefer_hh:
                eligible += 1
                kept += int(by.get(s.stop_id) == prefer_hh[h])
    return eligible, kept


def _covers(problem: Problem, tighter: Solution, first: Solution) -> bool:
    """Whether ``tighter`` serves at least as many stops as ``first`` in every priority group."""
    a = priority_rank(problem, _served_by(tighter))
    b = priority_rank(problem, _served_by(first))
    return all(x >= y for x, y in zip(a, b, strict=True))


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
    if not _covers(problem, tighter, solution):
        return solution
    if _hours_ratio(tighter) > max(factor, _hours_ratio(solution)):
        return solution  # fewer stops each, but hours less even than before
    if tighter.unassigned:
        index = problem.stop_index()
        missing = [index[u.stop_id] for u in tighter.unassigned]
        tighter = replace(tighter, unassigned=tuple(diagnose(problem, missing, tighter.routes)))
    return tighter


def plan_day(
    ledger: Ledger,
    date: dt.date,
    *,
    travel: Travel,
    addresses: AddressIndex | None = None,
    rules: DayRules | None = None,
    options: PlanOptions | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    effort: int | None = None,
    decompose: DecomposeOptions | None = None,
    map_fn: MapFn | None = None,
    previous: Mapping[str, Any] | None = None,
    continuity_tolerance: float = 0.15,
    geometry: bool = True,
    progress: ProgressFn | None = None,
) -> PlanResult:
    """Plan one day's runs.

    Parameters
    ----------
    ledger
        Households, volunteers and depots (volunteers listed are the ones available).
    date
        The plan date.
    travel
        Street travel per mode (:class:`StreetTravel`); must cover every volunteer's mode.
    addresses
        Offline address index: places households given by address only, and names the
        nearest map address of households given by coordinates only (for manifests).
    rules, options
        Day rules (loads, windows, service times) and plan options (balance, fleet).
    time_limit
        Seconds for the search (split between the two searches when ``previous`` is given).
    seed, workers
        Passed to :func:`solver.solve`.
    effort
        Passed to :func:`solver.solve`: stop each search after this many improving
        solutions, so the plan depends on the inputs and seed alone (when the time limit
        is not reached first). Batches use it for reproducible plans.
    decompose, map_fn
        Large areas: when given and the day has more stops than ``decompose.threshold``
        (and no ``previous`` plan), solve by :func:`solver.solve_decomposed`, the parts run
        through ``map_fn`` (default one after another here).
    previous
        Yesterday's ``plan.json`` document: its runs warm-start the search, and each
        household keeps yesterday's volunteer when that costs at most
        ``continuity_tolerance`` (fraction) more than the plan without that preference.
    geometry
        Trace street geometry of each run.
    progress
        Called with a :class:`Progress` at each stage.

    Returns
    -------
    PlanResult
        The checked plan and everything needed to write its outputs.

    Raises
    ------
    PlanCheckError
        If the independent checker rejects the plan (a defect).
    PlanTooLargeError
        If the street matrices would exceed ``DOORSTEP_MATRIX_MAX_BYTES`` (checked before
        any is built).
    PreviousPlanError
        If ``previous`` is not shaped as a ``plan.json``.
    """
    say = progress or (lambda _p: None)
    timings: dict[str, float] = {}
    t = time.monotonic()
    resolutions = resolve_addresses(ledger, date, addresses)
    resolved = {h: r.lonlat for h, r in resolutions.items() if r.lonlat is not None}
    if resolutions:
        say(Progress("addresses", f"{len(resolved)} of {len(resolutions)} addresses resolved"))
    named = map_addresses(ledger, date, addresses, resolved)
    selection = build_day(ledger, date, rules=rules, resolved=resolved, map_addresses=named)
    volunteers = ledger.volunteers
    locations = locate(selection, volunteers, ledger.depots)
    timings["select"] = time.monotonic() - t

    modes = sorted({v.mode for v in volunteers})
    check_matrix_memory(len(locations.points), len(modes), matrix_max_bytes())
    prev = previous_assignment(previous) if previous else {}
    matrices: dict[str, ModeMatrices] = {}
    n = len(locations.points)
    for mode in modes:
        t = time.monotonic()
        snap_m = travel.snap(mode, locations.points)
        timings[f"snap_{mode}"] = time.monotonic() - t
        say(
            Progress(
                "snap",
                f"{mode}: {n} points on the streets, farthest {float(snap_m.max(initial=0)):.0f} m"
                f" ({timings[f'snap_{mode}']:.2f} s)",
            )
        )
        t = time.monotonic()
        mm = travel.matrices(mode, locations.points)
        matrices[mode] = mm
        far = int((~mm.reachable).sum())
        timings[f"matrix_{mode}"] = time.monotonic() - t
        say(
            Progress(
                "matrix",
                f"{mode}: {n}x{n} street times and distances in {timings[f'matrix_{mode}']:.2f} s"
                + (f"; {far} points beyond the snap limit, unreachable" if far else ""),
                {"points": n, "unreachable": far},
            )
        )
    pairs = {m: (mm.durations, mm.distances) for m, mm in matrices.items()}
    problem = build_problem(
        selection, volunteers, ledger.depots, locations, pairs, options=options, rules=rules
    )

    def on_solve(seconds: float, best: int) -> None:
        say(Progress("solve", f"best cost {best:,} after {seconds:.1f} s", {"best_cost": best}))

    t = time.monotonic()
    say(Progress("solve", f"{len(problem.stops)} stops, {len(problem.vehicles)} volunteers"))
    continuity: Continuity | None = None
    sticky_problem = problem
    prefer_hh: dict[str, str] = {}
    if previous:
        ids = [v.volunteer_id for v in volunteers]
        prefer, warm = _preferences(selection, prev, ids)
        prefer_hh = {
            h: prefer[s.stop_id]
            for s in selection.stops
            if s.stop_id in prefer
            for h in s.household_ids
        }
        half = max(time_limit / 2, 0.5)
        free = solve(
            problem,
            time_limit=half,
            seed=seed,
            workers=workers,
            effort=effort,
            initial_routes=warm,
            on_progress=on_solve,
        )
        sticky_problem = build_problem(
            selection,
            volunteers,
            ledger.depots,
            locations,
            pairs,
            options=options,
            rules=rules,
            allowed={sid: frozenset({vid}) for sid, vid in prefer.items()},
        )
        sticky = solve(
            sticky_problem,
            time_limit=half,
            seed=seed,
            workers=workers,
            effort=effort,
            initial_routes=warm,
            on_progress=on_solve,
        )
        sticky_ok = priority_rank(problem, _served_by(sticky)) >= priority_rank(
            problem, _served_by(free)
        ) and (sticky.cost <= free.cost * (1 + continuity_tolerance))
        solution = sticky if sticky_ok else free
        if sticky_ok and sticky.unassigned:
            # Name reasons against the day's real rules, not the preference's restriction.
            index = problem.stop_index()
            missing = [index[u.stop_id] for u in sticky.unassigned]
            unassigned = tuple(diagnose(problem, missing, sticky.routes))
            solution = replace(sticky, unassigned=unassigned)
        eligible, kept = _count_kept(selection, solution, prefer_hh)
        continuity = Continuity(eligible, kept, sticky_ok, free.cost, sticky.cost)
    elif decompose is not None and len(problem.stops) > decompose.threshold:
        say(Progress("solve", f"large area: decomposed into parts of ~{decompose.part_size}"))
        solution = solve_decomposed(
            problem,
            time_limit=time_limit,
            seed=seed,
            options=decompose,
            map_fn=map_fn,
            on_progress=on_solve,
            effort=effort,
        )
    else:
        solution = solve(
            problem,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            effort=effort,
            on_progress=on_solve,
        )
    factor = problem.objective.balance_factor
    if factor is not None:
        used = sticky_problem if continuity is not None and continuity.used_sticky else problem
        # What the plan's budget has left (the search may have used all of it: the
        # duration bound's re-solve runs to the limit); at least half a second.
        left = time_limit - (time.monotonic() - t)
        balanced = balance_stops(
            used,
            solution,
            factor,
            time_limit=max(min(time_limit / 2, left), 0.5),
            seed=seed,
            workers=workers,
            effort=effort,
            on_progress=on_solve,
        )
        if balanced is not solution:
            say(Progress("solve", f"stops per run bounded by {factor:g} x the mean"))
            solution = balanced
            if used is not problem and solution.unassigned:
                index = problem.stop_index()
                missing = [index[u.stop_id] for u in solution.unassigned]
                unassigned = tuple(diagnose(problem, missing, solution.routes))
                solution = replace(solution, unassigned=unassigned)
            if continuity is not None:
                eligible, kept = _count_kept(selection, solution, prefer_hh)
                continuity = replace(continuity, eligible=eligible, kept=kept)
    timings["solve"] = time.monotonic() - t
    say(
        Progress(
            "solve",
            f"done: cost {solution.cost:,}, {len(solution.unassigned)} stops unassigned",
            {"best_cost": solution.cost},
        )
    )

    t = time.monotonic()
    report = check(problem, solution)
    if not report.ok:
        raise PlanCheckError(f"the checker rejected the plan: {report}")
    timings["check"] = time.monotonic() - t
    say(Progress("check", "plan checked: every route recomputed from the street matrices"))

    geo_out: dict[str, Any] = {}
    if geometry:
        t = time.monotonic()
        mode_of = {v.volunteer_id: v.mode for v in volunteers}
        for r in solution.routes:
            order = [problem.vehicles[problem.vehicle_index()[r.vehicle_id]].start]
            order += [v.location for v in r.visits]
            end = problem.vehicles[problem.vehicle_index()[r.vehicle_id]].end
            if end is not None:
                order.append(end)
            geo_out[r.vehicle_id] = travel.geometry(mode_of[r.vehicle_id], locations.points, order)
        timings["geometry"] = time.monotonic() - t
        say(Progress("geometry", f"{len(geo_out)} runs traced along the streets"))

    issues = _household_issues(selection, solution, resolutions, matrices, locations)
    return PlanResult(
        date=date,
        ledger=ledger,
        selection=selection,
        locations=locations,
        problem=problem,
        solution=solution,
        matrices=matrices,
        issues=issues,
        not_due=selection.not_due,
        resolutions=resolutions,
        geometry=geo_out,
        timings=timings,
        continuity=continuity,
    )


def with_volunteers(ledger: Ledger, extra: Sequence[Any]) -> Ledger:
    """A copy of ``ledger`` with more volunteers appended."""
    return replace(ledger, volunteers=(*ledger.volunteers, *extra))
