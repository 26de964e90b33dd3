"""Live-day events given in GCJ-02, as Chinese map apps give points, on the Zhongguancun
extract: converted to WGS-84 when read, so a closure names the street its dispatcher meant."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from api.i18n import Lang
from api.plan.closures import find_closures
from api.plan.events import EventsError, read_events
from api.plan.ledger import ReadOptions
from api.plan.travel import StreetTravel
from geo.crs import CoordSystem, wgs84_to_gcj02
from geo.snap import snap

_FIELDS = ["at", "event", "id", "lon", "lat", "lon2", "lat2", "coord_system"]


def _street(travel: StreetTravel) -> dict[str, str]:
    """The two ends (WGS-84, 7 decimals) of a walk street piece inside the extract."""
    graph = travel.graphs["walk"]
    k = len(graph.link_a) // 2
    a, b = int(graph.link_a[k]), int(graph.link_b[k])
    ends = {"lon": graph.lon[a], "lat": graph.lat[a], "lon2": graph.lon[b], "lat2": graph.lat[b]}
    return {n: f"{float(v):.7f}" for n, v in ends.items()}


def _as_gcj02(ends: dict[str, str]) -> dict[str, str]:
    out = {}
    for x, y in (("lon", "lat"), ("lon2", "lat2")):
        gx, gy = wgs84_to_gcj02(float(ends[x]), float(ends[y]))
        out[x], out[y] = f"{gx:.7f}", f"{gy:.7f}"
    return out


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, _FIELDS)
        w.writeheader()
        w.writerows(rows)
    return path


def test_a_gcj02_closure_closes_the_street_of_its_wgs84_original(
    tmp_path: Path, zgc_travel: StreetTravel
) -> None:
    """A street closed by GCJ-02 points (by the row's coord_system, and by the options'
    system as ``--coords gcj02`` gives it) closes the very street pieces of its WGS-84
    original; the event keeps the points as given."""
    wgs = _street(zgc_travel)
    gcj = _as_gcj02(wgs)
    row = {"at": "10:00", "event": "street_closed"}
    by_row = read_events(
        _write(
            tmp_path / "rows.csv",
            [
                {**row, "id": "wgs", **wgs},
                {**row, "id": "gcj", **gcj, "coord_system": "gcj02"},
            ],
        )
    )
    by_flag = read_events(
        _write(tmp_path / "flag.csv", [{**row, "id": "gcj", **gcj}]),
        ReadOptions(CoordSystem.GCJ02),
    )
    graphs = zgc_travel.graphs
    want = find_closures(graphs, by_row[:1]).links
    assert any(want.values())
    assert find_closures(graphs, by_row[1:]).links == want
    assert find_closures(graphs, by_flag).links == want
    for event in (by_row[1], by_flag[0]):
        assert event.coord_system is CoordSystem.GCJ02
        assert event.given == (float(gcj["lon"]), float(gcj["lat"]))
        assert event.point is not None and event.point2 is not None
        assert abs(event.point[0] - float(wgs["lon"])) < 1e-6
        assert abs(event.point2[1] - float(wgs["lat2"])) < 1e-6


def test_a_volunteer_unavailable_with_a_position_is_refused(tmp_path: Path) -> None:
    """Where an unavailable volunteer is serves no purpose in the re-plan: a position given
    is refused naming the line and field, not silently dropped."""
    path = _write(
        tmp_path / "events.csv",
        [
            {
                "at": "10:20",
                "event": "volunteer_unavailable",
                "id": "V1",
                "lon": "116.31",
                "lat": "39.99",
            }
        ],
    )
    with pytest.raises(EventsError) as caught:
        read_events(path, ReadOptions(CoordSystem.GCJ02))
    assert [(d.record.split(" (")[0], d.field) for d in caught.value.details] == [
        ("events.csv line 2", "lon")
    ]
    said = Lang("zh_CN").text(caught.value.details[0].problem)
    assert "请将 lon 和 lat 留空" in said


def test_a_closure_point_copied_from_a_map_app_is_refused_with_the_system_to_give(
    tmp_path: Path, zgc_travel: StreetTravel
) -> None:
    """A street's end copied in GCJ-02 but read as WGS-84, landing inside the map farther
    than 50 m from every street, is refused on its field with the distance and the hint to
    give coord_system gcj02 (read so it lies on the street), in English and in Chinese."""
    graphs = zgc_travel.graphs
    walk = graphs["walk"]
    west, south, east, north = walk.bbox
    lon, lat = wgs84_to_gcj02(walk.lon, walk.lat)
    on_map = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    picks = np.flatnonzero(on_map)
    shifted = [(float(lon[i]), float(lat[i])) for i in picks]
    near = np.min([snap(g, shifted, max_snap_m=50).snap_m for g in graphs.values()], axis=0)
    node = int(picks[int(np.argmax(near))])
    assert near.max() > 60
    ends = _street(zgc_travel)
    row = {"at": "10:00", "event": "street_closed", "id": "copied", **ends}
    row |= {"lon": f"{lon[node]:.7f}", "lat": f"{lat[node]:.7f}"}
    events = read_events(_write(tmp_path / "events.csv", [row]))
    with pytest.raises(EventsError) as caught:
        find_closures(graphs, events)
    [detail] = caught.value.details
    assert (detail.record.split(" (")[0], detail.field) == ("events.csv line 2", "lon")
    assert "m from the nearest street of the map" in detail.problem
    assert detail.problem.endswith("it lies 0 m from a street: give coord_system gcj02")
    said = Lang("zh_CN").text(detail.problem)
    assert "距地图上最近的道路" in said and "请给出 coord_system gcj02" in said
