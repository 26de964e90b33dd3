"""Reading the ledger: typed records, every bad row reported at once, JSON form."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from api.plan.ledger import LedgerError, ledger_from_json, parse_clock, read_ledger

HH = (
    "household_id,lon,lat,residents,observation_start,observation_end,needs,window,"
    "elderly_alone,colour\n"
    "h1,24.94,60.17,2,2026-11-20,2026-12-03,meals;groceries,09:00-12:00,yes,blue\n"
    "h2,24.95,60.171,1,2026-11-24,2026-12-07,,,,red\n"
)
VOL = (
    "volunteer_id,mode,capacity_kg,available_from,available_to,depot_id,skills\n"
    "v1,walk,12,09:00,13:00,d1,medicine\n"
    "v2,bike,20.5,08:30,12:30,,\n"
)
DEP = "depot_id,lon,lat,name\nd1,24.941,60.169,Hall\n"


def _write(tmp: Path, hh: str = HH, vol: str = VOL, dep: str = DEP) -> tuple[Path, Path, Path]:
    paths = (tmp / "households.csv", tmp / "volunteers.csv", tmp / "depots.csv")
    for p, text in zip(paths, (hh, vol, dep), strict=True):
        p.write_text(text)
    return paths


def test_reads_typed_records_and_keeps_unknown_columns(tmp_path: Path) -> None:
    """A good ledger becomes typed records; unknown columns are kept in ``extra``."""
    ledger = read_ledger(*_write(tmp_path))
    h1 = ledger.households[0]
    assert h1.residents == 2 and h1.needs == {"meals", "groceries"}
    assert h1.window == (9 * 3600, 12 * 3600) and h1.elderly_alone
    assert h1.observation_start == dt.date(2026, 11, 20)
    assert ("colour", "blue") in h1.extra
    assert ledger.households[1].needs == {"meals"}  # default
    v2 = ledger.volunteers[1]
    assert v2.capacity_kg == 20.5 and v2.available_from == 8 * 3600 + 1800
    assert ledger.volunteers[0].skills == {"medicine"}


def test_every_bad_row_reported_with_line_and_column(tmp_path: Path) -> None:
    """All malformed rows of all files come back in one error, each with line and column."""
    hh = (
        "household_id,lon,lat,residents,observation_start,observation_end\n"
        "h1,abc,60.17,2,2026-11-20,2026-12-03\n"
        "h2,24.95,60.17,0,2026-11-24,2026-11-20\n"
        "h3,24.95,60.17,1,2026-13-01,2026-12-01\n"
    )
    vol = "volunteer_id,mode,capacity_kg,available_from,available_to\nv1,skate,10,9:00,8:00\n"
    with pytest.raises(LedgerError) as err:
        read_ledger(*_write(tmp_path, hh, vol))
    text = [str(d) for d in err.value.details]
    assert err.value.code == "INVALID_LEDGER"
    expect = [
        ("households.csv line 2", "lon", "column 2"),
        ("households.csv line 3", "residents", "column 4"),
        ("households.csv line 3", "observation_end", "column 6"),
        ("households.csv line 4", "observation_start", "column 5"),
        ("volunteers.csv line 2", "mode", "column 2"),
        ("volunteers.csv line 2", "available_to", "column 5"),
    ]
    for record, fld, col in expect:
        assert any(
            d.record.startswith(record) and d.field == fld and d.problem.startswith(col)
            for d in err.value.details
        ), (record, fld, text)
    assert len(err.value.details) == len(expect)


def test_missing_column_duplicate_id_and_unknown_depot(tmp_path: Path) -> None:
    """Missing required columns, duplicate ids and unknown depots are named."""
    hh = HH + "h1,24.95,60.17,1,2026-11-24,2026-12-07,,,,\n"
    vol = "volunteer_id,mode,capacity_kg,available_from\nv1,walk,10,09:00\n"
    with pytest.raises(LedgerError) as err:
        read_ledger(*_write(tmp_path, hh, vol))
    fields = {(d.record.split(" ")[0], d.field) for d in err.value.details}
    assert ("households.csv", "household_id") in fields
    assert ("volunteers.csv", "available_to") in fields
    vol2 = (
        "volunteer_id,mode,capacity_kg,available_from,available_to,depot_id\n"
        "v,walk,1,9:00,10:00,zz\n"
    )
    with pytest.raises(LedgerError) as err2:
        read_ledger(*_write(tmp_path, HH, vol2))
    assert [d.field for d in err2.value.details] == ["depot_id"]


def test_json_form_matches_csv(tmp_path: Path) -> None:
    """The JSON form (one object or three files) gives the same records as CSV."""
    data = {
        "households": [
            {
                "household_id": "h1",
                "lon": 24.94,
                "lat": 60.17,
                "residents": 2,
                "observation_start": "2026-11-20",
                "observation_end": "2026-12-03",
                "needs": ["meals", "groceries"],
                "window": "09:00-12:00",
                "elderly_alone": True,
            }
        ],
        "volunteers": [
            {
                "volunteer_id": "v1",
                "mode": "walk",
                "capacity_kg": 12,
                "available_from": "09:00",
                "available_to": "13:00",
                "depot_id": "d1",
                "skills": ["medicine"],
            }
        ],
        "depots": [{"depot_id": "d1", "lon": 24.941, "lat": 60.169}],
    }
    a = ledger_from_json(data)
    csv_ledger = read_ledger(*_write(tmp_path))
    assert a.households[0].needs == csv_ledger.households[0].needs
    assert a.households[0].elderly_alone and a.volunteers[0].skills == {"medicine"}
    for key in data:
        (tmp_path / f"{key}.json").write_text(json.dumps(data[key]))
    b = read_ledger(*(tmp_path / f"{k}.json" for k in ("households", "volunteers", "depots")))
    assert b.households[0].window == a.households[0].window
    with pytest.raises(LedgerError) as err:
        ledger_from_json({"households": [{"household_id": "x"}], "volunteers": [], "depots": []})
    assert err.value.details[0].record.startswith("households item 1")


def test_parse_clock() -> None:
    """Clock times parse to seconds and reject nonsense."""
    assert parse_clock("08:30") == 30600 and parse_clock("24:00") == 86400
    for bad in ("8", "25:00", "08:61", "ab:cd"):
        with pytest.raises(ValueError):
            parse_clock(bad)


def test_written_volunteers_read_back(tmp_path: Path) -> None:
    """write_volunteers writes a volunteers.csv that read_ledger reads back unchanged."""
    from api.plan.ledger import Volunteer, write_volunteers

    staff = (
        Volunteer("V1", "walk", 20.0, 9 * 3600, 13 * 3600, depot_id="D1", name="Aino"),
        Volunteer(
            "V2",
            "drive",
            80.5,
            9 * 3600 + 1800,
            14 * 3600,
            start_lon=24.94,
            start_lat=60.17,
            skills=frozenset({"medicine"}),
            max_stops=12,
        ),
    )
    depots = tmp_path / "depots.csv"
    depots.write_text("depot_id,lon,lat\nD1,24.95,60.16\n", encoding="utf-8")
    households = tmp_path / "households.csv"
    households.write_text(
        "household_id,lon,lat,residents,observation_start,observation_end\n"
        "H1,24.94,60.17,1,2026-11-20,2026-11-30\n",
        encoding="utf-8",
    )
    path = write_volunteers(staff, tmp_path / "volunteers.csv")
    back = read_ledger(households, path, depots).volunteers
    assert [
        (v.volunteer_id, v.mode, v.capacity_kg, v.available_from, v.available_to) for v in back
    ] == [(v.volunteer_id, v.mode, v.capacity_kg, v.available_from, v.available_to) for v in staff]
    assert [(v.start_lon, v.skills, v.max_stops, v.depot_id, v.name) for v in back] == [
        (v.start_lon, v.skills, v.max_stops, v.depot_id, v.name) for v in staff
    ]
