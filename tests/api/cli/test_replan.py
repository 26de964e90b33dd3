"""``doorstep replan``: events read from a file (every fault named), the new plan written
with its diff, and notifications only for households whose ETA window changed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.demo.data import DEMO_DATE, generate
from api.outputs.document import deliveries
from api.plan.events import EventKind, read_events
from geo.addresses import Building
from geo.crs import wgs84_to_bd09
from tests.api.closure_points import off_the_streets, piece_ends


def _write_events(path: Path, rows: list[dict[str, str]]) -> Path:
    names = sorted({k for r in rows for k in r}, key=lambda k: (k not in ("at", "event", "id"), k))
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=names)
        w.writeheader()
        w.writerows(rows)
    return path


def test_every_fault_of_the_events_file_is_named(tmp_path: Path) -> None:
    """A bad time, an unknown kind, a delay without minutes, a failed stop with an unknown
    outcome, a position of a volunteer unavailable (nothing uses it), a way id that is not
    one and a closure by both a way id and points are each named by line and field."""
    path = _write_events(
        tmp_path / "events.csv",
        [
            {"at": "25:99", "event": "stop_done", "id": "H1"},
            {"at": "10:00", "event": "volunteer_ill", "id": "V1"},
            {"at": "10:05", "event": "volunteer_delayed", "id": "V2"},
            {"at": "10:10", "event": "stop_failed", "id": "H2", "outcome": "gone"},
            {"at": "10:20", "event": "volunteer_unavailable", "id": "V3", "lon": "24.9"},
            {"at": "10:30", "event": "street_closed", "id": "w1", "way_id": "12a"},
            {"at": "10:40", "event": "street_closed", "id": "w2", "way_id": "7", "lon": "24.9"},
        ],
    )
    try:
        read_events(path)
    except Exception as exc:
        details = {(d.record.split(" (")[0], d.field) for d in exc.details}  # type: ignore[attr-defined]
        assert getattr(exc, "code", "") == "INVALID_EVENTS"
    else:
        raise AssertionError("bad events were accepted")
    assert details == {
        ("events.csv line 2", "at"),
        ("events.csv line 3", "event"),
        ("events.csv line 4", "minutes"),
        ("events.csv line 5", "outcome"),
        ("events.csv line 6", "lon"),
        ("events.csv line 7", "way_id"),
        ("events.csv line 8", "way_id"),
    }


def test_every_kind_reads_from_a_file(tmp_path: Path) -> None:
    """One row of each kind reads into its event, in time order, with its fields."""
    hh = {
        "lon": "24.94",
        "lat": "60.17",
        "residents": "1",
        "observation_start": "2024-01-01",
        "observation_end": "2030-01-01",
    }
    vol = {"mode": "walk", "capacity_kg": "10", "available_from": "09:00", "available_to": "14:00"}
    rows = [
        {"at": "10:00", "event": "volunteer_unavailable", "id": "V1"},
        {"at": "09:00", "event": "volunteer_added", "id": "V9", **vol},
        {"at": "09:10", "event": "volunteer_delayed", "id": "V2", "minutes": "15"},
        {"at": "09:20", "event": "household_added", "id": "H9", **hh},
        {"at": "09:30", "event": "household_urgent", "id": "H3", "deadline": "11:00"},
        {"at": "09:40", "event": "household_cancelled", "id": "H4"},
        {"at": "09:50", "event": "stop_done", "id": "H5"},
        {"at": "09:55", "event": "stop_failed", "id": "H6", "outcome": "no_answer"},
        {"at": "10:05", "event": "street_closed", "id": "w1", "way_id": "123"},
    ]
    events = read_events(_write_events(tmp_path / "events.csv", rows))
    assert {e.kind for e in events} == set(EventKind)
    assert [e.at for e in events] == sorted(e.at for e in events)
    by = {e.kind: e for e in events}
    assert by[EventKind.VOLUNTEER_DELAYED].minutes == 15
    assert by[EventKind.HOUSEHOLD_URGENT].deadline == 11 * 3600
    assert by[EventKind.VOLUNTEER_UNAVAILABLE].id == "V1"
    assert by[EventKind.HOUSEHOLD_ADDED].household is not None
    assert by[EventKind.VOLUNTEER_ADDED].volunteer is not None
    assert by[EventKind.STOP_FAILED].outcome == "no_answer"
    assert by[EventKind.STREET_CLOSED].way_id == 123
    assert by[EventKind.STREET_CLOSED].point is None


def test_replan_command_writes_the_diff_and_only_changed_notifications(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """A volunteer drops out at a mid-morning time: the new plan.json has the replan
    member and the diff; notifications.csv lists exactly the households whose ETA window
    changed; the done deliveries stay; the terminal names the unattended households (or
    none) and the exit status follows them."""
    hh, vol, dep = generate(
        tmp_path / "in", buildings=buildings, households=25, volunteers=4, seed=5
    )
    day = ["--map", str(helsinki), "--households", str(hh), "--volunteers", str(vol)]
    day += ["--depots", str(dep)]
    first = tmp_path / "first"
    made = CliRunner().invoke(
        app, ["plan", *day, "--date", DEMO_DATE.isoformat(), "--out", str(first), "--effort", "10"]
    )
    assert made.exit_code in (0, 3), made.output
    doc = json.loads((first / "plan.json").read_text())
    route = max(doc["routes"], key=lambda r: len(deliveries(r)))
    starts = sorted(s["service_start"][:5] for r in doc["routes"] for s in deliveries(r))
    at = starts[len(starts) // 3]
    events = _write_events(
        tmp_path / "events.csv",
        [{"at": at, "event": "volunteer_unavailable", "id": route["volunteer_id"]}],
    )
    second = tmp_path / "second"
    args = ["replan", "--plan", str(first / "plan.json"), "--events", str(events), "--at", at]
    res = CliRunner().invoke(app, [*args, "--out", str(second), *day, "--effort", "10"])
    assert res.exit_code in (0, 3), res.output
    new = json.loads((second / "plan.json").read_text())
    assert new["replan"]["at"].startswith(at)
    assert route["volunteer_id"] in new["replan"]["diff"]
    old_eta = {
        h: tuple(s["eta_window"])
        for r in doc["routes"]
        for s in deliveries(r)
        for h in s["household_ids"]
    }
    new_eta = {
        h: tuple(s["eta_window"])
        for r in new["routes"]
        for s in deliveries(r)
        for h in s["household_ids"]
    }
    done = {  # delivered before the re-plan: told nothing more
        h
        for r in doc["routes"]
        for s in deliveries(r)
        if s["service_start"][:5] < at
        for h in s["household_ids"]
    }
    changed = {h for h, eta in new_eta.items() if old_eta.get(h) != eta and h not in done}
    with (second / "notifications.csv").open() as fh:
        told = {row["household_id"] for row in csv.DictReader(fh)}
    assert told == changed
    assert done and not told & done and len(told) < len(new_eta)
    unattended = new["outcomes"]["unattended"]
    assert (res.exit_code == 3) == bool(new["unassigned"] or unattended)
    said = "unattended (no delivery by" if unattended else "no household unattended"
    assert said in res.output
    # A limit that cannot hold the search's floor: the re-plan says so, on the terminal too.
    third = tmp_path / "third"
    short = CliRunner().invoke(app, [*args, "--out", str(third), *day, "--time-limit", "0.01"])
    assert short.exit_code in (0, 3), short.output
    assert "time limit of 0.01 s is too short" in " ".join(short.output.split())
    codes = [w["code"] for w in json.loads((third / "plan.json").read_text())["warnings"]]
    assert "TIME_LIMIT_SHORT" in codes


def test_a_bad_re_plan_time_is_told_in_the_language_asked(tmp_path: Path) -> None:
    """A malformed --at ends the command with status 2, said in Chinese with --lang zh-CN and
    in English without."""
    files = ["--plan", "p.json", "--events", "e.csv", "--out", str(tmp_path), "--map", "m.pbf"]
    files += ["--households", "h.csv", "--volunteers", "v.csv", "--at", "half past"]
    zh = CliRunner().invoke(app, ["replan", *files, "--lang", "zh-CN"])
    en = CliRunner().invoke(app, ["replan", *files])
    assert zh.exit_code == en.exit_code == 2
    assert "应为时刻 HH:MM，实际为 'half past'" in zh.stderr
    assert "expected a clock time HH:MM, got 'half past'" in en.stderr


def test_replan_reads_closure_points_in_the_coords_asked(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """With ``--coords bd09`` (the ledger's rows WGS-84 by their column), a closure written
    in BD-09 closes the same street pieces as the same street written ``wgs84`` in its row's
    ``coord_system``; plan.json keeps the WGS-84 points used and the BD-09 points given."""
    hh, vol, dep = generate(
        tmp_path / "in", buildings=buildings, households=10, volunteers=2, seed=7
    )
    for table in (hh, vol, dep):
        with table.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        _write_events(table, [{**r, "coord_system": "wgs84"} for r in rows])
    day = ["--map", str(helsinki), "--households", str(hh), "--volunteers", str(vol)]
    day += ["--depots", str(dep), "--coords", "bd09", "--effort", "10"]
    first = tmp_path / "first"
    made = CliRunner().invoke(
        app, ["plan", *day, "--date", DEMO_DATE.isoformat(), "--out", str(first)]
    )
    assert made.exit_code in (0, 3), made.output
    wgs = piece_ends(helsinki)
    bd = dict(zip(("lon", "lat"), wgs84_to_bd09(wgs["lon"], wgs["lat"]), strict=True))
    bd |= dict(zip(("lon2", "lat2"), wgs84_to_bd09(wgs["lon2"], wgs["lat2"]), strict=True))
    closed = {"at": "09:00", "event": "street_closed"}
    events = _write_events(
        tmp_path / "events.csv",
        [
            {
                **closed,
                "id": "wgs",
                "coord_system": "wgs84",
                **{n: f"{v:.7f}" for n, v in wgs.items()},
            },
            {**closed, "id": "bd", **{n: f"{v:.7f}" for n, v in bd.items()}},
        ],
    )
    second = tmp_path / "second"
    args = ["replan", "--plan", str(first / "plan.json"), "--events", str(events), "--at", "09:30"]
    res = CliRunner().invoke(app, [*args, "--out", str(second), *day])
    assert res.exit_code in (0, 3), res.output
    by_id = {
        c["id"]: c for c in json.loads((second / "plan.json").read_text())["replan"]["closures"]
    }
    assert by_id["bd"]["links_closed"] == by_id["wgs"]["links_closed"] >= 1
    for name, value in wgs.items():
        assert abs(by_id["bd"][name] - value) < 1e-6, (name, by_id["bd"])
        assert abs(by_id["bd"][f"given_{name}"] - bd[name]) < 1e-7
    assert by_id["bd"]["coord_system"] == "bd09" and by_id["wgs"]["coord_system"] is None


def test_a_closure_point_off_the_streets_is_refused(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """A closure whose second point lies inside the map but farther than 50 m from every
    street, and one whose first point lies outside the map, are refused (exit 4,
    INVALID_EVENTS) naming the file, line and field, in English and with --lang zh-CN in
    Chinese; nothing is closed in their place."""
    hh, vol, dep = generate(
        tmp_path / "in", buildings=buildings, households=6, volunteers=2, seed=3
    )
    day = ["--map", str(helsinki), "--households", str(hh), "--volunteers", str(vol)]
    day += ["--depots", str(dep), "--effort", "10"]
    first = tmp_path / "first"
    made = CliRunner().invoke(
        app, ["plan", *day, "--date", DEMO_DATE.isoformat(), "--out", str(first)]
    )
    assert made.exit_code in (0, 3), made.output
    ends = piece_ends(helsinki)
    inside, outside = off_the_streets(helsinki)
    closed = {"at": "09:00", "event": "street_closed"}
    far = {**closed, "id": "far", **ends, "lon2": inside[0], "lat2": inside[1]}
    off = {**closed, "id": "off", **ends, "lon": outside[0], "lat": outside[1]}
    rows = [{k: str(v) for k, v in row.items()} for row in (far, off)]
    events = _write_events(tmp_path / "events.csv", rows)
    args = ["replan", "--plan", str(first / "plan.json"), "--events", str(events), "--at", "09:30"]
    en = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "en"), *day])
    zh = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "zh"), *day, "--lang", "zh-CN"])
    assert en.exit_code == zh.exit_code == 4, en.output
    said = " ".join(en.stderr.split())
    assert "events.csv line 2 (id 'far'), field 'lon2': the point" in said
    assert "m from the nearest street of the map; a closure's point must be within 50 m" in said
    assert "events.csv line 3 (id 'off'), field 'lon': the point" in said
    assert "lies outside the map" in said
    told = "".join(zh.stderr.split())
    assert "距地图上最近的道路" in told and "在地图范围之外" in told
    assert not (tmp_path / "en" / "plan.json").exists()
