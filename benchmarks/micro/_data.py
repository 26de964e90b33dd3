"""Generated data for the micro timings: seeded, planar, no files."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from benchmarks.peers._schedule import solution_from_orders
from solver.model import Depot, Problem, Profile, Stop, Vehicle
from solver.solution import Solution


def points(n: int, *, seed: int = 0) -> npt.NDArray[np.float64]:
    """``n`` planar points ``(x, y)`` uniform in a 1000 x 1000 square (abstract units)."""
    return np.random.default_rng(seed).uniform(0.0, 1000.0, size=(n, 2))


def euclidean(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Integer Euclidean matrix (floor), standing in for travel metres and seconds."""
    diff = coords[:, None, :] - coords[None, :, :]
    return np.floor(np.hypot(diff[..., 0], diff[..., 1])).astype(np.int64)


def problem(n_stops: int, *, seed: int = 0) -> Problem:
    """A time-windowed CVRP with ``n_stops`` stops at locations 1..n and a depot at 0.

    Windows are wide (half the day) so that the sweep plan of :func:`sweep_solution`
    mostly keeps them; vehicles carry 100 units, demands are 1-10.
    """
    rng = np.random.default_rng(seed)
    m = euclidean(points(n_stops + 1, seed=seed))
    opens = rng.integers(0, 20_000, size=n_stops)
    stops = tuple(
        Stop(
            id=f"s{i}",
            location=i,
            demand=(int(rng.integers(1, 11)),),
            service=60,
            windows=((int(opens[i - 1]), int(opens[i - 1]) + 43_200),),
        )
        for i in range(1, n_stops + 1)
    )
    fleet = max(1, n_stops // 10)
    vehicles = tuple(
        Vehicle(id=f"v{k}", start=0, end=0, capacity=(100,), shift=(0, 86_400))
        for k in range(fleet)
    )
    return Problem(
        stops=stops,
        vehicles=vehicles,
        profiles=(Profile("drive", m, m.copy()),),
        depots=(Depot("d", 0, (0, 86_400)),),
        dimensions=("units",),
    )


def sweep_solution(p: Problem) -> Solution:
    """Stops cut into consecutive groups of 10 by index, one group per vehicle (a full plan)."""
    n = len(p.stops)
    orders = [(k, list(range(10 * k, min(n, 10 * k + 10)))) for k in range(len(p.vehicles))]
    return solution_from_orders(p, orders, seconds=0.0, status="sweep")
