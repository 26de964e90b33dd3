"""The coordinator's summary page: every run, every household not served and why.

The page is the Jinja2 template ``api/templates/summary.html`` in the reader's language
(:mod:`api.i18n`). Reason codes are shown as they are (English identifiers); the sentence
beside each is the ledger-specific one in English, and the reason's sentence from the
catalog in other languages.
"""

from __future__ import annotations

from typing import Any

from api.i18n import DEFAULT, Lang, render
from api.outputs.labels import fix_text, mode_text, suggestion_texts, why_facts_text
from api.plan.coord_check import warning_sentence


def why_text(item: dict[str, Any], language: Lang) -> str:
    """Why a household is not served: the plan's own sentence in English, else the same
    facts in the catalog's sentence of its case (the reason's sentence without facts)."""
    if language.locale == DEFAULT and item.get("message"):
        return str(item["message"])
    return why_facts_text(item["reason"], item.get("facts") or {}, language)


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
            "stops": len(r["stops"]),
            "households": sum(len(x["household_ids"]) for x in r["stops"]),
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
        suggestion=suggestion_texts(doc["suggestion"], lang) if "suggestion" in doc else None,
    )
