"""Turn a peer's bare visiting orders into a timed :class:`solver.Solution`.

Other solvers answer with sequences of stops per vehicle. To let our independent checker
judge them exactly like our own plans, each sequence is timed here the usual way: leave the
start as early as the vehicle's shift (and the start depot's opening) allows, travel by the
vehicle's profile, wait for the first window that can still be met, serve, go on. Nothing is
repaired: a late arrival or an overload stays in the plan for the checker to reject.

All times are integer seconds, distances integer metres (or the instance's integer unit).
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.peers._support import shift_within_depots
from solver.model import ObjectiveKind, Problem, Stop, Vehicle
from solver.solution import Reason, Route, Solution, SolveStats, Unassigned, Visit


class PeerAnswerError(ValueError):
    """A peer's answer cannot be read as a plan (unknown vehicle, stop served twice, ...)."""


def _service_start(stop: Stop, arrival: int) -> int:
    """Earliest service start at or after ``arrival`` inside one of the stop's windows.

    When every window has closed, the arrival itself is returned (a violation the checker
    reports, not one hidden here).
    """
    for start, end in stop.windows:
        if arrival <= end:
            return max(arrival, start)
    return arrival


def timed_route(problem: Problem, vehicle: Vehicle, stop_indices: Sequence[int]) -> Route:
    """Time one route of ``vehicle`` visiting ``problem.stops[i]`` for ``i`` in order.

    Parameters
    ----------
    problem
        The problem the route belongs to.
    vehicle
        The vehicle driving it.
    stop_indices
        Positions in ``problem.stops``, in visiting order (not empty).

    Returns
    -------
    Route
        With arrival, service start, departure, wait, load after each stop (s, units).
    """
    profile = problem.profiles[vehicle.profile]
    dur, dist = profile.durations, profile.distances
    stops = [problem.stops[i] for i in stop_indices]
    dims = len(problem.dimensions)
    load = [sum(s.demand[k] for s in stops) for k in range(dims)]
    total_load = tuple(load)
    start_time = shift_within_depots(problem, vehicle)[0]
    t, here = start_time, vehicle.start
    travel_time = distance = 0
    visits: list[Visit] = []
    for stop in stops:
        leg_t, leg_d = int(dur[here, stop.location]), int(dist[here, stop.location])
        arrival = t + leg_t
        begin = _service_start(stop, arrival)
        load = [load[k] - stop.demand[k] for k in range(dims)]
        late = max(0, begin - stop.deadline) if stop.deadline is not None else 0
        visits.append(
            Visit(
                stop_id=stop.id,
                location=stop.location,
                arrival=arrival,
                start=begin,
                departure=begin + stop.service,
                wait=begin - arrival,
                load_after=tuple(load),
                lateness=late,
                travel_time=leg_t,
                travel_distance=leg_d,
            )
        )
        travel_time += leg_t
        distance += leg_d
        t, here = begin + stop.service, stop.location
    end_t = end_d = 0
    if vehicle.end is not None:
        end_t, end_d = int(dur[here, vehicle.end]), int(dist[here, vehicle.end])
    return Route(
        vehicle_id=vehicle.id,
        visits=tuple(visits),
        start_time=start_time,
        end_time=t + end_t,
        distance=distance + end_d,
        travel_time=travel_time + end_t,
        load=total_load,
        end_travel_time=end_t,
        end_travel_distance=end_d,
    )


def route_cost(problem: Problem, vehicle: Vehicle, route: Route, stops: dict[str, Stop]) -> int:
    """Cost of one route as :attr:`solver.Solution.cost` counts it (arcs, fixed, lateness).

    ``stops`` maps each stop id to its :class:`Stop`.
    """
    kind = problem.objective.kind
    if kind is ObjectiveKind.DISTANCE:
        arcs = route.distance
    elif kind is ObjectiveKind.DURATION:
        arcs = route.travel_time
    else:
        arcs = vehicle.cost_per_second * route.travel_time + vehicle.cost_per_metre * route.distance
    lateness = sum(stops[v.stop_id].lateness_cost * v.lateness for v in route.visits)
    return arcs + vehicle.fixed_cost + lateness


def solution_from_orders(
    problem: Problem,
    orders: Sequence[tuple[int, Sequence[int]]],
    *,
    seconds: float,
    status: str,
) -> Solution:
    """Build a checked-ready :class:`Solution` from ``(vehicle index, stop indices)`` pairs.

    Stops on no route are listed as unassigned with reason ``FLEET_EXHAUSTED`` (the peer
    did not serve them; a benchmark counts that as a failure whatever the reason).

    Parameters
    ----------
    problem
        The problem that was solved.
    orders
        One pair per used vehicle: its position in ``problem.vehicles`` and the positions in
        ``problem.stops`` in visiting order. Empty orders are skipped.
    seconds
        Wall-clock seconds the peer took, stored as the ``search`` phase.
    status
        The peer's own word on how it ended.

    Raises
    ------
    PeerAnswerError
        If a vehicle is used twice or a stop appears twice.
    """
    routes: list[Route] = []
    by_id = {s.id: s for s in problem.stops}
    cost = 0
    seen_vehicles: set[int] = set()
    served: set[int] = set()
    for v_idx, order in orders:
        if not order:
            continue
        if v_idx in seen_vehicles:
            raise PeerAnswerError(f"vehicle {problem.vehicles[v_idx].id!r} is used twice")
        seen_vehicles.add(v_idx)
        for i in order:
            if i in served:
                raise PeerAnswerError(f"stop {problem.stops[i].id!r} is served twice")
            served.add(i)
        vehicle = problem.vehicles[v_idx]
        route = timed_route(problem, vehicle, order)
        routes.append(route)
        cost += route_cost(problem, vehicle, route, by_id)
    unassigned = tuple(
        Unassigned(s.id, Reason.FLEET_EXHAUSTED, "The other solver left this stop unserved.")
        for i, s in enumerate(problem.stops)
        if i not in served
    )
    return Solution(
        routes=tuple(routes),
        unassigned=unassigned,
        cost=cost,
        stats=SolveStats(phases={"search": seconds}, status=status, objective=cost, workers=1),
    )
