"""Smoke run of the end-to-end day benchmark on a tiny neighbourhood, so it cannot rot."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks import day


def test_day_plans_checks_and_tabulates(tmp_path: Path, capsys) -> None:
    """20 households on the Helsinki streets at two short budgets: rows, ratios and table."""
    out = tmp_path / "day.csv"
    args = ["--sizes", "20", "--budgets", "0.5,1", "--workers", "1", "--out", str(out)]
    assert day.main(args) == 0
    table = capsys.readouterr().out
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["budget_s"]) for r in rows] == [0.5, 1.0]
    for r in rows:
        assert int(r["households"]) == 20 and int(r["volunteers"]) == 4
        assert int(r["served_stops"]) + int(r["unassigned_stops"]) == int(r["stops"])
        assert int(r["served_stops"]) > 0
    assert float(rows[-1]["cost_vs_longest"]) == 1.0
    assert int(rows[-1]["served_vs_longest"]) == 0
    assert day.read_csv(out)[0].stops == int(rows[0]["stops"])
    assert "| 20 | 4 |" in table


def test_small_team_keeps_the_mode_mix(tmp_path: Path) -> None:
    """A team smaller than the generator's mode cycle still walks, cycles and drives."""
    path = tmp_path / "volunteers.csv"
    cycle = ["walk"] * 8 + ["bike"] * 6 + ["ebike"] * 3 + ["drive"] * 3
    path.write_text("volunteer_id,mode\n" + "".join(f"V{i},{m}\n" for i, m in enumerate(cycle)))
    day._mixed_subset(path, 7)
    with path.open(newline="") as fh:
        modes = [r["mode"] for r in csv.DictReader(fh)]
    assert len(modes) == 7
    assert {"walk", "bike", "ebike", "drive"} <= set(modes)
