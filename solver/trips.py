"""Plans with trips in plain Python: a first plan, and whether an unserved stop still fits.

:func:`first_routes` builds the plan the OR-Tools search starts from on problems with
trips (reloads or ride limits).

For the diagnosis of problems with trips (including those the refinement does not model,
such as re-plans with fixed prefixes), :func:`fits_with_trips` answers whether an unserved
stop still fits, bounded by the clock and checked by the schedule and checker themselves:
the stop is tried at every position of every compatible vehicle's visiting order, on its own
or on a new trip (a reload at one of the vehicle's load places just before it, at a trip
boundary). :class:`RouteBounds` precomputes each route once (earliest departures and latest
service starts per position, each trip's load, travel and ride slack), so that a candidate
is judged against them in O(1); only candidates that pass are timed
(:func:`solver.schedule.timed_route`) and checked (:func:`solver.check.route_violations`).
A stop that fits is not for want of vehicles.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np

from solver import balance, objective
from solver.check import route_violations
from solver.diagnose import compatible
from solver.model import Problem, Vehicle
from solver.schedule import (
    Windows,
    earliest_in,
    end_window,
    latest_in,
    reload_hours,
    route_cost,
    start_window,
    timed_route,
)
from solver.solution import Route


def has_trips(problem: Problem) -> bool:
    """Whether any vehicle reloads or any stop has a ride limit."""
    return any(v.reloads for v in problem.vehicles) or any(
        s.max_ride is not None for s in problem.stops
    )


def fits_with_trips(
    problem: Problem,
    routes: Sequence[Sequence[int]],
    stops: Sequence[int],
    penalties: Sequence[int],
    *,
    deadline: float | None = None,
) -> list[bool | None]:
    """For each of ``stops`` (unserved positions), whether it fits into ``routes`` (visiting
    orders per vehicle) as they stand, nothing else moved, for less than its penalty.

    A stop is tried at every position of every compatible vehicle's order, and as a new
    trip at every trip boundary (a reload at one of the vehicle's load places, then the
    stop, then the rest: at the route's end, or just before a later reload). Each candidate
    first meets :func:`candidates` (bounds from the route as it stands, O(1) per position,
    never rejecting a candidate the schedule and checker would accept); the few it keeps
    are timed (:func:`solver.schedule.timed_route`), checked
    (:func:`solver.check.route_violations`) and costed, so the verdict is exact.

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
    deadline
        ``time.monotonic()`` instant after which no more candidates are timed (``None``:
        no bound); the bounds of every stop are computed first (milliseconds).

    Returns
    -------
    list of bool or None
        Per stop: ``True`` fits, ``False`` fits nowhere (proven), ``None`` undecided (the
        deadline came while candidates that pass the bounds were left untimed).
    """
    bounds = [
        RouteBounds.of(problem, k, routes[k] if k < len(routes) else ())
        for k in range(len(problem.vehicles))
    ]
    base = {
        k: route_cost(problem, problem.vehicles[k], timed_route(problem, k, r))
        for k, r in enumerate(routes)
        if r
    }
    kept = [[(k, c) for k, b in enumerate(bounds) for c in b.candidates(problem, i)] for i in stops]
    out: list[bool | None] = []
    for i, mine in zip(stops, kept, strict=True):
        verdict: bool | None = False
        for k, order in mine:
            if deadline is not None and time.monotonic() >= deadline:
                verdict = None
                break
            timed = timed_route(problem, k, order)
            if route_violations(problem, timed):
                continue
            if route_cost(problem, problem.vehicles[k], timed) - base.get(k, 0) < penalties[i]:
                verdict = True
                break
        out.append(verdict)
    return out


#: Stand-in for "no bound" in the fit bounds and :func:`first_routes` (s, m or units).
_FAR = 10**12


@dataclass(frozen=True)
class RouteBounds:
    """One vehicle's visiting order, precomputed once for every insertion test on it.

    Position ``p`` (0 to ``m``, the order's length) is the gap before entry ``p`` (``m``:
    before the end). Per position: the previous place and the earliest departure from it
    (every service started as early as travel and windows allow, from the earliest
    departure of the start), the next place (``-1``: an open end) and the latest service
    start there that still keeps every later window and the end (s); the trip the gap
    belongs to (0: before the first load of a vehicle that starts empty), its load, the
    travel and service from the trip's departure to the gap (s) and the least ride slack
    of the trip's later stops (their ``max_ride`` minus travel and service from the trip's
    departure, s). Per route: travel plus service of the whole route (s), distance (m),
    stops and loads.

    Every bound is one that any timing of the order with a stop added must keep (a ride
    or a duration is at least its travel and service), so a rejected candidate is one the
    schedule and the checker reject too.
    """

    k: int
    order: tuple[int, ...]
    prev_loc: np.ndarray
    prev_depart: np.ndarray
    next_loc: np.ndarray
    next_latest: np.ndarray
    next_windows: tuple[tuple[tuple[int, int], ...], ...]
    trip: np.ndarray
    trip_load: np.ndarray  # positions x dimensions
    trip_elapsed: np.ndarray
    ride_slack: np.ndarray
    busy: int
    distance: int
    served: int
    loads: int
    finish: int

    @classmethod
    def of(cls, problem: Problem, k: int, order: Sequence[int]) -> RouteBounds:
        """The bounds of vehicle ``k`` driving ``order``."""
        v = problem.vehicles[k]
        prof = problem.profiles[v.profile]
        dur, dist = prof.durations, prof.distances
        m, dims = len(order), len(problem.dimensions)
        locs, service, windows, demand, ride = [], [], [], [], []
        for entry in order:
            place = problem.reload_at(entry)
            if place is None:
                s = problem.stops[entry]
                locs.append(s.location)
                service.append(s.service)
                windows.append(s.windows)
                demand.append(s.demand)
                ride.append(_FAR if s.max_ride is None else s.max_ride)
            else:
                locs.append(place)
                service.append(v.reload_service)
                windows.append(reload_hours(problem, place))
                demand.append((0,) * dims)
                ride.append(-1)  # marks a reload
        lo = start_window(problem, v)[0]
        finish = end_window(problem, v)[1]
        prev_loc = np.asarray([v.start, *locs], dtype=np.int64)
        depart = [lo]
        for p in range(m):
            arrival = depart[-1] + int(dur[prev_loc[p], locs[p]])
            begin = earliest_in(windows[p], arrival)
            depart.append((arrival if begin is None else begin) + service[p])
        end = -1 if v.end is None else v.end
        latest = [0] * (m + 1)
        t = finish - (0 if end < 0 or not m else int(dur[locs[-1], end]))
        latest[m] = finish
        for p in range(m - 1, -1, -1):
            begin = latest_in(windows[p], t - service[p])
            latest[p] = -_FAR if begin is None else begin
            t = latest[p] - int(dur[prev_loc[p], locs[p]])
        trip = np.zeros(m + 1, dtype=np.int64)
        trip_load = np.zeros((m + 1, dims), dtype=np.int64)
        elapsed = np.zeros(m + 1, dtype=np.int64)
        n_trip, load, since = (1 if v.start_loaded else 0), np.zeros(dims, np.int64), 0
        since_at: list[int] = []  # travel and service since the trip's departure, at arrival
        for p in range(m):
            trip[p] = n_trip
            elapsed[p] = since
            since += int(dur[prev_loc[p], locs[p]])
            since_at.append(since)
            if ride[p] < 0:
                n_trip, since = n_trip + 1, 0
            else:
                since += service[p]
        trip[m], elapsed[m] = n_trip, since
        slack = np.full(m + 1, _FAR, dtype=np.int64)
        for p in range(m - 1, -1, -1):
            if ride[p] < 0:
                continue
            slack[p] = min(int(slack[p + 1]), ride[p] - since_at[p])
        loads_of: dict[int, np.ndarray] = {}
        for p in range(m):
            if ride[p] >= 0:
                loads_of[int(trip[p])] = loads_of.get(int(trip[p]), load) + np.asarray(
                    demand[p], dtype=np.int64
                )
        for p in range(m + 1):
            trip_load[p] = loads_of.get(int(trip[p]), load)
        busy = sum(service) + sum(int(dur[a, b]) for a, b in zip(prev_loc[:m], locs, strict=True))
        way = sum(int(dist[a, b]) for a, b in zip(prev_loc[:m], locs, strict=True))
        if end >= 0:
            last = locs[-1] if m else v.start
            busy += max(0, int(dur[last, end]))
            way += max(0, int(dist[last, end]))
        return cls(
            k=k,
            order=tuple(order),
            prev_loc=prev_loc,
            prev_depart=np.asarray(depart, dtype=np.int64),
            next_loc=np.asarray([*locs, end], dtype=np.int64),
            next_latest=np.asarray(latest, dtype=np.int64),
            next_windows=(*windows, ()),
            trip=trip,
            trip_load=trip_load,
            trip_elapsed=elapsed,
            ride_slack=slack,
            busy=busy,
            distance=way,
            served=sum(1 for r in ride if r >= 0),
            loads=sum(1 for r in ride if r < 0),
            finish=finish,
        )

    def candidates(self, problem: Problem, i: int) -> list[list[int]]:
        """Orders with stop ``i`` added that pass every bound (see the class notes): the
        stop alone at each position, then as a new trip at each trip boundary."""
        v = problem.vehicles[self.k]
        stop = problem.stops[i]
        if not compatible(stop, v):
            return []
        if v.max_stops is not None and self.served + 1 > v.max_stops:
            return []
        prof = problem.profiles[v.profile]
        dur, dist = prof.durations, prof.distances
        here = stop.location
        nxt = self.next_loc
        open_end = nxt < 0
        to_next = np.where(open_end, 0, dur[here, np.where(open_end, here, nxt)]).astype(np.int64)
        way_next = np.where(open_end, 0, dist[here, np.where(open_end, here, nxt)])
        # What the gap costs now (an empty route's start-to-end way, if any, counts as
        # its travel: see ``busy``).
        skip = np.maximum(0, np.where(open_end, 0, dur[self.prev_loc, np.where(open_end, 0, nxt)]))
        skip_m = np.maximum(
            0, np.where(open_end, 0, dist[self.prev_loc, np.where(open_end, 0, nxt)])
        )
        demand = np.asarray(stop.demand, dtype=np.int64)
        cap = np.asarray(v.capacity, dtype=np.int64)
        ride = _FAR if stop.max_ride is None else stop.max_ride
        out: list[list[int]] = []
        # The stop on its own, joining the trip of the gap.
        into = dur[self.prev_loc, here].astype(np.int64)
        delay = into + stop.service + to_next - skip
        ok = (into >= 0) & (to_next >= 0) & (self.trip >= 1)
        ok &= (self.trip_load + demand <= cap).all(axis=1)
        ok &= self.trip_elapsed + into <= ride
        ok &= delay <= self.ride_slack
        ok &= self._limits(v, delay, dist[self.prev_loc, here] + way_next - skip_m, 0)
        for p in map(int, np.flatnonzero(ok)):
            arrival = int(self.prev_depart[p] + into[p])
            if self._on_time(stop.windows, arrival, stop.service, p, int(to_next[p])):
                out.append([*self.order[:p], i, *self.order[p:]])
        # A new trip: a reload at a load place, then the stop, at a trip boundary.
        if v.max_loads is not None and self.loads + 1 > v.max_loads:
            return out
        if (demand > cap).any():
            return out
        bound = [p for p in range(len(self.order) + 1) if self._boundary(problem, p)]
        for place in v.load_places:
            hours = reload_hours(problem, place)
            fill = int(dur[place, here])
            if fill < 0 or fill > ride:
                continue
            for p in bound:
                go = int(dur[self.prev_loc[p], place])
                if go < 0 or to_next[p] < 0:
                    continue
                extra = go + v.reload_service + fill + stop.service + int(to_next[p] - skip[p])
                metres = int(dist[self.prev_loc[p], place] + dist[place, here] + way_next[p])
                if not self._limits(v, np.asarray([extra]), metres - int(skip_m[p]), 1)[0]:
                    continue
                begin = earliest_in(hours, int(self.prev_depart[p]) + go)
                if begin is None:
                    continue
                arrival = begin + v.reload_service + fill
                if self._on_time(stop.windows, arrival, stop.service, p, int(to_next[p])):
                    code = problem.reload_code(place)
                    out.append([*self.order[:p], code, i, *self.order[p:]])
        return out

    def _boundary(self, problem: Problem, p: int) -> bool:
        """Whether gap ``p`` ends a trip (the route's end, or just before a reload)."""
        return p == len(self.order) or problem.reload_at(self.order[p]) is not None

    def _limits(self, v: Vehicle, delay: np.ndarray, metres: object, loads: int) -> np.ndarray:
        """Per gap, whether the route's duration (at least its travel and service) and
        distance stay within the vehicle's limits when they grow by ``delay`` s and
        ``metres`` m."""
        ok = np.ones(len(delay), dtype=bool)
        if v.max_duration is not None:
            ok &= self.busy + delay <= v.max_duration
        if v.max_distance is not None:
            ok &= self.distance + np.asarray(metres) <= v.max_distance
        return ok

    def _on_time(self, windows: Windows, arrival: int, service: int, p: int, to_next: int) -> bool:
        """Whether the stop, reached at ``arrival`` at gap ``p`` at the earliest, starts in
        a window and lets the next visit start by its latest start (or reach the end)."""
        begin = earliest_in(windows, arrival)
        if begin is None:
            return False
        reach = begin + service + to_next
        if p == len(self.order):
            return reach <= self.finish
        nxt = earliest_in(self.next_windows[p], reach)
        return nxt is not None and nxt <= int(self.next_latest[p])


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
    "Cheapest" is metres plus waiting seconds. When stops have a reference vehicle (a change
    cost), the vehicles build in turn, a stop each, and a vehicle takes another's stop only
    when none of its own (or of nobody's) fits: each takes its own first. A vehicle with a
    fixed prefix (:attr:`solver.Vehicle.prefix`, what is done) begins with it as it stands
    and builds on from where it leaves the vehicle (place, time, load on board, loads left);
    no other vehicle takes a stop of a prefix.

    The OR-Tools search starts from it: its insertions place one node at a time, so they
    never add a reload together with the stop that needs it. (The refinement that follows
    does: a reload and its first stop are one insertion there.)

    Returns
    -------
    list of list of int
        Visiting orders per vehicle (reload entries included); some stops may stay out.
    """
    n = len(problem.stops)
    compat = objective.compatible_vehicles(problem)
    locs = np.asarray([s.location for s in problem.stops], dtype=np.int64)
    lo = np.asarray([s.windows[0][0] if s.windows else 0 for s in problem.stops], dtype=np.int64)
    hi = np.asarray([s.windows[-1][1] if s.windows else _FAR for s in problem.stops], np.int64)
    service = np.asarray([s.service for s in problem.stops], dtype=np.int64)
    ride = np.asarray([_FAR if s.max_ride is None else s.max_ride for s in problem.stops])
    dims = len(problem.dimensions)
    demand = np.asarray([s.demand for s in problem.stops], dtype=np.int64).reshape(n, dims)
    change = np.asarray(
        [
            [s.change_cost if s.reference not in (None, v.id) else 0 for s in problem.stops]
            for v in problem.vehicles
        ],
        dtype=np.int64,
    ).reshape(len(problem.vehicles), n)
    stops = _Stops(locs, lo, hi, service, ride, demand, change)
    done = {i for k in range(len(problem.vehicles)) for i in problem.prefix_entries(k) if i < n}
    ables = []
    for k in range(len(problem.vehicles)):
        able = np.zeros(n, dtype=bool)
        able[[i for i in range(n) if k in compat[i] and i not in done]] = True
        ables.append(able)
    builds = [_build(problem, k, ables[k], stops) for k in range(len(problem.vehicles))]
    routes: list[list[int]] = [[] for _ in builds]
    if not change.any():  # one vehicle after the other
        for k, build in enumerate(builds):
            while (route := _take(build, ables)) is None:
                pass
            routes[k] = route
        return routes
    # With references: in turn, a stop each, so that every vehicle takes its own stops
    # before another, out of its own, takes them.
    pending = list(range(len(builds)))
    while pending:
        for k in list(pending):
            route = _take(builds[k], ables)
            if route is not None:
                routes[k] = route
                pending.remove(k)
    return routes


def _take(build: Generator[int, None, list[int]], ables: Sequence[np.ndarray]) -> list[int] | None:
    """One step of a route being built: ``None`` when it took a stop (cleared from every
    vehicle's ``ables``), its visiting order when it is done."""
    try:
        taken = next(build)
    except StopIteration as done:
        return done.value
    for able in ables:
        able[taken] = False
    return None


@dataclass(frozen=True)
class _Stops:
    """Per stop: location, window bounds (s), service (s), ride limit (s), demand; and per
    vehicle and stop the change cost of serving it (:attr:`solver.Stop.change_cost` when
    the stop's reference is another vehicle, else 0)."""

    locs: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    service: np.ndarray
    ride: np.ndarray
    demand: np.ndarray
    change: np.ndarray


def _build(
    problem: Problem, k: int, able: np.ndarray, st: _Stops
) -> Generator[int, None, list[int]]:
    """The route of vehicle ``k`` over the stops marked in ``able`` (see :func:`first_routes`):
    yields each stop position as it is taken (the caller clears it from every vehicle's
    ``able``), returns the visiting order."""
    v = problem.vehicles[k]
    depart = start_window(problem, v)[0]
    finish = end_window(problem, v)[1]
    cap = np.asarray(v.capacity, dtype=np.int64)
    b = _Builder(
        k, depart, v.start, depart, depart, np.zeros(len(cap), np.int64), 0,
        np.inf if v.max_loads is None else v.max_loads, 0, [],
    )  # fmt: skip
    prefix = problem.prefix_entries(k)
    if prefix:
        _follow(problem, b, prefix, st)
    elif not v.start_loaded and not _reload(problem, b):
        return []
    while True:
        if _next_stop(problem, b, able, st, cap, finish):
            yield b.order[-1]
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
        yield b.order[-1]
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
    _load_at(problem, b, best[1], best[0])
    return True


def _load_at(problem: Problem, b: _Builder, place: int, begin: int) -> None:
    """Append a load at ``place`` starting at ``begin`` (s): a new, empty trip leaves from
    there after the vehicle's reload service."""
    v = problem.vehicles[b.k]
    b.distance += int(problem.profiles[v.profile].distances[b.here, place])
    b.here, b.clock = place, begin + v.reload_service
    b.trip_leave, b.trip_load, b.trip_stops = b.clock, np.zeros_like(b.trip_load), 0
    b.loads_left -= 1
    b.order.append(problem.reload_code(place))


def _visit(b: _Builder, i: int, st: _Stops, dist: np.ndarray, begin: int, leave: int) -> None:
    """Append stop ``i``, its service starting at ``begin`` (s); ``leave``: the departure
    of its trip from the load place when it is the trip's first stop."""
    if b.trip_stops == 0:
        b.trip_leave = leave
    b.distance += int(dist[b.here, st.locs[i]])
    b.here, b.clock = int(st.locs[i]), begin + int(st.service[i])
    b.trip_load = b.trip_load + st.demand[i]
    b.trip_stops += 1
    b.order.append(i)


def _follow(problem: Problem, b: _Builder, prefix: Sequence[int], st: _Stops) -> None:
    """Append a fixed prefix as it stands, each visit as early as travel, windows and
    opening hours allow (a visit whose window has passed at its arrival starts then: what
    is done is done), so that the route goes on from where the prefix leaves it."""
    v = problem.vehicles[b.k]
    dur, dist = problem.profiles[v.profile].durations, problem.profiles[v.profile].distances
    for entry in prefix:
        place = problem.reload_at(entry)
        here = place if place is not None else int(st.locs[entry])
        arrival = b.clock + max(0, int(dur[b.here, here]))
        if place is not None:
            begin = earliest_in(reload_hours(problem, place), arrival)
            _load_at(problem, b, place, arrival if begin is None else begin)
            continue
        begin = earliest_in(problem.stops[entry].windows, arrival)
        start = arrival if begin is None else begin
        _visit(b, entry, st, dist, start, max(b.trip_leave, start - (arrival - b.clock)))


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
        # Metres and waiting seconds; another vehicle's stop only when none of its own fits.
        step = dist[b.here, locs[cand]] + (begin - arrival) + _FAR * (st.change[b.k, cand] > 0)
        score = np.where(ok, step, np.iinfo(np.int64).max)
        j = int(np.argmin(score))
        i = int(cand[j])
        exact = earliest_in(problem.stops[i].windows, int(arrival[j]))
        if exact is None or exact != int(begin[j]):  # a gap between windows: not this route
            able[i] = False
            continue
        _visit(b, i, st, dist, int(begin[j]), int(leave[j]))
        able[i] = False
        return True


def repaired(problem: Problem, routes: Sequence[Sequence[int]]) -> list[list[int]]:
    """``routes`` with stops taken out of any route the checker rejects, until it accepts.

    A safety net for problems with trips: the OR-Tools model bounds rides through its
    cumul bounds, which can in rare cases accept an order the schedule cannot time within
    every ride limit. The stop a violation names goes first (else the route's last stop);
    a reload left carrying nothing goes with it. The stops taken out are then diagnosed
    like any unserved stop. A vehicle's fixed prefix (what is done) is never taken apart:
    only the stops after it are taken out.
    """
    out = []
    for k, route in enumerate(routes):
        order = list(route)
        prefix = problem.prefix_entries(k)
        fixed = _fixed_length(problem, k, order)
        while movable := problem.stop_positions(order[fixed:]):
            bad = route_violations(problem, timed_route(problem, k, order))
            if not bad:
                break
            named = [i for i in movable if _names(problem, i, bad)]
            if not named and any(_names(problem, i, bad) for i in problem.stop_positions(prefix)):
                break  # what is done is as it is: taking later stops out would not mend it
            order.remove(named[0] if named else movable[-1])
            order = order[:fixed] + _without_empty_loads(problem, order[fixed:])
        out.append(order if problem.stop_positions(order) else [])
    return out


def without_needless_reloads(problem: Problem, routes: Sequence[Sequence[int]]) -> list[list[int]]:
    """``routes`` without the reloads that save nothing.

    The objective prices travel, not the minutes a reload lasts, so a trip back to the load
    place that lies on the way between two doors ties with going on: a search may end with
    it, and a volunteer would be sent back to load what they could have carried. Each
    reload after a vehicle's fixed prefix (what is done stays as it is) is taken out, first
    to last, when the route without it is still kept by the checker
    (:func:`solver.check.route_violations`: capacity, ride limits, windows, a start with
    nothing on board), costs no more, and the plan still keeps the balance rule if it did
    (a shorter route lowers the mean duration).
    """
    out = [list(r) for r in routes]
    timed = {k: timed_route(problem, k, order) for k, order in enumerate(out) if order}
    balanced = balance.met(problem, list(timed.values()))
    for k in timed:
        vehicle = problem.vehicles[k]
        j = _fixed_length(problem, k, out[k])
        while j < len(out[k]):
            order = out[k][:j] + out[k][j + 1 :]
            if problem.reload_at(out[k][j]) is None or not order:
                j += 1
                continue
            route = timed_route(problem, k, order)
            if (
                route_cost(problem, vehicle, route) <= route_cost(problem, vehicle, timed[k])
                and not route_violations(problem, route)
                and (not balanced or balance.met(problem, [*_others(timed, k), route]))
            ):
                out[k], timed[k] = order, route
            else:
                j += 1
    return out


def _others(timed: dict[int, Route], k: int) -> list[Route]:
    return [r for m, r in timed.items() if m != k]


def _fixed_length(problem: Problem, k: int, order: Sequence[int]) -> int:
    """How many entries of vehicle ``k``'s ``order`` are its fixed prefix (0: the order
    does not begin with it)."""
    prefix = problem.prefix_entries(k)
    return len(prefix) if list(order[: len(prefix)]) == prefix else 0


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
