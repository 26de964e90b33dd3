"""The day rules: loads, windows, priorities and service times, in one settable object.

Every default lives in :class:`DayRules` and is documented in ``docs/INPUTS.md``; a plan
takes its rules from its request (:class:`api.plan.run.PlanRequest`), so a committee may
set its own. The functions here apply one rule each:

* a household is under observation on the date when
  ``observation_start <= date <= observation_end`` (both ends inclusive);
* needs become line items with a weight: meals every day for every resident, a grocery
  kit every ``grocery_every_days`` days counted from the first day of observation, medicine
  every ``medicine_every_days`` days and only by volunteers with the ``medicine`` skill;
* a stop carrying meals must be served inside the meal window, otherwise inside the day
  window; a household's own ``window`` narrows either;
* elderly-alone and medical households get a higher priority (served first when not
  everyone can be) and a soft morning deadline;
* service is contact-free: a door drop for a house, or entering a building, climbing and
  dropping at each door for flats;
* volunteers go out several times: back at their depot, loading again takes
  ``reload_minutes``; a stop carrying meals is reached at most ``meal_max_minutes`` after
  its load left the depot (``reloads=False``: one trip per volunteer).

A committee sets them in a rules file or a request's ``rules`` object
(:mod:`api.plan.rules_file`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from api.plan.ledger import Household

#: The skill (and line item kind) of medicine parcels.
MEDICINE = "medicine"
#: Priority above every priority of the day rules: urgent households of a re-plan and
#: households missed the day before.
TOP_PRIORITY = 3


@dataclass(frozen=True, slots=True)
class DayRules:
    """Defaults that turn needs into loads, windows, priorities and service times.

    Attributes
    ----------
    meal_kg_per_resident
        Weight of one resident's meals for a day (kg).
    grocery_kg_per_resident
        Weight of a grocery kit per resident (kg).
    grocery_every_days
        A kit is due on observation day 0, n, 2n, ... (days since ``observation_start``).
    medicine_kg
        Weight of a medicine parcel per household (kg).
    medicine_every_days
        Medicine is due on observation day 0, n, 2n, ...
    meal_window
        When stops carrying meals must be served, seconds after midnight.
    day_window
        When other stops may be served, seconds after midnight.
    priority_deadline
        Soft deadline (seconds after midnight) for elderly-alone and medical households.
    lateness_cost
        Cost per second past that deadline (same unit as a second of travel).
    door_drop_s
        Service at a house: ring, drop at the door, step back (s).
    building_entry_s
        Entering a building entrance (door code, stairwell) once per stop (s).
    per_door_s
        Each flat's drop inside a building (s).
    per_floor_s
        Climbing one floor, counted once per stop up to its highest floor (s).
    meal_max_minutes
        Longest time from leaving the depot (with that load) to serving a stop carrying
        meals (minutes; 0: no limit).
    reload_minutes
        Loading again at the depot between two trips (minutes).
    reloads
        Volunteers may come back to their depot and go out again (``False``: one trip each,
        ``--single-trip``).
    retry_delay_minutes
        A door not answered is tried again no earlier than this after the failure (minutes).
    retries
        Tries again after a door not answered; then the coordinator phones (escalation).
    unattended_by
        A household with no delivery by this time (s after midnight) is *unattended*.
    """

    meal_kg_per_resident: float = 1.0
    grocery_kg_per_resident: float = 2.0
    grocery_every_days: int = 3
    medicine_kg: float = 0.3
    medicine_every_days: int = 1
    meal_window: tuple[int, int] = (10 * 3600, 13 * 3600)
    day_window: tuple[int, int] = (8 * 3600, 20 * 3600)
    priority_deadline: int = 12 * 3600
    lateness_cost: int = 5
    door_drop_s: int = 60
    building_entry_s: int = 90
    per_door_s: int = 40
    per_floor_s: int = 15
    meal_max_minutes: int = 60
    reload_minutes: int = 5
    reloads: bool = True
    retry_delay_minutes: int = 60
    retries: int = 1
    unattended_by: int = 18 * 3600


@dataclass(frozen=True, slots=True)
class Item:
    """One thing delivered to one household: kind (meals/groceries/medicine), label, kg."""

    kind: str
    label: str
    kg: float


def on_observation(household: Household, date: dt.date) -> bool:
    """Tell whether ``date`` lies in the household's period (both ends inclusive)."""
    return household.observation_start <= date <= household.observation_end


def select_households(households: Iterable[Household], date: dt.date) -> list[Household]:
    """Households under observation on ``date``, in ledger order."""
    return [h for h in households if on_observation(h, date)]


def items_due(household: Household, date: dt.date, rules: DayRules) -> tuple[Item, ...]:
    """Line items due on ``date`` for a household under observation (kg per :class:`DayRules`)."""
    day = (date - household.observation_start).days
    n = household.residents
    out: list[Item] = []
    if "meals" in household.needs:
        out.append(Item("meals", f"{n} x day meals", round(rules.meal_kg_per_resident * n, 3)))
    if "groceries" in household.needs and day % max(rules.grocery_every_days, 1) == 0:
        out.append(
            Item("groceries", f"grocery kit for {n}", round(rules.grocery_kg_per_resident * n, 3))
        )
    if "medicine" in household.needs and day % max(rules.medicine_every_days, 1) == 0:
        out.append(Item("medicine", "medicine parcel", rules.medicine_kg))
    return tuple(out)


def base_window(items: Iterable[Item], rules: DayRules) -> tuple[int, int]:
    """The delivery window of a stop carrying ``items``: the meal window when meals are on
    board, else the day window (seconds after midnight)."""
    return rules.meal_window if any(i.kind == "meals" for i in items) else rules.day_window


def service_seconds(rules: DayRules, *, in_building: bool, doors: int, floors: int) -> int:
    """Contact-free service time of one stop (s): a door drop per house, or entering the
    building, one drop per door and the climb to its highest floor."""
    if in_building:
        return rules.building_entry_s + rules.per_door_s * doors + rules.per_floor_s * floors
    return rules.door_drop_s * doors


def priority_of(household: Household) -> int:
    """0 normal, 1 elderly-alone or medical, 2 both."""
    return int(household.elderly_alone) + int(household.medical_needs)


def deadline_of(priority: int, window: tuple[int, int], rules: DayRules) -> int | None:
    """Soft deadline (s after midnight) of a stop of this priority and window, or ``None``
    (normal stops, or a window that ends before the deadline could bind)."""
    if not priority:
        return None
    deadline = max(rules.priority_deadline, window[0])
    return None if deadline >= window[1] else deadline


def max_ride_of(items: Iterable[Item], rules: DayRules) -> int | None:
    """Longest ride (s) from the depot to a stop carrying ``items``: ``meal_max_minutes``
    when meals are on board, else ``None`` (no limit; also when the rule is 0)."""
    if not rules.meal_max_minutes or not any(i.kind == "meals" for i in items):
        return None
    return rules.meal_max_minutes * 60


def reload_seconds(rules: DayRules) -> int:
    """Time to load again at the depot between two trips (s)."""
    return rules.reload_minutes * 60
