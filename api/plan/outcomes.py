"""The day closes the loop: what happened at every household, retries, escalations, and
the households left unattended; tomorrow takes the missed ones first.

Rules (:class:`api.plan.rules.DayRules`, docs/INPUTS.md):

* a ``stop_failed`` event with ``no_answer`` (or no outcome) is retried on the same day, no
  earlier than ``retry_delay_minutes`` after the failure and inside the household's delivery
  window, at most ``retries`` times; when no retry fits (window closed, retries used up, or
  the re-plan finds no run for it) the household is *escalated*: the coordinator makes a
  wellbeing phone check;
* ``refused`` and ``not_found`` are not retried, only reported;
* a household with no successful delivery by ``unattended_by`` is *unattended*: not
  delivered and not planned before that time (someone who refused at the door was seen, so
  a refusal is not unattended).

The re-plan's ``plan.json`` records each household's outcome under ``outcomes``; given as
``--previous`` to the next day's plan, the households it missed get the top priority.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from api.plan.day import DaySelection, _intersect
from api.plan.events import Event, EventKind
from api.plan.ledger import Ledger, format_clock, parse_clock
from api.plan.rules import TOP_PRIORITY, DayRules, base_window, items_due
from solver import Problem

#: Failure outcomes retried the same day (an empty outcome counts as no answer).
RETRIED = frozenset({"no_answer", ""})


class Outcome(StrEnum):
    """What happened (or is planned) at a household by the re-plan time."""

    DELIVERED = "delivered"
    PLANNED = "planned"
    RETRY = "retry"
    ESCALATED = "escalated"
    REFUSED = "refused"
    NOT_FOUND = "not_found"
    NOT_SERVED = "not_served"


#: Outcomes that leave a household unattended whatever the time.
_UNATTENDED = frozenset({Outcome.ESCALATED, Outcome.NOT_FOUND, Outcome.NOT_SERVED})


@dataclass(frozen=True, slots=True)
class Failure:
    """A household's last failed delivery: its outcome, when (s), and the no-answers so far."""

    household_id: str
    outcome: str
    at: int
    no_answers: int


def failures(
    events: Iterable[Event], households_of: Mapping[str, Sequence[str]]
) -> dict[str, Failure]:
    """The last failure of each household named by ``stop_failed`` events (in time order),
    unless a later ``stop_done`` says it was served; ``households_of`` maps a stop id to its
    households (an id that is no stop is a household id)."""
    out: dict[str, Failure] = {}
    for e in sorted(events, key=lambda e: e.at):
        if e.kind not in (EventKind.STOP_FAILED, EventKind.STOP_DONE):
            continue
        for h in households_of.get(e.id, (e.id,)):
            if e.kind is EventKind.STOP_DONE:
                out.pop(h, None)
                continue
            before = out[h].no_answers if h in out else 0
            count = before + (1 if e.outcome in RETRIED else 0)
            out[h] = Failure(h, e.outcome or "no_answer", e.at, count)
    return out


def household_window(
    ledger: Ledger, household_id: str, date: dt.date, rules: DayRules
) -> tuple[int, int] | None:
    """A household's delivery window on ``date`` (s after midnight), or ``None`` (not in
    the ledger, nothing due, or its own window misses the rules' one)."""
    for h in ledger.households:
        if h.household_id == household_id:
            items = items_due(h, date, rules)
            return _intersect(base_window(items, rules), h.window) if items else None
    return None


@dataclass(frozen=True, slots=True)
class Retries:
    """Failed households at the re-plan time: retried (earliest service, s), escalated
    (no retry fits), and reported only (refused, not found)."""

    retry_from: Mapping[str, int]
    escalated: Mapping[str, Failure]
    reported: Mapping[str, Failure]
    failed: Mapping[str, Failure]

    def left_out(self) -> set[str]:
        """Households the re-plan does not serve again."""
        return set(self.escalated) | set(self.reported)


def plan_retries(
    failed: Mapping[str, Failure], ledger: Ledger, date: dt.date, rules: DayRules
) -> Retries:
    """Sort failures into retries, escalations and reports by the rules (module docstring)."""
    retry_from: dict[str, int] = {}
    escalated: dict[str, Failure] = {}
    reported: dict[str, Failure] = {}
    for h, f in failed.items():
        if f.outcome not in RETRIED:
            reported[h] = f
            continue
        earliest = f.at + 60 * rules.retry_delay_minutes
        window = household_window(ledger, h, date, rules)
        if f.no_answers > rules.retries or window is None or earliest >= window[1]:
            escalated[h] = f
        else:
            retry_from[h] = earliest
    return Retries(retry_from, escalated, reported, dict(failed))


def _served(doc: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Household id -> (volunteer, service start ``HH:MM``) of a plan document."""
    return {
        h: (str(r["volunteer_id"]), str(s.get("service_start", ""))[:5])
        for r in doc["routes"]
        for s in r.get("stops", [])
        for h in s.get("household_ids", [])
    }


def outcomes_document(
    doc: Mapping[str, Any],
    delivered: Mapping[str, tuple[str, int]],
    retries: Retries,
    rules: DayRules,
    phones: Mapping[str, str],
) -> dict[str, Any]:
    """The ``outcomes`` of a re-plan's ``plan.json`` (docs/OUTPUTS.md).

    Parameters
    ----------
    doc
        The re-plan's document (runs and ``unassigned``).
    delivered
        Household id -> (volunteer, service start s) of the deliveries done.
    retries
        The failures and what the re-plan does with them.
    rules
        The day rules (``unattended_by``).
    phones
        Household id -> phone, for the escalations.
    """
    served = _served(doc)
    by = rules.unattended_by
    rows: list[dict[str, Any]] = []
    unassigned = {u["household_id"]: u for u in doc["unassigned"]}
    ids = set(served) | set(unassigned) | set(delivered) | set(retries.failed)
    for h in sorted(ids):
        fail = retries.failed.get(h)
        volunteer, start = "", ""
        if h in delivered:
            outcome, (volunteer, at) = Outcome.DELIVERED, delivered[h]
            start = format_clock(at)[:5]
        elif h in retries.reported:
            outcome = Outcome(retries.reported[h].outcome)
        elif h in retries.escalated or (h in retries.retry_from and h not in served):
            outcome = Outcome.ESCALATED
        elif h in served:
            volunteer, start = served[h]
            outcome = Outcome.RETRY if h in retries.retry_from else Outcome.PLANNED
        else:
            outcome = Outcome.NOT_SERVED
        late = outcome in (Outcome.PLANNED, Outcome.RETRY) and parse_clock(start) > by
        row: dict[str, Any] = {
            "household_id": h,
            "outcome": str(outcome),
            "volunteer_id": volunteer or None,
            "at": start or None,
            "unattended": outcome in _UNATTENDED or late,
        }
        if fail is not None:
            row["failed_at"] = format_clock(fail.at)[:5]
            row["failure"] = fail.outcome
            row["no_answers"] = fail.no_answers
        if outcome is Outcome.ESCALATED:
            row["phone"] = phones.get(h) or None
        if h in unassigned:
            row["reason"] = unassigned[h]["reason"]
        rows.append(row)
    return {
        "unattended_by": format_clock(by)[:5],
        "households": rows,
        "unattended": [r["household_id"] for r in rows if r["unattended"]],
        "escalated": [r["household_id"] for r in rows if r["outcome"] == Outcome.ESCALATED],
    }


def missed_households(previous: Mapping[str, Any] | None) -> frozenset[str]:
    """Households yesterday's ``plan.json`` left without a delivery: those its ``outcomes``
    flag unattended when it has them (a re-plan's record of the day), else those under
    ``unassigned``."""
    if not previous:
        return frozenset()
    outcomes = previous.get("outcomes")
    if isinstance(outcomes, Mapping):
        return frozenset(str(h) for h in outcomes.get("unattended", []))
    return frozenset(str(u.get("household_id")) for u in previous.get("unassigned", []))


def missed_first(problem: Problem, selection: DaySelection, missed: frozenset[str]) -> Problem:
    """The day's problem with every stop carrying a household missed yesterday at
    :data:`api.plan.rules.TOP_PRIORITY` (served first when not all can be)."""
    if not missed:
        return problem
    carrying = {s.stop_id for s in selection.stops if missed.intersection(s.household_ids)}
    stops = tuple(
        dataclasses.replace(s, priority=max(s.priority, TOP_PRIORITY)) if s.id in carrying else s
        for s in problem.stops
    )
    return dataclasses.replace(problem, stops=stops)
