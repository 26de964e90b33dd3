"""VROOM (through ``pyvroom``) on our problem: same integer matrices per profile.

Each profile's durations become VROOM's durations, its distances both VROOM's distances and
its cost matrix, so VROOM minimises total distance. Every vehicle is added on its own with
its capacity and its shift clipped to the depots' hours; stops become jobs with their
service, delivery amounts and (possibly several) time windows. VROOM runs at the highest
exploration level (5) on one thread with ``time_limit`` as its timeout; it usually stops
well before, and the harness records its actual time.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import vroom

from benchmarks.peers import UnsupportedProblemError
from benchmarks.peers._schedule import solution_from_orders
from benchmarks.peers._support import require_plain_vrptw, shift
from solver.model import Problem
from solver.solution import Solution

#: VROOM's highest exploration level.
EXPLORATION_LEVEL = 5


def _input(problem: Problem) -> vroom.Input:
    """The VROOM input for ``problem``: job id ``i + 1`` is ``problem.stops[i]``."""
    vi = vroom.Input()
    for k, p in enumerate(problem.profiles):
        vi.set_durations_matrix(f"p{k}", np.asarray(p.durations, dtype=np.uint32))
        vi.set_distances_matrix(f"p{k}", np.asarray(p.distances, dtype=np.uint32))
        vi.set_costs_matrix(f"p{k}", np.asarray(p.distances, dtype=np.uint32))
    for i, v in enumerate(problem.vehicles):
        early, late = shift(problem, v)
        options: dict[str, int] = {}
        if v.max_distance is not None:
            options["max_distance"] = v.max_distance
        if v.max_duration is not None:
            raise UnsupportedProblemError(f"vroom: vehicle {v.id!r} has a route duration limit")
        vi.add_vehicle(
            vroom.Vehicle(
                i,
                start=v.start,
                end=v.end,
                profile=f"p{v.profile}",
                capacity=list(v.capacity),
                time_window=vroom.TimeWindow(early, late),
                costs=vroom.VehicleCosts(fixed=v.fixed_cost),
                **options,
            )
        )
    jobs = [
        vroom.Job(
            i + 1,
            location=s.location,
            default_service=s.service,
            delivery=list(s.demand),
            time_windows=[vroom.TimeWindow(a, b) for a, b in s.windows],
        )
        for i, s in enumerate(problem.stops)
    ]
    vi.add_job(jobs)
    return vi


def solve(problem: Problem, *, time_limit: float, seed: int) -> Solution:
    """Solve ``problem`` with VROOM (one thread); ``seed`` is unused, VROOM is deterministic.

    Returns
    -------
    Solution
        VROOM's routes timed by :mod:`benchmarks.peers._schedule`; jobs it left unassigned
        are unassigned stops.
    """
    del seed
    require_plain_vrptw(problem, "vroom", multi_windows=True)
    t0 = time.perf_counter()
    vi = _input(problem)
    remaining = max(0.01, time_limit - (time.perf_counter() - t0))
    answer = vi.solve(
        exploration_level=EXPLORATION_LEVEL, nb_threads=1, timeout=timedelta(seconds=remaining)
    )
    steps = answer.routes
    jobs = steps[steps["type"] == "job"]
    orders = [
        (int(vehicle), [int(j) - 1 for j in group["id"]])
        for vehicle, group in jobs.groupby("vehicle_id", sort=True)
    ]
    return solution_from_orders(
        problem, orders, seconds=time.perf_counter() - t0, status="vroom done"
    )
