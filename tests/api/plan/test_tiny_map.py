"""End to end on a tiny generated OSM map: addresses from its tags, every household named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from api.outputs.document import plan_document
from api.outputs.manifest import manifest_html
from api.plan.ledger import DepotRecord, Household, Ledger, Volunteer
from api.plan.result import PlanResult
from api.plan.rules import on_observation
from api.plan.travel import StreetTravel
from geo.addresses import load_address_index
from solver.check import check
from tests.api.plan.day_plans import plan
from tests.geo.tiny import DEG_PER_M, grid_nodes, write_osm

D = dt.date(2026, 3, 10)
STEP_M = 120.0


def _building(nid: int, x_m: float, y_m: float) -> dict[int, tuple[float, float]]:
    """A 20 m square outline with its south-west corner at ``(x_m, y_m)``, ids from ``nid``."""
    corners = [(0, 0), (20, 0), (20, 20), (0, 20)]
    return {
        nid + k: ((x_m + dx) * DEG_PER_M, (y_m + dy) * DEG_PER_M)
        for k, (dx, dy) in enumerate(corners)
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[float, float]]]:
    """A 4 x 4 street grid with three buildings (two with addr:* tags) and their centres."""
    nodes = grid_nodes(4, 4, STEP_M)
    ways: list[tuple[list[int], dict[str, str]]] = []
    for y in range(4):
        ways.append(([1 + x + 4 * y for x in range(4)], {"highway": "residential"}))
    for x in range(4):
        ways.append(([1 + x + 4 * y for y in range(4)], {"highway": "residential"}))
    centres: dict[str, tuple[float, float]] = {}
    specs = [
        ("Koekatu 1", 30.0, 20.0, {"addr:street": "Koekatu", "addr:housenumber": "1"}),
        ("Koekatu 3", 150.0, 140.0, {"addr:street": "Koekatu", "addr:housenumber": "3"}),
        ("untagged", 270.0, 260.0, {}),
    ]
    for k, (name, x_m, y_m, tags) in enumerate(specs):
        outline = _building(1000 + 10 * k, x_m, y_m)
        nodes.update(outline)
        ways.append(([*outline, next(iter(outline))], {"building": "yes", **tags}))
        centres[name] = ((x_m + 10) * DEG_PER_M, (y_m + 10) * DEG_PER_M)
    return write_osm(tmp_path_factory.mktemp("tiny") / "tiny.osm", nodes, ways), centres


@pytest.fixture(scope="module")
def tiny_plan(tiny: tuple[Path, dict[str, tuple[float, float]]]) -> PlanResult:
    """The plan of six households (one outside its period, one by address) on the tiny map."""
    import geo

    path, c = tiny
    graphs: dict[str, Any] = geo.load_graphs(str(path), ("walk", "bike"), cache=False)

    def hh(hid: str, at: tuple[float, float] | None, days: int = 0, **kw: Any) -> Household:
        start = D - dt.timedelta(days=days)
        lon, lat = at if at else (None, None)
        return Household(hid, lon, lat, 1, start, start + dt.timedelta(days=13), **kw)

    households = (
        hh("h-tag", c["Koekatu 1"]),
        hh("h-flat1", c["Koekatu 3"], building="b3", entrance="A", needs=frozenset({"meals"})),
        hh("h-flat2", c["Koekatu 3"], building="b3", entrance="A", needs=frozenset({"meals"})),
        hh("h-none", c["untagged"]),
        hh("h-addr", None, address="Koekatu 1"),
        hh("h-over", c["Koekatu 1"], days=14),  # its period ended yesterday
    )
    depot = DepotRecord("d", *grid_nodes(4, 4, STEP_M)[1])
    vols = (
        Volunteer("w", "walk", 20.0, 9 * 3600, 14 * 3600, depot_id="d"),
        Volunteer("b", "bike", 20.0, 9 * 3600, 14 * 3600, depot_id="d"),
    )
    return plan(
        Ledger(households, vols, (depot,)),
        D,
        travel=StreetTravel(graphs),
        addresses=load_address_index(path),
        time_limit=1.0,
    )


def test_tiny_plan_accounts_for_everyone_and_checks(tiny_plan: PlanResult) -> None:
    """Everyone due is on one stop, none outside its period; checker and street times agree."""
    doc = plan_document(tiny_plan)
    on = [h for r in doc["routes"] for s in r["stops"] for h in s["household_ids"]]
    due = {h.household_id for h in tiny_plan.ledger.households if on_observation(h, D)}
    assert sorted(on) == sorted(due) and "h-over" not in due and not doc["unassigned"]
    assert check(tiny_plan.problem, tiny_plan.solution).ok
    vidx = tiny_plan.problem.vehicle_index()
    for r in tiny_plan.solution.routes:
        v = tiny_plan.problem.vehicles[vidx[r.vehicle_id]]
        dur = tiny_plan.problem.profiles[v.profile].durations
        prev, free = v.start, r.start_time
        for visit in r.visits:
            assert visit.arrival == free + int(dur[prev, visit.location])
            prev, free = visit.location, visit.departure


def test_manifest_where_uses_map_address_or_says_none(tiny_plan: PlanResult) -> None:
    """Where: the ledger's or nearest map address, else "no street address" with lon/lat."""
    doc = plan_document(tiny_plan)
    lines = {ln["household_id"]: ln for r in doc["routes"] for s in r["stops"] for ln in s["lines"]}
    assert lines["h-tag"]["address"] == "Koekatu 1"
    assert lines["h-tag"]["address_source"] == "map"
    assert lines["h-addr"]["address_source"] == "ledger"
    assert lines["h-flat1"]["address"] == "Koekatu 3"
    assert lines["h-none"]["address"] == "" and lines["h-none"]["address_source"] == ""
    pages = "".join(manifest_html(doc, r, None) for r in doc["routes"])
    assert "Koekatu 1 <span" in pages and "(nearest address on the map)" in pages
    none_stop = next(s for r in doc["routes"] for s in r["stops"] if "h-none" in s["household_ids"])
    assert f"lon {none_stop['lon']:.5f}, lat {none_stop['lat']:.5f}" in pages
    assert "No street address: see the map" in pages
