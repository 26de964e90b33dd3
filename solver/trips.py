"""Plans with trips in plain Python: a first plan, and whether an unserved stop still fits.

:func:`first_routes` builds the plan the OR-Tools search starts from on problems with
trips (reloads or ride limits).

The refinement's insertion test (:func:`solver.refine.worth_placing`) does not model reloads
or ride limits; for such problems this module answers the same question directly: the stop
is tried at every position of every compatible vehicle's visiting order, on its own or on a
new trip (a reload at one of the vehicle's load places just before it), and each candidate
route is timed (:func:`solver.schedule.timed_route`) and checked
(:func:`solver.check.route_violations`). A stop that fits is not for want of vehicles.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from solver import objective
from solver.check import route_violations
from solver.diagnose import compatible
from solver.model import Problem
from solver.schedule import (
    earliest_in,
    end_window,
    reload_hours,
    route_cost,
    start_window,
    timed_route,
)


def has_trips(problem: Problem) -> bool:
    """Whether any vehicle reloads or any stop has a ride limit."""
    return any(v.reloads for v in problem.vehicles) or any(
        s.max_ride is not None for s in problem.stops
    )


#: Candidate routes timed per call at most (about a second of Python on a free core);
#: past it, a stop counts as fitting (unknown is not proof that the fleet is short).
MAX_TRIES = 4000


def _candidates(problem: Problem, route: Sequence[int], k: int, i: int) -> Iterator[list[int]]:
    """Visiting orders of vehicle ``k`` with stop ``i`` inserted (alone or on a new trip)."""
    places = problem.vehicles[k].load_places
    for at in range(len(route) + 1):
        yield [*route[:at], i, *route[at:]]
        for place in places:
            yield [*route[:at], problem.reload_code(place), i, *route[at:]]


def fits_with_trips(
    problem: Problem,
    routes: Sequence[Sequence[int]],
    stops: Sequence[int],
    penalties: Sequence[int],
) -> list[bool]:
    """For each of ``stops`` (unserved positions), whether it fits into ``routes`` (visiting
    orders per vehicle) as they stand, nothing else moved, for less than its penalty.

    Parameters
    ----------
    problem
        The problem.
    routes
        Visiting orders per vehicle (reload entries included).
    stops
        Positions of the unserved stops to try.
    penalties
        Penalty per stop of the problem (cost units of the objective).
    """
    tries = 0
    base = {
        k: route_cost(problem, problem.vehicles[k], timed_route(problem, k, r))
        for k, r in enumerate(routes)
        if r
    }
    out = []
    for i in stops:
        stop = problem.stops[i]
        found = False
        for k, vehicle in enumerate(problem.vehicles):
            if found or not compatible(stop, vehicle):
                continue
            route = list(routes[k]) if k < len(routes) else []
            for order in _candidates(problem, route, k, i):
                tries += 1
                if tries > MAX_TRIES:
                    found = True
                    break
                timed = timed_route(problem, k, order)
                if route_violations(problem, timed):
                    continue
                if route_cost(problem, vehicle, timed) - base.get(k, 0) < penalties[i]:
                    found = True
                    break
        out.append(found)
    return out


@dataclass(slots=True)
class _Builder:
    """One vehicle's route being built by :func:`first_routes` (times in s)."""

    k: int
    depart: int  # departure from the start
    here: int
    clock: int  # departure from ``here``
    trip_leave: int  # departure of the current trip from its load place (or the start)
    trip_load: np.ndarray
    trip_stops: int
    loads_left: float
    distance: int
    order: list[int]


def first_routes(problem: Problem) -> list[list[int]]:
    """A first plan with trips, built vehicle by vehicle: each route takes the cheapest next
    stop that keeps every rule (windows, each trip's load, ride limits, the way to the end
    within the shift, route limits), and when none fits, loads again at its nearest load
    place (while it may) and goes on; a route ends when nothing fits even after a load.

    The OR-Tools search starts from it: its insertions place one node at a time, so they
    never add a reload together with the stop that needs it.

    Returns
    -------
    list of list of int
        Visiting orders per vehicle (reload entries included); some stops may stay out.
    """
    n = len(problem.stops)
    compat = objective.compatible_vehicles(problem)
    free = np.ones(n, dtype=bool)
    locs = np.asarray([s.location for s in problem.stops], dtype=np.int64)
    lo = np.asarray([s.windows[0][0] if s.windows else 0 for s in problem.stops], dtype=np.int64)
    hi = np.asarray([s.windows[-1][1] if s.windows else _FAR for s in problem.stops], np.int64)
    service = np.asarray([s.service for s in problem.stops], dtype=np.int64)
    ride = np.asarray([_FAR if s.max_ride is None else s.max_ride for s in problem.stops])
    dims = len(problem.dimensions)
    demand = np.asarray([s.demand for s in problem.stops], dtype=np.int64).reshape(n, dims)
    stops = _Stops(locs, lo, hi, service, ride, demand)
    routes: list[list[int]] = []
    for k in range(len(problem.vehicles)):
        able = np.zeros(n, dtype=bool)
        able[[i for i in range(n) if k in compat[i]]] = True
        routes.append(_build(problem, k, free & able, stops))
        free[problem.stop_positions(routes[-1])] = False
    return routes


#: Stand-in for "no bound" in :func:`first_routes` (s).
_FAR = 10**12


@dataclass(frozen=True)
class _Stops:
    """Per stop: location, window bounds (s), service (s), ride limit (s), demand."""

    locs: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    service: np.ndarray
    ride: np.ndarray
    demand: np.ndarray


def _build(problem: Problem, k: int, able: np.ndarray, st: _Stops) -> list[int]:
    """The route of vehicle ``k`` over the stops marked in ``able`` (see :func:`first_routes`)."""
    v = problem.vehicles[k]
    depart = start_window(problem, v)[0]
    finish = end_window(problem, v)[1]
    cap = np.asarray(v.capacity, dtype=np.int64)
    b = _Builder(
        k, depart, v.start, depart, depart, np.zeros(len(cap), np.int64), 0,
        np.inf if v.max_loads is None else v.max_loads, 0, [],
    )  # fmt: skip
    if not v.start_loaded and not _reload(problem, b):
        return []
    while True:
        if _next_stop(problem, b, able, st, cap, finish):
            continue
        if b.trip_stops == 0 or not v.reloads or b.loads_left < 1:
            break
        saved = (b.here, b.clock, b.trip_leave, b.trip_load, b.trip_stops, b.distance)
        if not _reload(problem, b) or not _next_stop(problem, b, able, st, cap, finish):
            if b.order and problem.reload_at(b.order[-1]) is not None:
                b.order.pop()
                b.loads_left += 1
            b.here, b.clock, b.trip_leave, b.trip_load, b.trip_stops, b.distance = saved
            break
    if not problem.stop_positions(b.order):
        return []
    return b.order


def _reload(problem: Problem, b: _Builder) -> bool:
    """Load again at the nearest load place that is open; ``False`` if none is."""
    v = problem.vehicles[b.k]
    dur = problem.profiles[v.profile].durations
    best = None
    for place in v.load_places:
        t = int(dur[b.here, place])
        if t < 0:
            continue
        begin = earliest_in(reload_hours(problem, place), b.clock + t)
        if begin is not None and (best is None or begin < best[0]):
            best = (begin, place)
    if best is None or b.loads_left < 1:
        return False
    begin, place = best
    b.distance += int(problem.profiles[v.profile].distances[b.here, place])
    b.here, b.clock = place, begin + v.reload_service
    b.trip_leave, b.trip_load, b.trip_stops = b.clock, np.zeros_like(b.trip_load), 0
    b.loads_left -= 1
    b.order.append(problem.reload_code(place))
    return True


def _next_stop(
    problem: Problem, b: _Builder, able: np.ndarray, st: _Stops, cap: np.ndarray, finish: int
) -> bool:
    """Append the cheapest stop that keeps every rule; ``False`` if none does."""
    locs, lo, hi, service, ride, demand = st.locs, st.lo, st.hi, st.service, st.ride, st.demand
    depart = b.depart
    v = problem.vehicles[b.k]
    prof = problem.profiles[v.profile]
    dur, dist = prof.durations, prof.distances
    served = len(problem.stop_positions(b.order))
    if v.max_stops is not None and served >= v.max_stops:
        return False
    while True:
        cand = np.flatnonzero(able)
        if not cand.size:
            return False
        t = dur[b.here, locs[cand]].astype(np.int64)
        arrival = b.clock + t
        begin = np.maximum(arrival, lo[cand])
        done = begin + service[cand]
        back = np.zeros_like(done) if v.end is None else dur[locs[cand], v.end].astype(np.int64)
        # A trip's first stop: it may leave its load place later instead of waiting there.
        leave = (
            np.maximum(b.trip_leave, begin - t)
            if b.trip_stops == 0
            else np.full_like(begin, b.trip_leave)
        )
        ok = (t >= 0) & (back >= 0) & (begin <= hi[cand]) & (done + back <= finish)
        ok &= begin - leave <= ride[cand]
        ok &= (b.trip_load[None, :] + demand[cand] <= cap[None, :]).all(axis=1)
        if v.max_duration is not None:
            ok &= done + back - depart <= v.max_duration
        if v.max_distance is not None:
            way = dist[b.here, locs[cand]] + (0 if v.end is None else dist[locs[cand], v.end])
            ok &= b.distance + way <= v.max_distance
        if not ok.any():
            return False
        score = np.where(ok, dist[b.here, locs[cand]] + (begin - arrival), np.iinfo(np.int64).max)
        j = int(np.argmin(score))
        i = int(cand[j])
        exact = earliest_in(problem.stops[i].windows, int(arrival[j]))
        if exact is None or exact != int(begin[j]):  # a gap between windows: not this route
            able[i] = False
            continue
        if b.trip_stops == 0:
            b.trip_leave = int(leave[j])
        b.distance += int(dist[b.here, locs[i]])
        b.here, b.clock = int(locs[i]), int(done[j])
        b.trip_load = b.trip_load + demand[i]
        b.trip_stops += 1
        b.order.append(i)
        able[i] = False
        return True


def repaired(problem: Problem, routes: Sequence[Sequence[int]]) -> list[list[int]]:
    """``routes`` with stops taken out of any route the checker rejects, until it accepts.

    A safety net for problems with trips: the OR-Tools model bounds rides through its
    cumul bounds, which can in rare cases accept an order the schedule cannot time within
    every ride limit. The stop a violation names goes first (else the route's last stop);
    a reload left carrying nothing goes with it. The stops taken out are then diagnosed
    like any unserved stop.
    """
    out = []
    for k, route in enumerate(routes):
        order = list(route)
        while problem.stop_positions(order):
            bad = route_violations(problem, timed_route(problem, k, order))
            if not bad:
                break
            named = [i for i in problem.stop_positions(order) if _names(problem, i, bad)]
            order.remove(named[0] if named else problem.stop_positions(order)[-1])
            order = _without_empty_loads(problem, order)
        out.append(order if problem.stop_positions(order) else [])
    return out


def _names(problem: Problem, i: int, violations: Sequence[str]) -> bool:
    label = f"stop {problem.stops[i].id!r}"
    return any(label + ":" in v or label + " " in v for v in violations)


def _without_empty_loads(problem: Problem, order: Sequence[int]) -> list[int]:
    """``order`` without reloads followed by another reload or by the route's end."""
    out: list[int] = []
    for k, entry in enumerate(order):
        after = order[k + 1] if k + 1 < len(order) else None
        if problem.reload_at(entry) is not None and (
            after is None or problem.reload_at(after) is not None
        ):
            continue
        out.append(entry)
    return out
