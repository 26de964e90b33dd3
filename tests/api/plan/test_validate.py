"""Validate only: a plan.json mapped back onto its day, every broken rule named by code."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from api.cli import app
from api.cli.check import EXIT_VIOLATIONS
from api.demo.data import DEMO_DATE, generate
from api.outputs.document import deliveries, plan_document
from api.plan.result import PlanResult
from api.plan.validate import validate_plan
from geo.addresses import Building


def _codes(result: PlanResult, doc: dict[str, Any]) -> set[str]:
    return {v.code for v in validate_plan(result.problem, result.selection, doc)}


def test_the_plan_as_made_keeps_every_rule(small_plan: PlanResult) -> None:
    """The planner's own plan.json validates with no violation."""
    doc = plan_document(small_plan)
    assert validate_plan(small_plan.problem, small_plan.selection, doc) == []


def test_a_household_twice_or_missing_is_named(small_plan: PlanResult) -> None:
    """A delivery copied onto a second run is SERVED_TWICE; one deleted is MISSING."""
    doc = plan_document(small_plan)
    assert len(doc["routes"]) >= 2
    twice = copy.deepcopy(doc)
    twice["routes"][1]["stops"].append(copy.deepcopy(deliveries(twice["routes"][0])[0]))
    assert "SERVED_TWICE" in _codes(small_plan, twice)
    gone = copy.deepcopy(doc)
    first = deliveries(gone["routes"][0])[0]
    gone["routes"][0]["stops"].remove(first)
    found = validate_plan(small_plan.problem, small_plan.selection, gone)
    assert {v.record for v in found if v.code == "MISSING"} == {
        f"household {h!r}" for h in first["household_ids"]
    }


def test_every_delivery_on_one_run_breaks_its_limits(small_plan: PlanResult) -> None:
    """All deliveries on one volunteer: overloaded trips or late windows or a shift
    overrun, each named with the reason vocabulary; an unknown stop is named too."""
    doc = plan_document(small_plan)
    one = copy.deepcopy(doc)
    one["routes"][0]["stops"] = [s for r in doc["routes"] for s in deliveries(r)]
    one["routes"] = one["routes"][:1]
    one["routes"][0]["stops"].append({"kind": "delivery", "stop_id": "nowhere"})
    codes = _codes(small_plan, one)
    assert codes & {"DEMAND_EXCEEDS_CAPACITY", "TIME_WINDOW_UNREACHABLE", "ROUTE_LIMIT"}
    assert "UNKNOWN_STOP" in codes


def test_check_command_exit_statuses(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """``doorstep check`` exits 0 on the plan as made and 9 with the violations as JSON
    once a delivery is copied onto another run; the violations are told in the language
    asked, the JSON the same in each."""
    hh, vol, dep = generate(
        tmp_path / "in", buildings=buildings, households=20, volunteers=4, seed=5
    )
    day = ["--map", str(helsinki), "--households", str(hh), "--volunteers", str(vol)]
    day += ["--depots", str(dep), "--date", DEMO_DATE.isoformat()]
    out = tmp_path / "out"
    made = CliRunner().invoke(app, ["plan", *day, "--out", str(out), "--effort", "10"])
    assert made.exit_code in (0, 3), made.output
    ok = CliRunner().invoke(app, ["check", "--plan", str(out / "plan.json"), *day])
    assert ok.exit_code == 0, ok.output
    doc = json.loads((out / "plan.json").read_text())
    doc["routes"][-1]["stops"].append(deliveries(doc["routes"][0])[0])
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    bad = CliRunner().invoke(app, ["check", "--plan", str(tmp_path / "bad.json"), *day])
    assert bad.exit_code == EXIT_VIOLATIONS
    assert '"SERVED_TWICE"' in bad.stdout
    twice = deliveries(doc["routes"][0])[0]["household_ids"][0]
    assert f"household '{twice}': is delivered 2 times" in bad.stderr
    zh = CliRunner().invoke(
        app, ["check", "--plan", str(tmp_path / "bad.json"), *day, "--lang", "zh-CN"]
    )
    assert zh.exit_code == EXIT_VIOLATIONS and zh.stdout == bad.stdout
    assert f"住户 '{twice}'：被配送了 2 次" in zh.stderr and "处违规" in zh.stderr
    assert "is delivered" not in zh.stderr


def test_timed_violations_are_told_in_chinese_with_the_same_figures(
    small_plan: PlanResult,
) -> None:
    """All deliveries on one volunteer: each late, overloaded or over-long violation is
    told from the checker's facts, in Chinese with the same times, loads and limits as in
    English (kilograms, minutes), the run named as in English."""
    import re

    from api.i18n import Lang

    doc = plan_document(small_plan)
    one = copy.deepcopy(doc)
    one["routes"][0]["stops"] = [s for r in doc["routes"] for s in deliveries(r)]
    one["routes"] = one["routes"][:1]
    timed = {"DEMAND_EXCEEDS_CAPACITY", "TIME_WINDOW_UNREACHABLE", "ROUTE_LIMIT"}
    found = [
        v for v in validate_plan(small_plan.problem, small_plan.selection, one) if v.code in timed
    ]
    assert found
    zh = Lang("zh_CN")
    figures = re.compile(r"\d+(?:[:.]\d+)*")
    for v in found:
        said = zh.text(v.message)
        assert re.search(r"[\u4e00-\u9fff]", said), said
        assert figures.findall(said) and sorted(figures.findall(said)) == sorted(
            figures.findall(v.message)
        )
        assert v.record == f"run of {one['routes'][0]['volunteer_id']!r}"
    assert any("kg" in v.message for v in found if v.code == "DEMAND_EXCEEDS_CAPACITY")


def test_every_case_of_the_checker_has_its_sentence() -> None:
    """Every case the checker's facts name is told by the catalogs in English and Chinese
    with the same figures (durations in minutes, distances in km); facts of no case are
    left to the checker's sentence."""
    import re

    from api.i18n import Lang
    from api.plan.validate import BREACHES, breach_sentence
    from solver.check import check
    from tests.solver.test_check import CASES

    seen = set()
    for make, _ in CASES.values():
        for facts in check(*make()).facts:
            if not facts:
                continue
            said = breach_sentence(dict(facts))
            assert said is not None, facts
            seen.add(dict(facts)["case"])
            zh = Lang("zh_CN").text(said)
            assert re.search(r"[\u4e00-\u9fff]", zh) and "%(" not in said + zh
            digits = re.compile(r"\d+(?:[.:]\d+)*")
            assert sorted(digits.findall(zh)) == sorted(digits.findall(said)), (said, zh)
    assert seen >= {"late", "overloaded", "shift_end", "too_long", "too_far", "skills"}
    assert seen <= set(BREACHES) | {"overloaded"}
    assert breach_sentence({"vehicle": "v1"}) is None
