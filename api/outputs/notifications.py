"""``notifications.csv``: one row per household served, with its ETA window, for texting."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any


def write_notifications(doc: dict[str, Any], phones: dict[str, str], path: Path) -> None:
    """Write ``household_id, phone, date, eta_from, eta_to, volunteer_id`` rows."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["household_id", "phone", "date", "eta_from", "eta_to", "volunteer_id"])
        for r in doc["routes"]:
            for s in r["stops"]:
                lo, hi = s["eta_window"]
                for hid in s["household_ids"]:
                    w.writerow(
                        [hid, phones.get(hid, ""), doc["date"], lo[:5], hi[:5], r["volunteer_id"]]
                    )
