"""Decomposition with its parts solved on Dask worker processes."""

from __future__ import annotations

from typing import Any

from api.plan.cluster import client_map, client_workers
from solver import DecomposeOptions, check, solve_decomposed
from tests.solver.plane import plane_problem
from tests.solver.test_decompose import accounted_once


def test_parts_solved_on_dask_workers_stitch_into_a_checked_plan(dask_client: Any) -> None:
    """Parts shipped to two worker processes come back as one complete, checked plan."""
    p = plane_problem(260, 18, seed=11)
    parallel = client_workers(dask_client)
    assert parallel == 2
    sol = solve_decomposed(
        p,
        time_limit=3.0,
        options=DecomposeOptions(threshold=100, part_size=70, parallel=parallel),
        map_fn=client_map(dask_client),
    )
    assert sol.stats.status.startswith("decomposed into 4 parts")
    accounted_once(p.stops, sol)
    report = check(p, sol)
    assert report.ok, report.violations
    assert len(sol.unassigned) < 26
