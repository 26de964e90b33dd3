"""The day's selection: observation periods, loads, windows, priorities, building merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np

from api.plan.day import build_day
from api.plan.ledger import DepotRecord, Household, Ledger, Volunteer
from api.plan.problem import build_problem, locate
from api.plan.rules import DayRules, on_observation

D = dt.date(2026, 11, 24)


def hh(hid: str, **kw: object) -> Household:
    base: dict[str, object] = {
        "household_id": hid,
        "lon": 24.94,
        "lat": 60.17,
        "residents": 1,
        "observation_start": D - dt.timedelta(days=3),
        "observation_end": D + dt.timedelta(days=10),
    }
    base.update(kw)
    return Household(**base)  # type: ignore[arg-type]


def ledger(*households: Household) -> Ledger:
    vol = Volunteer("v1", "walk", 10.0, 9 * 3600, 13 * 3600, depot_id="d1")
    return Ledger(households, (vol,), (DepotRecord("d1", 24.941, 60.169),))


def test_period_ends_are_inclusive() -> None:
    """A household is due on its first and last day, not the day before or after."""
    h = hh("a", observation_start=D, observation_end=D + dt.timedelta(days=13))
    assert on_observation(h, D) and on_observation(h, D + dt.timedelta(days=13))
    assert not on_observation(h, D - dt.timedelta(days=1))
    assert not on_observation(h, D + dt.timedelta(days=14))
    before = hh(
        "b", observation_start=D - dt.timedelta(days=14), observation_end=D - dt.timedelta(days=1)
    )
    after = hh("c", observation_start=D + dt.timedelta(days=1))
    sel = build_day(ledger(h, before, after), D)
    ids = {i for s in sel.stops for i in s.household_ids}
    assert ids == {"a"} and not sel.excluded


def test_loads_windows_and_priority() -> None:
    """Needs become kilograms, meals set the meal window, flags set priority and deadline."""
    rules = DayRules()
    h = hh(
        "a",
        residents=3,
        needs=frozenset({"meals", "groceries", "medicine"}),
        observation_start=D,
        elderly_alone=True,
        medical_needs=True,
        window=(11 * 3600, 15 * 3600),
    )
    g = hh("b", needs=frozenset({"groceries"}), observation_start=D - dt.timedelta(days=1))
    sel = build_day(ledger(h, g), D, rules=rules)
    (stop,) = sel.stops
    assert stop.demand_g == round((3 * 1.0 + 3 * 2.0 + 0.3) * 1000)
    assert stop.window == (11 * 3600, 13 * 3600)  # meal window meets the household's
    assert stop.priority == 2 and stop.deadline == 12 * 3600
    assert stop.skills == {"medicine"}
    assert [n.household_id for n in sel.not_due] == ["b"]  # groceries only every 3rd day


def test_building_entrance_merged_into_one_stop() -> None:
    """Flats behind one entrance become one stop with a line item each; others stay apart."""
    a = hh("a", building="B7", entrance="A", floor=3)
    b = hh("b", building="B7", entrance="A", floor=1, residents=2)
    c = hh("c", building="B7", entrance="B", lon=24.9401)
    d = hh("d", lon=24.95)
    sel = build_day(ledger(a, b, c, d), D)
    by_id = {s.stop_id: s for s in sel.stops}
    assert set(by_id) == {"B7/A", "c", "d"}
    merged = by_id["B7/A"]
    assert merged.household_ids == ("a", "b")
    r = DayRules()
    assert merged.service_s == r.building_entry_s + 2 * r.per_door_s + 3 * r.per_floor_s
    assert by_id["d"].service_s == r.door_drop_s
    assert merged.demand_g == round(3 * 1.0 * 1000)


def test_incompatible_windows_in_one_building_split() -> None:
    """Households of one entrance whose windows do not meet get separate stops."""
    a = hh("a", building="B", window=(10 * 3600, 11 * 3600))
    b = hh("b", building="B", window=(12 * 3600, 13 * 3600))
    sel = build_day(ledger(a, b), D)
    assert sorted(s.household_ids for s in sel.stops) == [("a",), ("b",)]


def test_entrance_heavier_than_any_trip_split_into_loads_that_fit() -> None:
    """Four flats of 3 kg behind one entrance, a 10 kg walker: two loads at that door (9 kg
    and 3 kg), every flat on one; with an 80 kg car on the team the stop stays whole."""
    flats = [hh(h, building="B7", entrance="A", residents=3, floor=2) for h in "abcd"]
    sel = build_day(ledger(*flats), D)
    by_id = {s.stop_id: s for s in sel.stops}
    assert set(by_id) == {"B7/A/load1", "B7/A/load2"}
    assert sorted(s.demand_g for s in sel.stops) == [3000, 9000]
    assert sorted(h for s in sel.stops for h in s.household_ids) == list("abcd")
    assert len({(s.lon, s.lat) for s in sel.stops}) == 1  # the same door
    car = Volunteer("v2", "drive", 80.0, 9 * 3600, 13 * 3600, depot_id="d1")
    team = replace(ledger(*flats), volunteers=(*ledger().volunteers, car))
    whole = build_day(team, D)
    assert [s.stop_id for s in whole.stops] == ["B7/A"]


def test_unresolved_address_and_empty_window_excluded_with_reason() -> None:
    """No coordinates and no resolution, or no usable window: excluded with a reason."""
    a = hh("a", lon=None, lat=None, address="Nowhere 1")
    b = hh("b", window=(15 * 3600, 16 * 3600))
    c = hh("c", lon=None, lat=None, address="Somewhere 2")
    sel = build_day(ledger(a, b, c), D, resolved={"c": (24.95, 60.17)})
    assert {(e.household_id, e.reason) for e in sel.excluded} == {
        ("a", "ADDRESS_UNRESOLVED"),
        ("b", "NO_TIME_WINDOW"),
    }
    assert [s.stop_id for s in sel.stops] == ["c"]


def test_problem_maps_modes_skills_and_capacity() -> None:
    """Volunteers become vehicles on their mode's profile with gram capacity and skills."""
    lg = ledger(hh("a", needs=frozenset({"medicine"})), hh("b", lon=24.95))
    vols = (
        Volunteer(
            "v1", "walk", 10.0, 9 * 3600, 13 * 3600, depot_id="d1", skills=frozenset({"medicine"})
        ),
        Volunteer("v2", "drive", 80.5, 9 * 3600, 13 * 3600, start_lon=24.96, start_lat=60.18),
    )
    sel = build_day(lg, D)
    loc = locate(sel, vols, lg.depots)
    n = len(loc.points)
    m = np.ones((n, n), np.int64) - np.eye(n, dtype=np.int64)
    problem = build_problem(sel, vols, lg.depots, loc, {"walk": (m, m), "drive": (m, m)})
    assert [p.name for p in problem.profiles] == ["drive", "walk"]
    v1, v2 = problem.vehicles
    assert v1.profile == 1 and v2.profile == 0 and v2.capacity == (80500,)
    assert v1.start == loc.depot["d1"] and v2.start != v1.start
    stops = {s.id: s for s in problem.stops}
    assert stops["a"].skills == {"medicine"} and not stops["b"].skills
