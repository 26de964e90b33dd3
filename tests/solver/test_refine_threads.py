"""The refinement on two threads: deterministic under a step count, never worse than the
main thread alone, four walks when each thread has the steps for them, the dearest walk
going on from the cheapest, a failed second thread leaves the main plan, ``workers=2``
uses it."""

from __future__ import annotations

import dataclasses
import importlib
import time
from typing import Any

import numpy as np
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


#: Steps for which two threads step four walks on :func:`vans_that_reload` (40 stops).
FOUR_WALKS = int(refine.RefineConfig().four_walks_from * 40 * 40) + 1


def built(
    p: Problem, seed: int, steps: int, threads: int, config: refine.RefineConfig | None = None
) -> refine.RefineResult:
    """The refinement's plan from empty routes after ``steps`` steps on ``threads`` threads."""
    empty: list[list[int]] = [[] for _ in p.vehicles]
    return refine.refine(
        p, empty, deadline=FAR, iterations=steps, seed=seed, min_iterations=1, threads=threads,
        config=config,
    )  # fmt: skip


def test_each_thread_steps_two_walks_when_it_has_the_steps_per_stop() -> None:
    """Four walks once each thread has ``four_walks_from`` x stops² steps ahead (the first step
    builds the plan), two below that, one on one thread; four walks give the same plan
    twice, and it serves every stop at the cost the objective gives it."""
    p = vans_that_reload()
    assert built(p, 0, FOUR_WALKS - 1, 2).walks == 2
    assert built(p, 0, FOUR_WALKS, 1).walks == 1
    four = built(p, 0, FOUR_WALKS, 2)
    assert four.walks == 4
    assert four.second_steps == FOUR_WALKS - 1
    again = built(p, 0, FOUR_WALKS, 2)
    assert (four.routes, four.objective) == (again.routes, again.objective)
    assert sorted(s for r in four.routes for s in r if s < len(p.stops)) == list(
        range(len(p.stops))
    )


def test_a_slow_first_kernel_call_does_not_decide_the_walks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a deadline the steps each thread may expect are paced on the kernel calls after
    the first: a first call slowed to 0.5 s (at that pace each thread would expect ~80
    steps in the 2 s left, four walks needing 320) still gives four walks where the calls
    after it have the steps."""
    p = vans_that_reload()
    kernel = refine._sisr.run
    slowed: list[int] = []

    def slow_first(*args: Any) -> int:
        if args[5] == refine._FIRST_STEP and not slowed:
            slowed.append(1)
            time.sleep(0.5)
        return int(kernel(*args))

    monkeypatch.setattr(refine._sisr, "run", slow_first)
    empty: list[list[int]] = [[] for _ in p.vehicles]
    out = refine.refine(
        p, empty, deadline=time.monotonic() + 2.5, seed=0, min_iterations=1, threads=2
    )
    assert slowed
    assert out.iterations > FOUR_WALKS  # (each thread had the steps for four walks)
    assert out.walks == 4


def test_the_steps_ahead_follow_the_step_count_or_the_pace_after_the_first_call() -> None:
    """Under a step count, the steps left; under a deadline, none known until calls after
    the first have run for ``_PACE_SECONDS``, then their pace until the deadline (none
    past it)."""
    assert refine.steps_ahead(1000, 300, None, 5.0, 9.0) == 700
    assert refine.steps_ahead(None, 0, None, 0.5, 4.0) is None
    assert refine.steps_ahead(None, 20, (20, 1.0), 1.0, 4.4) is None
    assert refine.steps_ahead(None, 220, (20, 1.0), 1.04, 4.44) is None  # (too short a time)
    assert refine.steps_ahead(None, 620, (20, 1.0), 1.12, 4.52) == pytest.approx(17_000)
    assert refine.steps_ahead(None, 620, (20, 1.0), 5.0, 4.0) == 0.0


def _walk(cost: int, mark: int) -> refine._Walk:
    """A walk whose plans are ``mark`` everywhere and whose best plan costs ``cost``."""
    plan = np.full((2, 3), mark, dtype=np.int64)
    state = np.asarray([cost + 5, cost, 0, 0, 0], dtype=np.int64)
    sizes = np.full(2, 3, dtype=np.int64)
    return refine._Walk(plan.copy(), sizes.copy(), plan, sizes, state, (np.zeros(1),))


def test_stops_served_are_counted_on_the_plan_the_refinement_returns() -> None:
    """Whether the search settled (the count of stops served no longer rising) is read on
    the cheapest walk's best plan, the one returned, not on the first walk's: a stop the
    other thread's walk placed late counts as a late gain."""

    def walk(cost: int, served: list[int]) -> refine._Walk:
        plan = np.zeros((2, 3), dtype=np.int64)
        sizes = np.zeros(2, dtype=np.int64)
        plan[0, : len(served)], sizes[0] = served, len(served)
        state = np.asarray([cost, cost, 0, 0, 0], dtype=np.int64)
        return refine._Walk(plan.copy(), sizes.copy(), plan, sizes, state, (np.zeros(1),))

    first, other = walk(500, [0, 1]), walk(90, [0, 1, 3])  # (of four stops)
    assert refine._served_by_best(4, [first]) == 2
    assert refine._served_by_best(4, [first, other]) == 3
    assert refine._served_by_best(4, [walk(80, [2]), other]) == 1


def test_the_walk_with_the_dearest_best_plan_goes_on_from_the_cheapest() -> None:
    """At an exchange only the dearest walk changes: it takes the cheapest walk's best plan
    as its current and best plan; the cheapest walk is the one returned; with two walks of
    one cost the main thread's plan is kept by both."""
    second = refine._Second(_walk(100, 1), lambda *_: 0)
    second.walks = [_walk(100, 1), _walk(90, 2), _walk(120, 3), _walk(95, 4)]
    second.share()
    assert [int(w.state[1]) for w in second.walks] == [100, 90, 90, 95]
    assert [int(w.cur[0, 0]) for w in second.walks] == [1, 2, 2, 4]
    assert [int(w.best[0, 0]) for w in second.walks] == [1, 2, 2, 4]
    assert second.close() is second.walks[1]
    tie = refine._Second(_walk(100, 1), lambda *_: 0)
    tie.walks = [_walk(100, 1), _walk(100, 2)]
    tie.share()
    assert [int(w.best[0, 0]) for w in tie.walks] == [1, 1]
    assert tie.close() is tie.walks[0]


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
    """With two walks, up to the first exchange the main thread runs exactly as alone (same
    seed and steps), so the cheaper of the two threads' plans is never dearer than its plan
    alone."""
    p = vans_that_reload()
    steps, two_walks = refine._SHARE_STEPS, refine.RefineConfig(walks=2)
    alone, both = built(p, seed, steps, 1), built(p, seed, steps, 2, two_walks)
    assert both.walks == 2
    assert both.second_steps == steps - 1  # the first step builds the plan both start from
    assert both.objective <= alone.objective


@pytest.mark.parametrize("steps", [FOUR_WALKS - 21, FOUR_WALKS])
def test_a_failing_second_thread_leaves_the_main_plan(
    monkeypatch: pytest.MonkeyPatch, steps: int
) -> None:
    """A second thread whose kernel call raises is dropped: the plan is the main thread's
    alone, step for step (with four walks, the main thread's walk that ran goes on)."""
    p = vans_that_reload()
    alone = built(p, 4, steps, 1)

    def fail(self: refine._Second, count: int, t_from: float, t_to: float, index: int) -> None:
        self.pending = self.pool.submit(lambda: 1 // 0)

    monkeypatch.setattr(refine._Second, "begin", fail)
    out = built(p, 4, steps, 2)
    assert out.walks == 1
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


def test_an_odd_count_of_walks_is_rounded_down() -> None:
    """Each thread steps the same number of walks: three asked give two (a third would never
    run), five give four, every new walk a copy of the walk of its thread."""
    second = refine._Second(_walk(100, 1), lambda *_: 0)
    second.widen(3)
    assert len(second.walks) == 2
    second.widen(5)
    assert len(second.walks) == 4
    assert second.walks[1].prob is not second.walks[0].prob  # (the other thread's copy)
    assert second.walks[2].prob is second.walks[0].prob
    assert second.walks[3].prob is second.walks[1].prob
    second.close()
