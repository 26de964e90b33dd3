"""Smoke run of the shortage-day benchmark (with and without reloads), so it cannot rot."""

from __future__ import annotations

from pathlib import Path

from benchmarks import day_trips


def test_shortage_day_with_and_without_reloads(tmp_path: Path, capsys) -> None:
    """A small shortage ledger planned both ways: two rows read back, trips within their
    loads and meal rides within their limit, and the table."""
    out = tmp_path / "trips.csv"
    args = ["--seeds", "1", "--households", "30", "--volunteers", "2", "--budget", "60"]
    assert day_trips.main([*args, "--effort", "20", "--out", str(out)]) == 0
    table = capsys.readouterr().out
    rows = day_trips.read_csv(out)
    assert [r.reloads for r in rows] == [True, False]
    for r in rows:
        assert r.served + r.unserved == r.households_due > 0
        assert 0 < r.worst_trip_load <= 1.0 and r.worst_meal_ride <= 1.0
    with_reloads, single = rows
    assert single.trips == single.volunteers_called and with_reloads.served >= single.served
    assert "With reloads:" in table and "Without reloads:" in table
