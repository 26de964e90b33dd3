"""The coordinator's summary page: every run, every household not served and why.

The page is the Jinja2 template ``api/templates/summary.html`` in the reader's language
(:mod:`api.i18n`). Reason codes are shown as they are (English identifiers); the sentence
beside each is the ledger-specific one in English, and the reason's sentence from the
catalog in other languages.
"""

from __future__ import annotations

from typing import Any

from api.i18n import DEFAULT, Lang, render
from api.outputs.document import deliveries
from api.outputs.labels import fix_text, mode_text, reason_text


def why_text(item: dict[str, Any], language: Lang) -> str:
    """Why a household is not served: the plan's own sentence in English, else the reason's
    sentence from the catalog."""
    if language.locale == DEFAULT and item.get("message"):
        return str(item["message"])
    return reason_text(item["reason"], language)


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
    return head + " " + (language.gettext("Met.") if met else language.gettext("Not met."))


def warning_text(warning: dict[str, Any], date: str, language: Lang) -> str:
    """A plan warning in ``language`` (see ``warnings`` in plan.json): its own sentence in
    English, the catalog's in other languages."""
    if language.locale == DEFAULT:
        return str(warning["message"])
    if warning["code"].startswith("COORDS_LIKELY_"):
        return language.gettext(
            "The coordinates of %(n)d households sit a median %(given)s m from the map's "
            "buildings and streets; read as %(system)s they sit %(best)s m away. If they come "
            "from a Chinese map app, plan with %(flag)s (or a coord_system column).",
            n=warning["households"],
            given=language.number(warning["given_median_m"], 0),
            system=warning["flag"].split()[-1].upper(),
            best=language.number(warning["best_median_m"], 0),
            flag=warning["flag"],
        )
    if warning["code"] == "NOBODY_UNDER_OBSERVATION":
        return language.gettext(
            "No household is under observation on %(date)s (%(n)d in the ledger, listed under "
            "not_observed with their periods); check the date.",
            date=language.date(date),
            n=warning.get("households", 0),
        )
    return str(warning["message"])


def summary_html(
    doc: dict[str, Any], manifests: dict[str, str], language: Lang | None = None
) -> str:
    """Coordinator summary of a ``plan.json`` document; ``manifests`` maps volunteer id to
    file; in ``language`` (English by default)."""
    lang = language or Lang()
    s = doc["summary"]
    runs = [
        {
            "href": manifests.get(r["volunteer_id"], ""),
            "who": r["volunteer_id"],
            "mode": mode_text(r["mode"], lang),
            "depot": r.get("depot_name") or r["depot_id"],
            "stops": len(deliveries(r)),
            "trips": r.get("trips", 1),
            "households": sum(len(x["household_ids"]) for x in deliveries(r)),
            "km": r["distance_m"] / 1000,
            "seconds": r["duration_s"],
            "kg": r["load_kg"],
            "leaves": r["start"]["departure"],
        }
        for r in doc["routes"]
    ]
    missing = [
        {
            "household_id": u["household_id"],
            "reason": u["reason"],
            "why": why_text(u, lang),
            "fix": fix_text(u["reason"], lang),
        }
        for u in doc["unassigned"]
    ]
    return render(
        "summary.html",
        lang,
        title=lang.gettext("Plan %(date)s", date=doc["date"]),
        date=doc["date"],
        s=s,
        balance=balance_text(s, lang),
        warnings=[warning_text(w, doc["date"], lang) for w in doc.get("warnings", [])],
        continuity=s.get("continuity"),
        runs=runs,
        missing=missing,
        suggestion=doc.get("suggestion"),
    )
