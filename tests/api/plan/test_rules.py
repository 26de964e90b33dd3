"""The day rules, one function each: windows, service times, priorities, deadlines."""

from __future__ import annotations

import datetime as dt

from api.plan.ledger import Household
from api.plan.rules import (
    DayRules,
    Item,
    base_window,
    deadline_of,
    items_due,
    priority_of,
    service_seconds,
)

RULES = DayRules()


def _household(**kw: object) -> Household:
    base: dict[str, object] = {
        "household_id": "h",
        "lon": 24.94,
        "lat": 60.17,
        "address": "",
        "residents": 2,
        "observation_start": dt.date(2026, 11, 20),
        "observation_end": dt.date(2026, 12, 3),
        "needs": frozenset({"meals", "groceries", "medicine"}),
    }
    base.update(kw)
    return Household(**base)  # type: ignore[arg-type]


def test_meals_take_the_meal_window_else_the_day_window() -> None:
    """A stop with meals on board is served in the meal window; otherwise the day window."""
    assert base_window([Item("meals", "x", 1.0)], RULES) == RULES.meal_window
    assert base_window([Item("groceries", "x", 1.0)], RULES) == RULES.day_window


def test_service_time_of_a_house_and_of_flats() -> None:
    """A house: one drop per door; flats: entry, one drop per door and the climb."""
    assert service_seconds(RULES, in_building=False, doors=2, floors=5) == 2 * RULES.door_drop_s
    flats = RULES.building_entry_s + 3 * RULES.per_door_s + 4 * RULES.per_floor_s
    assert service_seconds(RULES, in_building=True, doors=3, floors=4) == flats


def test_priority_and_its_deadline() -> None:
    """Elderly alone and medical add up; the deadline binds only inside the window."""
    assert priority_of(_household(elderly_alone=True, medical_needs=True)) == 2
    assert priority_of(_household()) == 0
    assert deadline_of(0, RULES.day_window, RULES) is None
    assert deadline_of(1, RULES.day_window, RULES) == RULES.priority_deadline
    assert deadline_of(1, (8 * 3600, 11 * 3600), RULES) is None  # ends before noon


def test_rules_are_settable() -> None:
    """Groceries every day when the rules say so; on day 1 the default (every 3) gives none."""
    h = _household()
    day1 = dt.date(2026, 11, 21)
    assert "groceries" not in {i.kind for i in items_due(h, day1, RULES)}
    daily = DayRules(grocery_every_days=1, grocery_kg_per_resident=1.5)
    groceries = [i for i in items_due(h, day1, daily) if i.kind == "groceries"]
    assert [i.kg for i in groceries] == [3.0]
