"""The volunteer's sheet (manifest): per trip where to load and what, then door by door
where, what, how to drop off, when, and boxes to tick; never why.

Each trip names its pick-up place and a packing list (what to take, per door, in delivery
order); each door has a "done" and a "nobody answered" box; the household's own drop-off
instruction replaces the default contact-free one; the household's phone is shown only
when its note asks for a call. A street map of the run is drawn from the map's own streets
with markers that never overlap. Printed, every page carries the volunteer's name, the
date and the page number. The sheet never shows health flags, priorities or observation
dates. The page is the Jinja2 template ``api/templates/manifest.html``, its words from the
language's catalog (:mod:`api.i18n`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from api.i18n import Lang, render
from api.outputs.dropoff import asks_for_call
from api.outputs.geojson import lines_of
from api.outputs.labels import (
    door_label,
    gate_text,
    item_text,
    mode_text,
    page_css,
    place_text,
)
from api.outputs.svg import Line, Marker, Run, Streets, route_svg
from api.outputs.trips import Trip, deliveries, depots_by_id, pickup_place, trips_of

#: Colour of the sheet's stop markers and of its pick-up markers.
STOP_COLOUR = "#d1242f"
PICKUP_COLOUR = "#222222"


def _addresses(stop: dict[str, Any]) -> list[dict[str, str]]:
    found: dict[str, str] = {}
    for ln in stop["lines"]:
        if ln["address"]:
            found.setdefault(ln["address"], ln.get("address_source", "ledger"))
    return [{"text": a, "source": src} for a, src in sorted(found.items())]


def door_view(line: dict[str, Any], k: int, many: bool, language: Lang) -> dict[str, Any]:
    """One door of a stop: its label, what to leave, how (the household's own instruction,
    else the default contact-free one) and its phone when the note asks for a call."""
    note = str(line.get("note") or "").strip()
    phone = str(line.get("phone") or "")
    return {
        "label": door_label(line, k, many, language),
        "things": [item_text(i, language) for i in line["items"]],
        "note": note,
        "dropoff": note
        or language.gettext("Contact-free: ring, leave the bag at the door, step back."),
        "phone": phone if phone and asks_for_call(note) else "",
    }


def stop_view(stop: dict[str, Any], language: Lang, number: int = 1) -> dict[str, Any]:
    """What the sheet shows of one stop of ``plan.json``, in ``language``; ``number`` is
    its place in the run."""
    many = len(stop["lines"]) > 1
    doors = [door_view(ln, k, many, language) for k, ln in enumerate(stop["lines"], start=1)]
    first = stop["lines"][0] if stop["lines"] else {}
    return {
        "number": number,
        "lon": stop["lon"],
        "lat": stop["lat"],
        "addresses": _addresses(stop),
        "place": place_text(first, language),
        "gate": gate_text(first["gate"], language) if first.get("gate") else "",
        "doors": doors,
        "eta": stop["eta_window"],
    }


def trip_heading(
    route: Mapping[str, Any], trip: Trip, trips: int, depots: Mapping[str, Any], language: Lang
) -> str:
    """``Trip 2: back at <depot> by 10:40, load 4 bags (7.5 kg) for stops 7-12.`` (without
    ``Trip 1:`` on a run of one trip)."""
    place = pickup_place(route, trip, depots)
    bags = language.ngettext(
        "%(num)d bag (%(kg)s kg)",
        "%(num)d bags (%(kg)s kg)",
        trip.doors,
        kg=language.number(trip.kg),
    )
    span = (
        language.gettext("stop %(first)d", first=trip.first)
        if trip.first == trip.last
        else language.gettext("stops %(first)d–%(last)d", first=trip.first, last=trip.last)
    )
    values = {"place": place.name, "bags": bags, "stops": span}
    if trip.reload is not None and trip.number > 1:
        head = language.gettext(
            "back at %(place)s by %(time)s, load %(bags)s for %(stops)s.",
            time=language.time(trip.reload["arrival"]),
            **values,
        )
    elif place.name:
        head = language.gettext(
            "pick up at %(place)s, leave by %(time)s with %(bags)s for %(stops)s.",
            time=language.time(trip.leaves),
            **values,
        )
    else:
        head = language.gettext(
            "leave your start point at %(time)s with %(bags)s for %(stops)s.",
            time=language.time(trip.leaves),
            **values,
        )
    if trips == 1:
        return head[:1].upper() + head[1:]
    return language.gettext("Trip %(trip)d: %(text)s", trip=trip.number, text=head)


def trip_views(
    route: Mapping[str, Any], depots: Mapping[str, Any], language: Lang
) -> list[dict[str, Any]]:
    """Per trip: heading, pick-up place, packing list and the stops, in ``language``."""
    trips = trips_of(route)
    out = []
    for trip in trips:
        stops = [stop_view(s, language, trip.first + i) for i, s in enumerate(trip.stops)]
        out.append(
            {
                "number": trip.number,
                "heading": trip_heading(route, trip, len(trips), depots, language),
                "pickup": pickup_place(route, trip, depots),
                "packing": [
                    {"number": s["number"], "label": d["label"], "things": d["things"]}
                    for s in stops
                    for d in s["doors"]
                ],
                "stops": stops,
            }
        )
    return out


def run_markers(route: Mapping[str, Any], depots: Mapping[str, Any]) -> list[Marker]:
    """The sheet map's markers: each pick-up place (``P``), then each stop by number."""
    out: list[Marker] = []
    seen: set[tuple[float, float]] = set()
    for trip in trips_of(route):
        place = pickup_place(route, trip, depots)
        if (place.lon, place.lat) not in seen:
            seen.add((place.lon, place.lat))
            out.append(Marker(place.lon, place.lat, "P", PICKUP_COLOUR, square=True))
        out += [
            Marker(s["lon"], s["lat"], str(trip.first + i), STOP_COLOUR)
            for i, s in enumerate(trip.stops)
        ]
    if not out:
        start = route["start"]
        out.append(Marker(start["lon"], start["lat"], "P", PICKUP_COLOUR, square=True))
    return out


def manifest_html(
    doc: dict[str, Any],
    route: dict[str, Any],
    geometry: Any,
    language: Lang | None = None,
    *,
    streets: Streets | Sequence[Line] = (),
    tiles: str = "",
) -> str:
    """The sheet of one run of the ``plan.json`` document ``doc``, in ``language`` (English
    by default); ``streets`` are the map's streets around the plan (``(lon, lat)``
    polylines) and ``tiles`` a tile URL template drawn over them (``""``: none)."""
    lang = language or Lang()
    depots = depots_by_id(doc)
    svg = route_svg(
        streets,
        [Run(lines_of(geometry))],
        run_markers(route, depots),
        credit=lang.gettext("© OpenStreetMap contributors"),
        label=lang.gettext("route map"),
        tiles=tiles,
    )
    end = route.get("end") or {}
    vid = route["volunteer_id"]
    who = route.get("name") or vid
    stops = deliveries(route)
    return render(
        "manifest.html",
        lang,
        title=lang.gettext("Deliveries %(volunteer)s %(date)s", volunteer=vid, date=doc["date"]),
        page_css=page_css(f"{who} · {lang.date(doc['date'])}", lang),
        who=who,
        date=doc["date"],
        mode=mode_text(route["mode"], lang),
        km=route["distance_m"] / 1000,
        kg=route["load_kg"],
        count=len(stops),
        leave=route["start"]["departure"],
        back=end.get("arrival"),
        svg=svg,
        trips=trip_views(route, depots, lang),
    )
