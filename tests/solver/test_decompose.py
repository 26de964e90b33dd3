"""Decomposition: a large problem split, solved by parts, stitched and mended, still checked."""

from __future__ import annotations

import math
import time
from collections import Counter

import pytest

from solver import Solution, Stop, check, solve
from solver.decompose import (
    DecomposeOptions,
    Part,
    solve_decomposed,
    solve_part,
    split,
    subproblem,
)
from tests.solver.plane import plane_problem


def accounted_once(stops: tuple[Stop, ...], solution: Solution) -> None:
    """Every stop is on exactly one route or unassigned with a reason, never both."""
    on_routes = [v.stop_id for r in solution.routes for v in r.visits]
    off = [u.stop_id for u in solution.unassigned]
    assert all(u.reason and u.message for u in solution.unassigned)
    counts = Counter(on_routes + off)
    assert set(counts) == {s.id for s in stops}
    assert set(counts.values()) == {1}


def test_stitched_plan_is_complete_checked_and_near_monolithic() -> None:
    """300 stops in 4 parts, every search bounded by effort: complete, checked, repeatable,
    and within 2 % of one model whose single search has the same effort bound."""
    p = plane_problem(300, 22, seed=3)
    # Effort and a fixed number of border rounds bound every search; the time limit is
    # generous so the clock never decides (the machine may be loaded).
    options = DecomposeOptions(threshold=100, part_size=80, rounds=2, pair_seconds=120)
    events: list[tuple[float, int]] = []
    dec = solve_decomposed(
        p,
        time_limit=600.0,
        seed=1,
        options=options,
        effort=50,
        on_progress=lambda s, c: events.append((s, c)),
    )
    assert dec.stats.status.startswith("decomposed into 4 parts; 2 border round(s)")
    assert "left out" not in dec.stats.status
    assert 0 < dec.stats.phases["first_plan"] <= dec.stats.phases["total"]
    assert 0 < dec.stats.phases["slowest_part"] <= dec.stats.phases["first_plan"]
    assert 0 < dec.stats.phases["slowest_pair"] <= dec.stats.phases["borders"]
    accounted_once(p.stops, dec)
    report = check(p, dec)
    assert report.ok, report.violations
    # Border rounds only ever lower the cost, and the last one reported is the plan's.
    costs = [c for _, c in events]
    assert costs == sorted(costs, reverse=True) and costs[-1] == dec.cost
    again = solve_decomposed(p, time_limit=600.0, seed=1, options=options, effort=50)
    assert [r.visits for r in again.routes] == [r.visits for r in dec.routes]
    mono = solve(p, time_limit=600.0, seed=1, effort=50)
    assert check(p, mono).ok
    assert len(dec.unassigned) <= len(mono.unassigned)
    # Near, not below: the stitched plan is a heuristic's. At this seed it came out 1.1 %
    # above the one model (231,440 against 228,880) once new trips and stops went to idle
    # vehicles at equal cost; before, below it under the suite (and 2.4 % above run alone).
    assert dec.cost <= 1.02 * mono.cost


def test_parts_are_balanced_and_every_vehicle_has_a_part() -> None:
    """Clustering caps part sizes at balance x mean and hands out every vehicle."""
    p = plane_problem(400, 20, seed=5)
    clusters = split(p, part_size=100, balance=1.2, seed=0)
    assert clusters.count == 4
    sizes = Counter(clusters.stop_part)
    assert max(sizes.values()) <= math.ceil(1.2 * 400 / 4)
    assert all(0 <= c < 4 for c in clusters.vehicle_part)
    assert set(clusters.vehicle_part) == {0, 1, 2, 3}


def test_skilled_stops_go_to_a_part_with_a_skilled_vehicle() -> None:
    """Stops needing medicine land in parts holding a medicine vehicle and get served."""
    p = plane_problem(240, 16, seed=7, skilled=frozenset({0}))
    clusters = split(p, part_size=60, seed=0)
    skilled_part = clusters.vehicle_part[0]
    for i, s in enumerate(p.stops):
        if s.skills:
            assert clusters.stop_part[i] == skilled_part
    dec = solve_decomposed(p, time_limit=2.0, options=DecomposeOptions(threshold=100, part_size=60))
    assert check(p, dec).ok
    medicine = {s.id for s in p.stops if s.skills}
    served = {v.stop_id for r in dec.routes if r.vehicle_id == "v0" for v in r.visits}
    on_others = {v.stop_id for r in dec.routes if r.vehicle_id != "v0" for v in r.visits}
    assert not medicine & on_others
    assert medicine & served


def test_subproblem_keeps_ids_and_renumbers_locations() -> None:
    """A part holds only its own locations; ids, demands and vehicle limits are unchanged."""
    p = plane_problem(50, 4, seed=1)
    p = type(p)(
        stops=(
            *p.stops[:-1],
            Stop("only-v3", p.stops[-1].location, demand=(1,), allowed_vehicles=frozenset({"v3"})),
        ),
        vehicles=p.vehicles,
        profiles=p.profiles,
        depots=p.depots,
        dimensions=p.dimensions,
        skills=p.skills,
    )
    sub = subproblem(p, [0, 5, 49], [0, 1])
    assert [s.id for s in sub.stops] == ["s0", "s5", "only-v3"]
    assert [v.id for v in sub.vehicles] == ["v0", "v1"]
    assert sub.n_locations == 5  # three stops and two depots
    assert sub.stops[2].allowed_vehicles == frozenset()
    whole = p.profiles[0].durations
    a, b = p.stops[0].location, p.stops[5].location
    assert sub.profiles[0].durations[sub.stops[0].location, sub.stops[1].location] == whole[a, b]
    assert {d.id for d in sub.depots} == {"d0", "d1"}


def test_a_warm_started_part_never_comes_back_worse() -> None:
    """solve_part keeps its warm start unless the search served more or cost less."""
    p = plane_problem(60, 4, seed=2)
    first = solve(p, time_limit=1.0)
    initial = tuple(
        next((tuple(v.stop_id for v in r.visits) for r in first.routes if r.vehicle_id == k.id), ())
        for k in p.vehicles
    )
    result = solve_part(Part(p, 0.5, seed=3, initial=initial))
    served_before = sum(len(r) for r in initial)
    served_after = sum(len(r) for r in result.routes)
    assert served_after >= served_before
    assert result.cost <= first.cost


def test_a_late_pair_is_not_searched_but_a_late_part_still_gets_routes() -> None:
    """Past its deadline, a warm-started part comes back unchanged; a cold one still solves."""
    p = plane_problem(60, 4, seed=2)
    first = solve(p, time_limit=5.0, effort=20)
    initial = tuple(
        next((tuple(v.stop_id for v in r.visits) for r in first.routes if r.vehicle_id == k.id), ())
        for k in p.vehicles
    )
    late = time.time() - 1.0
    kept = solve_part(Part(p, 5.0, seed=3, effort=20, initial=initial, deadline=late))
    assert kept.skipped and not kept.improved
    assert kept.routes == initial
    assert kept.cost == first.cost
    cold = solve_part(Part(p, 5.0, seed=3, effort=20, deadline=late))
    assert not cold.skipped
    assert sum(len(r) for r in cold.routes) == sum(len(r) for r in initial)


def test_small_problems_are_solved_as_one_model() -> None:
    """At or below the threshold the whole problem goes to one search."""
    p = plane_problem(40, 3, seed=4)
    sol = solve_decomposed(p, time_limit=1.0, options=DecomposeOptions(threshold=40))
    assert "decomposed" not in sol.stats.status
    assert check(p, sol).ok


def test_bad_options_are_refused() -> None:
    """Impossible settings raise ValueError naming the setting."""
    with pytest.raises(ValueError, match="part_size"):
        DecomposeOptions(part_size=1)
    with pytest.raises(ValueError, match="parallel"):
        DecomposeOptions(parallel=0)
    with pytest.raises(ValueError, match="rounds"):
        DecomposeOptions(rounds=-1)
