"""Real benchmark instances: short solves serve every customer and pass the checker."""

from __future__ import annotations

import pytest

from api.instances import read_instance
from api.settings import data_dir
from solver import assert_feasible
from solver.solve import solve


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["solomon/R101.txt", "solomon/RC105.txt", "cvrplib-x/X-n101-k25.vrp"]
)
def test_instance_fully_served_within_fleet(name: str) -> None:
    """At 2 s the plan serves every customer with at most the instance's fleet and checks."""
    path = data_dir() / name
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path} (set DOORSTEP_DATA)")
    inst = read_instance(path)
    solution = solve(inst.problem, time_limit=2)
    assert_feasible(inst.problem, solution)
    assert solution.unassigned == ()
    assert len(solution.routes) <= len(inst.problem.vehicles)
    routes = inst.file_routes(solution)
    assert sorted(c for r in routes for c in r) == sorted(int(s.id) for s in inst.problem.stops)
    assert inst.route_cost(routes) == solution.cost
