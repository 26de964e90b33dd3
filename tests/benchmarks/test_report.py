"""Summary arithmetic of the quality harness on hand-made results."""

from __future__ import annotations

from benchmarks.quality import RunResult
from benchmarks.report import markdown, per_instance
from benchmarks.spread import spread_table


def _row(instance: str, solver: str, cost: float | None, seed: int = 0) -> RunResult:
    return RunResult(
        set="solomon",
        instance=instance,
        locations=101,
        solver=solver,
        seed=seed,
        time_limit=1.0,
        cost=None if cost is None else int(cost * 10),
        customary_cost=cost,
        bks=100.0,
        gap_pct=None if cost is None else cost - 100.0,
        vehicles=3,
        unassigned=0,
        violations=0 if cost is not None else 1,
        feasible=cost is not None,
        seconds=1.0,
        cpu_seconds=0.5,
        error="" if cost is not None else "checker: late",
    )


def test_seed_failure_fails_the_instance() -> None:
    """An instance counts as solved only when every seed of the solver was feasible."""
    rows = [_row("A", "x", 101.0, 0), _row("A", "x", None, 1), _row("B", "x", 102.0, 0)]
    costs = per_instance(rows)
    assert costs["x"] == {"A": None, "B": 102.0}


def test_ratios_wins_and_gaps() -> None:
    """Ratios, wins/ties/losses and gaps are taken over commonly solved instances."""
    rows = [
        _row("A", "us", 110.0),
        _row("A", "them", 100.0),
        _row("B", "us", 100.0),
        _row("B", "them", 100.0),
        _row("C", "us", 90.0),
        _row("C", "them", None),
    ]
    table = markdown(rows, ["us", "them"])
    assert "| us | 3 | 0 | 3 | 0.00 |" in table  # gaps +10, 0, -10
    assert "| them | 3 | 1 | 2 | 0.00 |" in table
    assert "| us / them | 2 | 1.0500 | 0 / 1 / 1 |" in table
    assert "| 1.00 | 0.50 |" in table  # mean seconds, CPU share
    assert "C them seed 0: checker: late" in table


def test_spread_of_identical_runs_is_zero() -> None:
    """Two identical runs show no cost change and equal ratios."""
    rows = [_row("A", "us", 110.0), _row("A", "them", 100.0)]
    table = spread_table(rows, rows)
    assert "| us | 1 | 0.00 | 0.00 |" in table
    assert "| us / them | 1.1000 | 1.1000 |" in table
