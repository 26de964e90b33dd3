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

All times are integer seconds, distances integer metres.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.model import ObjectiveKind, Problem, Stop, Vehicle
from solver.solution import Route, Visit


def _earliest_in_windows(stop: Stop, t: int) -> int | None:
    """Earliest time >= ``t`` at which service may start, or ``None`` if none."""
    if not stop.windows:
        return t
    for lo, hi in stop.windows:
        if t <= hi:
            return max(t, lo)
    return None


def _latest_in_windows(stop: Stop, t: int) -> int | None:
    """Latest time <= ``t`` at which service may start, or ``None`` if none."""
    if not stop.windows:
        return t
    for lo, hi in reversed(stop.windows):
        if t >= lo:
            return min(t, hi)
    return None


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


def timed_route(problem: Problem, vehicle_index: int, stops: Sequence[int]) -> Route:
    """Build the timed :class:`~solver.solution.Route` of a vehicle serving ``stops`` in order.

    Parameters
    ----------
    problem
        The problem whose matrices and rules give the times.
    vehicle_index
        Position of the vehicle in ``problem.vehicles``.
    stops
        Positions in ``problem.stops`` of the stops served, in visiting order (non-empty).

    Returns
    -------
    Route
        Visits with arrival, service start, departure, wait (s), load still on board and
        lateness; route start/end times (s), distance (m), travel time (s) and load.
    """
    vehicle = problem.vehicles[vehicle_index]
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
            Visit(
                stop_id=stop.id,
                location=stop.location,
                arrival=arrival,
                start=begin,
                departure=begin + stop.service,
                wait=begin - arrival,
                load_after=tuple(on_board),
                lateness=lateness,
                travel_time=legs[k][0],
                travel_distance=legs[k][1],
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
