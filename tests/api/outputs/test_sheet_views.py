"""What the volunteer's sheet and the coordinator's page are built from: drop-off and call
rules, trips of multi-trip runs (and of plans without trips), markers that never overlap."""

from __future__ import annotations

import itertools
import math
import random
import re
from typing import Any

import pytest

from api.i18n import Lang
from api.outputs.dropoff import asks_for_call
from api.outputs.manifest import door_view, manifest_html
from api.outputs.summary_html import has_places, trip_times
from api.outputs.svg import Frame, Marker, Streets, _close_pairs, route_svg, spread
from api.outputs.trips import trips_of


@pytest.mark.parametrize(
    ("note", "asked"),
    [
        ("挂门把手上，电话通知", True),
        ("请打电话，不要敲门（孩子小）", True),
        ("到了先致电", True),
        ("Please call when you arrive", True),
        ("Phone first, the bell is broken", True),
        ("放门口地垫，不要按门铃（老人睡觉）", False),
        ("不要打电话，放门口", False),
        ("请勿致电", False),
        ("Don't call, leave it at the door", False),
        ("Ring twice, step back", False),
        ("", False),
    ],
)
def test_a_call_is_asked_only_by_notes_that_ask_for_one(note: str, asked: bool) -> None:
    """Notes asking for a call (电话通知, 打电话, call) are seen; refusals and others are not."""
    assert asks_for_call(note) is asked


def _line(hid: str, note: str = "", phone: str = "") -> dict[str, Any]:
    line: dict[str, Any] = {
        "household_id": hid,
        "address": f"Street {hid}",
        "address_source": "ledger",
        "note": note,
        "items": [{"kind": "meals", "label": "meals", "kg": 1.0, "people": 1}],
    }
    if phone:
        line["phone"] = phone
    return line


def test_the_households_instruction_replaces_the_default_one() -> None:
    """A door with its own note shows only that note; a door without shows the default line."""
    en = Lang()
    own = door_view(_line("H1", "不要按门铃（老人睡觉）"), 1, False, en)
    assert own["dropoff"] == "不要按门铃（老人睡觉）" and "ring" not in own["dropoff"]
    default = door_view(_line("H2"), 1, False, en)
    assert default["dropoff"].startswith("Contact-free: ring")


def test_the_phone_is_shown_only_when_the_note_asks_for_a_call() -> None:
    """A phone on a line whose note does not ask for a call stays off the sheet."""
    en = Lang()
    assert door_view(_line("H1", "电话通知", "+86 1"), 1, False, en)["phone"] == "+86 1"
    assert door_view(_line("H2", "Ring twice", "+86 2"), 1, False, en)["phone"] == ""


def _stop(k: int, trip: int | None = None) -> dict[str, Any]:
    stop: dict[str, Any] = {
        "stop_id": f"S{k}",
        "household_ids": [f"H{k}"],
        "lon": 24.94 + k * 1e-3,
        "lat": 60.17,
        "arrival": f"10:{k:02d}:00",
        "departure": f"10:{k:02d}:30",
        "load": 2.0,
        "eta_window": [f"09:{k:02d}:00", f"10:{k + 30:02d}:00"],
        "lines": [_line(f"H{k}")],
    }
    if trip is not None:
        stop.update(kind="delivery", trip=trip)
    return stop


def _route(stops: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "volunteer_id": "V1",
        "name": "Volunteer 1",
        "mode": "bike",
        "depot_id": "D1",
        "depot_name": "Community hall",
        "start": {"lon": 24.93, "lat": 60.17, "departure": "09:30:00"},
        "stops": stops,
        "end": {"lon": 24.93, "lat": 60.17, "arrival": "12:00:00"},
        "distance_m": 5000,
        "duration_s": 9000,
        "load_kg": 12.0,
    }


RELOAD = {
    "kind": "reload",
    "trip": 2,
    "depot_id": "D1",
    "arrival": "10:40:00",
    "departure": "10:45:00",
    "on_board_after_kg": 8.0,
}


def test_a_multi_trip_run_has_one_section_per_trip() -> None:
    """A reload starts trip 2, numbered on from trip 1, loaded at the depot it names."""
    stops = [_stop(k, 1) for k in range(1, 7)] + [RELOAD] + [_stop(k, 2) for k in range(7, 11)]
    route = _route(stops)
    trips = trips_of(route)
    assert [(t.number, t.first, t.last, t.doors) for t in trips] == [(1, 1, 6, 6), (2, 7, 10, 4)]
    assert trips[0].back == "10:40:00" and trips[1].leaves == "10:45:00"
    doc = {"date": "2026-11-25", "depots": [{"depot_id": "D1", "name": "Community hall"}]}
    html = manifest_html(doc, route, None)
    assert html.count('class="trip"') == 2
    at = Lang().time
    assert (
        f"Trip 2: back at Community hall by {at('10:40')}, load 4 bags (8.0 kg) for stops 7–10."
    ) in html
    assert f"Trip 1: pick up at Community hall, leave by {at('09:30')} with 6 bags" in html
    assert trip_times(route, Lang()) == [
        f"Trip 1 {at('09:30')}–{at('10:40')}, stops 1–6",
        f"Trip 2 {at('10:45')}–{at('12:00')}, stops 7–10",
    ]


def test_stops_without_trip_fields_are_one_trip() -> None:
    """A plan written before trips existed reads as one trip of deliveries, without a number."""
    route = _route([_stop(k) for k in range(1, 4)])
    assert [(t.number, t.first, t.last) for t in trips_of(route)] == [(1, 1, 3)]
    html = manifest_html({"date": "2026-11-25"}, route, None)
    assert html.count('class="trip"') == 1 and "Trip 1" not in html
    at = Lang().time
    assert (
        f"Pick up at Community hall, leave by {at('09:30')} with 3 bags (6.0 kg) for stops 1–3."
    ) in html


def test_markers_never_overlap() -> None:
    """Coincident and crowded markers are spread until no two are closer than their size."""
    rng = random.Random(5)
    crowds = [
        [(200.0, 150.0)] * 12,
        [(rng.uniform(0, 640), rng.uniform(0, 420)) for _ in range(80)],
        [(rng.gauss(320, 15), rng.gauss(210, 15)) for _ in range(30)],
        [(3.0, 3.0)] * 6,
    ]
    for points in crowds:
        placed = spread(points, 10.0, 640, 420)
        for a, b in itertools.combinations(placed, 2):
            assert math.dist(a, b) >= 20.0
        assert all(10 <= x <= 630 and 10 <= y <= 410 for x, y in placed)


def test_close_pairs_are_every_pair_closer_than_the_gap_in_scan_order() -> None:
    """The k-d tree's pairs are exactly those of an all-pairs scan, in its order, with
    coincident points and crowds larger than the first neighbour count asked for."""
    rng = random.Random(11)
    for trial in range(200):
        n, gap = rng.randrange(0, 60), rng.uniform(1, 30)
        points = [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(n)]
        points[: min(n, 12)] = [(50.0, 50.0)] * min(n, 12)
        scan = [(i, j) for i in range(n) for j in range(i) if math.dist(points[i], points[j]) < gap]
        assert _close_pairs(points, gap) == scan, trial


def test_sheet_prints_page_numbers_name_and_date_in_both_languages() -> None:
    """The sheet's @page rules put the name, the date and "Page n of m" on every page."""
    route = _route([_stop(1)])
    en = manifest_html({"date": "2026-11-25"}, route, None)
    assert re.search(r'@top-right\{content:"Page " counter\(page\) " of " counter\(pages\)', en)
    assert '@top-left{content:"Volunteer 1 · November 25, 2026"' in en
    zh = manifest_html({"date": "2026-11-25"}, route, None, Lang("zh_CN"))
    assert 'counter(page) " 页，共 " counter(pages) " 页"' in zh


def test_tiles_are_placed_where_their_area_is() -> None:
    """With a tile template, the tile holding a marker's position is drawn under it, at the
    zoom of the map's scale; without one, no tile is requested."""
    lon, lat = 116.3184, 39.9975
    markers = [Marker(lon, lat, "P"), Marker(lon + 0.004, lat - 0.003, "1")]
    svg = route_svg([], [], markers, tiles="https://t.example/{z}/{x}/{y}.png")
    tiles = re.findall(
        r'href="https://t.example/(\d+)/(\d+)/(\d+).png" x="([-\d.]+)" y="([-\d.]+)" '
        r'width="([\d.]+)"',
        svg,
    )
    assert tiles
    z = int(tiles[0][0])
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    hit = [t for t in tiles if (int(t[1]), int(t[2])) == (x, y)]
    assert len(hit) == 1
    frame = Frame.fit([(m.lon, m.lat) for m in markers], 640, 420)
    px, py = frame.px(lon, lat)
    left, top, size = float(hit[0][3]), float(hit[0][4]), float(hit[0][5])
    assert left <= px <= left + size and top <= py <= top + size
    assert 14 <= z <= 18
    assert "<image" not in route_svg([], [], markers)


def test_only_the_streets_in_view_are_drawn() -> None:
    """A street crossing the map's area is drawn, one far away is not (a city's worth of
    streets costs a small map nothing)."""
    lon, lat = 116.3184, 39.9975
    near = [(lon - 0.01, lat), (lon + 0.01, lat + 0.001)]
    far = [(lon + 0.5, lat), (lon + 0.51, lat)]
    svg = route_svg([near, far], [], [Marker(lon, lat, "P"), Marker(lon + 0.003, lat, "1")])
    drawn = re.search(r'<path class="street" d="([^"]+)"', svg)
    assert drawn and drawn[1].count("M") == 1
    assert Streets.of([near, far]).within(*Frame.fit([(lon, lat)], 640, 420).bounds()) == [near]


def test_a_volunteer_leaving_home_empty_loads_at_the_first_reload() -> None:
    """A run that starts with a reload (leaving home empty) loads trip 1 at that depot."""
    first = {**RELOAD, "trip": 1, "depot_name": "Library", "lon": 24.95, "lat": 60.18}
    route = {**_route([first, *(_stop(k, 1) for k in range(1, 4))]), "depot_name": ""}
    (trip,) = trips_of(route)
    assert trip.reload == first and trip.leaves == "10:45:00" and trip.doors == 3
    html = manifest_html({"date": "2026-11-25"}, route, None)
    at = Lang().time
    assert f"Pick up at Library, leave by {at('10:45')} with 3 bags (6.0 kg) for stops 1–3." in html
    assert html.count('data-label="P"') == 1


def test_the_overview_map_is_drawn_only_when_it_has_a_run_or_a_positioned_household() -> None:
    """No run and no unserved household with a position (a day nobody is due on): no map;
    one unserved household with a position, or one run: a map."""
    lost = {"household_id": "H1", "lon": None, "lat": None}
    placed = {"household_id": "H2", "lon": 24.94, "lat": 60.17}
    assert not has_places({"routes": [], "unassigned": []})
    assert not has_places({"routes": [], "unassigned": [lost]})
    assert has_places({"routes": [], "unassigned": [lost, placed]})
    assert has_places({"routes": [{"volunteer_id": "V1", "stops": []}], "unassigned": []})
