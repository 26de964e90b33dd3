"""The coordinator's summary page: is everyone covered today, and what to do about those
who are not.

A map of every run, each volunteer's trips and times, the volunteers not called, every
household not served with address, phone, the reason's sentence and the fix, households
with nothing due, and ledger rows outside their observation period; after a re-plan, the
day's outcomes: phone checks (doors not answered with no retry left), refusals and
addresses not found, and the households unattended.

The page is the Jinja2 template ``api/templates/summary.html`` in the reader's language
(:mod:`api.i18n`). Reason codes are shown as they are (English identifiers); the sentence
beside each is the ledger-specific one in English, and the reason's sentence from the
catalog in other languages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.i18n import DEFAULT, N_, Lang, render
from api.outputs.document import NOBODY_UNDER_OBSERVATION
from api.outputs.geojson import lines_of
from api.outputs.labels import (
    TIME_LIMIT_SHORT,
    fix_text,
    mode_text,
    page_css,
    replan_warning_text,
    suggestion_texts,
    time_warning_text,
    why_sentence,
)
from api.outputs.svg import Dot, Line, Marker, Run, Streets, route_svg
from api.outputs.trips import deliveries, depots_by_id, is_reload, pickup_place, trips_of
from api.plan.coord_check import warning_sentence


def why_text(item: dict[str, Any], language: Lang) -> str:
    """Why a household is not served: the plan's own sentence in English, else the same
    facts in the catalog's sentence of its case (the reason's sentence without facts)."""
    return why_sentence(
        item["reason"], str(item.get("message") or ""), item.get("facts") or {}, language
    )


def balance_text(summary: dict[str, Any], language: Lang) -> str:
    """The balance bound in words (the summary's ``balance`` sentence in ``language``)."""
    bound = summary.get("balance_bound")
    if bound is None:
        return language.gettext("No balance bound (--balance 0).")
    if language.locale == DEFAULT:
        return str(summary["balance"])
    head = language.gettext(
        "Balance bound: no run longer than %(bound)s x the mean run (%(mean)s) and no run "
        "with more than %(bound)s x the mean stops (%(stops)s).",
        bound=language.number(bound, 1),
        mean=language.hours(summary["mean_run_s"]),
        stops=language.number(summary["mean_stops"], 1),
    )
    met = summary["balance_met"]
    verdict = language.gettext("Met.") if met else language.gettext("Not met.")
    return head + language.sentence_gap + verdict


#: Why a household did not keep its own volunteer, in words (by ``summary.continuity``
#: outcome, :data:`api.plan.continuity.OUTCOMES`).
_NOT_KEPT = {
    "volunteer_absent": N_("their volunteer is not working today"),
    "household_new": N_("new, no volunteer of their own yet"),
    "volunteer_cannot_serve": N_("their volunteer cannot take today's delivery"),
    "shares_stop": N_("at a door shared with households of another volunteer"),
    "cost_too_high": N_("keeping their volunteer cost more travel than the change is worth"),
    "not_served": N_("not served today"),
}


def continuity_text(continuity: dict[str, Any], language: Lang) -> str:
    """How many households kept their own volunteer and why the others did not
    (``summary.continuity`` in ``language``)."""
    head = language.gettext(
        "Continuity: %(kept)d of %(total)d households keep their own volunteer.",
        kept=continuity["kept_same_volunteer"],
        total=continuity["households"],
    )
    others = [
        language.gettext("%(reason)s: %(num)d", reason=language.gettext(_NOT_KEPT[code]), num=count)
        for code, count in continuity["outcomes"].items()
        if code in _NOT_KEPT and count
    ]
    if not others:
        return head
    tail = language.gettext("Others: %(reasons)s.", reasons="; ".join(others))
    return head + language.sentence_gap + tail


def warning_text(warning: dict[str, Any], date: str, language: Lang) -> str:
    """A plan warning in ``language`` (see ``warnings`` in plan.json): its own sentence in
    English, the catalog's in other languages."""
    if language.locale == DEFAULT:
        return str(warning["message"])
    if warning["code"].startswith("COORDS_LIKELY_"):
        ids = warning.get("household_ids") or []
        sentence = warning_sentence(
            suspects=ids,
            households=warning["households"],
            given_m=warning["given_median_m"],
            best_m=warning["best_median_m"],
            flag=warning["flag"],
        )
        return language.text(sentence)
    if warning["code"] == TIME_LIMIT_SHORT:
        return time_warning_text(warning, language)
    if warning["code"] == NOBODY_UNDER_OBSERVATION:
        return language.gettext(
            "No household is under observation on %(date)s (%(n)d in the ledger, listed under "
            "not_observed with their periods); check the date.",
            date=language.date(date),
            n=warning.get("households", 0),
        )
    return str(warning["message"])


#: Colours of the runs on the overview map (cycled).
RUN_COLOURS = (  # Tableau 10, then darker shades of it
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#2c4f75",
    "#b35806",
    "#8c2d2f",
    "#3d7f5a",
)
#: Colour of an unserved household's marker on the overview map.
UNSERVED_COLOUR = "#6e0b0b"


def trip_times(route: dict[str, Any], language: Lang) -> list[str]:
    """Each trip of a run with its times and stops: ``Trip 1 9:30–10:40, stops 1–6``."""
    trips = trips_of(route)
    out = []
    for t in trips:
        back = language.time(t.back) if t.back else "…"
        out.append(
            language.gettext(
                "Trip %(trip)d %(leaves)s–%(back)s, stops %(first)d–%(last)d",
                trip=t.number,
                leaves=language.time(t.leaves),
                back=back,
                first=t.first,
                last=t.last,
            )
        )
    return out


def run_views(
    doc: dict[str, Any], manifests: dict[str, str], language: Lang
) -> list[dict[str, Any]]:
    """Per run: volunteer, colour on the map, trips with times, and its figures."""
    out = []
    for k, r in enumerate(doc["routes"]):
        served = deliveries(r)
        end = r.get("end") or {}
        out.append(
            {
                "href": manifests.get(r["volunteer_id"], ""),
                "who": r["volunteer_id"],
                "name": r.get("name") or "",
                "colour": RUN_COLOURS[k % len(RUN_COLOURS)],
                "mode": mode_text(r["mode"], language),
                "depot": r.get("depot_name") or r["depot_id"],
                "trips": trip_times(r, language),
                "stops": len(served),
                "households": sum(len(x["household_ids"]) for x in served),
                "km": r["distance_m"] / 1000,
                "seconds": r["duration_s"],
                "kg": r["load_kg"],
                "leaves": r["start"]["departure"],
                "back": end.get("arrival") or (served[-1]["departure"] if served else ""),
            }
        )
    return out


def has_places(doc: dict[str, Any]) -> bool:
    """Whether the overview map has anything to draw: a run, or an unserved household
    with a known position (a day nobody is due on, or with nothing due, has neither)."""
    return bool(doc["routes"]) or any(_known_position(u) for u in doc["unassigned"])


def _known_position(unserved: dict[str, Any]) -> bool:
    """Whether an unserved household of plan.json has a position to mark on a map."""
    return unserved.get("lon") is not None and unserved.get("lat") is not None


def overview_svg(
    doc: dict[str, Any],
    geometry: dict[str, Any],
    runs: list[dict[str, Any]],
    language: Lang,
    *,
    streets: Streets | Sequence[Line] = (),
    tiles: str = "",
) -> str:
    """The map of every run in its colour, each depot (``P``) and each unserved household
    with a known position (``!``), over the map's streets."""
    depots = depots_by_id(doc)
    markers: dict[tuple[float, float], Marker] = {}
    for r in doc["routes"]:
        for t in trips_of(r):
            place = pickup_place(r, t, depots)
            markers.setdefault(
                (place.lon, place.lat), Marker(place.lon, place.lat, "P", "#222222", square=True)
            )
    unserved = [
        Marker(u["lon"], u["lat"], "!", UNSERVED_COLOUR)
        for u in doc["unassigned"]
        if _known_position(u)
    ]
    dots = [
        Dot(s["lon"], s["lat"], run["colour"])
        for r, run in zip(doc["routes"], runs, strict=True)
        for s in r["stops"]
        if not is_reload(s)
    ]
    return route_svg(
        streets,
        [
            Run(lines_of(geometry.get(r["volunteer_id"])), run["colour"])
            for r, run in zip(doc["routes"], runs, strict=True)
        ],
        [*markers.values(), *unserved],
        dots=dots,
        width=800,
        height=520,
        credit=language.gettext("© OpenStreetMap contributors"),
        label=language.gettext("map of every run"),
        tiles=tiles,
    )


def summary_html(
    doc: dict[str, Any],
    manifests: dict[str, str],
    language: Lang | None = None,
    *,
    geometry: dict[str, Any] | None = None,
    streets: Streets | Sequence[Line] = (),
    tiles: str = "",
) -> str:
    """The coordinator's page of a ``plan.json`` document: is everyone covered today, and
    what to do about those who are not. ``manifests`` maps volunteer id to sheet file;
    ``geometry`` is each run's street geometry by volunteer id, ``streets`` the map's
    streets around the plan and ``tiles`` a tile URL template (``""``: none); in
    ``language`` (English by default)."""
    lang = language or Lang()
    s = doc["summary"]
    runs = run_views(doc, manifests, lang)
    missing = [
        {
            "household_id": u["household_id"],
            "address": u.get("address") or "",
            "phone": u.get("phone") or "",
            "reason": u["reason"],
            "why": why_text(u, lang),
            "fix": fix_text(u["reason"], lang),
        }
        for u in doc["unassigned"]
    ]
    idle = [
        {
            **v,
            "mode": mode_text(v["mode"], lang),
            "depot": v.get("depot_name") or v.get("depot_id") or "",
        }
        for v in doc.get("idle_volunteers", [])
    ]
    warnings = doc.get("warnings", [])
    # A date nobody is under observation on is most likely a wrong date: its warning is
    # the page's verdict, in place of an all-clear that would be true of no one.
    nobody = next((w for w in warnings if w["code"] == NOBODY_UNDER_OBSERVATION), None)
    return render(
        "summary.html",
        lang,
        title=lang.gettext("Plan %(date)s", date=doc["date"]),
        page_css=page_css(
            lang.gettext("Delivery plan for %(date)s", date=lang.date(doc["date"])), lang
        ),
        date=doc["date"],
        s=s,
        balance=balance_text(s, lang),
        nobody=warning_text(nobody, doc["date"], lang) if nobody else None,
        warnings=[warning_text(w, doc["date"], lang) for w in warnings if w is not nobody]
        + [replan_warning_text(w, lang) for w in (doc.get("replan") or {}).get("warnings", [])],
        continuity=continuity_text(s["continuity"], lang) if "continuity" in s else None,
        svg=overview_svg(doc, geometry or {}, runs, lang, streets=streets, tiles=tiles)
        if has_places(doc)
        else "",
        runs=runs,
        idle=idle,
        missing=missing,
        not_due=doc.get("not_due", []),
        not_observed=doc.get("not_observed", []),
        outcomes=doc.get("outcomes"),
        suggestion=suggestion_texts(doc["suggestion"], lang) if "suggestion" in doc else None,
    )
