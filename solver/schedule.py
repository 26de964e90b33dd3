"""Timed routes from visiting orders: arrival, wait, service start, departure, load, cost.

The search decides *which* stops each vehicle serves and in *what order*; this module
turns such an order into the times a volunteer will see, from the matrices alone:

* every service starts as early as its windows allow (which also minimises lateness past
  soft deadlines), and
* the route leaves its start as late as still keeps every one of those service starts, so
  nobody waits at the first door for a window to open.

If that schedule breaks the vehicle's ``max_duration`` (a long wait in the middle of the
route), service starts are pushed as late as the windows allow while still finishing at the
earliest possible time, which gives the shortest possible route duration.

Routes with trips (a visiting order holding reload entries, see
:meth:`~solver.model.Problem.reload_code`, or a vehicle that reloads, or stops with a ride
limit) follow the same rules trip by trip: each reload (and the start, for a first trip that
leaves loaded) is left as late as keeps every earliest service start of its trip; where that
still breaks a stop's ``max_ride``, the trip leaves at the earliest time that keeps every
ride of the trip (a later departure never lengthens a ride; searched by bisection up to the
latest departure the rest of the route allows), so the route ends as early as it can. A
reload takes the vehicle's ``reload_service`` and, at a depot's location, starts within its
opening hours; each trip's load is what its stops take.

All times are integer seconds, distances integer metres.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solver.model import ObjectiveKind, Problem, Stop, Vehicle
from solver.solution import Route, Visit, VisitKind

Windows = tuple[tuple[int, int], ...]


def earliest_in(windows: Windows, t: int) -> int | None:
    """Earliest time >= ``t`` inside ``windows`` (none: any time), or ``None`` if none."""
    if not windows:
        return t
    for lo, hi in windows:
        if t <= hi:
            return max(t, lo)
    return None


def latest_in(windows: Windows, t: int) -> int | None:
    """Latest time <= ``t`` inside ``windows`` (none: any time), or ``None`` if none."""
    if not windows:
        return t
    for lo, hi in reversed(windows):
        if t >= lo:
            return min(t, hi)
    return None


def _earliest_in_windows(stop: Stop, t: int) -> int | None:
    """Earliest time >= ``t`` at which service may start, or ``None`` if none."""
    return earliest_in(stop.windows, t)


def _latest_in_windows(stop: Stop, t: int) -> int | None:
    """Latest time <= ``t`` at which service may start, or ``None`` if none."""
    return latest_in(stop.windows, t)


def _legs(
    problem: Problem, vehicle: Vehicle, stops: Sequence[int]
) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """Travel (seconds, metres) into each visit, and from the last visit to the end."""
    prof = problem.profiles[vehicle.profile]
    dur, dist = prof.durations, prof.distances
    legs: list[tuple[int, int]] = []
    here = vehicle.start
    for i in stops:
        there = problem.stops[i].location
        legs.append((int(dur[here, there]), int(dist[here, there])))
        here = there
    if vehicle.end is None:
        return legs, (0, 0)
    return legs, (int(dur[here, vehicle.end]), int(dist[here, vehicle.end]))


def start_window(problem: Problem, vehicle: Vehicle) -> tuple[int, int]:
    """Earliest and latest departure from the vehicle's start (shift and depot hours)."""
    lo, hi = vehicle.shift
    for depot in problem.depots:
        if depot.location == vehicle.start:
            lo, hi = max(lo, depot.window[0]), min(hi, depot.window[1])
    return lo, hi


def end_window(problem: Problem, vehicle: Vehicle) -> tuple[int, int]:
    """Earliest and latest arrival at the vehicle's end (shift and depot hours)."""
    lo, hi = vehicle.shift
    if vehicle.end is None:
        return lo, hi
    for depot in problem.depots:
        if depot.location == vehicle.end:
            lo, hi = max(lo, depot.window[0]), min(hi, depot.window[1])
    return lo, hi


def _service_starts(
    problem: Problem, vehicle: Vehicle, stops: Sequence[int], legs: Sequence[tuple[int, int]]
) -> tuple[int, list[int]]:
    """Earliest departure and earliest service starts (windows respected where possible).

    A window that cannot be met (which a correct search never produces) is met as late as
    the travel allows, so the checker sees and names the fault instead of a crash here.
    """
    depart = start_window(problem, vehicle)[0]
    starts: list[int] = []
    t = depart
    for k, i in enumerate(stops):
        arrival = t + legs[k][0]
        stop = problem.stops[i]
        begin = _earliest_in_windows(stop, arrival)
        begin = arrival if begin is None else begin
        starts.append(begin)
        t = begin + stop.service
    return depart, starts


def _latest_departure(
    problem: Problem, vehicle: Vehicle, stops: Sequence[int], legs: Sequence[tuple[int, int]]
) -> tuple[int, list[int]]:
    """Departure as late as keeps every earliest service start; and those starts."""
    depart, starts = _service_starts(problem, vehicle, stops, legs)
    latest = start_window(problem, vehicle)[1]
    elapsed = 0  # travel and service from the start up to the arrival at visit k
    for k, i in enumerate(stops):
        elapsed += legs[k][0]
        latest = min(latest, starts[k] - elapsed)
        elapsed += problem.stops[i].service
    return max(depart, latest), starts


def _compressed(
    problem: Problem,
    vehicle: Vehicle,
    stops: Sequence[int],
    legs: Sequence[tuple[int, int]],
    finish: int,
) -> tuple[int, list[int]] | None:
    """Service starts as late as still finishing by ``finish``: the shortest duration."""
    latest: list[int] = [0] * len(stops)
    t = finish
    for k in range(len(stops) - 1, -1, -1):
        stop = problem.stops[stops[k]]
        begin = _latest_in_windows(stop, t - stop.service)
        if begin is None:
            return None
        latest[k] = begin
        t = begin - legs[k][0]
    depart = min(t, start_window(problem, vehicle)[1])
    starts: list[int] = []
    now = depart
    for k, i in enumerate(stops):
        stop = problem.stops[i]
        begin = _earliest_in_windows(stop, now + legs[k][0])
        if begin is None:
            return None
        starts.append(begin)
        now = begin + stop.service
    return depart, starts


def _has_trips(problem: Problem, vehicle: Vehicle, stops: Sequence[int]) -> bool:
    """Whether the route needs the trip-aware schedule (reloads or ride limits)."""
    n = len(problem.stops)
    return vehicle.reloads or any(i >= n or problem.stops[i].max_ride is not None for i in stops)


def _visit(
    name: str,
    location: int,
    arrival: int,
    begin: int,
    service: int,
    on_board: Sequence[int],
    lateness: int,
    leg: tuple[int, int],
) -> Visit:
    """A stop visit from its times (s), load on board after it and the leg into it."""
    return Visit(
        stop_id=name,
        location=location,
        arrival=arrival,
        start=begin,
        departure=begin + service,
        wait=begin - arrival,
        load_after=tuple(on_board),
        lateness=lateness,
        travel_time=leg[0],
        travel_distance=leg[1],
    )


def timed_route(problem: Problem, vehicle_index: int, stops: Sequence[int]) -> Route:
    """Build the timed :class:`~solver.solution.Route` of a vehicle serving ``stops`` in order.

    Parameters
    ----------
    problem
        The problem whose matrices and rules give the times.
    vehicle_index
        Position of the vehicle in ``problem.vehicles``.
    stops
        Positions in ``problem.stops`` of the stops served, in visiting order (non-empty);
        reload entries (:meth:`~solver.model.Problem.reload_code`) mark reloads.

    Returns
    -------
    Route
        Visits with arrival, service start, departure, wait (s), load still on board and
        lateness; route start/end times (s), distance (m), travel time (s) and load.
    """
    vehicle = problem.vehicles[vehicle_index]
    if _has_trips(problem, vehicle, stops):
        return _timed_trips(problem, vehicle, stops)
    legs, (end_time_leg, end_dist_leg) = _legs(problem, vehicle, stops)
    depart, starts = _latest_departure(problem, vehicle, stops, legs)
    if vehicle.max_duration is not None and stops:
        last = problem.stops[stops[-1]]
        finish = starts[-1] + last.service + end_time_leg
        if finish - depart > vehicle.max_duration:
            better = _compressed(problem, vehicle, stops, legs, finish - end_time_leg)
            if better is not None:
                depart, starts = better

    dims = len(problem.dimensions)
    total = [0] * dims
    for i in stops:
        for d, q in enumerate(problem.stops[i].demand):
            total[d] += q
    on_board = list(total)
    visits: list[Visit] = []
    now = depart
    for k, i in enumerate(stops):
        stop = problem.stops[i]
        arrival = now + legs[k][0]
        begin = max(starts[k], arrival)
        for d, q in enumerate(stop.demand):
            on_board[d] -= q
        lateness = max(0, begin - stop.deadline) if stop.deadline is not None else 0
        visits.append(
            _visit(
                stop.id, stop.location, arrival, begin, stop.service, on_board, lateness, legs[k]
            )
        )
        now = begin + stop.service
    return Route(
        vehicle_id=vehicle.id,
        visits=tuple(visits),
        start_time=depart,
        end_time=now + end_time_leg,
        distance=sum(d for _, d in legs) + end_dist_leg,
        travel_time=sum(t for t, _ in legs) + end_time_leg,
        load=tuple(total),
        end_travel_time=end_time_leg,
        end_travel_distance=end_dist_leg,
    )


@dataclass(frozen=True, slots=True)
class _Item:
    """One entry of a visiting order with trips: a stop, or a reload (``stop`` None)."""

    location: int
    service: int
    windows: Windows
    stop: Stop | None


def reload_hours(problem: Problem, location: int) -> Windows:
    """Opening hours of a depot at ``location`` as a window (empty: no depot there)."""
    for depot in problem.depots:
        if depot.location == location:
            return (depot.window,)
    return ()


def _items(problem: Problem, vehicle: Vehicle, order: Sequence[int]) -> list[_Item]:
    out = []
    for i in order:
        place = problem.reload_at(i)
        if place is None:
            stop = problem.stops[i]
            out.append(_Item(stop.location, stop.service, stop.windows, stop))
        else:
            out.append(_Item(place, vehicle.reload_service, reload_hours(problem, place), None))
    return out


def _forward(
    items: Sequence[_Item], legs: Sequence[tuple[int, int]], depart: int, fixed: dict[int, int]
) -> list[int]:
    """Service starts, each as early as travel and windows allow from ``depart``; a reload
    ``k`` in ``fixed`` starts at ``fixed[k]`` unless the vehicle arrives later."""
    starts: list[int] = []
    t = depart
    for k, item in enumerate(items):
        arrival = t + legs[k][0]
        begin = max(arrival, fixed[k]) if k in fixed else earliest_in(item.windows, arrival)
        begin = arrival if begin is None else begin
        starts.append(begin)
        t = begin + item.service
    return starts


def _backward(
    items: Sequence[_Item], legs: Sequence[tuple[int, int]], finish: int
) -> tuple[int, list[int]]:
    """Latest service starts that still let every later visit and the end (by ``finish``,
    the latest arrival at the end or last departure) be on time; and the latest departure
    from the start. An unmeetable window is met as late as it can (the checker names it)."""
    latest = [0] * len(items)
    t = finish
    for k in range(len(items) - 1, -1, -1):
        begin = latest_in(items[k].windows, t - items[k].service)
        latest[k] = t - items[k].service if begin is None else begin
        t = latest[k] - legs[k][0]
    return t, latest


def _trip_rides_ok(items: Sequence[_Item], starts: Sequence[int], first: int, leave: int) -> bool:
    """Whether the stops of the trip beginning after entry ``first`` (-1: the start) keep
    their ride limits when it leaves at ``leave``."""
    for k in range(first + 1, len(items)):
        stop = items[k].stop
        if stop is None:
            break
        if stop.max_ride is not None and starts[k] - leave > stop.max_ride:
            return False
    return True


def _trip_departures(
    problem: Problem,
    vehicle: Vehicle,
    items: Sequence[_Item],
    legs: Sequence[tuple[int, int]],
    end_leg: int,
) -> tuple[int, dict[int, int]]:
    """Departure from the start and the start of each reload (see the module notes)."""
    lo, hi = start_window(problem, vehicle)
    finish = end_window(problem, vehicle)[1] - end_leg
    depart = _no_first_wait(items, legs, _forward(items, legs, lo, {}), lo, hi)
    latest_depart, latest = _backward(items, legs, finish)
    starts = _forward(items, legs, depart, {})
    if vehicle.start_loaded and not _trip_rides_ok(items, starts, -1, depart):
        depart = _earliest_true(
            depart,
            max(depart, min(hi, latest_depart)),
            lambda t: _trip_rides_ok(items, _forward(items, legs, t, {}), -1, t),
        )
        starts = _forward(items, legs, depart, {})
    fixed: dict[int, int] = {}
    for k, item in enumerate(items):
        if item.stop is not None:
            continue
        # Leave the reload as late as keeps the trip's first service start.
        nxt = k + 1
        begin = starts[k]
        if nxt < len(items) and items[nxt].stop is not None:
            wait = starts[nxt] - (starts[k] + item.service + legs[nxt][0])
            begin = starts[k] + max(0, min(wait, latest[k] - starts[k]))
        fixed[k] = begin
        starts = _forward(items, legs, depart, fixed)
        if not _trip_rides_ok(items, starts, k, begin + item.service):

            def rides_ok(t: int, k: int = k, service: int = item.service) -> bool:
                trial = _forward(items, legs, depart, {**fixed, k: t})
                return _trip_rides_ok(items, trial, k, t + service)

            fixed[k] = _earliest_true(begin, max(begin, latest[k]), rides_ok)
            starts = _forward(items, legs, depart, fixed)
    depart = _no_first_wait(items, legs, starts, lo, hi)
    end = starts[-1] + items[-1].service + end_leg if items else depart
    if vehicle.max_duration is not None and end - depart > vehicle.max_duration:
        # As late as still finishing at the earliest: the shortest duration.
        first, latest = _backward(items, legs, end - end_leg)
        depart = max(depart, min(hi, first))
        fixed = {k: latest[k] for k, item in enumerate(items) if item.stop is None}
    return depart, fixed


def _earliest_true(lo: int, hi: int, ok: Callable[[int], bool]) -> int:
    """Smallest ``t`` in ``[lo, hi]`` with ``ok(t)``, for ``ok`` false then true as ``t``
    grows (a later departure never lengthens a ride); ``hi`` if none."""
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return hi


def _no_first_wait(
    items: Sequence[_Item], legs: Sequence[tuple[int, int]], starts: Sequence[int], lo: int, hi: int
) -> int:
    """Departure from the start as late as keeps every service start in ``starts``."""
    elapsed, depart = 0, hi
    for k, item in enumerate(items):
        elapsed += legs[k][0]
        depart = min(depart, starts[k] - elapsed)
        elapsed += item.service
    return max(lo, depart)


def _timed_trips(problem: Problem, vehicle: Vehicle, order: Sequence[int]) -> Route:
    """:func:`timed_route` of a route with trips (see the module notes)."""
    items = _items(problem, vehicle, order)
    prof = problem.profiles[vehicle.profile]
    dur, dist = prof.durations, prof.distances
    legs: list[tuple[int, int]] = []
    here = vehicle.start
    for item in items:
        legs.append((int(dur[here, item.location]), int(dist[here, item.location])))
        here = item.location
    end_leg = (0, 0)
    if vehicle.end is not None:
        end_leg = (int(dur[here, vehicle.end]), int(dist[here, vehicle.end]))
    depart, fixed = _trip_departures(problem, vehicle, items, legs, end_leg[0])
    starts = _forward(items, legs, depart, fixed)

    dims = len(problem.dimensions)
    loads: list[list[int]] = [[0] * dims]  # per trip, the start's first
    for item in items:
        if item.stop is None:
            loads.append([0] * dims)
        else:
            loads[-1] = [a + b for a, b in zip(loads[-1], item.stop.demand, strict=True)]
    trip = 1 if vehicle.start_loaded else 0
    on_board = list(loads[0]) if vehicle.start_loaded else [0] * dims
    visits: list[Visit] = []
    now, n_reloads = depart, 0
    for k, item in enumerate(items):
        arrival = now + legs[k][0]
        begin = starts[k]
        if item.stop is None:
            n_reloads += 1
            trip += 1
            on_board = list(loads[n_reloads])
            name, kind, lateness = problem.reload_id(item.location), VisitKind.RELOAD, 0
        else:
            stop = item.stop
            on_board = [a - b for a, b in zip(on_board, stop.demand, strict=True)]
            name, kind = stop.id, VisitKind.STOP
            lateness = max(0, begin - stop.deadline) if stop.deadline is not None else 0
        visit = _visit(
            name, item.location, arrival, begin, item.service, on_board, lateness, legs[k]
        )
        visits.append(dataclasses.replace(visit, kind=kind, trip=max(trip, 1)))
        now = begin + item.service
    total = [sum(q) for q in zip(*loads, strict=True)] if dims else []
    return Route(
        vehicle_id=vehicle.id,
        visits=tuple(visits),
        start_time=depart,
        end_time=now + end_leg[0],
        distance=sum(d for _, d in legs) + end_leg[1],
        travel_time=sum(t for t, _ in legs) + end_leg[0],
        load=tuple(total),
        end_travel_time=end_leg[0],
        end_travel_distance=end_leg[1],
        trips=max(trip, 1),
    )


def route_cost(problem: Problem, vehicle: Vehicle, route: Route) -> int:
    """Cost of one route as ``Solution.cost`` counts it (arcs, fixed cost, lateness)."""
    kind = problem.objective.kind
    if kind is ObjectiveKind.DISTANCE:
        arcs = route.distance
    elif kind is ObjectiveKind.DURATION:
        arcs = route.travel_time
    else:
        arcs = vehicle.cost_per_second * route.travel_time + vehicle.cost_per_metre * route.distance
    late = 0
    for visit in route.visits:
        if visit.lateness:
            late += visit.lateness * _stop_by_id(problem, visit.stop_id).lateness_cost
    return arcs + vehicle.fixed_cost + late


def _stop_by_id(problem: Problem, stop_id: str) -> Stop:
    for stop in problem.stops:
        if stop.id == stop_id:
            return stop
    raise KeyError(stop_id)


def plan_cost(problem: Problem, routes: Sequence[Route]) -> int:
    """``Solution.cost`` of ``routes``: arc costs, fixed costs of used vehicles, lateness."""
    vehicles = {v.id: v for v in problem.vehicles}
    return sum(route_cost(problem, vehicles[r.vehicle_id], r) for r in routes)
