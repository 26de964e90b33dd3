"""One printable HTML manifest per volunteer: where, what, when; never why.

A manifest shows the ordered stops with address, drop-off note, items, ETA window and a
small route map. It never shows health flags, priorities or observation dates: those stay
with the coordinator.
"""

from __future__ import annotations

from html import escape
from typing import Any

from api.outputs.geojson import lines_of
from api.outputs.svg import CREDIT, route_svg

_MODE = {"walk": "on foot", "bike": "by bike", "ebike": "by e-bike", "drive": "by car"}

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111;max-width:50rem}
h1{font-size:1.4rem;margin:0 0 .3rem} .meta{color:#444;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;margin-top:1rem}
th,td{border-bottom:1px solid #ccc;padding:.35rem .4rem;text-align:left;vertical-align:top}
th{background:#f0f0f0} .n{font-weight:bold;text-align:center}
.credit{font-size:.75rem;color:#555;margin-top:1rem}
@media print{body{margin:0} .noprint{display:none}}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def manifest_html(doc: dict[str, Any], route: dict[str, Any], geometry: Any) -> str:
    """The manifest of one run of the ``plan.json`` document ``doc``."""
    vid = route["volunteer_id"]
    who = route.get("name") or vid
    stops = route["stops"]
    rows = []
    for n, stop in enumerate(stops, start=1):
        addresses = sorted({ln["address"] for ln in stop["lines"] if ln["address"]})
        place = "<br>".join(escape(a) for a in addresses) or (
            f"{stop['lat']:.5f}, {stop['lon']:.5f}"
        )
        items = "<br>".join(
            escape(f"Door {k}: " if len(stop["lines"]) > 1 else "")
            + escape(", ".join(f"{i['label']} ({i['kg']:g} kg)" for i in ln["items"]))
            for k, ln in enumerate(stop["lines"], start=1)
        )
        many = len(stop["lines"]) > 1
        notes = "<br>".join(
            escape((f"Door {k}: " if many else "") + ln["note"])
            for k, ln in enumerate(stop["lines"], start=1)
            if ln["note"]
        )
        lo, hi = stop["eta_window"]
        rows.append(
            f'<tr><td class="n">{n}</td><td>{place}</td><td>{items}</td><td>{notes}</td>'
            f"<td>{lo[:5]}–{hi[:5]}</td></tr>"
        )
    svg = route_svg(
        lines_of(geometry),
        [(s["lon"], s["lat"]) for s in stops],
        (route["start"]["lon"], route["start"]["lat"]),
    )
    end = route.get("end") or {}
    back = f", back by {end['arrival'][:5]}" if end.get("arrival") else ""
    body = (
        f"<h1>Deliveries of {escape(who)} on {escape(doc['date'])}</h1>"
        f'<p class="meta">{len(stops)} stops {escape(_MODE.get(route["mode"], route["mode"]))}, '
        f"{route['distance_m'] / 1000:.1f} km, {route['load_kg']:g} kg to carry; "
        f"leave at {route['start']['departure'][:5]}{back}. "
        "Contact-free: ring, leave the bag at the door, step back.</p>"
        f"{svg}"
        "<table><thead><tr><th>#</th><th>Where</th><th>What</th><th>Drop-off</th>"
        "<th>ETA</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f'<p class="credit">Map data {escape(CREDIT)}</p>'
    )
    return _page(f"Deliveries {vid} {doc['date']}", body)
