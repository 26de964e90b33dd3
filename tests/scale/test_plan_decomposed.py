"""`doorstep plan` of a large area by parts: the plan is whole, checked and written as usual."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from api.cli.plan import EXIT_OK, EXIT_UNSERVED, plan_and_print
from api.demo.data import DEMO_DATE, generate, helsinki_map
from api.plan.ledger import read_ledger
from api.plan.request import PlanRequest


def test_a_plan_above_the_threshold_is_solved_by_parts_on_two_processes(tmp_path: Path) -> None:
    """80 households over a threshold of 30: parts on 2 processes, every household accounted."""
    hh, vol, dep = generate(tmp_path / "in", households=80, volunteers=8, seed=11)
    ledger = read_ledger(hh, vol, dep)
    request = PlanRequest(
        ledger=ledger, date=DEMO_DATE, time_limit=4.0, workers=2, decompose_above=30
    )
    buffer = io.StringIO()
    code = plan_and_print(
        request, helsinki_map(), tmp_path / "out", Console(file=buffer, width=120)
    )
    assert code in (EXIT_OK, EXIT_UNSERVED), buffer.getvalue()
    assert "decomposed into parts" in buffer.getvalue()
    doc = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["solver_status"].startswith("decomposed into")
    on_runs = [h for r in doc["routes"] for s in r["stops"] for h in s["household_ids"]]
    unserved = {u["household_id"] for u in doc["unassigned"]}
    assert len(on_runs) == len(set(on_runs)) == doc["summary"]["households_served"] > 0
    assert not set(on_runs) & unserved
    assert len(unserved) == doc["summary"]["households_unassigned"]
