"""The refinement on two threads: deterministic under a step count, never worse than the
main thread alone, a failed second thread leaves the main plan, ``workers=2`` uses it."""

from __future__ import annotations

import dataclasses
import importlib
import time

import pytest

from solver import Problem, assert_feasible, refine, solve
from tests.solver.plane import plane_problem

solve_module = importlib.import_module("solver.solve")

FAR = time.monotonic() + 3600.0


@pytest.fixture(autouse=True, scope="module")
def kernel_loaded() -> None:
    """The refinement kernel is loaded before the searches below start."""
    refine.warm_up()


def vans_that_reload() -> Problem:
    """40 stops, three vans of 20 kg that load again at their depot (a problem with trips)."""
    p = plane_problem(40, 3, seed=5, capacity=20)
    vans = tuple(dataclasses.replace(v, max_trips=None) for v in p.vehicles)
    return dataclasses.replace(p, vehicles=vans)


def built(p: Problem, seed: int, steps: int, threads: int) -> refine.RefineResult:
    """The refinement's plan from empty routes after ``steps`` steps on ``threads`` threads."""
    empty: list[list[int]] = [[] for _ in p.vehicles]
    return refine.refine(
        p, empty, deadline=FAR, iterations=steps, seed=seed, min_iterations=1, threads=threads
    )


def test_two_threads_with_a_step_count_give_the_same_plan_twice() -> None:
    """Under an effort bound, ``workers=2`` on a problem with trips is a function of its inputs,
    across exchanges between the threads, and its plan checks."""
    p = vans_that_reload()
    steps = 3 * refine._SHARE_STEPS // solve_module._REFINE_PER_EFFORT
    first = solve(p, time_limit=120, seed=3, workers=2, effort=steps)
    again = solve(p, time_limit=120, seed=3, workers=2, effort=steps)
    assert "on a second thread" in first.stats.status
    assert first.routes == again.routes
    assert first.cost == again.cost
    assert_feasible(p, first)
    assert not first.unassigned


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_threads_are_never_worse_than_the_main_thread_alone(seed: int) -> None:
    """Up to the first exchange the main thread runs exactly as alone (same seed and steps),
    so the cheaper of the two threads' plans is never dearer than its plan alone."""
    p = vans_that_reload()
    steps = refine._SHARE_STEPS
    alone, both = built(p, seed, steps, 1), built(p, seed, steps, 2)
    assert both.second_steps == steps - 1  # the first step builds the plan both start from
    assert both.objective <= alone.objective


def test_a_failing_second_thread_leaves_the_main_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second thread whose kernel call raises is dropped: the plan is the main thread's
    alone, step for step."""
    p = vans_that_reload()
    alone = built(p, 4, 600, 1)

    def fail(self: refine._Second, count: int, t_from: float, t_to: float, index: int) -> None:
        self.pending = self.pool.submit(lambda: 1 // 0)

    monkeypatch.setattr(refine._Second, "begin", fail)
    out = built(p, 4, 600, 2)
    assert out.routes == alone.routes
    assert out.objective == alone.objective


def test_workers_2_refines_on_a_thread_without_a_worker_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``workers=2`` on a problem the refinement searches alone hands nothing to the worker
    pool: the second search is a thread of this one, and every stop is served."""
    p = vans_that_reload()
    asked: list[int] = []
    monkeypatch.setattr(solve_module, "worker_pool", lambda size=1: asked.append(size))
    sol = solve(p, time_limit=3.0, seed=1, workers=2)
    assert not asked
    assert "on a second thread" in sol.stats.status
    assert not sol.unassigned
    assert_feasible(p, sol)
