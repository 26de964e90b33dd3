"""The terminal table: per volunteer stops, km, hours, load; unassigned with fixes; in the
reader's language."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.i18n import N_, Lang
from api.outputs.labels import fix_text, mode_text
from api.outputs.summary_html import balance_text, continuity_text, warning_text, why_text
from api.outputs.trips import deliveries

_RUN_COLUMNS = (
    N_("volunteer"),
    N_("mode"),
    N_("trips"),
    N_("stops"),
    N_("households"),
    N_("km"),
    N_("hours"),
    N_("kg"),
    N_("leaves"),
)
_MISSING_COLUMNS = (N_("household"), N_("reason"), N_("why"), N_("what would fix it"))


def print_plan(
    doc: dict[str, Any], console: Console | None = None, language: Lang | None = None
) -> None:
    """Print the runs and the households not served of a ``plan.json`` document (of a
    day without runs, that there are none, without a table or a balance bound)."""
    console = console or Console(markup=False)
    lang = language or Lang()
    if doc["routes"]:
        console.print(_runs_table(doc, lang))
    else:
        console.print(lang.gettext("No runs today."), highlight=False)
    if doc["unassigned"]:
        miss = Table(title=lang.gettext("Not served"))
        for col in _MISSING_COLUMNS:
            miss.add_column(lang.gettext(col))
        for u in doc["unassigned"]:
            miss.add_row(
                u["household_id"], u["reason"], why_text(u, lang), fix_text(u["reason"], lang)
            )
        console.print(miss)
    s = doc["summary"]
    console.print(
        lang.gettext(
            "%(served)d of %(total)d households served, %(unserved)d not served, %(not_due)d "
            "nothing due; %(called)d volunteers, %(km)s km",
            served=s["households_served"],
            total=s["households_under_observation"],
            unserved=s["households_unassigned"],
            not_due=s["households_not_due"],
            called=s["volunteers_called"],
            km=lang.number(s["distance_m"] / 1000, 1),
        ),
        highlight=False,
    )
    if doc["routes"]:  # (no runs: no balance to tell)
        console.print(balance_text(s, lang), highlight=False)
    if "continuity" in s:
        console.print(continuity_text(s["continuity"], lang), highlight=False)
    print_warnings(doc, console, lang)


def _runs_table(doc: dict[str, Any], lang: Lang) -> Table:
    """The table of a ``plan.json`` document's runs, a row a volunteer."""
    runs = Table(title=lang.gettext("Runs on %(date)s", date=lang.date(doc["date"])))
    for i, col in enumerate(_RUN_COLUMNS):
        runs.add_column(lang.gettext(col), justify="left" if i < 2 else "right")
    for r in doc["routes"]:
        runs.add_row(
            r["volunteer_id"],
            mode_text(r["mode"], lang),
            str(r.get("trips", 1)),
            str(len(deliveries(r))),
            str(sum(len(s["household_ids"]) for s in deliveries(r))),
            lang.number(r["distance_m"] / 1000, 1),
            lang.number(r["duration_s"] / 3600, 2),
            lang.number(r["load_kg"], 1),
            lang.time(r["start"]["departure"]),
        )
    return runs


def print_warnings(doc: dict[str, Any], console: Console, lang: Lang) -> None:
    """The warnings about a plan as a whole (``plan.json`` ``warnings``), in ``lang``."""
    label = lang.gettext("warning:")
    for w in doc.get("warnings", []):
        console.print(
            Text.assemble((label, "yellow"), " ", warning_text(w, doc["date"], lang)),
            highlight=False,
        )
