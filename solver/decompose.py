"""Large problems by decomposition: cluster, solve the parts in parallel, stitch, mend borders.

One OR-Tools model stays fast below about a thousand stops; above that, building the model
alone costs seconds and the search improves slowly. :func:`solve_decomposed` splits such a
problem into geographic parts, each a small problem of its own, and solves them at once:

1. **Cluster** (``cluster`` phase): k-medoids on the symmetric travel time
   ``T[i, j] + T[j, i]`` of the profile most vehicles use (the matrices are all the solver
   knows of geography; no coordinates are needed). Medoids start k-means++ style from the
   seed, then a few rounds of assign / re-centre. The final assignment is balanced: each
   part holds at most ``balance`` times the mean number of stops, stops with the most to
   lose from a far part choosing first.
2. **Match vehicles** to parts: each part's share of the work is the mean of its share of
   stops and of demand in each dimension; vehicles (weighted by their capacity) are handed
   out closest-first (travel from the vehicle's start to the part's medoid and back to its
   end) until every part has its share; every part gets at least one vehicle when there
   are enough.
3. **Solve the parts** (``parts`` phase) through the caller's ``map_fn`` (a Dask client's, a
   process pool's, or the built-in sequential one). A part is a small, self-contained
   :class:`~solver.model.Problem` holding only its own locations, so it is cheap to ship
   to another process or machine. Stop and vehicle ids are kept, so the parts stitch back
   into one plan of the whole problem without any renaming.
4. **Mend the borders** (``borders`` phase): rounds of disjoint pairs of neighbouring
   parts (medoids close in travel time), each pair re-solved as one problem warm-started
   from its current routes, together with the stops the pair left unserved. A pair's new
   routes replace the old ones only if they serve at least as much in every priority group
   and cost less, so every round keeps or improves the plan. Pairs not yet tried go first.
5. **Stitch** the final routes on the whole problem (times, loads and cost recomputed by
   :mod:`solver.schedule`) and diagnose every stop still unserved (:mod:`solver.diagnose`).

The plan is complete after step 3; ``stats.phases["first_plan"]`` says when that was.
This module imports neither OR-Tools nor Dask: parts are solved by :func:`solver.solve`
inside whatever ``map_fn`` the caller passes.

Time: every phase is planned against one deadline, ``time_limit`` (minus a small margin
and the time the stitching is expected to take) after the call began. Each part and pair
carries that deadline as a wall-clock instant (``time.time()``, so it also holds on the
other machines of a cluster whose clocks agree): a search that starts late, behind a slow
wave, is shortened to end by it, and a pair that would start after it is not solved at
all (its routes stay as they are). Only the first phase may overrun, by at most a
``_FLOOR`` slice per wave, because the plan must be complete.

Determinism: with ``effort`` set and ``rounds`` bounding the border rounds, the plan is a
pure function of the problem, the seed and the options whenever the time limit is not
reached first (set it generously); otherwise the clock decides how far the searches get.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from solver.diagnose import compatible, diagnose
from solver.model import DAY, Depot, Problem, Profile, Stop, Vehicle
from solver.objective import priority_rank
from solver.schedule import plan_cost, timed_route
from solver.solution import Route, Solution, SolveStats
from solver.solve import solve

T = TypeVar("T")
R = TypeVar("R")

#: ``map``-like callable: ``map(fn, items)`` returns ``fn(item)`` for every item, in order.
MapFn = Callable[[Callable[[Any], Any], Sequence[Any]], Iterable[Any]]

IntArray = npt.NDArray[np.int64]

#: Share of the time limit kept back for stitching and diagnosis.
_MARGIN = 0.04
#: Shortest time slice of a part in the first phase (s); the time limit is exceeded only
#: when there are so many parts per worker that even this does not fit.
_FLOOR = 0.2
#: A warm-started pair with less time than this before its deadline is not searched.
_MIN_PAIR = 0.3
#: Stitching time kept back per stop still unserved after the first phase (s): the
#: diagnosis of each one (4,283 stops on 150 vehicles took 4.7 s, 1.1 ms each, before the
#: diagnosis examined identical vehicles once; less since).
_STITCH_PER_UNSERVED = 0.002


@dataclass(frozen=True, slots=True)
class DecomposeOptions:
    """Settings of :func:`solve_decomposed`.

    Attributes
    ----------
    threshold
        Problems with at most this many stops are solved as one model.
    part_size
        Target number of stops per part.
    balance
        Most stops in a part, as a multiple of the mean part size.
    parallel
        How many parts the caller's ``map_fn`` runs at once (sizes each part's time slice).
    parts_share
        Share of the time limit given to solving the parts; the rest mends the borders.
    min_part_seconds
        Shortest time slice of a pair solve (s); a border round that cannot have it is not
        started.
    pair_seconds
        Longest time slice of one pair solve in a border round (s).
    neighbours
        How many nearest parts of each part are candidates for border pairs.
    kmedoids_rounds
        Assign / re-centre rounds of the clustering.
    rounds
        Most border rounds (``None``: as many as the time allows). With ``effort``, a
        bounded number of rounds makes the plan independent of the machine's speed.
    """

    threshold: int = 1000
    part_size: int = 300
    balance: float = 1.2
    parallel: int = 1
    parts_share: float = 0.5
    min_part_seconds: float = 1.0
    pair_seconds: float = 6.0
    neighbours: int = 3
    kmedoids_rounds: int = 6
    rounds: int | None = None

    def __post_init__(self) -> None:
        if self.part_size < 2:
            raise ValueError(f"part_size must be at least 2, got {self.part_size}")
        if self.balance < 1.0:
            raise ValueError(f"balance must be at least 1, got {self.balance}")
        if self.parallel < 1:
            raise ValueError(f"parallel must be at least 1, got {self.parallel}")
        if not 0.0 < self.parts_share <= 1.0:
            raise ValueError(f"parts_share must be in (0, 1], got {self.parts_share}")
        if self.rounds is not None and self.rounds < 0:
            raise ValueError(f"rounds must be at least 0, got {self.rounds}")


@dataclass(frozen=True, slots=True)
class Clusters:
    """A split of the stops into parts, with the vehicles matched to them.

    Attributes
    ----------
    medoids
        Position in ``problem.stops`` of each part's central stop.
    stop_part
        Part of each stop (problem order).
    vehicle_part
        Part of each vehicle (problem order), or -1 when it has none.
    """

    medoids: tuple[int, ...]
    stop_part: tuple[int, ...]
    vehicle_part: tuple[int, ...]

    @property
    def count(self) -> int:
        """Number of parts."""
        return len(self.medoids)


@dataclass(frozen=True, slots=True)
class Part:
    """One self-contained piece of work for a worker: solve ``problem`` for ``time_limit`` s.

    ``initial`` (stop ids per vehicle, in the part's vehicle order) warm-starts the search;
    the result keeps the initial routes unless the search found better ones. ``deadline``
    (``time.time()`` seconds, wall clock) is when the result is due: a search that starts
    late is shortened to end by then (never below ``_FLOOR`` s when there is no warm start,
    as the part must get routes), and a warm-started one with less than ``_MIN_PAIR`` s
    left is not run.
    """

    problem: Problem
    time_limit: float
    seed: int = 0
    effort: int | None = None
    initial: tuple[tuple[str, ...], ...] | None = None
    deadline: float | None = None


@dataclass(frozen=True, slots=True)
class PartResult:
    """Routes of a solved :class:`Part`: stop ids per vehicle, in the part's vehicle order.

    ``skipped`` says the part came too late to be searched (its initial routes are back
    unchanged); ``seconds`` is the wall-clock time the worker spent on it.
    """

    routes: tuple[tuple[str, ...], ...]
    improved: bool
    cost: int
    skipped: bool = False
    seconds: float = 0.0


def local_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """The sequential ``map``: solve the parts one after another in this process."""
    return [fn(item) for item in items]


# --------------------------------------------------------------------------- clustering


def _reference_profile(problem: Problem) -> Profile:
    counts = np.bincount([v.profile for v in problem.vehicles], minlength=len(problem.profiles))
    return problem.profiles[int(np.argmax(counts))] if len(counts) else problem.profiles[0]


def _round_trip(durations: IntArray, a: npt.ArrayLike, b: npt.ArrayLike) -> IntArray:
    """``T[a, b] + T[b, a]`` for index arrays ``a`` (rows) and ``b`` (columns); no path = huge."""
    ai = np.asarray(a, dtype=np.int64)
    bi = np.asarray(b, dtype=np.int64)
    there = durations[np.ix_(ai, bi)]
    back = durations[np.ix_(bi, ai)].T
    out = there + back
    out[(there < 0) | (back < 0)] = 2**40
    return out.astype(np.int64)


def _kmeanspp(
    dist_to: Callable[[int], IntArray], n: int, k: int, rng: np.random.Generator
) -> list[int]:
    first = int(rng.integers(n))
    medoids = [first]
    nearest = dist_to(first).astype(np.float64)
    for _ in range(1, k):
        weights = np.minimum(nearest, 2**30) ** 2
        total = weights.sum()
        pick = int(rng.choice(n, p=weights / total)) if total > 0 else int(rng.integers(n))
        medoids.append(pick)
        nearest = np.minimum(nearest, dist_to(pick))
    return medoids


def _balanced_assign(dist: IntArray, cap: int) -> npt.NDArray[np.int64]:
    """Nearest medoid per stop (rows), no part above ``cap``; biggest regret chooses first."""
    n, k = dist.shape
    order = np.argsort(dist, axis=1, kind="stable")
    if k > 1:
        sorted_d = np.take_along_axis(dist, order[:, :2], axis=1)
        regret = sorted_d[:, 1] - sorted_d[:, 0]
    else:
        regret = np.zeros(n, dtype=np.int64)
    out = np.full(n, -1, dtype=np.int64)
    size = np.zeros(k, dtype=np.int64)
    for i in np.argsort(-regret, kind="stable"):
        for c in order[i]:
            if size[c] < cap:
                out[i] = c
                size[c] += 1
                break
    return out


def cluster(
    problem: Problem, *, parts: int, balance: float = 1.2, seed: int = 0, rounds: int = 6
) -> tuple[list[int], list[int]]:
    """Split the stops into ``parts`` groups close in travel time (balanced k-medoids).

    Parameters
    ----------
    problem
        The problem; the durations of the profile most vehicles use measure closeness.
    parts
        Number of groups (at most the number of stops).
    balance
        Most stops per group, as a multiple of the mean.
    seed
        Seed of the initial medoids.
    rounds
        Assign / re-centre rounds.

    Returns
    -------
    tuple
        ``(medoids, part of each stop)``; medoids are positions in ``problem.stops``.
    """
    n = len(problem.stops)
    k = max(1, min(parts, n))
    durations = _reference_profile(problem).durations
    loc = np.asarray([s.location for s in problem.stops], dtype=np.int64)
    rng = np.random.default_rng(seed)

    def dist_to(i: int) -> IntArray:
        return _round_trip(durations, loc, [loc[i]])[:, 0]

    medoids = _kmeanspp(dist_to, n, k, rng)
    cap = math.ceil(balance * n / k)
    assign = np.zeros(n, dtype=np.int64)
    for r in range(rounds + 1):
        dist = _round_trip(durations, loc, loc[medoids])
        last = r == rounds
        assign = _balanced_assign(dist, cap) if last else np.argmin(dist, axis=1)
        if last:
            break
        moved = False
        for c in range(k):
            members = np.flatnonzero(assign == c)
            if not len(members):
                continue
            inner = _round_trip(durations, loc[members], loc[members])
            best = int(members[int(np.argmin(inner.sum(axis=1)))])
            if best != medoids[c]:
                medoids[c] = best
                moved = True
        if not moved:
            dist = _round_trip(durations, loc, loc[medoids])
            assign = _balanced_assign(dist, cap)
            break
    return [int(m) for m in medoids], [int(a) for a in assign]


def _vehicle_weight(problem: Problem, v: Vehicle) -> float:
    if not problem.dimensions:
        return 1.0
    means = [
        max(1e-9, float(np.mean([u.capacity[d] for u in problem.vehicles])))
        for d in range(len(problem.dimensions))
    ]
    return float(np.mean([v.capacity[d] / means[d] for d in range(len(means))]))


def match_vehicles(problem: Problem, medoids: Sequence[int], stop_part: Sequence[int]) -> list[int]:
    """Hand every vehicle to a part, closest first, in proportion to each part's work.

    Parameters
    ----------
    problem
        The problem.
    medoids
        Central stop of each part (positions in ``problem.stops``).
    stop_part
        Part of each stop.

    Returns
    -------
    list of int
        Part of each vehicle (problem order).
    """
    k, n_v = len(medoids), len(problem.vehicles)
    parts = np.asarray(stop_part, dtype=np.int64)
    shares = [np.bincount(parts, minlength=k) / max(1, len(parts))]
    for d in range(len(problem.dimensions)):
        q = np.bincount(parts, weights=[s.demand[d] for s in problem.stops], minlength=k)
        if q.sum() > 0:
            shares.append(q / q.sum())
    share = np.mean(shares, axis=0)
    weights = [_vehicle_weight(problem, v) for v in problem.vehicles]
    target = share * sum(weights)
    cost = np.zeros((n_v, k), dtype=np.int64)
    for j, v in enumerate(problem.vehicles):
        dur = problem.profiles[v.profile].durations
        med = [problem.stops[m].location for m in medoids]
        there = dur[v.start, med]
        back = dur[med, v.end if v.end is not None else v.start]
        trip = there + back
        trip[(there < 0) | (back < 0)] = 2**40
        cost[j] = trip
    out = [-1] * n_v
    given = np.zeros(k)
    # Every part first gets its closest vehicle (when there are enough of them).
    if n_v >= k:
        for part in np.argsort(-share, kind="stable").tolist():
            free = [j for j in range(n_v) if out[j] < 0]
            j = min(free, key=lambda j: (cost[j, part], j))
            out[j], given[part] = part, given[part] + weights[j]
    pairs = sorted((int(cost[j, c]), j, c) for j in range(n_v) for c in range(k))
    for _, j, c in pairs:
        if out[j] < 0 and given[c] + 0.5 * weights[j] <= target[c]:
            out[j], given[c] = c, given[c] + weights[j]
    for j in range(n_v):
        if out[j] < 0:
            part = min(range(k), key=lambda c: (given[c] / max(target[c], 1e-9), cost[j, c]))
            out[j], given[part] = part, given[part] + weights[j]
    return out


def _fits(stop: Stop, vehicle: Vehicle) -> bool:
    fits = all(q <= c for q, c in zip(stop.demand, vehicle.capacity, strict=True))
    return fits and compatible(stop, vehicle)


def rehome(
    problem: Problem, medoids: Sequence[int], stop_part: Sequence[int], vehicle_part: Sequence[int]
) -> list[int]:
    """Move each stop that no vehicle of its part can serve (skills, allowed vehicles,
    capacity) to the closest part that has such a vehicle; stops no vehicle at all can
    serve stay where they are (the diagnosis names them)."""
    durations = _reference_profile(problem).durations
    med_loc = [problem.stops[m].location for m in medoids]
    out = list(stop_part)
    members: list[list[Vehicle]] = [[] for _ in medoids]
    for j, c in enumerate(vehicle_part):
        if c >= 0:
            members[c].append(problem.vehicles[j])
    for i, stop in enumerate(problem.stops):
        if any(_fits(stop, v) for v in members[out[i]]):
            continue
        able = [c for c in range(len(medoids)) if any(_fits(stop, v) for v in members[c])]
        if able:
            far = _round_trip(durations, [stop.location], [med_loc[c] for c in able])[0]
            out[i] = able[int(np.argmin(far))]
    return out


def split(problem: Problem, *, part_size: int, balance: float = 1.2, seed: int = 0) -> Clusters:
    """Cluster the stops into parts of about ``part_size`` and match vehicles to them.

    Stops that no vehicle of their part could serve move to the closest part with one.
    """
    n = len(problem.stops)
    k = max(1, min(math.ceil(n / part_size), len(problem.vehicles) or 1))
    medoids, stop_part = cluster(problem, parts=k, balance=balance, seed=seed)
    vehicle_part = match_vehicles(problem, medoids, stop_part) if problem.vehicles else []
    stop_part = rehome(problem, medoids, stop_part, vehicle_part)
    return Clusters(tuple(medoids), tuple(stop_part), tuple(vehicle_part))


# --------------------------------------------------------------------------- sub-problems


def subproblem(problem: Problem, stops: Sequence[int], vehicles: Sequence[int]) -> Problem:
    """The problem restricted to some stops and vehicles, over only the locations they use.

    Stop, vehicle and depot ids are kept; locations are renumbered; ``allowed_vehicles`` is
    cut to the vehicles present; the skill vocabulary is the whole problem's.

    Parameters
    ----------
    problem
        The whole problem.
    stops, vehicles
        Positions in ``problem.stops`` and ``problem.vehicles``.
    """
    used: list[int] = []
    seen: set[int] = set()
    for loc in [problem.stops[i].location for i in stops] + [
        x
        for j in vehicles
        for x in (
            problem.vehicles[j].start,
            problem.vehicles[j].end,
            *problem.vehicles[j].reload_locations,
        )
    ]:
        if loc is not None and loc not in seen:
            seen.add(loc)
            used.append(loc)
    new = {loc: i for i, loc in enumerate(used)}
    idx = np.asarray(used, dtype=np.int64)
    profiles = tuple(
        Profile(p.name, p.durations[np.ix_(idx, idx)], p.distances[np.ix_(idx, idx)])
        for p in problem.profiles
    )
    vehicle_ids = {problem.vehicles[j].id for j in vehicles}

    def stop(s: Stop) -> Stop:
        allowed = None if s.allowed_vehicles is None else s.allowed_vehicles & vehicle_ids
        return dataclasses.replace(s, location=new[s.location], allowed_vehicles=allowed)

    def vehicle(v: Vehicle) -> Vehicle:
        end = None if v.end is None else new[v.end]
        reloads = tuple(new[loc] for loc in v.reload_locations)
        return dataclasses.replace(v, start=new[v.start], end=end, reload_locations=reloads)

    skills = problem.skills
    if skills is None:
        skills = frozenset().union(*(v.skills for v in problem.vehicles))
    # A reload place without a depot gets one named as in the whole problem, so that reload
    # visits keep their names across the renumbering (open all day: no hours to keep).
    named = {d.location for d in problem.depots}
    always = (0, max([DAY, *(v.shift[1] for v in problem.vehicles)]))
    places = {loc for j in vehicles for loc in problem.vehicles[j].load_places} - named
    stand_ins = [Depot(problem.reload_id(loc), new[loc], always) for loc in sorted(places)]
    return Problem(
        stops=tuple(stop(problem.stops[i]) for i in stops),
        vehicles=tuple(vehicle(problem.vehicles[j]) for j in vehicles),
        profiles=profiles,
        depots=tuple(
            dataclasses.replace(d, location=new[d.location])
            for d in problem.depots
            if d.location in new
        )
        + tuple(stand_ins),
        objective=problem.objective,
        dimensions=problem.dimensions,
        skills=skills,
    )


def _evaluate(problem: Problem, routes: Sequence[Sequence[str]]) -> tuple[tuple[int, ...], int]:
    positions = _positions(problem, routes)
    timed = [timed_route(problem, k, r) for k, r in enumerate(positions) if r]
    return priority_rank(problem, (s for r in routes for s in r)), plan_cost(problem, timed)


def solve_part(part: Part) -> PartResult:
    """Solve one part (runs in a worker); keep the warm start unless the search beat it.

    Better means: at least as many stops served in every priority group (highest first,
    compared in order), then a lower cost. See :class:`Part` for how its deadline shortens
    or skips the search.
    """
    t0 = time.monotonic()
    if not part.problem.vehicles or not part.problem.stops:
        empty = tuple(() for _ in part.problem.vehicles)
        return PartResult(part.initial or empty, False, 0)
    limit = part.time_limit
    if part.deadline is not None:
        left = part.deadline - time.time()
        if part.initial is not None and left < _MIN_PAIR:
            cost = _evaluate(part.problem, part.initial)[1]
            return PartResult(part.initial, False, cost, True, time.monotonic() - t0)
        limit = max(_FLOOR, min(limit, left))
    sol = solve(
        part.problem,
        time_limit=limit,
        seed=part.seed,
        initial_routes=part.initial,
        effort=part.effort,
    )
    by_vehicle = {r.vehicle_id: tuple(v.stop_id for v in r.visits) for r in sol.routes}
    routes = tuple(by_vehicle.get(v.id, ()) for v in part.problem.vehicles)
    if part.initial is None:
        return PartResult(routes, True, sol.cost, seconds=time.monotonic() - t0)
    before = _evaluate(part.problem, part.initial)
    after = (priority_rank(part.problem, (s for r in routes for s in r)), sol.cost)
    if after[0] > before[0] or (after[0] == before[0] and after[1] < before[1]):
        return PartResult(routes, True, sol.cost, seconds=time.monotonic() - t0)
    return PartResult(part.initial, False, before[1], seconds=time.monotonic() - t0)


def _positions(problem: Problem, routes: Sequence[Sequence[str]]) -> list[list[int]]:
    """Visiting orders (reloads included) of routes given as visit names per vehicle."""
    index = problem.stop_index()
    return [_entries(problem, k, r, index) for k, r in enumerate(routes)]


def _entries(problem: Problem, k: int, names: Sequence[str], index: dict[str, int]) -> list[int]:
    """Visiting order of vehicle ``k`` from visit names (``index``: stop positions by id)."""
    entries = [problem.entry(k, name, index) for name in names]
    return [e for e in entries if e is not None]


# --------------------------------------------------------------------------- the whole


class _State:
    """The plan being improved: stops per vehicle, and which part owns what."""

    def __init__(self, problem: Problem, clusters: Clusters) -> None:
        self.problem = problem
        self.clusters = clusters
        self.routes: list[list[int]] = [[] for _ in problem.vehicles]
        self.vehicles_of: list[list[int]] = [[] for _ in range(clusters.count)]
        for j, c in enumerate(clusters.vehicle_part):
            if c >= 0:
                self.vehicles_of[c].append(j)
        self.stop_index = problem.stop_index()

    def unserved(self) -> list[int]:
        served = {i for r in self.routes for i in r}
        return [i for i in range(len(self.problem.stops)) if i not in served]

    def part_work(self, parts: Sequence[int]) -> tuple[list[int], list[int]]:
        """Stops (on the parts' routes, then their unserved ones) and vehicles of ``parts``."""
        vehicles = [j for c in parts for j in self.vehicles_of[c]]
        stops = self.problem.stop_positions(i for j in vehicles for i in self.routes[j])
        wanted = set(parts)
        stops += [i for i in self.unserved() if self.clusters.stop_part[i] in wanted]
        return stops, vehicles

    def apply(self, vehicles: Sequence[int], result: PartResult) -> None:
        for j, route in zip(vehicles, result.routes, strict=True):
            self.routes[j] = _entries(self.problem, j, route, self.stop_index)

    def routes_timed(self) -> list[Route]:
        return [timed_route(self.problem, j, r) for j, r in enumerate(self.routes) if r]

    def cost(self) -> int:
        return plan_cost(self.problem, self.routes_timed())


def _neighbour_pairs(
    problem: Problem, clusters: Clusters, neighbours: int
) -> list[tuple[int, int]]:
    """Candidate border pairs: each part with its ``neighbours`` closest parts, closest first."""
    k = clusters.count
    if k < 2:
        return []
    durations = _reference_profile(problem).durations
    loc = np.asarray([problem.stops[m].location for m in clusters.medoids], dtype=np.int64)
    dist = _round_trip(durations, loc, loc)
    pairs: dict[tuple[int, int], int] = {}
    for c in range(k):
        near = [int(d) for d in np.argsort(dist[c], kind="stable") if d != c][:neighbours]
        for d in near:
            key = (min(c, d), max(c, d))
            pairs[key] = int(dist[key])
    return sorted(pairs, key=lambda p: (pairs[p], p))


def _round_pairs(
    candidates: Sequence[tuple[int, int]], tried: dict[tuple[int, int], int]
) -> list[tuple[int, int]]:
    """Disjoint pairs for one border round, least-tried (then closest) first."""
    order = sorted(range(len(candidates)), key=lambda i: (tried.get(candidates[i], 0), i))
    busy: set[int] = set()
    out = []
    for i in order:
        a, b = candidates[i]
        if a not in busy and b not in busy:
            out.append((a, b))
            busy.update((a, b))
    return out


def solve_decomposed(
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 0,
    options: DecomposeOptions | None = None,
    map_fn: MapFn | None = None,
    on_progress: Callable[[float, int], None] | None = None,
    effort: int | None = None,
) -> Solution:
    """Plan a large problem by parts within ``time_limit`` seconds of wall-clock time.

    Problems of at most ``options.threshold`` stops go to :func:`solver.solve` unchanged.
    See the module notes for the method.

    Parameters
    ----------
    problem
        The whole problem (integer seconds, metres, demand vectors).
    time_limit
        Wall-clock budget in seconds for the whole call.
    seed
        Seed of the clustering and of every part's search.
    options
        Decomposition settings (:class:`DecomposeOptions`).
    map_fn
        ``map_fn(fn, items) -> results in order``, run by the caller's executor, e.g.
        ``lambda f, xs: client.gather(client.map(f, xs, pure=False))`` for a Dask client.
        Default: :func:`local_map` (one part after another here). Set
        ``options.parallel`` to how many items it runs at once.
    on_progress
        Called ``(seconds since the call began, plan cost)`` when the first complete plan
        is stitched and after every border round that improved it.
    effort
        Improving-solution bound of each part's search (see :func:`solver.solve`).

    Returns
    -------
    Solution
        One plan of the whole problem: every stop on one route or unassigned with a reason.
        ``stats.phases`` holds ``cluster``, ``parts``, ``borders``, ``stitch``, ``total``,
        ``first_plan`` (seconds from the call to the first complete plan) and
        ``slowest_part`` / ``slowest_pair`` (the longest a worker spent on one, to see
        searches that overran their slice);
        ``stats.status`` names the parts and border rounds.
    """
    origin = time.monotonic()
    opts = options or DecomposeOptions()
    run = map_fn or local_map
    if time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    n = len(problem.stops)
    if n <= opts.threshold or len(problem.vehicles) < 2:
        return solve(problem, time_limit=time_limit, seed=seed, effort=effort)
    # One deadline for everything; a wall-clock copy of it travels with every part.
    end = origin + time_limit * (1 - _MARGIN)

    def wall(instant: float) -> float:
        return time.time() + (instant - time.monotonic())

    clusters = split(problem, part_size=opts.part_size, balance=opts.balance, seed=seed)
    state = _State(problem, clusters)
    t_cluster = time.monotonic() - origin

    # Parts, in waves of ``parallel``; the time slice is sized so all waves fit.
    k = clusters.count
    waves = math.ceil(k / opts.parallel)
    parts_end = origin + time_limit * opts.parts_share
    budget = max(0.0, parts_end - time.monotonic())
    slice_s = max(_FLOOR, budget / waves)
    work = [state.part_work([c]) for c in range(k)]
    items = [
        Part(subproblem(problem, stops, vehicles), slice_s, seed, effort, deadline=wall(parts_end))
        for stops, vehicles in work
    ]
    t0 = time.monotonic()
    slowest_part = slowest_pair = 0.0
    for (_, vehicles), result in zip(work, run(solve_part, items), strict=True):
        state.apply(vehicles, result)
        slowest_part = max(slowest_part, result.seconds)
    t_parts = time.monotonic() - t0
    first_plan = time.monotonic() - origin
    t0 = time.monotonic()
    best_cost = state.cost()
    # Stitching costs about two of these evaluations plus a diagnosis per unserved stop.
    stitch = 2 * (time.monotonic() - t0) + _STITCH_PER_UNSERVED * len(state.unserved())
    borders_end = end - stitch
    if on_progress is not None:
        on_progress(first_plan, best_cost)

    # Border rounds while a round of the shortest slices still fits before the deadline.
    candidates = _neighbour_pairs(problem, clusters, opts.neighbours)
    tried: dict[tuple[int, int], int] = {}
    rounds = improved_pairs = skipped_pairs = 0
    t0 = time.monotonic()
    while candidates and (opts.rounds is None or rounds < opts.rounds):
        left = borders_end - time.monotonic()
        fit = int(left // opts.min_part_seconds)  # waves of the shortest slice that still fit
        if fit < 1:
            break
        pairs = _round_pairs(candidates, tried)[: fit * opts.parallel]
        pair_s = min(opts.pair_seconds, left / math.ceil(len(pairs) / opts.parallel))
        work = [state.part_work(list(p)) for p in pairs]
        items = []
        for stops, vehicles in work:
            sub = subproblem(problem, stops, vehicles)
            initial = tuple(tuple(map(problem.entry_name, state.routes[j])) for j in vehicles)
            due = wall(borders_end)
            items.append(Part(sub, pair_s, seed + rounds + 1, effort, initial, deadline=due))
        for p, (_, vehicles), result in zip(pairs, work, run(solve_part, items), strict=True):
            if result.skipped:
                skipped_pairs += 1
                continue
            slowest_pair = max(slowest_pair, result.seconds)
            tried[p] = tried.get(p, 0) + 1
            if result.improved:
                improved_pairs += 1
                state.apply(vehicles, result)
        rounds += 1
        cost = state.cost()
        if cost < best_cost and on_progress is not None:
            on_progress(time.monotonic() - origin, cost)
        best_cost = cost
    t_borders = time.monotonic() - t0

    t0 = time.monotonic()
    routes = state.routes_timed()
    missing = state.unserved()
    unassigned = diagnose(problem, missing, routes)
    t_stitch = time.monotonic() - t0
    stats = SolveStats(
        phases={
            "cluster": round(t_cluster, 4),
            "parts": round(t_parts, 4),
            "borders": round(t_borders, 4),
            "stitch": round(t_stitch, 4),
            "first_plan": round(first_plan, 4),
            "slowest_part": round(slowest_part, 4),
            "slowest_pair": round(slowest_pair, 4),
            "total": round(time.monotonic() - origin, 4),
        },
        status=(
            f"decomposed into {k} parts; {rounds} border round(s), "
            f"{improved_pairs} pair(s) improved"
            + (f", {skipped_pairs} pair(s) left out for want of time" if skipped_pairs else "")
        ),
        objective=best_cost,
        workers=opts.parallel,
    )
    return Solution(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        cost=plan_cost(problem, routes),
        stats=stats,
    )
