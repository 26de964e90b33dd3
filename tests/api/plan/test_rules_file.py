"""Day rules a coordinator sets: the rules file, a request's rules, and what they change."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from api.demo.data import DEMO_DATE
from api.errors import classify
from api.i18n import Lang
from api.plan.rules import DayRules
from api.plan.rules_file import (
    KINDS,
    REQUEST_RULES,
    RulesError,
    read_rules,
    rules_document,
    rules_from_mapping,
)
from api.plan.travel import StreetTravel
from geo.addresses import Building
from tests.api.plan.day_plans import cluster_ledger, plan, walker


def test_every_day_rule_is_settable() -> None:
    """Each field of DayRules has a reader, and the defaults read back as themselves."""
    assert set(KINDS) == {f.name for f in fields(DayRules)}
    assert rules_from_mapping(rules_document(DayRules())) == DayRules()


def test_rules_file_sets_values_as_a_coordinator_writes_them(tmp_path: Path) -> None:
    """Windows, clock times (text or TOML time), kg, seconds, minutes and flags are read."""
    path = tmp_path / "rules.toml"
    path.write_text(
        'meal_window = "10:00-17:00"\n'
        "priority_deadline = 11:30:00\n"
        "meal_kg_per_resident = 1.5\n"
        "door_drop_s = 45\n"
        "meal_max_minutes = 45\n"
        "reload_minutes = 8\n"
        'reloads = "no"\n',
        encoding="utf-8",
    )
    rules = read_rules(path)
    assert rules.meal_window == (10 * 3600, 17 * 3600)
    assert rules.priority_deadline == 11 * 3600 + 1800
    assert rules.meal_kg_per_resident == 1.5 and rules.door_drop_s == 45
    assert rules.meal_max_minutes == 45 and rules.reload_minutes == 8
    assert rules.reloads is False
    assert rules.day_window == DayRules().day_window  # not given: default kept


def test_bad_rules_name_file_key_and_value(tmp_path: Path) -> None:
    """Every unknown key and bad value is listed at once, with file, key and value."""
    path = tmp_path / "rules.toml"
    path.write_text(
        'meal_window = "13:00-10:00"\nmeal_windows = "x"\ndoor_drop_s = -5\nreloads = 3\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as err:
        read_rules(path)
    body = classify(err.value)
    assert body.code == "INVALID_RULES" and body.kind.exit_status == 4
    by_field = {d.field: d for d in body.details}
    assert set(by_field) == {"meal_window", "meal_windows", "door_drop_s", "reloads"}
    assert all(d.record == str(path) for d in body.details)
    assert "13:00-10:00" in by_field["meal_window"].problem
    assert "-5" in by_field["door_drop_s"].problem
    assert "unknown rule" in by_field["meal_windows"].problem


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    """A rules file that is not TOML is an INVALID_RULES error naming the file and line."""
    path = tmp_path / "rules.toml"
    path.write_text("meal_window = 10:00-13:00 oops\n", encoding="utf-8")
    with pytest.raises(RulesError) as err:
        read_rules(path)
    (detail,) = err.value.details
    assert detail.record == str(path) and detail.field == "file" and "line 1" in detail.problem


def test_request_rules_are_named_as_such() -> None:
    """A request's rules object is checked the same way, its record named 'request rules'."""
    with pytest.raises(RulesError) as err:
        rules_from_mapping({"meal_max_minutes": "soon"})
    (detail,) = err.value.details
    assert (detail.record, detail.field) == (REQUEST_RULES, "meal_max_minutes")
    assert "soon" in detail.problem


def test_afternoon_households_served_when_the_rules_say_so(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """Households asking for 14:00-17:00 miss the default meal window (10:00-13:00) and are
    served by an afternoon walker once the rules widen the meal window."""
    ledger = cluster_ledger(
        buildings, 6, (walker("pm", hours=(13, 18)),), window=(14 * 3600, 17 * 3600)
    )
    fixed = plan(ledger, DEMO_DATE, travel=travel, effort=20, geometry=False)
    assert {i.reason for i in fixed.issues} == {"NO_TIME_WINDOW"}
    assert not fixed.solution.routes
    rules = rules_from_mapping({"meal_window": "10:00-17:00"})
    widened = plan(ledger, DEMO_DATE, travel=travel, effort=20, geometry=False, rules=rules)
    assert not widened.issues
    served = [h for s in widened.selection.stops for h in s.household_ids]
    assert len(served) == 6 and [r.vehicle_id for r in widened.solution.routes] == ["pm"]


def test_rules_errors_read_in_chinese(tmp_path: Path) -> None:
    """A bad rules file's sentences come from the catalogs: in zh-CN the head, the range and
    the unknown key read in Chinese, key names and values stay as written."""
    path = tmp_path / "rules.toml"
    path.write_text("door_drop_s = -5\nmeal_windows = 1\n", encoding="utf-8")
    with pytest.raises(RulesError) as err:
        read_rules(path)
    text = classify(err.value).text(Lang("zh_CN"))
    assert "日程规则中有 2 个问题" in text
    assert "-5 超出范围：秒 应在 0 到 3600 之间" in text
    assert "未知规则 'meal_windows'" in text
    assert "problem" not in text and "out of range" not in text


def test_retry_and_unattended_rules_read_and_bounded() -> None:
    """retry_delay_minutes, retries and unattended_by read as written; a retry count out of
    range is named by key."""
    rules = rules_from_mapping(
        {"retry_delay_minutes": 45, "retries": "2", "unattended_by": "16:30"}
    )
    assert (rules.retry_delay_minutes, rules.retries, rules.unattended_by) == (45, 2, 59400)
    with pytest.raises(RulesError) as caught:
        rules_from_mapping({"retries": 50})
    assert [d.field for d in caught.value.details] == ["retries"]
