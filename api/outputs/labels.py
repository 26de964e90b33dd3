"""Words of the outputs built from plan.json's data, in the reader's language.

Items, travel modes, doors (flat and floor), a stop's building and entrance, and the
sentences and fixes of each reason code. Every text comes from the catalogs of
:mod:`api.i18n`; the codes themselves stay English identifiers.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from api.i18n import N_, Lang

_MODES = {
    "walk": N_("on foot"),
    "bike": N_("by bike"),
    "ebike": N_("by e-bike"),
    "drive": N_("by car"),
}

#: What each reason code means, in one sentence for the coordinator.
REASONS = {
    "FLEET_EXHAUSTED": N_("It fits alone but not with the rest: the volunteers are full."),
    "TIME_WINDOW_UNREACHABLE": N_("Nobody reaches it within its window, even going there alone."),
    "NO_COMPATIBLE_VEHICLE": N_("Nobody on duty has the skill it needs (medicine)."),
    "DEMAND_EXCEEDS_CAPACITY": N_("It is heavier than anyone can carry."),
    "ROUTE_LIMIT": N_("Going there alone breaks a volunteer's stop or hour limit."),
    "UNREACHABLE": N_("The door is too far from every street the volunteers use."),
    "ADDRESS_UNRESOLVED": N_("The address was not found on the map."),
    "NO_TIME_WINDOW": N_("The household's window does not meet the delivery window."),
    "TIME_LIMIT": N_("The search ran out of time before placing it."),
    "NOTHING_DUE": N_("Nothing is due today."),
}

#: What would fix each reason, in words for the coordinator.
FIXES = {
    "FLEET_EXHAUSTED": N_("call more volunteers or longer hours (try --suggest-volunteers)"),
    "TIME_LIMIT": N_("plan again with a longer --time-limit (the reason names one)"),
    "TIME_WINDOW_UNREACHABLE": N_(
        "widen the household's window or have a volunteer start earlier or nearer"
    ),
    "NO_COMPATIBLE_VEHICLE": N_("call a volunteer with the needed skill (medicine)"),
    "DEMAND_EXCEEDS_CAPACITY": N_("send a volunteer with a car or split the delivery"),
    "ROUTE_LIMIT": N_("raise a volunteer's max_stops or hours"),
    "UNREACHABLE": N_("check the door position: it is far from every street the volunteers use"),
    "ADDRESS_UNRESOLVED": N_("add lon/lat (or a full street address) to the ledger"),
    "NO_TIME_WINDOW": N_("fix the household's window so it meets the delivery window"),
}


def mode_text(mode: str, language: Lang) -> str:
    """``on foot`` / ``步行`` ..."""
    return language.gettext(_MODES[mode]) if mode in _MODES else mode


def item_text(item: dict[str, Any], language: Lang) -> str:
    """One item of a door: ``2 x day meals (2 kg)``."""
    n = int(item.get("people") or 1)
    kg = language.number(item["kg"], 1)
    if item["kind"] == "meals":
        text = language.ngettext("%(num)d x day meals", "%(num)d x day meals", n)
    elif item["kind"] == "groceries":
        text = language.ngettext("grocery kit for %(num)d", "grocery kit for %(num)d", n)
    elif item["kind"] == "medicine":
        text = language.gettext("medicine parcel")
    else:
        text = str(item.get("label") or item["kind"])
    return language.gettext("%(item)s (%(kg)s kg)", item=text, kg=kg)


def door_label(line: dict[str, Any], k: int, many: bool, language: Lang) -> str:
    """A door of a stop: its flat and floor when the ledger gives them (``Flat 501, floor
    5``), else ``Door k`` when the stop has several doors, else nothing."""
    unit, floor = str(line.get("unit") or ""), line.get("floor")
    if unit and floor:
        return language.gettext("Flat %(unit)s, floor %(floor)s", unit=unit, floor=floor)
    if unit:
        return language.gettext("Flat %(unit)s", unit=unit)
    if many and floor:
        return language.gettext("Door %(k)d, floor %(floor)s", k=k, floor=floor)
    return language.gettext("Door %(k)d", k=k) if many else ""


def place_text(line: dict[str, Any], language: Lang) -> str:
    """A stop's building and entrance as the ledger names them (``南2楼 3单元``), or ""."""
    building, entrance = str(line.get("building") or ""), str(line.get("entrance") or "")
    if building and entrance:
        return language.gettext(
            "Building %(building)s, entrance %(entrance)s", building=building, entrance=entrance
        )
    if building:
        return language.gettext("Building %(building)s", building=building)
    return ""


def reason_text(code: str, language: Lang) -> str:
    """The sentence of a reason code."""
    return language.gettext(REASONS[code]) if code in REASONS else code


def fix_text(code: str, language: Lang) -> str:
    """What would fix a reason, or ""."""
    return language.gettext(FIXES[code]) if code in FIXES else ""


def gate_text(gate: dict[str, Any], language: Lang) -> str:
    """The note of a stop placed at its compound's gate: which compound, and the building,
    entrance and flat the address names (``-`` where it names none)."""
    return language.gettext(
        "Compound gate of %(compound)s (the building is not on the map): building "
        "%(building)s, entrance %(entrance)s, flat %(unit)s",
        compound=gate["compound"],
        building=gate["building"] or "-",
        entrance=gate["entrance"] or "-",
        unit=gate["unit"] or "-",
    )


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string (quotes, backslashes, ``<`` and line breaks escaped,
    so it is safe inside ``<style>``)."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + out.replace("\n", "\\a ") + '"'


def page_css(head: str, language: Lang) -> Markup:
    """CSS paged-media rules putting ``head`` (whose page, which day) and ``Page n of m`` on
    every printed page (Chromium's ``@page`` margin boxes)."""
    parts = re.split(r"%\((page|pages)\)s", language.gettext("Page %(page)s of %(pages)s"))
    content = " ".join(
        f"counter({p})" if k % 2 else css_string(p) for k, p in enumerate(parts) if p
    )
    font = 'font-size:9pt;color:#333;font-family:system-ui,"Noto Sans CJK SC",sans-serif'
    return Markup(
        "@page{size:A4;margin:16mm 12mm 14mm;"
        f"@top-left{{content:{css_string(head)};{font}}}"
        f"@top-right{{content:{content};{font}}}}}"
    )
