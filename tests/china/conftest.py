"""Shared fixtures of the China tests: the Zhongguancun extract and its ledger."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from api.plan.travel import StreetTravel
from api.settings import data_dir
from geo.addresses import AddressIndex
from geo.cn_addresses import load_cn_address_index
from geo.crs import gcj02_to_wgs84

MODES = ("walk", "bike", "ebike")


@pytest.fixture(scope="session")
def zgc_map() -> Path:
    """The Zhongguancun / Peking University extract (Beijing, Haidian)."""
    path = data_dir() / "osm" / "beijing_haidian_zhongguancun_pku.osm"
    if not path.exists():
        pytest.skip(f"{path} is absent (DOORSTEP_DATA)")
    return path


@pytest.fixture(scope="session")
def zgc_ledger_dir(zgc_map: Path) -> Path:
    """The shared Beijing ledger written for that extract."""
    return data_dir() / "ledgers" / "zhongguancun"


@pytest.fixture(scope="session")
def zgc_travel(zgc_map: Path) -> StreetTravel:
    """Street travel on the Zhongguancun graphs of the ledger's modes."""
    import geo

    graphs: dict[str, Any] = geo.load_graphs(str(zgc_map), MODES)
    return StreetTravel(graphs)


@pytest.fixture(scope="session")
def zgc_addresses(zgc_map: Path) -> AddressIndex:
    """Buildings, address points, compounds and gates of the extract (Chinese-aware)."""
    return load_cn_address_index(zgc_map)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    """Write ``rows`` as a UTF-8 CSV with ``header``."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def shared_rows(ledger_dir: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of the shared ``households.csv``."""
    with (ledger_dir / "households.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def as_declared(ledger_dir: Path, out: Path) -> Path:
    """The shared households with a ``coord_system`` column saying which rows are GCJ-02."""
    header, rows = shared_rows(ledger_dir)
    for r in rows:
        r["coord_system"] = "gcj02" if r["coord_source"] == "GCJ02" else ""
    return write_rows(out / "households-declared.csv", [*header, "coord_system"], rows)


def as_wgs84(ledger_dir: Path, out: Path) -> Path:
    """The shared households with the GCJ-02 rows converted to WGS-84 (7 decimals)."""
    header, rows = shared_rows(ledger_dir)
    for r in rows:
        if r["coord_source"] == "GCJ02":
            x, y = gcj02_to_wgs84(float(r["lon"]), float(r["lat"]))
            r["lon"], r["lat"] = f"{x:.7f}", f"{y:.7f}"
    return write_rows(out / "households-wgs84.csv", header, rows)


def json_rows(lon: float, lat: float) -> tuple[dict[str, object], dict[str, object]]:
    """One household at ``(lon, lat)`` and one walking volunteer near Tsinghua, as the
    service's JSON rows."""
    household: dict[str, object] = {
        "household_id": "H1",
        "lon": lon,
        "lat": lat,
        "residents": 1,
        "observation_start": "2022-11-20",
        "observation_end": "2022-11-30",
    }
    volunteer: dict[str, object] = {
        "volunteer_id": "V1",
        "mode": "walk",
        "capacity_kg": 10,
        "available_from": "09:00",
        "available_to": "12:00",
        "start_lon": 116.3184,
        "start_lat": 39.9975,
    }
    return household, volunteer
