"""Trips in the day: reloads at the depot, the start from home, meal ride limits, heavy
entrances split, and how trips show in plan.json, GeoJSON and the terminal table."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.console import Console

from api.demo.data import DEMO_DATE
from api.outputs.document import deliveries, plan_document
from api.outputs.geojson import routes_geojson
from api.outputs.table import print_plan
from api.plan.ledger import parse_clock
from api.plan.result import PlanResult
from api.plan.rules import DayRules
from api.plan.travel import StreetTravel
from geo.addresses import Building
from solver.check import check
from tests.api.plan.day_plans import cluster_ledger, plan, walker

D = DEMO_DATE
#: Searches end at this many improving solutions, long before the time limit.
EFFORT = 30


def _plan(ledger: Any, travel: StreetTravel, **request: Any) -> PlanResult:
    return plan(ledger, D, travel=travel, time_limit=120.0, effort=EFFORT, **request)


def _trip_loads(route: dict[str, Any]) -> dict[int, float]:
    """kg delivered per trip of a plan.json route."""
    loads: dict[int, float] = {}
    for s in deliveries(route):
        loads[s["trip"]] = loads.get(s["trip"], 0.0) + s["load"]
    return loads


def _rides(route: dict[str, Any]) -> list[int]:
    """Seconds from leaving the start or the last reload to each delivery's service."""
    left = parse_clock(route["start"]["departure"])
    out = []
    for s in route["stops"]:
        if s["kind"] == "reload":
            left = parse_clock(s["departure"])
        else:
            out.append(parse_clock(s["service_start"]) - left)
    return out


def test_a_walker_goes_out_again_until_every_household_is_served(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """Twelve 1 kg meal bags, one walker carrying 5 kg: reloads at the depot serve all
    twelve in at least three trips, none over 5 kg; each reload entry names the depot, its
    times, and leaves with exactly that trip's load."""
    ledger = cluster_ledger(buildings, 12, (walker("v", cap=5.0),))
    result = _plan(ledger, travel, geometry=True)
    assert not result.issues and check(result.problem, result.solution).ok
    doc = plan_document(result)
    (route,) = doc["routes"]
    assert route["trips"] >= 3 and doc["summary"]["trips"] == route["trips"]
    loads = _trip_loads(route)
    assert sorted(loads) == list(range(1, route["trips"] + 1))
    assert max(loads.values()) <= 5.0
    reloads = [s for s in route["stops"] if s["kind"] == "reload"]
    assert [r["trip"] for r in reloads] == list(range(2, route["trips"] + 1))
    for r in reloads:
        assert r["depot_id"] == "d1" and r["household_ids"] == []
        assert parse_clock(r["departure"]) - parse_clock(r["arrival"]) >= 5 * 60
        assert r["on_board_after_kg"] == round(loads[r["trip"]], 3)
    assert [s["trip"] for s in route["stops"]] == sorted(s["trip"] for s in route["stops"])
    geo = routes_geojson(doc, result.geometry)
    lines = [f for f in geo["features"] if f["properties"]["kind"] == "trip"]
    assert [f["properties"]["trip"] for f in lines] == list(range(1, route["trips"] + 1))
    assert [f["properties"]["stops"] for f in lines] == [
        len([s for s in deliveries(route) if s["trip"] == t]) for t in loads
    ]


def test_single_trip_rule_carries_one_load(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """With reloads off (``--single-trip``) the same walker serves one 5 kg load; the
    others are named as left for want of volunteers."""
    ledger = cluster_ledger(buildings, 12, (walker("v", cap=5.0),))
    result = _plan(ledger, travel, rules=DayRules(reloads=False), geometry=False)
    doc = plan_document(result)
    (route,) = doc["routes"]
    assert route["trips"] == 1 and all(s["kind"] == "delivery" for s in route["stops"])
    assert doc["summary"]["households_served"] == 5
    assert {u["reason"] for u in doc["unassigned"]} <= {"FLEET_EXHAUSTED", "TIME_LIMIT"}


def test_volunteer_from_home_loads_at_the_depot_first_and_ends_at_home(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """A volunteer with a home position leaves home empty, loads at the depot (a reload
    entry, trip 1) before the first door, and the run ends at home."""
    ledger = cluster_ledger(buildings, 4, ())
    home = [b for b in buildings if b.kind == "yes"][30]
    ledger = replace(ledger, volunteers=(walker("v", start_lon=home.lon, start_lat=home.lat),))
    result = _plan(ledger, travel, geometry=False)
    assert not result.issues and check(result.problem, result.solution).ok
    (route,) = plan_document(result)["routes"]
    first = route["stops"][0]
    assert first["kind"] == "reload" and first["trip"] == 1 and first["depot_id"] == "d1"
    assert first["on_board_after_kg"] == 4.0
    at_home = (round(home.lon, 7), round(home.lat, 7))  # locations are kept to 1e-7 degrees
    assert (route["start"]["lon"], route["start"]["lat"]) == at_home
    assert (route["end"]["lon"], route["end"]["lat"]) == at_home


def test_meal_stops_within_the_ride_limit_or_named(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """Every meal stop is served within ``meal_max_minutes`` of leaving the depot; with a
    limit no walk can keep, the far households are named RIDE_TIME_UNREACHABLE."""
    ledger = cluster_ledger(buildings, 16, (walker("a", cap=8.0), walker("b", cap=8.0)))
    rules = DayRules(meal_max_minutes=12)
    result = _plan(ledger, travel, rules=rules, geometry=False)
    assert check(result.problem, result.solution).ok
    doc = plan_document(result)
    rides = [t for r in doc["routes"] for t in _rides(r)]
    assert rides and max(rides) <= 12 * 60
    served = doc["summary"]["households_served"]
    far = {u["reason"] for u in doc["unassigned"]}
    assert served + len(doc["unassigned"]) == 16 and far <= {"RIDE_TIME_UNREACHABLE"}
    strict = _plan(ledger, travel, rules=DayRules(meal_max_minutes=1), geometry=False)
    assert "RIDE_TIME_UNREACHABLE" in {i.reason for i in strict.issues}


def test_heavy_entrance_split_and_served_over_trips(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """Four flats of 3 kg behind one entrance and a 10 kg walker: the entrance is split
    into loads that fit, every flat is served, the loads go out on different trips."""
    ledger = cluster_ledger(buildings, 4, (walker("v", cap=10.0),))
    door = ledger.households[0]
    flats = tuple(
        replace(h, lon=door.lon, lat=door.lat, building="B1", entrance="A", residents=3)
        for h in ledger.households
    )
    result = _plan(replace(ledger, households=flats), travel, geometry=False)
    assert not result.issues
    (route,) = plan_document(result)["routes"]
    parts = {s["stop_id"]: s["trip"] for s in deliveries(route)}
    assert set(parts) == {"B1/A/load1", "B1/A/load2"} and len(set(parts.values())) == 2
    assert max(_trip_loads(route).values()) <= 10.0


def test_terminal_table_shows_trips_per_volunteer(small_plan: PlanResult) -> None:
    """The terminal table has a trips column with each run's trip count."""
    doc = plan_document(small_plan)
    console = Console(record=True, width=200)
    print_plan(doc, console)
    text = console.export_text()
    assert "trips" in text
    for r in doc["routes"]:
        row = next(line for line in text.splitlines() if f" {r['volunteer_id']} " in line)
        assert f" {r['trips']} " in row
