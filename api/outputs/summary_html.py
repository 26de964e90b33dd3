"""The coordinator's summary page: every run, every household not served and why."""

from __future__ import annotations

from html import escape
from typing import Any

from api.outputs.manifest import _page
from api.outputs.svg import CREDIT


def _h(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def summary_html(doc: dict[str, Any], manifests: dict[str, str]) -> str:
    """Coordinator summary of a ``plan.json`` document; ``manifests`` maps volunteer id to file."""
    s = doc["summary"]
    rows = "".join(
        f'<tr><td><a href="{escape(manifests.get(r["volunteer_id"], ""))}">'
        f"{escape(r['volunteer_id'])}</a></td><td>{escape(r['mode'])}</td>"
        f"<td>{escape(r.get('depot_name') or r['depot_id'])}</td>"
        f"<td>{len(r['stops'])}</td><td>{sum(len(x['household_ids']) for x in r['stops'])}</td>"
        f"<td>{r['distance_m'] / 1000:.1f}</td><td>{_h(r['duration_s'])}</td>"
        f"<td>{r['load_kg']:g}</td><td>{r['start']['departure'][:5]}</td></tr>"
        for r in doc["routes"]
    )
    missing = "".join(
        f"<tr><td>{escape(u['household_id'])}</td><td>{escape(u['reason'])}</td>"
        f"<td>{escape(u['message'])}</td><td>{escape(u['fix'])}</td></tr>"
        for u in doc["unassigned"]
    )
    not_served = (
        "<p>Every household under observation is on a run.</p>"
        if not doc["unassigned"]
        else "<table><thead><tr><th>Household</th><th>Reason</th><th>Why</th>"
        f"<th>What would fix it</th></tr></thead><tbody>{missing}</tbody></table>"
    )
    suggestion = ""
    if doc.get("suggestion"):
        sug = doc["suggestion"]
        items = "".join(f"<li>{escape(g['text'])}</li>" for g in sug["groups"])
        suggestion = (
            f"<h2>More volunteers needed</h2><ul>{items}</ul><p>{escape(sug['message'])}</p>"
        )
    cont = ""
    if "continuity" in s:
        c = s["continuity"]
        cont = (
            f"<p>Continuity: {c['kept_same_volunteer']} of "
            f"{c['households_with_yesterdays_volunteer_today']} households keep yesterday's "
            "volunteer.</p>"
        )
    warnings = "".join(
        f'<p class="warning">{escape(w["message"])}</p>' for w in doc.get("warnings", [])
    )
    body = (
        f"<h1>Delivery plan for {escape(doc['date'])}</h1>"
        f'<p class="meta">{s["households_served"]} of {s["households_under_observation"]} '
        f"households under observation served by {s['volunteers_called']} of "
        f"{s['volunteers_available']} volunteers; {s['households_unassigned']} not served; "
        f"{s['households_not_due']} with nothing due today. Total "
        f"{s['distance_m'] / 1000:.1f} km, longest run {_h(s['longest_run_s'])}.</p>"
        f'<p class="meta">{escape(s["balance"])}</p>'
        f"{warnings}{cont}<h2>Runs</h2><table><thead><tr><th>Volunteer</th><th>Mode</th><th>Depot</th><th>Stops</th>"
        "<th>Households</th><th>km</th><th>Hours</th><th>kg</th><th>Leaves</th></tr></thead>"
        f"<tbody>{rows}</tbody></table><h2>Not served</h2>{not_served}{suggestion}"
        f'<p class="credit">Map data {escape(CREDIT)}</p>'
    )
    return _page(f"Plan {doc['date']}", body)
