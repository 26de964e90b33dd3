"""The kernel's fast ride checks agree with its full one: the check of an insertion over the
trips it can change (:func:`solver._sisr._insertion_rides_ok`) and the bounds on travel
and service alone that skip positions before any check (``rdone``/``rfree``); the
duration the kernel judges the balance rule on is the plan's schedule's; the reinsertion's
scan finds what evaluating every place in full finds."""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Depot, Problem, Profile, Stop, Vehicle, _sisr, refine
from solver.schedule import timed_route

FAR = time.monotonic() + 3600.0


def _problem(seed: int) -> Problem:
    """A random day with trips and ride limits: 8-14 stops on a grid, 1-3 vehicles loading
    at one or two places, windows on some stops, 10-60 minute ride limits."""
    rng = np.random.default_rng(seed)
    n_loc = 10
    points = rng.integers(0, 10, size=(n_loc, 2))
    grid = np.abs(points[:, None, :] - points[None, :, :]).sum(axis=2).astype(np.int64)
    vehicles = tuple(
        Vehicle(
            f"v{k}",
            0,
            int(rng.choice([0, 1])),
            capacity=(int(rng.integers(4, 10)),),
            shift=(0, 8 * 3600),
            reload_locations=(0, 1) if rng.random() < 0.5 else (0,),
            max_trips=None,
            reload_service=int(rng.choice([0, 120, 600])),
            start_loaded=bool(rng.random() < 0.7),
        )
        for k in range(int(rng.integers(1, 4)))
    )
    stops = []
    for i in range(int(rng.integers(8, 15))):
        lo = int(rng.integers(0, 12)) * 1200
        windows = ((lo, lo + int(rng.integers(600, 7200))),) if rng.random() < 0.4 else ()
        stops.append(
            Stop(
                f"s{i}",
                int(rng.integers(2, n_loc)),
                (int(rng.integers(1, 4)),),
                service=int(rng.choice([0, 60, 300])),
                windows=windows,
                max_ride=int(rng.integers(1, 7)) * 600,
            )
        )
    return Problem(
        stops=tuple(stops),
        vehicles=vehicles,
        profiles=(Profile("grid", grid * 90, grid * 100),),
        depots=(Depot("office", 0), Depot("kitchen", 1)),
        dimensions=("kg",),
    )


def _state(problem: Problem, seed: int, steps: int) -> tuple[tuple, tuple, list[int]]:
    """The kernel's problem and route state after ``steps`` steps from empty routes, with
    a third of the served stops then taken out (as a ruin leaves a plan); the loose stops."""
    a = refine.arrays(problem)
    empty: list[list[int]] = [[] for _ in problem.vehicles]
    out = refine.refine(problem, empty, deadline=FAR, iterations=steps, seed=seed, min_iterations=1)
    routes, lengths = refine._route_arrays(problem, a, out.routes)
    prob = a.kernel()
    rs = _sisr._route_state(routes, lengths, prob)
    for v in range(len(problem.vehicles)):
        assert _sisr._update(v, rs, prob, True)
    rng = np.random.default_rng(seed)
    n = len(problem.stops)
    for v in range(len(problem.vehicles)):
        kept = [w for w in routes[v, : lengths[v]] if w >= n or rng.random() < 0.67]
        routes[v, : len(kept)] = kept
        lengths[v] = len(kept)
        assert _sisr._update(v, rs, prob, True)  # (taking stops out lengthens no ride)
    on_routes = {int(w) for v in range(len(lengths)) for w in routes[v, : lengths[v]]}
    return rs, prob, [u for u in range(n) if u not in on_routes]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_the_insertion_ride_check_agrees_with_the_full_one(seed: int, steps: int) -> None:
    """At every position, with and without a new load before the stop, the check over the
    trips an insertion can change says what the check of the whole route says."""
    problem = _problem(seed)
    rs, prob, loose = _state(problem, seed, steps)
    n = len(problem.stops)
    routes, lengths, vreload = rs[0], rs[1], prob[17]
    compared = 0
    for v in range(len(problem.vehicles)):
        loads = [n + r for r in range(vreload.shape[1]) if vreload[v, r]]
        for u in loose:
            for i in range(int(lengths[v]) + 1):
                for x in [-1, *loads]:
                    full = _sisr._rides_ok(v, i, x, u, rs, prob)
                    assert _sisr._insertion_rides_ok(v, i, x, u, rs, prob) == full, (
                        v, i, x, u, routes[v, : lengths[v]].tolist(),
                    )  # fmt: skip
                    compared += 1
    assert compared > 0 or not loose


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_the_ride_bounds_skip_only_positions_the_full_check_refuses(seed: int, steps: int) -> None:
    """Every loose stop's best insertion is the same with the bounds on travel and service
    alone as with bounds that never skip a position."""
    problem = _problem(seed)
    rs, prob, loose = _state(problem, seed, steps)
    blind = (*rs[:17], np.zeros_like(rs[17]), np.full_like(rs[18], _sisr.NO_LIMIT), *rs[19:])
    seen = np.zeros(int(prob[0][:, _sisr.V_CLASS].max()) + 1, dtype=np.bool_)
    for u in loose:
        assert _sisr._best_insertion(u, 0.0, rs, prob, seen) == _sisr._best_insertion(
            u, 0.0, blind, prob, seen
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_the_kernel_times_a_route_as_the_plan_schedules_it(seed: int, steps: int) -> None:
    """Every route of a plan, whole and after a ruin, lasts in the kernel (on which it
    prices the balance rule) what :func:`solver.schedule.timed_route` says it lasts: a
    wait for a window spent before the load, a trip leaving late for its ride limits."""
    problem = _problem(seed)
    rs, prob, _ = _state(problem, seed, steps)
    a = refine.arrays(problem)
    routes, lengths = rs[0], rs[1]
    for v in range(len(problem.vehicles)):
        if lengths[v]:
            order = a.order(problem, routes[v, : lengths[v]].tolist())
            assert (
                _sisr._shown_span(v, -1, -1, -1, rs, prob)
                == timed_route(problem, v, order).duration
            ), (v, order)


def test_a_wait_after_the_load_is_spent_before_it() -> None:
    """A volunteer who loads at the office and then waits for the one stop's window leaves
    home later instead: the route lasts the ride to the office, the load, the ride on and
    the service, as the plan's schedule says; the kernel counted the wait too."""
    problem = _problem(7)
    problem = Problem(
        stops=(Stop("s0", 2, (1,), service=60, windows=((7200, 9000),), max_ride=3600),),
        vehicles=(
            Vehicle(
                "v",
                3,
                3,
                capacity=(5,),
                shift=(0, 8 * 3600),
                max_trips=None,
                reload_locations=(0,),
                reload_service=300,
                start_loaded=False,
            ),
        ),
        profiles=problem.profiles,
        depots=(Depot("office", 0),),
        dimensions=("kg",),
    )
    a = refine.arrays(problem)
    order = [problem.reload_code(0), 0]
    routes, lengths = refine._route_arrays(problem, a, [order])
    prob = a.kernel()
    rs = _sisr._route_state(routes, lengths, prob)
    assert _sisr._update(0, rs, prob, True)
    t = problem.profiles[0].durations
    lasts = int(t[3, 0]) + 300 + int(t[0, 2]) + 60 + int(t[2, 3])
    assert timed_route(problem, 0, order).duration == lasts
    assert _sisr._shown_span(0, -1, -1, -1, rs, prob) == lasts


def test_the_ride_bounds_are_travel_and_service_since_the_load() -> None:
    """On a route of two trips (s0 s1 | load | s2) the bounds count seconds from each
    departure, and the room of a position is the least over the stops after it in its
    trip."""
    problem = _problem(7)
    problem = Problem(
        stops=tuple(Stop(f"s{i}", 2 + i, (1,), service=60, max_ride=3600) for i in range(3)),
        vehicles=(Vehicle("v", 0, 0, capacity=(5,), shift=(0, 8 * 3600), max_trips=None),),
        profiles=problem.profiles,
        depots=(Depot("office", 0),),
        dimensions=("kg",),
    )
    a = refine.arrays(problem)
    reload = problem.reload_code(0)
    routes, lengths = refine._route_arrays(problem, a, [[0, 1, reload, 2]])
    prob = a.kernel()
    rs = _sisr._route_state(routes, lengths, prob)
    _sisr._update(0, rs, prob, True)
    t = problem.profiles[0].durations
    to_s0, to_s1, to_s2 = int(t[0, 2]), int(t[0, 2]) + 60 + int(t[2, 3]), int(t[0, 4])
    assert rs[17][0, :5].tolist() == [0, to_s0 + 60, to_s1 + 60, 0, to_s2 + 60]
    assert rs[18][0, :4].tolist() == [
        min(3600 - to_s0, 3600 - to_s1),
        3600 - to_s1,
        _sisr.NO_LIMIT,
        3600 - to_s2,
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_an_unchecked_update_derives_what_the_checked_one_does(seed: int, steps: int) -> None:
    """The update after an insertion or a restore (``check`` false) leaves every derived
    array as the checked update does and skips only the verdict on the duration and ride
    limits: on a route whose ride limits are then cut below zero it says feasible where
    the checked one says not."""
    problem = _problem(seed)
    rs, prob, _ = _state(problem, seed, steps)
    cut = list(prob)
    cut[16] = np.full_like(prob[16], -1)  # no ride is that short
    lengths = rs[1]
    for v in range(len(problem.vehicles)):
        checked = tuple(x.copy() for x in rs)
        unchecked = tuple(x.copy() for x in rs)
        verdict = _sisr._update(v, checked, tuple(cut), True)
        assert _sisr._update(v, unchecked, tuple(cut), False)
        for a, b in zip(checked, unchecked, strict=True):
            assert np.array_equal(a, b)
        n = len(problem.stops)
        if any(w < n for w in rs[0][v, : lengths[v]].tolist()):
            assert not verdict


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(0, 40))
def test_the_reinsertion_finds_the_cheapest_position_over_every_route(
    seed: int, steps: int
) -> None:
    """The reinsertion's scan (routes in its own order, positions cut by cost before the
    checks) finds for each loose stop the cost of its cheapest feasible place that a full
    evaluation of every route, position and new trip finds; -1 where none is. (An idle
    vehicle whose route would end elsewhere than it starts was priced the start-to-end arc
    too cheap: the scan took off an arc the idle vehicle never drives.)"""
    problem = _problem(seed)
    rs, prob, loose = _state(problem, seed, steps)
    n = len(problem.stops)
    routes, lengths, vreload = rs[0], rs[1], prob[17]
    found = _sisr.insertion_costs(routes, lengths, np.asarray(loose, dtype=np.int64), prob)
    for u, got in zip(loose, found.tolist(), strict=True):
        best = -1
        for v in range(len(problem.vehicles)):
            m = int(lengths[v])
            before = int(rs[6][v])
            entries = routes[v, :m].tolist()
            for i in range(m + 1):
                options = [[u]]
                if prob[0][v, _sisr.V_MAX_LOADS] > 0 and (i == m or entries[i] >= n):
                    options += [[n + r, u] for r in range(vreload.shape[1]) if vreload[v, r]]
                for added in options:
                    trial = tuple(x.copy() for x in rs)
                    row = entries[:i] + added + entries[i:]
                    trial[0][v, : len(row)] = row
                    trial[1][v] = len(row)
                    if not _sisr._update(v, trial, prob, True):
                        continue
                    cost = int(trial[6][v]) - before
                    best = cost if best < 0 else min(best, cost)
        assert got == best


def test_ties_go_as_in_a_scan_by_vehicle_index() -> None:
    """Of two places that cost the same, an idle vehicle's wins against a used one's;
    between two alike, the one first in (vehicle, position, reload) order, whichever the
    scan weighed first; a cheaper place always wins."""
    used, idle = 5, 0
    assert _sisr._no_better(10, 10, used, used, (3, 0, -1), (1, 4, -1))
    assert not _sisr._no_better(10, 10, used, used, (1, 4, -1), (3, 0, -1))
    assert not _sisr._no_better(10, 10, used, used, (1, 2, -1), (1, 4, -1))
    assert _sisr._no_better(10, 10, used, used, (1, 4, 40), (1, 4, -1))
    assert not _sisr._no_better(10, 10, idle, used, (7, 0, -1), (1, 4, -1))
    assert _sisr._no_better(10, 10, used, idle, (0, 0, -1), (7, 0, -1))
    assert not _sisr._no_better(9, 10, used, idle, (9, 9, -1), (7, 0, -1))
    assert _sisr._no_better(11, 10, idle, used, (0, 0, -1), (7, 0, -1))
