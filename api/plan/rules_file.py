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

from api.i18n import N_, Message
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
        self.head = Message(N_("%(n)d problem(s) in the day rules:"), n=len(self.details))
        super().__init__(self.head + "\n" + "\n".join(f"- {d}" for d in self.details))


@dataclass(frozen=True, slots=True)
class _Kind:
    """How one key is read: a parser of the value as given, and its bounds."""

    what: Message
    read: Callable[[Any], Any]
    lo: float | None = None
    hi: float | None = None


def _sentence(exc: ValueError) -> str:
    """The sentence of a parser's ``ValueError``: its catalog message when it has one (so
    it can be shown in any language), else its text."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Message) else str(exc)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(Message(N_("expected a number, got %(value)s"), value=repr(value)))
    number = values.parse_float(value, kind="") if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError(Message(N_("expected a finite number, got %(value)s"), value=repr(value)))
    return number


def _whole(value: Any) -> int:
    number = _number(value)
    if number != int(number):
        raise ValueError(Message(N_("expected a whole number, got %(value)s"), value=repr(value)))
    return int(number)


def _clock(value: Any) -> int:
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    if not isinstance(value, str):
        raise ValueError(
            Message(N_('expected a clock time like "12:00", got %(value)s'), value=repr(value))
        )
    return values.parse_clock(value)


def _window(value: Any) -> tuple[int, int]:
    if not isinstance(value, str):
        raise ValueError(
            Message(N_('expected a window like "10:00-13:00", got %(value)s'), value=repr(value))
        )
    return values.parse_window(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(Message(N_("expected true or false, got %(value)s"), value=repr(value)))
    return values.parse_bool(value)


_KG = _Kind(Message(N_("kilograms")), _number, 0, 100)
_DAYS = _Kind(Message(N_("days")), _whole, 1, 366)
_SECONDS = _Kind(Message(N_("seconds")), _whole, 0, 3600)
_MINUTES = _Kind(Message(N_("minutes")), _whole, 0, 24 * 60)
_WINDOW = _Kind(Message(N_("window")), _window)

#: How each field of :class:`DayRules` is read from a rules file or request.
KINDS: dict[str, _Kind] = {
    "meal_kg_per_resident": _KG,
    "grocery_kg_per_resident": _KG,
    "grocery_every_days": _DAYS,
    "medicine_kg": _KG,
    "medicine_every_days": _DAYS,
    "meal_window": _WINDOW,
    "day_window": _WINDOW,
    "priority_deadline": _Kind(Message(N_("clock time")), _clock),
    "lateness_cost": _Kind(Message(N_("cost per second")), _whole, 0, 1000),
    "door_drop_s": _SECONDS,
    "building_entry_s": _SECONDS,
    "per_door_s": _SECONDS,
    "per_floor_s": _SECONDS,
    "meal_max_minutes": _MINUTES,
    "reload_minutes": _Kind(_MINUTES.what, _whole, 0, 120),
    "reloads": _Kind(Message(N_("yes/no")), _flag),
    "retry_delay_minutes": _Kind(_MINUTES.what, _whole, 0, 12 * 60),
    "retries": _Kind(Message(N_("tries")), _whole, 0, 10),
    "unattended_by": _Kind(Message(N_("clock time")), _clock),
}


def _read_one(key: str, value: Any) -> Any:
    """The value of ``key`` as :class:`DayRules` holds it; ``ValueError`` naming the fault."""
    kind = KINDS[key]
    try:
        read = kind.read(value)
    except ValueError as exc:
        raise ValueError(
            Message(N_("%(problem)s (%(what)s)"), problem=_sentence(exc), what=kind.what)
        ) from None
    lo, hi = kind.lo, kind.hi
    if lo is not None and hi is not None and not lo <= read <= hi:
        raise ValueError(
            Message(
                N_("%(value)s is out of range: %(what)s from %(lo)s to %(hi)s"),
                value=repr(value),
                what=kind.what,
                lo=f"{lo:g}",
                hi=f"{hi:g}",
            )
        )
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
            faults.append(
                Detail(
                    source,
                    str(key),
                    Message(
                        N_("unknown rule %(key)s; known: %(known)s"), key=repr(key), known=known
                    ),
                )
            )
            continue
        try:
            changes[key] = _read_one(key, value)
        except ValueError as exc:
            faults.append(Detail(source, key, _sentence(exc)))
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
        problem = Message(N_("cannot read the rules file: %(error)s"), error=str(exc))
        raise RulesError([Detail(str(path), "file", problem)]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = Message(N_("not a TOML file: %(error)s"), error=str(exc))
        raise RulesError([Detail(str(path), "file", problem)]) from None
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
