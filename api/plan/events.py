"""What happened during the day: the events table (``events.csv``, or the same as JSON).

Every row has ``at`` (``HH:MM``), ``event`` and ``id``, and the optional fields its kind
reads (docs/INPUTS.md):

==========================  ==========================================================
``volunteer_unavailable``   volunteer ``id`` stops at ``at`` (no ``lon``, ``lat``: one
                            who stopped serves nothing more, where they are is not used)
``volunteer_added``         a new volunteer ``id``: the columns of ``volunteers.csv``
``volunteer_delayed``       volunteer ``id`` can go on ``minutes`` later
``household_added``         a new household ``id``: the columns of ``households.csv``
``household_urgent``        household ``id`` first, as soon as possible; optional
                            ``deadline`` (``HH:MM``)
``household_cancelled``     household ``id`` needs no delivery any more
``stop_done``               stop or household ``id`` was served
``stop_failed``             stop or household ``id`` was not served; optional ``outcome``
                            (``no_answer``, ``refused``, ``not_found``): retried, escalated
                            or reported by the re-plan (:mod:`api.plan.outcomes`)
``street_closed``           the points ``lon``, ``lat``, ``lon2``, ``lat2`` of the closed
                            street, or the OSM ``way_id`` of the closed way (one or the
                            other; :mod:`api.plan.closures`)
==========================  ==========================================================

Points are read like the ledger's (:func:`api.plan.ledger.read_position`): in the row's
``coord_system`` when given, else the request's or ``--coords`` (``ReadOptions.coords``),
converted to WGS-84 there; an event keeps the WGS-84 point it uses and, when converted, the
point as given.

Every fault of the table is listed at once, each naming file, line (or item) and field, in
the one error shape (:class:`EventsError`, code ``INVALID_EVENTS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from api.i18n import N_, Message
from api.plan.ledger import (
    Household,
    Position,
    ReadOptions,
    Row,
    RowReader,
    Volunteer,
    format_clock,
    household_of,
    json_rows,
    read_position,
    table_rows,
    volunteer_of,
)
from api.plan.ledger_values import parse_clock
from geo.crs import CoordSystem
from solver.errors import Detail


class EventKind(StrEnum):
    """The kinds of events."""

    VOLUNTEER_UNAVAILABLE = "volunteer_unavailable"
    VOLUNTEER_ADDED = "volunteer_added"
    VOLUNTEER_DELAYED = "volunteer_delayed"
    HOUSEHOLD_ADDED = "household_added"
    HOUSEHOLD_URGENT = "household_urgent"
    HOUSEHOLD_CANCELLED = "household_cancelled"
    STOP_DONE = "stop_done"
    STOP_FAILED = "stop_failed"
    STREET_CLOSED = "street_closed"


#: Outcomes a ``stop_failed`` event may name.
OUTCOMES = ("no_answer", "refused", "not_found")


class EventsError(ValueError):
    """The events table cannot be used; ``details`` lists every bad row and field."""

    code = "INVALID_EVENTS"

    def __init__(self, details: list[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        head = f"{len(self.details)} problem(s) in the events"
        super().__init__(head + ":\n" + "\n".join(f"- {d}" for d in self.details))


@dataclass(frozen=True, slots=True)
class Event:
    """One event.

    Attributes
    ----------
    at
        When it happened (s after midnight).
    kind
        What happened.
    id
        The volunteer, household, stop or way it concerns.
    point
        The first point of a closed street, ``(lon, lat)`` WGS-84 degrees (as used).
    point2
        The second point of a closed street, likewise.
    coord_system
        The system the points were given in.
    given, given2
        The points as given (degrees in ``coord_system``) when converted, else ``None``.
    minutes
        A delay in minutes.
    deadline
        An urgent household's deadline (s after midnight).
    outcome
        Why a stop failed.
    way_id
        The OSM way of a street closed by its id.
    household, volunteer
        The record a ``household_added`` / ``volunteer_added`` event brings.
    record
        File and line of the event, for messages.
    """

    at: int
    kind: EventKind
    id: str
    point: tuple[float, float] | None = None
    point2: tuple[float, float] | None = None
    coord_system: CoordSystem = CoordSystem.WGS84
    given: tuple[float, float] | None = None
    given2: tuple[float, float] | None = None
    minutes: int = 0
    deadline: int | None = None
    outcome: str = ""
    way_id: int | None = None
    household: Household | None = None
    volunteer: Volunteer | None = None
    record: str = field(default="", compare=False)


def _point(
    r: RowReader, names: tuple[str, str], options: ReadOptions
) -> tuple[tuple[float, float], Position] | None:
    """A required point of a row in its coordinate system: ``(lon, lat)`` converted to
    WGS-84 (degrees) and how it was read; ``None`` (faults on the row) when missing or bad."""
    missing = [name for name in names if not r.text(name, required=True)]
    if missing:
        return None
    found = read_position(r, names, options)
    if found.lon is None or found.lat is None:
        return None
    return (found.lon, found.lat), found


def _no_position(r: RowReader) -> None:
    """Refuse ``lon``/``lat`` on a ``volunteer_unavailable`` row: nothing uses them."""
    given = [name for name in ("lon", "lat") if r.text(name)]
    if given:
        text = Message(
            N_(
                "a volunteer unavailable serves nothing more, so where they are is not "
                "used: leave lon and lat empty"
            )
        )
        r.fault(given[0], text)


def _minutes(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"must not be negative, got {value}")
    return value


def _outcome(text: str) -> str:
    if text not in OUTCOMES:
        raise ValueError(f"must be one of {', '.join(OUTCOMES)}, got {text!r}")
    return text


def _way_id(text: str) -> int:
    value = int(text) if text.isascii() and text.isdigit() else 0
    if value <= 0:
        raise ValueError(Message(N_("an OSM way id is a positive whole number, got %(v)s"), v=text))
    return value


def _closed_street(r: RowReader, options: ReadOptions) -> dict[str, Any]:
    """A closed street's fields: ``way_id``, or the two points (one or the other), read in
    their coordinate system and kept as used (WGS-84) and as given."""
    if not r.text("way_id"):
        one = _point(r, ("lon", "lat"), options)
        two = _point(r, ("lon2", "lat2"), options)
        if one is None or two is None:
            return {}
        return {
            "point": one[0],
            "point2": two[0],
            "coord_system": one[1].system,
            "given": one[1].given,
            "given2": two[1].given,
        }
    if any(r.text(name) for name in ("lon", "lat", "lon2", "lat2")):
        r.fault("way_id", Message(N_("give way_id or the points lon, lat, lon2, lat2, not both")))
    return {"way_id": r.typed("way_id", _way_id)}


def _record_row(row: Row, id_field: str) -> Row:
    """The row with its ``id`` under the id column of the table it adds to."""
    values = {**row.values, id_field: row.values.get("id", "")}
    return replace(row, values=values)


def _event(row: Row, out: list[Detail], options: ReadOptions) -> Event | None:
    """One event from one row; ``None`` (faults in ``out``) when it cannot be used."""
    r = RowReader(row, "id", out)
    before = len(out)
    at = r.typed("at", parse_clock, required=True)
    name = r.text("event", required=True)
    ident = r.text("id", required=True)
    kind = None
    if name:
        try:
            kind = EventKind(name)
        except ValueError:
            r.fault("event", f"unknown event {name!r}; known: {', '.join(EventKind)}")
    fields: dict[str, Any] = {}
    if kind is EventKind.VOLUNTEER_UNAVAILABLE:
        _no_position(r)
    elif kind is EventKind.VOLUNTEER_DELAYED:
        fields["minutes"] = r.typed("minutes", _minutes, required=True)
    elif kind is EventKind.HOUSEHOLD_URGENT:
        fields["deadline"] = r.typed("deadline", parse_clock)
    elif kind is EventKind.STOP_FAILED:
        fields["outcome"] = r.typed("outcome", _outcome) or ""
    elif kind is EventKind.STREET_CLOSED:
        fields.update(_closed_street(r, options))
    elif kind is EventKind.HOUSEHOLD_ADDED:
        fields["household"] = household_of(_record_row(row, "household_id"), out, options)
    elif kind is EventKind.VOLUNTEER_ADDED:
        fields["volunteer"] = volunteer_of(_record_row(row, "volunteer_id"), out, options)
    if len(out) > before or kind is None or at is None:
        return None
    return Event(at, kind, ident, record=r.record, **fields)


def _events(rows: tuple[list[Row], list[Detail]], options: ReadOptions | None) -> list[Event]:
    found, out = rows
    opts = options or ReadOptions()
    events = [e for row in found if (e := _event(row, out, opts)) is not None]
    if out:
        raise EventsError(out)
    return sorted(events, key=lambda e: e.at)


def read_events(path: Path, options: ReadOptions | None = None) -> list[Event]:
    """The events of a ``.csv``, ``.xlsx`` or ``.json`` file, in time order.

    Raises
    ------
    EventsError
        Listing every fault (file, line, field) at once.
    """
    return _events(table_rows(path, "events"), options)


def events_from_json(items: Any, options: ReadOptions | None = None) -> list[Event]:
    """The events of a JSON list of objects (the fields of the CSV columns), in time order.

    Raises
    ------
    EventsError
        Listing every fault (item, field) at once.
    """
    return _events(json_rows(items, "events"), options)


def event_document(event: Event) -> Mapping[str, Any]:
    """An event as ``plan.json`` records it among the events a re-plan applied."""
    return {"at": format_clock(event.at)[:5], "event": str(event.kind), "id": event.id}
