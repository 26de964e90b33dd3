"""PyVRP (0.14) on our problem: same integer matrices, windows, service, capacity, fleet.

Vehicles that share start, end, capacity, shift, limits, profile and reload places become one
PyVRP vehicle type with ``num_available`` equal to their count; a vehicle's reload places are
the type's ``reload_depots`` and ``max_trips - 1`` its ``max_reloads`` (the multi-trip set);
the objective is distance only
(``unit_distance_cost=1``, ``unit_duration_cost=0``). The search is PyVRP's default
iterated local search with ``MaxRuntime(time_limit)`` and the given seed; it is
single-threaded.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, VehicleType
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxRuntime

from benchmarks.peers._schedule import solution_from_orders
from benchmarks.peers._support import require_plain_vrptw, shift
from solver.model import Problem
from solver.solution import Solution

#: PyVRP's own default for "no limit".
_UNBOUNDED = int(np.iinfo(np.int64).max)
#: PyVRP's default ``max_reloads`` (unlimited).
_UNBOUNDED_RELOADS = int(np.iinfo(np.uint64).max)

_Places = tuple[int, ...]
_TypeKey = tuple[
    int, int, tuple[int, ...], tuple[int, int], int | None, int | None, int, int, _Places, int
]


def _data(problem: Problem) -> tuple[ProblemData, list[list[int]], list[int]]:
    """PyVRP data for ``problem``, per vehicle type our vehicle positions, and per PyVRP
    depot its location."""
    depot_locs = sorted(
        {v.start for v in problem.vehicles}
        | {v.end if v.end is not None else v.start for v in problem.vehicles}
        | {loc for v in problem.vehicles for loc in v.load_places}
    )
    depot_pos = {loc: i for i, loc in enumerate(depot_locs)}
    opening = {d.location: d.window for d in problem.depots}
    depots = [Depot(loc, *opening.get(loc, (0, _UNBOUNDED))) for loc in depot_locs]
    clients = [
        Client(
            s.location,
            delivery=list(s.demand),
            service_duration=s.service,
            tw_early=s.windows[0][0] if s.windows else 0,
            tw_late=s.windows[0][1] if s.windows else _UNBOUNDED,
            name=s.id,
        )
        for s in problem.stops
    ]
    groups: dict[_TypeKey, list[int]] = defaultdict(list)
    for i, v in enumerate(problem.vehicles):
        key = (
            v.start,
            v.end if v.end is not None else v.start,
            v.capacity,
            shift(problem, v),
            v.max_duration,
            v.max_distance,
            v.profile,
            v.fixed_cost,
            v.load_places,
            _UNBOUNDED_RELOADS if v.max_loads is None else v.max_loads,
        )
        groups[key].append(i)
    types: list[VehicleType] = []
    members: list[list[int]] = []
    for key, idx in groups.items():
        start, end, cap, (early, late), max_dur, max_dist, prof, fixed, places, reloads = key
        types.append(
            VehicleType(
                num_available=len(idx),
                capacity=list(cap),
                start_depot=depot_pos[start],
                end_depot=depot_pos[end],
                fixed_cost=fixed,
                tw_early=early,
                tw_late=late,
                unit_distance_cost=1,
                unit_duration_cost=0,
                profile=prof,
                shift_duration=_UNBOUNDED if max_dur is None else max_dur,
                max_distance=_UNBOUNDED if max_dist is None else max_dist,
                reload_depots=[depot_pos[loc] for loc in places],
                max_reloads=reloads,
            )
        )
        members.append(idx)
    locations = [Location(0.0, 0.0) for _ in range(problem.n_locations)]
    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=types,
        distance_matrices=[p.distances.astype(np.int64) for p in problem.profiles],  # type: ignore[misc]
        duration_matrices=[p.durations.astype(np.int64) for p in problem.profiles],  # type: ignore[misc]
    )
    return data, members, depot_locs


def solve(problem: Problem, *, time_limit: float, seed: int) -> Solution:
    """Solve ``problem`` with PyVRP for ``time_limit`` seconds (building included).

    Returns
    -------
    Solution
        PyVRP's best routes, timed by :mod:`benchmarks.peers._schedule`; stops it left out
        are unassigned.
    """
    require_plain_vrptw(problem, "pyvrp", reloads=True)
    t0 = time.perf_counter()
    data, members, depot_locs = _data(problem)
    remaining = max(0.0, time_limit - (time.perf_counter() - t0))
    result = pyvrp_solve(data, MaxRuntime(remaining), seed=seed, collect_stats=False)
    next_free = [0] * len(members)
    orders: list[tuple[int, list[int]]] = []
    for route in result.best.routes():
        vt = route.vehicle_type()
        vehicle = members[vt][next_free[vt]]
        next_free[vt] += 1
        activities = list(route)[1:-1]  # the start and end depots left out
        orders.append(
            (
                vehicle,
                [
                    a.idx if a.is_client() else problem.reload_code(depot_locs[a.idx])
                    for a in activities
                ],
            )
        )
    status = "feasible" if result.is_feasible() else "infeasible"
    return solution_from_orders(
        problem, orders, seconds=time.perf_counter() - t0, status=f"pyvrp {status}"
    )
