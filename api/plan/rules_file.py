"""Day rules a coordinator sets: a TOML rules file, or the ``rules`` object of a request.

Keys are the fields of :class:`api.plan.rules.DayRules` (docs/INPUTS.md lists them with
their defaults); a key not given keeps its default. Values are read as a coordinator
writes them::

    meal_window = "10:00-17:00"      # a window, as in households.csv
    priority_deadline = "12:00"      # a clock time (TOML's 12:00:00 too)
    meal_kg_per_resident = 1.2       # kilograms
    door_drop_s = 45                 # seconds
    meal_max_minutes = 45            # minutes (0: no limit)
    reloads = false                  # yes/no

Every bad key and value is reported at once (:class:`RulesError`, code ``INVALID_RULES``),
each naming the file (or ``request rules``), the key and the value, in the one error shape
of :mod:`api.errors`.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from api.plan import ledger_values as values
from api.plan.ledger import format_clock
from api.plan.rules import DayRules
from solver.errors import Detail

#: The record named for a request's ``rules`` object.
REQUEST_RULES = "request rules"


class RulesError(ValueError):
    """The day rules cannot be used; ``details`` names every bad key (record, field, problem)."""

    code = "INVALID_RULES"

    def __init__(self, details: list[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        head = f"{len(self.details)} problem(s) in the day rules"
        super().__init__(head + ":\n" + "\n".join(f"- {d}" for d in self.details))


@dataclass(frozen=True, slots=True)
class _Kind:
    """How one key is read: a parser of the value as given, and its bounds."""

    what: str
    read: Callable[[Any], Any]
    lo: float | None = None
    hi: float | None = None


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {value!r}")
    number = values.parse_float(value, kind="") if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _whole(value: Any) -> int:
    number = _number(value)
    if number != int(number):
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def _clock(value: Any) -> int:
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if not isinstance(value, str):
        raise ValueError(f'expected a clock time like "12:00", got {value!r}')
    return values.parse_clock(value)


def _window(value: Any) -> tuple[int, int]:
    if not isinstance(value, str):
        raise ValueError(f'expected a window like "10:00-13:00", got {value!r}')
    return values.parse_window(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected true or false, got {value!r}")
    return values.parse_bool(value)


_KG = _Kind("kilograms", _number, 0, 100)
_DAYS = _Kind("days", _whole, 1, 366)
_SECONDS = _Kind("seconds", _whole, 0, 3600)
_MINUTES = _Kind("minutes", _whole, 0, 24 * 60)

#: How each field of :class:`DayRules` is read from a rules file or request.
KINDS: dict[str, _Kind] = {
    "meal_kg_per_resident": _KG,
    "grocery_kg_per_resident": _KG,
    "grocery_every_days": _DAYS,
    "medicine_kg": _KG,
    "medicine_every_days": _DAYS,
    "meal_window": _Kind("window", _window),
    "day_window": _Kind("window", _window),
    "priority_deadline": _Kind("clock time", _clock),
    "lateness_cost": _Kind("cost per second", _whole, 0, 1000),
    "door_drop_s": _SECONDS,
    "building_entry_s": _SECONDS,
    "per_door_s": _SECONDS,
    "per_floor_s": _SECONDS,
    "meal_max_minutes": _MINUTES,
    "reload_minutes": _Kind("minutes", _whole, 0, 120),
    "reloads": _Kind("yes/no", _flag),
}


def _read_one(key: str, value: Any) -> Any:
    """The value of ``key`` as :class:`DayRules` holds it; ``ValueError`` naming the fault."""
    kind = KINDS[key]
    try:
        read = kind.read(value)
    except ValueError as exc:
        raise ValueError(f"{exc} ({kind.what})") from None
    lo, hi = kind.lo, kind.hi
    if lo is not None and hi is not None and not lo <= read <= hi:
        raise ValueError(f"{value!r} is out of range: {kind.what} from {lo:g} to {hi:g}")
    return read


def rules_from_mapping(
    data: Mapping[str, Any], *, source: str = REQUEST_RULES, base: DayRules | None = None
) -> DayRules:
    """Day rules from keys and values; every key not given keeps ``base``'s value.

    Parameters
    ----------
    data
        Field names of :class:`DayRules` and their values as written (see the module notes).
    source
        The record named in errors: the file name, or ``request rules``.
    base
        The rules the keys replace (default: :class:`DayRules`' defaults).

    Raises
    ------
    RulesError
        Listing every unknown key and every bad value (key and value named).
    """
    base = base or DayRules()
    faults: list[Detail] = []
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KINDS:
            known = ", ".join(KINDS)
            faults.append(Detail(source, str(key), f"unknown rule {key!r}; known: {known}"))
            continue
        try:
            changes[key] = _read_one(key, value)
        except ValueError as exc:
            faults.append(Detail(source, key, str(exc)))
    if faults:
        raise RulesError(faults)
    return replace(base, **changes)


def read_rules(path: Path, *, base: DayRules | None = None) -> DayRules:
    """Day rules from a TOML file (``--rules rules.toml``).

    Raises
    ------
    RulesError
        The file cannot be read, is not TOML (line and column named), or holds a bad key
        or value (each named).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(
            [Detail(str(path), "file", f"cannot read the rules file: {exc}")]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError([Detail(str(path), "file", f"not a TOML file: {exc}")]) from None
    return rules_from_mapping(data, source=str(path), base=base)


def rules_document(rules: DayRules) -> dict[str, Any]:
    """The rules as a rules file writes them (clock times ``HH:MM``): what ``plan.json``
    records as the rules of its day, and what :func:`rules_from_mapping` reads back."""
    out: dict[str, Any] = {}
    for f in fields(DayRules):
        value = getattr(rules, f.name)
        if KINDS[f.name].read is _window:
            value = f"{format_clock(value[0])[:5]}-{format_clock(value[1])[:5]}"
        elif KINDS[f.name].read is _clock:
            value = format_clock(value)[:5]
        out[f.name] = value
    return out
