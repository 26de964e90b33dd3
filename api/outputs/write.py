"""Write every output of a plan into one folder."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from api.i18n import Lang
from api.outputs.geojson import routes_geojson
from api.outputs.manifest import manifest_html
from api.outputs.notifications import write_notifications
from api.outputs.summary_html import summary_html
from api.outputs.svg import Line, Streets


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def write_outputs(
    doc: dict[str, Any],
    geometry: dict[str, Any],
    phones: dict[str, str],
    out: Path,
    language: Lang | None = None,
    *,
    streets: Streets | Sequence[Line] = (),
    tiles: str = "",
) -> list[Path]:
    """Write ``plan.json``, ``routes.geojson``, ``summary.html``, ``notifications.csv`` and
    ``manifests/<volunteer>.html`` into ``out``, the pages and texts in ``language``
    (English by default); the pages' maps draw ``streets`` (``(lon, lat)`` polylines of the
    map around the plan) and ``tiles`` (a tile URL template, ``""``: none); return the
    paths written."""
    lang = language or Lang()
    streets = Streets.of(streets)  # indexed once for every page's map
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifests").mkdir(exist_ok=True)
    written = []
    p = out / "plan.json"
    p.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(p)
    p = out / "routes.geojson"
    p.write_text(json.dumps(routes_geojson(doc, geometry), ensure_ascii=False), encoding="utf-8")
    written.append(p)
    manifests: dict[str, str] = {}
    for route in doc["routes"]:
        rel = f"manifests/{_safe(route['volunteer_id'])}.html"
        (out / rel).write_text(
            manifest_html(
                doc,
                route,
                geometry.get(route["volunteer_id"]),
                lang,
                streets=streets,
                tiles=tiles,
            ),
            encoding="utf-8",
        )
        manifests[route["volunteer_id"]] = rel
        written.append(out / rel)
    p = out / "summary.html"
    page = summary_html(doc, manifests, lang, geometry=geometry, streets=streets, tiles=tiles)
    p.write_text(page, encoding="utf-8")
    written.append(p)
    p = out / "notifications.csv"
    write_notifications(doc, phones, p, lang)
    written.append(p)
    return written
