"""The day-as-a-user-plans-it table: runs read together, codes pooled, the median's interval."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pytest

from benchmarks import day_cli


def _row(code: str, budget: float, seed: int, cost: int) -> dict[str, object]:
    """A CSV row of one 300-household plan with the given cost."""
    return {
        "code": code, "households": 300, "stops": 161, "budget_s": budget, "seed": seed,
        "wall_s": budget - 0.2, "cpu_s": 2 * budget, "start_s": 0.9, "map_s": 0.01,
        "stages_s": budget - 1.3, "solve_s": budget - 1.5, "cost": cost,
        "served_households": 223, "unserved_households": 1, "balance_met": True,
        "longest_over_mean": 1.7, "most_stops_over_mean": 1.9,
    }  # fmt: skip


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=day_cli.FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_interval_is_the_exact_ratio_when_no_draw_can_move_it() -> None:
    assert day_cli.median_ratio_interval([101] * 5, [100] * 7) == (1.01, 1.01)


def test_the_interval_holds_the_median_ratio_and_is_the_same_on_every_call() -> None:
    costs = [12213, 12281, 12302, 12333, 12357, 12418, 12441, 12470, 12502, 12559]
    longest = [12217, 12233, 12297, 12307, 12324, 12380]
    low, high = day_cli.median_ratio_interval(costs, longest)
    point = statistics.median(costs) / statistics.median(longest)
    assert low < point < high
    assert min(costs) / max(longest) <= low and high <= max(costs) / min(longest)
    assert day_cli.median_ratio_interval(costs, longest) == (low, high)


def test_a_pool_renames_its_codes_and_leaves_the_others() -> None:
    rows = [{"code": "main@a"}, {"code": "main@b"}, {"code": "other@c"}]
    out = day_cli.pooled(rows, ["this=main@a,main@b"])
    assert [r["code"] for r in out] == ["this", "this", "other@c"]
    with pytest.raises(ValueError, match="LABEL=CODE"):
        day_cli.pooled(rows, ["main@a"])


def test_runs_read_together_give_one_row_per_pooled_code(tmp_path: Path, capsys) -> None:
    mine_first = [_row("main@a", 5.0, 0, 12400), _row("main@a", 60.0, 0, 12300)]
    first = _write(tmp_path / "a.csv", [*mine_first, _row("main@old", 5.0, 0, 12600)])
    second = _write(
        tmp_path / "b.csv", [_row("main@b", 5.0, s, c) for s, c in enumerate([12500, 12700])]
    )
    args = ["--from-csv", str(first), str(second), "--pool", "this=main@a,main@b"]
    assert day_cli.main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    five = [line for line in lines if "| 300 | 161 | 5 |" in line]
    assert len(five) == 2
    mine = next(line for line in five if line.startswith("| this "))
    # Three plans (12,400, 12,500, 12,700) against the one 60 s plan (12,300).
    assert "| 3 |" in mine and "1.0081 / 1.0163 / 1.0325" in mine
    old = next(line for line in five if line.startswith("| main@old "))
    assert "| 1.0244 / 1.0244 / 1.0244 |" in old and old.endswith("| 1.0244-1.0244 |")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-csv", "{csv}", "--pool", "main@a"], "expected LABEL=CODE,CODE"),
        (["--pool", "this=main@a"], "give them with --from-csv"),
    ],
)
def test_a_pool_without_its_parts_is_a_usage_error(
    tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    path = _write(tmp_path / "a.csv", [_row("main@a", 5.0, 0, 12400)])
    with pytest.raises(SystemExit) as stop:
        day_cli.main([a.format(csv=path) for a in args])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_plans_run_seed_by_seed_with_every_budget_and_code_in_turn() -> None:
    order = day_cli.run_order(3, [5.0, 60.0], ["main", "other"])
    assert len(order) == len(set(order)) == 3 * 2 * 2
    assert [seed for seed, _, _ in order] == sorted(seed for seed, _, _ in order)
    for seed in range(3):  # each seed's plans: every budget, every code at each, in turn
        assert [(b, c) for s, b, c in order if s == seed] == [
            (5.0, "main"), (5.0, "other"), (60.0, "main"), (60.0, "other")
        ]  # fmt: skip
