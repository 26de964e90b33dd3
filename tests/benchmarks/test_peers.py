"""Peer adapters: answers are timed faithfully and judged by our checker like our own."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmarks import peers, quality
from benchmarks.peers import UnsupportedProblemError
from benchmarks.peers._schedule import solution_from_orders
from solver.check import check
from solver.model import Depot, Problem, Profile, Stop, Vehicle
from solver.solution import Solution


def _problem(*, windows: bool = True) -> Problem:
    xy = np.array([[0, 0], [10, 0], [20, 0], [0, 30], [0, 40]])
    m = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    w = {1: (50, 60), 2: (0, 1000), 3: (0, 1000), 4: (0, 1000)}
    stops = tuple(
        Stop(
            id=str(i),
            location=i,
            demand=(4,),
            service=5,
            windows=(w[i],) if windows else (),
        )
        for i in range(1, 5)
    )
    vehicles = tuple(
        Vehicle(id=f"v{k}", start=0, end=0, capacity=(8,), shift=(0, 1000)) for k in range(2)
    )
    return Problem(
        stops=stops,
        vehicles=vehicles,
        profiles=(Profile("p", m, m.copy()),),
        depots=(Depot("d", 0, (0, 1000)),),
        dimensions=("q",),
    )


def test_orders_become_timed_routes() -> None:
    """A peer's orders are timed to meet windows, unload stop by stop and cost their metres."""
    p = _problem()
    sol = solution_from_orders(p, [(0, [0, 1]), (1, [2, 3])], seconds=0.0, status="t")
    first = sol.routes[0].visits[0]
    assert first.start == 50 and first.departure == 55
    assert [v.load_after for v in sol.routes[0].visits] == [(4,), (0,)]
    assert sol.cost == 40 + 80 and check(p, sol).ok


def test_infeasible_peer_answer_is_a_failed_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """An overloaded route from a peer is rejected by the checker and counted as a failure."""
    p = _problem()

    def overloading(problem: Problem, *, time_limit: float, seed: int) -> Solution:
        return solution_from_orders(problem, [(0, [0, 1, 2])], seconds=0.0, status="bad")

    class _Inst:
        problem = p
        scale = 1

    monkeypatch.setattr(peers, "get", lambda name: overloading)
    monkeypatch.setattr(quality, "_instance", lambda set_name, path: _Inst())
    monkeypatch.setattr(quality, "_bks", lambda set_name: {})
    result = quality.run_one(quality.Task("x", "/nowhere/T.vrp", "bad", 0, 1.0))
    assert not result.feasible
    assert result.violations > 0 or result.unassigned > 0
    assert result.error


def test_harness_prepares_the_solver_before_its_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run first prepares its solver (imports, compiled code), then solves; a feasible
    answer is a feasible run."""
    p = _problem()
    calls: list[str] = []

    def serving(problem: Problem, *, time_limit: float, seed: int) -> Solution:
        calls.append("solve")
        return solution_from_orders(problem, [(0, [0, 1]), (1, [2, 3])], seconds=0.0, status="t")

    class _Inst:
        problem = p
        scale = 1

    monkeypatch.setattr(peers, "prepare", lambda name: calls.append(f"prepare {name}"))
    monkeypatch.setattr(peers, "get", lambda name: serving)
    monkeypatch.setattr(quality, "_instance", lambda set_name, path: _Inst())
    monkeypatch.setattr(quality, "_bks", lambda set_name: {})
    result = quality.run_one(quality.Task("x", "/nowhere/T.vrp", "ours", 0, 1.0))
    assert calls == ["prepare ours", "solve"]
    assert result.feasible, result.error


def test_preparing_doorstep_loads_the_kernel() -> None:
    """Preparing Doorstep leaves the refinement kernel loaded in the process."""
    from solver import refine

    peers.prepare("doorstep")
    assert refine.ready(0)


@pytest.mark.parametrize("name", [n for n in ("pyvrp", "vroom") if peers.available(n)])
def test_peer_refuses_what_it_cannot_express(name: str) -> None:
    """Skills are refused rather than silently dropped."""
    p = _problem()
    stops = (Stop(id="s", location=1, skills=frozenset({"fridge"})),)
    vehicles = (Vehicle(id="v", start=0, end=0, skills=frozenset({"fridge"})),)
    q = Problem(stops=stops, vehicles=vehicles, profiles=p.profiles)
    with pytest.raises(UnsupportedProblemError):
        peers.get(name)(q, time_limit=0.1, seed=0)


def test_pyvrp_reloads_are_read_back_as_reload_visits() -> None:
    """With one vehicle of capacity 8 that may reload at the depot, PyVRP's plan serves all
    four 4-unit stops in trips our checker accepts, its reloads read back as reload
    visits; ride limits are refused."""
    pytest.importorskip("pyvrp")
    base = _problem(windows=False)
    vehicle = dataclasses.replace(base.vehicles[0], max_trips=None)
    p = dataclasses.replace(base, vehicles=(vehicle,))
    sol = peers.get("pyvrp")(p, time_limit=1, seed=1)
    assert check(p, sol).ok and not sol.unassigned
    (route,) = sol.routes
    assert route.trips == 2 and sum(v.kind.value == "reload" for v in route.visits) == 1
    ridden = dataclasses.replace(
        p, stops=(dataclasses.replace(p.stops[0], max_ride=100), *p.stops[1:])
    )
    with pytest.raises(UnsupportedProblemError, match="ride limit"):
        peers.get("pyvrp")(ridden, time_limit=1, seed=1)
