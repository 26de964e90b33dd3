"""One printable HTML manifest per volunteer: where, what, when; never why.

A manifest shows the ordered stops with address, drop-off note, items per door (flat and
floor when known), ETA window and a small route map. It never shows health flags,
priorities or observation dates: those stay with the coordinator. The page is the Jinja2
template ``api/templates/manifest.html``, its words from the language's catalog
(:mod:`api.i18n`).
"""

from __future__ import annotations

from typing import Any

from api.i18n import Lang, render
from api.outputs.document import deliveries
from api.outputs.geojson import lines_of
from api.outputs.labels import door_label, gate_text, item_text, mode_text, place_text
from api.outputs.svg import route_svg


def _addresses(stop: dict[str, Any]) -> list[dict[str, str]]:
    found: dict[str, str] = {}
    for ln in stop["lines"]:
        if ln["address"]:
            found.setdefault(ln["address"], ln.get("address_source", "ledger"))
    return [{"text": a, "source": src} for a, src in sorted(found.items())]


def stop_view(stop: dict[str, Any], language: Lang) -> dict[str, Any]:
    """What the manifest shows of one stop of ``plan.json``, in ``language``."""
    many = len(stop["lines"]) > 1
    doors = [
        {
            "label": door_label(ln, k, many, language),
            "things": [item_text(i, language) for i in ln["items"]],
            "note": ln["note"],
        }
        for k, ln in enumerate(stop["lines"], start=1)
    ]
    first = stop["lines"][0] if stop["lines"] else {}
    return {
        "lon": stop["lon"],
        "lat": stop["lat"],
        "addresses": _addresses(stop),
        "place": place_text(first, language),
        "gate": gate_text(first["gate"], language) if first.get("gate") else "",
        "doors": doors,
        "eta": stop["eta_window"],
    }


def manifest_html(
    doc: dict[str, Any], route: dict[str, Any], geometry: Any, language: Lang | None = None
) -> str:
    """The manifest of one run of the ``plan.json`` document ``doc``, in ``language``
    (English by default)."""
    lang = language or Lang()
    stops = deliveries(route)
    svg = route_svg(
        lines_of(geometry),
        [(s["lon"], s["lat"]) for s in stops],
        (route["start"]["lon"], route["start"]["lat"]),
        credit=lang.gettext("© OpenStreetMap contributors"),
        label=lang.gettext("route map"),
    )
    end = route.get("end") or {}
    vid = route["volunteer_id"]
    return render(
        "manifest.html",
        lang,
        title=lang.gettext("Deliveries %(volunteer)s %(date)s", volunteer=vid, date=doc["date"]),
        who=route.get("name") or vid,
        date=doc["date"],
        mode=mode_text(route["mode"], lang),
        km=route["distance_m"] / 1000,
        kg=route["load_kg"],
        leave=route["start"]["departure"],
        back=end.get("arrival"),
        svg=svg,
        stops=[stop_view(s, lang) for s in stops],
    )
