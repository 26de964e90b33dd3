"""Whether an unserved stop still fits a plan with trips, as it stands.

The refinement's insertion test (:func:`solver.refine.worth_placing`) does not model reloads
or ride limits; for such problems this module answers the same question directly: the stop
is tried at every position of every compatible vehicle's visiting order, on its own or on a
new trip (a reload at one of the vehicle's load places just before it), and each candidate
route is timed (:func:`solver.schedule.timed_route`) and checked
(:func:`solver.check.route_violations`). A stop that fits is not for want of vehicles.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from solver.check import route_violations
from solver.diagnose import compatible
from solver.model import Problem
from solver.schedule import route_cost, timed_route

#: Candidate routes timed per call at most; past it, a stop counts as fitting (unknown
#: is not proof that the fleet is short).
MAX_TRIES = 20000


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
