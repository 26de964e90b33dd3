"""``notifications.csv``: one row per household served, with its ETA window and the text
message to send, in the reader's language."""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path
from typing import Any

from api.i18n import Lang
from api.outputs.trips import deliveries


def notification_text(date: str, eta: tuple[str, str], language: Lang, note: str = "") -> str:
    """The message to a household: its delivery date and ETA window, and how it is left:
    as its own ``note`` asks, else at the door with a ring (never both)."""
    values = {
        "date": language.date(date),
        "from": language.time(eta[0]),
        "to": language.time(eta[1]),
    }
    if note.strip():
        return language.gettext(
            "Your delivery comes on %(date)s between %(from)s and %(to)s. It will be left as "
            "you asked: %(note)s",
            note=note.strip(),
            **values,
        )
    return language.gettext(
        "Your delivery comes on %(date)s between %(from)s and %(to)s. It will be left at "
        "your door; the volunteer rings and steps back.",
        **values,
    )


def write_notifications(
    doc: dict[str, Any],
    phones: dict[str, str],
    path: Path,
    language: Lang | None = None,
    only: Collection[str] | None = None,
) -> None:
    """Write ``household_id, phone, date, eta_from, eta_to, volunteer_id, message`` rows
    (for the households in ``only``, when given: a re-plan tells only those whose ETA
    window changed)."""
    lang = language or Lang()
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["household_id", "phone", "date", "eta_from", "eta_to", "volunteer_id", "message"]
        )
        for r in doc["routes"]:
            for s in deliveries(r):
                lo, hi = s["eta_window"]
                notes = {ln["household_id"]: ln.get("note", "") for ln in s.get("lines", [])}
                for hid in s["household_ids"]:
                    if only is not None and hid not in only:
                        continue
                    text = notification_text(doc["date"], (lo, hi), lang, notes.get(hid, ""))
                    w.writerow(
                        [
                            hid,
                            phones.get(hid, ""),
                            doc["date"],
                            lo[:5],
                            hi[:5],
                            r["volunteer_id"],
                            text,
                        ]
                    )
