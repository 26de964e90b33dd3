"""A run's trips as ``plan.json`` gives them: where each loads, what it delivers, when.

A run's ``stops`` are deliveries and, on multi-trip runs, reloads (``"kind": "reload"``
with ``depot_id``, ``arrival``, ``departure``, ``on_board_after_kg``); deliveries carry
their ``trip`` (1, 2, ...). A stop without ``kind`` is a delivery and without ``trip`` on
trip 1, so plans written before trips existed read as one trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Trip:
    """One trip of a run.

    Attributes
    ----------
    number
        1-based.
    reload
        The reload entry where it loads, or ``None`` for a trip loaded at the run's start.
    stops
        Its deliveries, in order (``plan.json`` stop objects).
    first
        The run-wide number of its first delivery (deliveries are numbered 1, 2, ... over
        the whole run).
    leaves
        When it leaves its pick-up place, ``HH:MM:SS``.
    back
        When it is back at a reload place or the run's end, ``HH:MM:SS``, or ``None``
        when the run ends at its last door.
    """

    number: int
    reload: dict[str, Any] | None
    stops: tuple[dict[str, Any], ...]
    first: int
    leaves: str
    back: str | None

    @property
    def last(self) -> int:
        """The run-wide number of its last delivery."""
        return self.first + len(self.stops) - 1

    @property
    def doors(self) -> int:
        """Households it delivers to (one bag each)."""
        return sum(len(s.get("household_ids") or s.get("lines") or ()) for s in self.stops)

    @property
    def kg(self) -> float:
        """What it carries from its pick-up place (kg)."""
        return round(sum(_load_kg(s) for s in self.stops), 3)


def _load_kg(stop: Mapping[str, Any]) -> float:
    """A delivery's load (kg): its ``load``, else the sum of its doors' items."""
    if "load" in stop:
        return float(stop["load"])
    return sum(float(i["kg"]) for ln in stop.get("lines", ()) for i in ln.get("items", ()))


#: ``kind`` of a route entry where households are served.
DELIVERY = "delivery"
#: ``kind`` of a route entry where the volunteer loads again at a depot (a trip begins).
RELOAD = "reload"


def is_reload(stop: Mapping[str, Any]) -> bool:
    """Whether a run's entry is a reload (else a delivery)."""
    return stop.get("kind", DELIVERY) == RELOAD


def deliveries(route: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The entries of a ``plan.json`` route that serve households (reloads left out; an
    entry without ``kind``, from a plan written before trips, is a delivery)."""
    return [s for s in route["stops"] if not is_reload(s)]


def trips_of(route: Mapping[str, Any]) -> list[Trip]:
    """The trips of a ``plan.json`` run, in order; trips without a delivery are left out."""
    groups: list[tuple[dict[str, Any] | None, list[dict[str, Any]]]] = []
    for entry in route["stops"]:
        if is_reload(entry):
            if groups and not groups[-1][1]:
                groups[-1] = (entry, [])
            else:
                groups.append((entry, []))
            continue
        trip = entry.get("trip")
        if not groups or (
            groups[-1][1] and trip is not None and groups[-1][1][-1].get("trip", trip) != trip
        ):
            groups.append((None, []))
        groups[-1][1].append(entry)
    groups = [g for g in groups if g[1]]
    end = route.get("end") or {}
    out: list[Trip] = []
    first = 1
    for k, (reload, stops) in enumerate(groups):
        nxt = groups[k + 1][0] if k + 1 < len(groups) else None
        leaves = reload["departure"] if reload else route["start"]["departure"]
        back = nxt["arrival"] if nxt else end.get("arrival")
        out.append(Trip(k + 1, reload, tuple(stops), first, leaves, back))
        first += len(stops)
    return out


@dataclass(frozen=True, slots=True)
class Place:
    """Where a trip loads: the depot's name (``""`` for a volunteer's own start point) and
    its WGS-84 position (degrees)."""

    name: str
    lon: float
    lat: float


def pickup_place(route: Mapping[str, Any], trip: Trip, depots: Mapping[str, Any]) -> Place:
    """Where ``trip`` of ``route`` loads; ``depots`` is ``plan.json``'s ``depots`` by id."""
    start = route["start"]
    if trip.reload is None:
        name = route.get("depot_name") or route.get("depot_id") or ""
        return Place(str(name), float(start["lon"]), float(start["lat"]))
    depot = depots.get(trip.reload.get("depot_id", "")) or {}
    name = trip.reload.get("depot_name") or depot.get("name") or trip.reload.get("depot_id", "")
    lon = trip.reload.get("lon", depot.get("lon", start["lon"]))
    lat = trip.reload.get("lat", depot.get("lat", start["lat"]))
    return Place(str(name), float(lon), float(lat))


def depots_by_id(doc: Mapping[str, Any]) -> dict[str, Any]:
    """``plan.json``'s depots by id (empty for plans written before it listed them)."""
    return {d["depot_id"]: d for d in doc.get("depots", [])}
