"""Instance readers: Solomon and VRPLIB files become problems with each family's costs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from api.instances import (
    InstanceFormatError,
    InstanceKind,
    generate_vrptw,
    read_instance,
    read_solomon,
    read_vrplib,
    read_vrplib_solution,
    rounded_euclidean,
    truncated_x10,
)
from api.settings import data_dir

SOLOMON_TINY = (
    "TINY\r\n\r\nVEHICLE\r\nNUMBER     CAPACITY\r\n  2         50\r\n\r\nCUSTOMER\r\n"
    "CUST NO.   XCOORD.   YCOORD.    DEMAND   READY TIME   DUE DATE   SERVICE TIME\r\n \r\n"
    "    0          0       0            0       0         100           0\r\n"
    "    1          3       4           10      10          20           5\r\n"
    "    2          1       1           20       0          50           2\r\n"
)

VRPLIB_TINY = (
    "NAME : tiny-k1\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n"
    "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 1 1\n"
    "DEMAND_SECTION\n1 0\n2 4\n3 5\n"
    "DEPOT_SECTION\n 1\n -1\nEOF\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def _shared(sub: str, name: str) -> Path:
    path = data_dir() / sub / name
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path} (set DOORSTEP_DATA)")
    return path


def test_solomon_hand_case_follows_truncated_x10_convention(tmp_path: Path) -> None:
    """A tiny CRLF Solomon file: distances are floor(10 x Euclidean), times scaled by 10."""
    inst = read_solomon(_write(tmp_path, "tiny.txt", SOLOMON_TINY))
    p = inst.problem
    d = p.profiles[0].distances
    assert d[0, 1] == 50  # 3-4-5 triangle: exactly 5.0 -> 50
    assert d[0, 2] == 14  # sqrt(2) = 1.414... -> 14.14 truncated to 14
    assert d[1, 2] == 36  # sqrt(13) = 3.605... -> 36.05 truncated to 36
    assert np.array_equal(p.profiles[0].durations, d)
    assert [s.id for s in p.stops] == ["1", "2"]
    assert p.stops[0].windows == ((100, 200),) and p.stops[0].service == 50
    assert len(p.vehicles) == 2 and p.vehicles[0].capacity == (50,)
    assert p.vehicles[0].shift == (0, 1000)
    assert inst.route_cost([[1, 2]]) == 50 + 36 + 14
    assert inst.customary_cost(1001) == 100.1
    assert inst.kind is InstanceKind.SOLOMON


def test_truncation_is_exact_on_integer_coordinates() -> None:
    """The integer square root never truncates a pair the wrong way (checked with isqrt)."""
    rng = np.random.default_rng(3)
    coords = rng.integers(0, 1000, size=(60, 2)).astype(np.float64)
    m = truncated_x10(coords)
    for a in range(60):
        for b in range(60):
            dx, dy = coords[a] - coords[b]
            assert m[a, b] == math.isqrt(int(100 * (dx * dx + dy * dy)))


def test_vrplib_hand_case_rounds_each_arc(tmp_path: Path) -> None:
    """A tiny VRPLIB file: ids are node numbers and each arc is rounded to nearest."""
    inst = read_vrplib(_write(tmp_path, "tiny.vrp", VRPLIB_TINY))
    assert [s.id for s in inst.problem.stops] == ["2", "3"]
    assert inst.node_ids == (1, 2, 3)
    assert inst.route_cost([[2, 3]]) == 5 + 4 + 1  # 5.0, sqrt(13)=3.61 -> 4, 1.41 -> 1
    assert inst.customary_cost(10) == 10
    assert np.array_equal(rounded_euclidean(inst.coords), inst.problem.profiles[0].distances)


def test_cvrplib_solution_reproduces_file_cost() -> None:
    """The X-n101-k25 BKS routes evaluated with our distances give the file's 27591."""
    vrp = _shared("cvrplib-x", "X-n101-k25.vrp")
    inst = read_instance(vrp)
    routes, cost = read_vrplib_solution(vrp.with_suffix(".sol"))
    assert cost == 27591
    assert inst.route_cost(routes) == 27591
    served = sorted(c for r in routes for c in r)
    assert served == sorted(int(s.id) for s in inst.problem.stops)
    assert len(routes) == 26 <= len(inst.problem.vehicles)
    cap = inst.problem.vehicles[0].capacity[0]
    demand = {s.id: s.demand[0] for s in inst.problem.stops}
    assert all(sum(demand[str(c)] for c in r) <= cap for r in routes)


def test_cvrp_fleet_admits_bks_route_count() -> None:
    """X files: K from the name plus a margin (25 + 3 + 1) admits the 26 BKS routes."""
    inst = read_instance(_shared("cvrplib-x", "X-n101-k25.vrp"))
    assert len(inst.problem.vehicles) == 29


def test_real_solomon_file_parses() -> None:
    """R101 (CRLF): 100 customers, 25 vehicles of 200, depot open 0-230 (x10 = 2300)."""
    inst = read_instance(_shared("solomon", "R101.txt"))
    p = inst.problem
    assert inst.name == "R101" and len(p.stops) == 100 and len(p.vehicles) == 25
    assert p.vehicles[0].capacity == (200,) and p.vehicles[0].shift == (0, 2300)
    assert p.stops[0].windows == ((1610, 1710),) and p.stops[0].service == 100


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (SOLOMON_TINY.replace("  2         50", "  2         x"), 5, "CAPACITY"),
        (SOLOMON_TINY.replace("10      10          20", "10      30          20"), 11, "DUE DATE"),
        (SOLOMON_TINY.replace("20       0          50           2", "20  0"), 12, "CUSTOMER"),
        (SOLOMON_TINY.replace("   10      10", "  -10      10"), 11, "DEMAND"),
        (SOLOMON_TINY.replace("    2          1", "    1          1"), 12, "CUST NO."),
        (SOLOMON_TINY.replace("VEHICLE\r", "VEHICLES_X\r"), None, "VEHICLE"),
    ],
)
def test_malformed_solomon_names_line_and_field(
    tmp_path: Path, text: str, line: int | None, field: str
) -> None:
    """Each malformed Solomon file raises an error naming its line and field."""
    path = _write(tmp_path, "bad.txt", text)
    with pytest.raises(InstanceFormatError) as info:
        read_solomon(path)
    assert (info.value.line, info.value.field) == (line, field)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        (VRPLIB_TINY.replace("EUC_2D", "GEO"), 4, "EDGE_WEIGHT_TYPE"),
        (VRPLIB_TINY.replace("3 1 1\n", "3 1\n"), 9, "NODE_COORD_SECTION"),
        (VRPLIB_TINY.replace("3 5\n", "3 -5\n"), 13, "DEMAND_SECTION demand"),
        (VRPLIB_TINY.replace("CAPACITY : 10\n", ""), None, "CAPACITY"),
        (VRPLIB_TINY.replace("DEMAND_SECTION", "TIME_WINDOW_SECTION"), 10, "TIME_WINDOW_SECTION"),
    ],
)
def test_malformed_vrplib_names_line_and_field(
    tmp_path: Path, text: str, line: int | None, field: str
) -> None:
    """Each malformed VRPLIB file raises an error naming its line and field."""
    with pytest.raises(InstanceFormatError) as info:
        read_vrplib(_write(tmp_path, "bad.vrp", text))
    assert (info.value.line, info.value.field) == (line, field)


def test_missing_file_is_named(tmp_path: Path) -> None:
    """A missing file raises InstanceFormatError naming the path."""
    with pytest.raises(InstanceFormatError, match="file not found"):
        read_instance(tmp_path / "nope.txt")


def test_generated_instance_is_deterministic_and_reachable() -> None:
    """Same seed, same instance; every window is reachable from the depot and back."""
    a, b = generate_vrptw(99, seed=4), generate_vrptw(99, seed=4)
    assert np.array_equal(a.coords, b.coords)
    p = a.problem
    d = p.profiles[0].durations
    opens, closes = p.vehicles[0].shift
    assert (opens, closes) == (8 * 3600, 18 * 3600)
    for s in p.stops:
        ((_, hi),) = s.windows
        assert opens + d[0, s.location] <= hi and hi + s.service + d[s.location, 0] <= closes


def test_generated_impossible_customers_are_diagnosed() -> None:
    """Customers 100 and 200 of a generated instance are impossible for the stated reasons."""
    from solver import Reason
    from solver.diagnose import diagnose

    p = generate_vrptw(200, seed=1).problem
    index = p.stop_index()
    reasons = [u.reason for u in diagnose(p, [index["100"], index["200"]], [])]
    assert reasons == [Reason.DEMAND_EXCEEDS_CAPACITY, Reason.TIME_WINDOW_UNREACHABLE]
    others = [i for i, s in enumerate(p.stops) if s.id not in ("100", "200")]
    assert {u.reason for u in diagnose(p, others, [])} == {Reason.FLEET_EXHAUSTED}
