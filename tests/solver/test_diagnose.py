"""Diagnosis: each unassigned stop gets the first reason that applies, with its figures."""

from __future__ import annotations

import numpy as np

from solver import Depot, Problem, Profile, Reason, Stop, Vehicle
from solver.diagnose import clock, diagnose, diagnose_stop, span

#: Locations 0..3 on a line, 600 s and 1000 m per step.
_STEPS = np.abs(np.subtract.outer(np.arange(4), np.arange(4))).astype(np.int64)


def _problem(
    stops: tuple[Stop, ...],
    vehicles: tuple[Vehicle, ...] | None = None,
    *,
    durations: np.ndarray | None = None,
    depots: tuple[Depot, ...] = (),
) -> Problem:
    d = _STEPS * 600 if durations is None else durations
    m = np.where(d < 0, -1, _STEPS * 1000)
    return Problem(
        stops=stops,
        vehicles=vehicles or (Vehicle("v1", 0, 0, capacity=(10,), shift=(0, 86_400)),),
        profiles=(Profile("walk", d, m),),
        depots=depots,
        dimensions=("kg",),
        skills=frozenset({"cold", "lift"}),
    )


def _why(problem: Problem, stop_id: str = "s") -> tuple[Reason, str]:
    u = diagnose_stop(problem, problem.stops[problem.stop_index()[stop_id]])
    assert u.stop_id == stop_id
    return u.reason, u.message


def test_no_compatible_vehicle_by_skill() -> None:
    """A stop needing a skill no vehicle has is NO_COMPATIBLE_VEHICLE, naming the skill."""
    reason, msg = _why(_problem((Stop("s", 1, (1,), skills=frozenset({"cold"})),)))
    assert reason is Reason.NO_COMPATIBLE_VEHICLE and "cold" in msg


def test_no_compatible_vehicle_by_allowed_list() -> None:
    """A stop allowed only on a vehicle lacking its skill has no compatible vehicle."""
    vehicles = (
        Vehicle("v1", 0, 0, capacity=(10,), skills=frozenset({"cold"})),
        Vehicle("v2", 0, 0, capacity=(10,)),
    )
    stop = Stop("s", 1, (1,), skills=frozenset({"cold"}), allowed_vehicles=frozenset({"v2"}))
    reason, msg = _why(_problem((stop,), vehicles))
    assert reason is Reason.NO_COMPATIBLE_VEHICLE and "'v2'" in msg


def test_skills_are_checked_before_capacity() -> None:
    """Too big and incompatible: the first reason in the order wins."""
    stop = Stop("s", 1, (99,), skills=frozenset({"lift"}))
    assert _why(_problem((stop,)))[0] is Reason.NO_COMPATIBLE_VEHICLE


def test_demand_exceeds_capacity_names_figures() -> None:
    """12 kg against a largest compatible vehicle of 10 kg is said in those words."""
    vehicles = (
        Vehicle("v1", 0, 0, capacity=(10,), skills=frozenset({"lift"})),
        Vehicle("v2", 0, 0, capacity=(50,)),
    )
    reason, msg = _why(_problem((Stop("s", 1, (12,), skills=frozenset({"lift"})),), vehicles))
    assert reason is Reason.DEMAND_EXCEEDS_CAPACITY
    assert msg == "It needs 12 kg but the largest compatible vehicle carries 10 kg."


def test_unreachable_from_start() -> None:
    """A -1 matrix entry from the only vehicle's start makes the stop UNREACHABLE."""
    d = _STEPS * 600
    d[0, 3] = -1
    reason, msg = _why(_problem((Stop("s", 3, (1,)),), durations=d))
    assert reason is Reason.UNREACHABLE and "walk" in msg


def test_unreachable_on_the_way_back_only() -> None:
    """Reachable but with no path back to the vehicle's end: UNREACHABLE too."""
    d = _STEPS * 600
    d[3, 0] = -1
    assert _why(_problem((Stop("s", 3, (1,)),), durations=d))[0] is Reason.UNREACHABLE


def test_open_route_needs_no_way_back() -> None:
    """On an open route a missing way back does not matter: the stop fits alone."""
    d = _STEPS * 600
    d[3, 0] = -1
    vehicles = (Vehicle("v1", 0, None, capacity=(10,)),)
    assert _why(_problem((Stop("s", 3, (1,)),), vehicles, durations=d))[0] is (
        Reason.FLEET_EXHAUSTED
    )


def test_stages_cascade_to_the_vehicles_that_can_carry() -> None:
    """The small vehicle reaches it but cannot carry it; the big one cannot reach: UNREACHABLE."""
    d = np.stack([_STEPS * 600, _STEPS * 600])
    d[1, 0, 2] = -1
    big = _STEPS * 600
    big[0, 2] = -1
    vehicles = (
        Vehicle("small", 0, 0, capacity=(5,), profile=0),
        Vehicle("big", 0, 0, capacity=(50,), profile=1),
    )
    m = _STEPS * 1000
    problem = Problem(
        stops=(Stop("s", 2, (20,)),),
        vehicles=vehicles,
        profiles=(
            Profile("walk", _STEPS * 600, m),
            Profile("drive", big, np.where(big < 0, -1, m)),
        ),
        dimensions=("kg",),
    )
    reason, msg = _why(problem)
    assert reason is Reason.UNREACHABLE and "'big'" in msg and "drive" in msg


def test_time_window_too_early() -> None:
    """A window closing before the earliest arrival is TIME_WINDOW_UNREACHABLE with clocks."""
    vehicles = (Vehicle("v1", 0, 0, capacity=(10,), shift=(8 * 3600, 20 * 3600)),)
    stop = Stop("s", 2, (1,), windows=((8 * 3600, 8 * 3600 + 600),))
    reason, msg = _why(_problem((stop,), vehicles))
    assert reason is Reason.TIME_WINDOW_UNREACHABLE
    assert "08:00-08:10" in msg and "08:20" in msg


def test_second_window_makes_it_reachable() -> None:
    """With a later second window the same stop is no longer a time-window case."""
    vehicles = (Vehicle("v1", 0, 0, capacity=(10,), shift=(8 * 3600, 20 * 3600)),)
    stop = Stop("s", 2, (1,), windows=((8 * 3600, 8 * 3600 + 600), (9 * 3600, 10 * 3600)))
    assert _why(_problem((stop,), vehicles))[0] is Reason.FLEET_EXHAUSTED


def test_cannot_return_before_depot_closes() -> None:
    """In time at the stop but back after the depot closes: TIME_WINDOW_UNREACHABLE."""
    vehicles = (Vehicle("v1", 0, 0, capacity=(10,), shift=(0, 86_400)),)
    depots = (Depot("d", 0, window=(8 * 3600, 9 * 3600)),)
    stop = Stop("s", 3, (1,), service=900)
    reason, msg = _why(_problem((stop,), vehicles, depots=depots))
    assert reason is Reason.TIME_WINDOW_UNREACHABLE
    assert "09:00" in msg and "09:15" in msg  # back at 8:00 + 30 + 15 + 30 min


def test_route_limit_duration() -> None:
    """Alone the trip lasts 1 h 15 min against a 1 h limit: ROUTE_LIMIT with both figures."""
    vehicles = (Vehicle("v1", 0, 0, capacity=(10,), max_duration=3600),)
    reason, msg = _why(_problem((Stop("s", 3, (1,), service=900),), vehicles))
    assert reason is Reason.ROUTE_LIMIT
    assert "1 h 15 min" in msg and "1 h 00 min" in msg


def test_route_limit_distance() -> None:
    """6000 m there and back against a 5000 m limit is ROUTE_LIMIT."""
    vehicles = (Vehicle("v1", 0, 0, capacity=(10,), max_distance=5000),)
    reason, msg = _why(_problem((Stop("s", 3, (1,)),), vehicles))
    assert reason is Reason.ROUTE_LIMIT and "6000 m" in msg and "5000 m" in msg


def test_route_limit_stops() -> None:
    """A vehicle allowed zero stops gives ROUTE_LIMIT."""
    vehicles = (Vehicle("v1", 0, 0, capacity=(10,), max_stops=0),)
    assert _why(_problem((Stop("s", 1, (1,)),), vehicles))[0] is Reason.ROUTE_LIMIT


def test_fleet_exhausted_and_optional_wording() -> None:
    """A stop that fits alone is FLEET_EXHAUSTED; an optional one says it was left out."""
    problem = _problem((Stop("s", 1, (1,)), Stop("o", 2, (1,), required=False)))
    reason, msg = _why(problem, "s")
    assert reason is Reason.FLEET_EXHAUSTED and "more vehicles" in msg
    reason, msg = _why(problem, "o")
    assert reason is Reason.FLEET_EXHAUSTED and msg.startswith("Optional stop")


def test_diagnose_keeps_order_one_per_stop() -> None:
    """diagnose returns one entry per index, in the order given."""
    problem = _problem((Stop("a", 1, (1,)), Stop("b", 1, (99,)), Stop("c", 1, (1,))))
    out = diagnose(problem, [2, 1, 0], [])
    assert [u.stop_id for u in out] == ["c", "b", "a"]
    assert out[1].reason is Reason.DEMAND_EXCEEDS_CAPACITY


def test_clock_and_span_formats() -> None:
    """Times read as clocks and durations as hours and minutes."""
    assert clock(8 * 3600 + 5 * 60) == "08:05" and clock(61) == "00:01:01"
    assert span(40) == "40 s" and span(75 * 60) == "1 h 15 min" and span(600) == "10 min"


def test_vehicle_that_cannot_leave_its_depot() -> None:
    """A shift wholly after the start depot closes leaves no way to serve the stop."""
    vehicles = (Vehicle("v1", 0, 0, capacity=(10,), shift=(10 * 3600, 12 * 3600)),)
    depots = (Depot("d", 0, window=(6 * 3600, 9 * 3600)),)
    reason, msg = _why(_problem((Stop("s", 1, (1,)),), vehicles, depots=depots))
    assert reason is Reason.TIME_WINDOW_UNREACHABLE and "does not overlap" in msg


def test_duration_limit_counts_the_unavoidable_wait() -> None:
    """When the start depot closes early, waiting for the window counts against max_duration."""
    vehicles = (Vehicle("v1", 0, None, capacity=(10,), max_duration=2 * 3600),)
    depots = (Depot("d", 0, window=(0, 8 * 3600)),)
    stop = Stop("s", 1, (1,), service=600, windows=((10 * 3600, 11 * 3600),))
    reason, msg = _why(_problem((stop,), vehicles, depots=depots))
    assert reason is Reason.ROUTE_LIMIT and "2 h 10 min" in msg  # leave 08:00, done 10:10


def test_identical_vehicles_are_named_in_problem_order() -> None:
    """Equal vans examined once still appear by id, in fleet order, within the allowed set."""
    fleet = tuple(
        v
        for k in range(3)
        for v in (Vehicle(f"a{k}", 0, 0, capacity=(10,)), Vehicle(f"b{k}", 0, 0, capacity=(2,)))
    )
    free = _why(_problem((Stop("s", 1, (1,)),), fleet))[1]
    assert "'a0', 'b0', 'a1', 'b1', 'a2' and 1 more" in free
    heavy = _why(_problem((Stop("s", 1, (5,)),), fleet))[1]
    assert "by 'a0', 'a1', 'a2')" in heavy
    chosen = Stop("s", 1, (5,), allowed_vehicles=frozenset({"a2", "b1"}))
    assert "by 'a2')" in _why(_problem((chosen,), fleet))[1]
