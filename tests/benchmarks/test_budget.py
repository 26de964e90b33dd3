"""``benchmarks.budget --command``: one ``doorstep solve`` process per run, and its summary."""

from __future__ import annotations

from pathlib import Path

from benchmarks import budget
from tests.benchmarks.test_quality_smoke import _solomon_text


def test_a_command_run_reports_the_plan_the_wall_time_and_a_silent_standard_error(
    tmp_path: Path,
) -> None:
    """Two workers, as a user runs it: every customer served, the plan checked, the
    process's wall time covering the call's, and nothing on standard error (where a
    worker pool left behind was reported as leaked semaphores)."""
    path = tmp_path / "TINY1.txt"
    path.write_text(_solomon_text(12, seed=5), encoding="utf-8")
    run = budget.run_command(path, 0.5, workers=2)
    assert run["status"] == 0
    assert run["feasible"] is True and run["unassigned"] == []
    assert run["instance"] == "TINY1" and float(run["cost"]) > 0  # type: ignore[arg-type]
    assert float(run["wall"]) >= float(run["seconds"])  # type: ignore[arg-type]
    assert run["stderr"] == []


def _run(instance: str, workers: int, cost: float, **more: object) -> dict[str, object]:
    run: dict[str, object] = dict(
        instance=instance, limit=1.0, round=0, workers=workers, cost=cost, feasible=True,
        unassigned=[], wall=1.5, stderr=[],
    )  # fmt: skip
    run.update(more)
    return run


def test_the_summary_pairs_each_run_with_the_first_worker_count_on_the_same_instance() -> None:
    """Cost ratios per instance and round against the first worker count's plan; runs
    with a customer left out or a rejected plan are counted apart, not averaged."""
    runs = [
        _run("A", 1, 100.0),
        _run("A", 2, 95.0, wall=1.7, stderr=["warning"]),
        _run("B", 1, 200.0),
        _run("B", 2, 210.0, wall=1.9),
        _run("C", 1, 50.0),
        _run("C", 2, 10.0, unassigned=["c7"]),
    ]
    one, two = budget.command_summary(runs, [1, 2])
    assert one.startswith("workers=1 runs=3 all_served_and_checked=3 cost_vs_workers_1=1.0000")
    assert "workers=2 runs=3 all_served_and_checked=2 " in two
    assert "cost_vs_workers_1=1.0000 (0.9500-1.0500)" in two
    assert "wall_s=1.50/1.70/1.90" in two and two.endswith("stderr_runs=1")
