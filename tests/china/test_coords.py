"""GCJ-02 ledgers on a Beijing map: converted once at the edge, planned like WGS-84, warned
about when read as WGS-84."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.outputs.document import plan_document
from api.outputs.trips import deliveries
from api.plan.coord_check import check_coordinates
from api.plan.ledger import LedgerError, ReadOptions, ledger_from_json, read_ledger
from api.plan.result import PlanResult
from api.plan.travel import StreetTravel
from geo.addresses import AddressIndex
from geo.crs import CoordSystem, wgs84_to_bd09, wgs84_to_gcj02
from geo.measure import haversine_m
from solver import VisitKind
from tests.api.plan.day_plans import plan
from tests.china.conftest import as_declared, as_wgs84, json_rows, shared_rows, write_rows

DATE = dt.date(2022, 11, 28)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


def _plan(
    path: Path, ledger_dir: Path, travel: StreetTravel, addresses: AddressIndex
) -> PlanResult:
    ledger = read_ledger(path, ledger_dir / "volunteers.csv", ledger_dir / "depots.csv")
    return plan(
        ledger,
        DATE,
        travel=travel,
        addresses=addresses,
        time_limit=10.0,
        effort=100,
        geometry=False,
    )


def _stops(result: PlanResult) -> dict[str, tuple[tuple[float, float], frozenset[str]]]:
    """Each household of the day: its stop's position and the households sharing it."""
    return {
        hid: ((s.lon, s.lat), frozenset(s.household_ids))
        for s in result.selection.stops
        for hid in s.household_ids
    }


def _served(result: PlanResult) -> int:
    stops = {s.stop_id: s for s in result.selection.stops}
    return sum(
        len(stops[v.stop_id].household_ids)
        for r in result.solution.routes
        for v in r.visits
        if v.kind is VisitKind.STOP
    )


@pytest.mark.slow
def test_gcj02_ledger_plans_the_stops_of_its_wgs84_twin(
    tmp_path: Path, zgc_ledger_dir: Path, zgc_travel: StreetTravel, zgc_addresses: AddressIndex
) -> None:
    """The shared ledger with its 20 GCJ-02 rows declared plans every household at the stop
    (within 10 m) of the same ledger converted to WGS-84, and keeps the given coordinates."""
    declared = _plan(
        as_declared(zgc_ledger_dir, tmp_path), zgc_ledger_dir, zgc_travel, zgc_addresses
    )
    twin = _plan(as_wgs84(zgc_ledger_dir, tmp_path), zgc_ledger_dir, zgc_travel, zgc_addresses)
    exact = {h.household_id: (h.lon, h.lat) for h in twin.ledger.households}
    assert all(exact[h.household_id] == (h.lon, h.lat) for h in declared.ledger.households)
    a, b = _stops(declared), _stops(twin)
    assert len(a) >= 55
    assert set(a) == set(b)
    assert all(a[h][1] == b[h][1] for h in a), "the same flats share each stop"
    assert max(_metres(a[h][0], b[h][0]) for h in a) < 10.0
    # Both searches run under a time limit on a busy machine: the plans may differ in
    # which of the households left for want of volunteers they drop, not in how many.
    sa, sb = _served(declared), _served(twin)
    assert abs(sa - sb) <= max(2, sb // 10)
    gcj = [h for h in declared.ledger.households if h.coord_system == "gcj02"]
    assert len(gcj) == 20 and all(h.given is not None for h in gcj)
    routes = plan_document(declared)["routes"]
    lines = [ln for r in routes for s in deliveries(r) for ln in s["lines"]]
    kept = [ln for ln in lines if ln.get("coord_system") == "gcj02"]
    assert kept, "a served GCJ-02 household keeps its given coordinates in plan.json"
    row = {h.household_id: h for h in gcj}[kept[0]["household_id"]]
    assert (kept[0]["given_lon"], kept[0]["given_lat"]) == row.given


def _others(ledger_dir: Path) -> tuple[Path, Path]:
    return ledger_dir / "volunteers.csv", ledger_dir / "depots.csv"


def _shifted(ledger_dir: Path, out: Path, shift: object) -> Path:
    header, rows = shared_rows(ledger_dir)
    wgs = read_ledger(as_wgs84(ledger_dir, out), *_others(ledger_dir))
    at = {h.household_id: (h.lon, h.lat) for h in wgs.households}
    for r in rows:
        lon, lat = at[r["household_id"]]
        if lon is not None and lat is not None:
            x, y = shift(lon, lat)  # type: ignore[operator]
            r["lon"], r["lat"] = f"{x:.6f}", f"{y:.6f}"
    return write_rows(out / "shifted.csv", header, rows)


@pytest.mark.parametrize(("shift", "flag"), [(wgs84_to_gcj02, "gcj02"), (wgs84_to_bd09, "bd09")])
def test_warning_fires_for_china_coordinates_read_as_wgs84(
    tmp_path: Path,
    zgc_ledger_dir: Path,
    zgc_travel: StreetTravel,
    zgc_addresses: AddressIndex,
    shift: object,
    flag: str,
) -> None:
    """A ledger all in GCJ-02 (or BD-09) read as WGS-84 is warned about, naming the flag."""
    path = _shifted(zgc_ledger_dir, tmp_path, shift)
    ledger = read_ledger(path, *_others(zgc_ledger_dir))
    fit = check_coordinates(ledger, zgc_travel, zgc_addresses)
    assert fit is not None and fit.warn
    assert fit.best is CoordSystem(flag)
    assert fit.best_median_m * 3 <= fit.given_median_m
    assert f"--coords {flag}" in fit.sentence()
    # Read in the right system, the same file fits and is not warned about.
    right = read_ledger(path, *_others(zgc_ledger_dir), options=ReadOptions(CoordSystem(flag)))
    fit = check_coordinates(right, zgc_travel, zgc_addresses)
    assert fit is not None and not fit.warn and fit.given_median_m < 2.0


def test_no_warning_for_a_wgs84_ledger(
    tmp_path: Path, zgc_ledger_dir: Path, zgc_travel: StreetTravel, zgc_addresses: AddressIndex
) -> None:
    """The same ledger in WGS-84 sits on its buildings and is not warned about."""
    ledger = read_ledger(as_wgs84(zgc_ledger_dir, tmp_path), *_others(zgc_ledger_dir))
    fit = check_coordinates(ledger, zgc_travel, zgc_addresses)
    assert fit is not None and not fit.warn and fit.given_median_m < 2.0


def test_api_coord_system_field_converts_and_is_checked() -> None:
    """The service's top-level ``coord_system`` converts rows; a row's own column wins; an
    unknown system is an error naming the field."""
    gcj = wgs84_to_gcj02(116.3184, 39.9975)
    row, vol = json_rows(gcj[0], gcj[1])
    vol["coord_system"] = "wgs84"
    ledger = ledger_from_json({"coord_system": "gcj02", "households": [row], "volunteers": [vol]})
    h = ledger.households[0]
    assert _metres((h.lon, h.lat), (116.3184, 39.9975)) < 0.05
    assert h.given == gcj and h.coord_system == "gcj02"
    assert ledger.volunteers[0].start_lon == 116.3184
    with pytest.raises(LedgerError, match="coord_system"):
        ledger_from_json({"coord_system": "utm", "households": [row], "volunteers": [vol]})
