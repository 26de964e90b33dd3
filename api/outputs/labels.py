"""Words of the outputs built from plan.json's data, in the reader's language.

Items, travel modes, doors (flat and floor), a stop's building and entrance, and the
sentences and fixes of each reason code. Every text comes from the catalogs of
:mod:`api.i18n`; the codes themselves stay English identifiers.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

from api.i18n import DEFAULT, N_, Lang

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
    "RIDE_TIME_UNREACHABLE": N_(
        "No trip reaches it within the meal ride limit, even going there straight from the depot."
    ),
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
    "RIDE_TIME_UNREACHABLE": N_(
        "a faster volunteer or a nearer depot, or a longer meal_max_minutes in the rules"
    ),
}


#: The sentence of each case of a reason (``facts["case"]`` in plan.json), filled from the
#: facts: the same figures as the English sentence of the plan.
WHY = {
    "no_vehicles": N_("There are no volunteers in the plan."),
    "no_skill": N_(
        "It needs %(skills)s, but no volunteer on duty has that skill and may go there."
    ),
    "too_heavy": N_(
        "It needs %(need)s %(unit)s but the largest volunteer who may take it carries "
        "%(largest)s %(unit)s."
    ),
    "too_big": N_(
        "It needs %(need)s and every volunteer who may take it is too small in some "
        "respect (%(sizes)s)."
    ),
    "no_path": N_(
        "There is no path on the %(profiles)s streets between it and the start or end of any "
        "volunteer who could take it (%(who)s)."
    ),
    "cannot_leave": N_(
        "No volunteer who could take it can leave: the shift of %(vehicle)s does not "
        "overlap the opening hours of the depot."
    ),
    "late_arrival": N_(
        "Its window %(windows)s cannot be met: the earliest arrival is %(arrival)s "
        "(%(vehicle)s leaving at %(leave)s)."
    ),
    "late_return": N_(
        "It can be reached within %(windows)s, but nobody gets back in time: the earliest "
        "return is %(back)s (%(vehicle)s), who must be back by %(latest)s."
    ),
    "no_stops": N_("%(vehicle)s may not make any stop (max_stops %(max_stops)s)."),
    "too_long": N_(
        "Going there alone takes %(alone_s)s but %(vehicle)s may be out at most %(most_s)s."
    ),
    "too_far": N_(
        "Going there alone is %(alone_m)s m but %(vehicle)s may travel at most %(most_m)s m."
    ),
    "optional": N_(
        "Optional delivery left out: %(who)s could take it alone, but with the other "
        "deliveries it would cost more than it is worth or push out more important ones."
    ),
    "fleet": N_(
        "It could be served alone (by %(who)s), but not together with the other "
        "households: more volunteers or more hours are needed."
    ),
    "time_limit": N_(
        "Not served for want of search time: the time limit (%(limit_s)s) ended the search "
        "before it placed this household, and the volunteers called may well take it. A "
        "limit of about %(more_s)s would likely place it."
    ),
    "time_limit_cut_short": N_(
        "Not served: the time limit (%(limit_s)s) ended the search while it was still "
        "placing households, before it found room for this one, and nothing shows that the "
        "volunteers called cannot take it. A limit of about %(more_s)s would place it or "
        "show that more volunteers or hours are needed."
    ),
    "time_limit_unchecked": N_(
        "Not served when the time limit (%(limit_s)s) ended the search, and there was no "
        "time left to check whether the volunteers called could take it. A limit of about "
        "%(more_s)s would place it or show that more volunteers or hours are needed."
    ),
    "no_window": N_(
        "The household's window %(window)s does not meet the delivery window %(delivery)s."
    ),
    "not_found": N_("Address %(query)s was not found on the map; add lon/lat."),
    "address_not_found": N_("Address %(query)s: no building on the map has it; add lon/lat."),
    "address_ambiguous": N_(
        "Address %(query)s: several places far apart on the map match it; write it in full "
        "(compound, building) or add lon/lat."
    ),
    "address_unparsed": N_(
        "Address %(query)s: no street, number, compound or building could be read in it; "
        "add lon/lat."
    ),
}

#: Sentences added to a case's sentence when the facts hold them.
_WHY_MORE = {
    "far": N_("Distance from the door to the nearest street: %(far)s."),
    "nothing_due": N_("Nothing is due today: fix it before its next delivery."),
}


#: What a re-plan could not apply, by warning code (plan.json ``replan.warnings[].code``),
#: its fields the warning's own: ``volunteer_id``, and ``stop_id`` for a done visit.
REPLAN_WARNINGS = {
    "DONE_VISIT_NOT_IN_DAY": N_(
        "%(volunteer_id)s: done visit '%(stop_id)s' is not a stop of the day any more"
    ),
    "DELAY_UNDER_WAY": N_(
        "%(volunteer_id)s: a delay of a volunteer already under way is not applied"
    ),
}


def replan_warning(code: str, **fields: str) -> dict[str, str]:
    """A warning of plan.json's ``replan``: its code (:data:`REPLAN_WARNINGS`), its fields,
    and its English sentence from the catalog."""
    return {
        "code": code,
        **fields,
        "message": Lang(DEFAULT).gettext(REPLAN_WARNINGS[code], **fields),
    }


def replan_warning_text(warning: dict[str, str], language: Lang) -> str:
    """A re-plan warning in ``language``, told from its code and fields (its own sentence
    when the code has none in the catalogs)."""
    code = warning.get("code", "")
    if code not in REPLAN_WARNINGS:
        return str(warning.get("message", code))
    fields = {k: v for k, v in warning.items() if k not in ("code", "message")}
    return language.gettext(REPLAN_WARNINGS[code], **fields)


#: Warning code of a plan whose search had only its shortest time
#: (:data:`api.plan.budget.MIN_SEARCH_S`): the time limit was too short for the call.
TIME_LIMIT_SHORT = "TIME_LIMIT_SHORT"
TIME_LIMIT_SHORT_TEXT = N_(
    "The time limit of %(limit)s s is too short for this plan: %(before)s s had gone when "
    "the search began (start-up, map, matrices) and %(after)s s are kept for the work "
    "after it, so the search had only its shortest time, %(search)s s, and the call can "
    "end after its limit. A limit of %(enough)d s or more gives the search time of its own."
)


def time_warning_text(warning: dict[str, Any], language: Lang) -> str:
    """A ``TIME_LIMIT_SHORT`` warning in ``language``, told from its figures (the limit
    as given, 0.05 staying 0.05; the measured seconds to a tenth)."""

    def seconds(value: float, most: int = 1) -> str:
        shown = round(value, most)
        return language.number(shown, next(d for d in range(most + 1) if round(shown, d) == shown))

    return language.gettext(
        TIME_LIMIT_SHORT_TEXT,
        limit=seconds(warning["limit_s"], 3),
        before=seconds(warning["before_search_s"]),
        after=seconds(warning["after_search_s"]),
        search=seconds(warning["search_s"]),
        enough=warning["enough_s"],
    )


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


def why_facts_text(reason: str, facts: dict[str, str], language: Lang) -> str:
    """Why a household is not served, told from its facts (plan.json ``facts``) with the
    same figures as the English sentence; the reason's sentence when they name no case."""
    case = facts.get("case", "")
    if case not in WHY:
        return reason_text(reason, language)
    values = {k: _fact_text(k, v, language) for k, v in _weights_in_kg(facts).items()}
    text = language.gettext(WHY[case], **values)
    for key, more in _WHY_MORE.items():
        if facts.get(key):
            text += language.sentence_gap + language.gettext(more, **values)
    return text


def why_sentence(reason: str, message: str, facts: dict[str, str], language: Lang) -> str:
    """Why a household (or customer) is not served: its own English sentence in English,
    else its facts told by the catalog's sentence of their case (the reason's sentence
    without facts)."""
    if language.locale == DEFAULT and message:
        return message
    return why_facts_text(reason, facts, language)


def unassigned_message(reason: str, message: str, facts: dict[str, str]) -> str:
    """plan.json's English sentence of a household not served: the plan's own sentence,
    but the catalog's sentence of its case where the facts count a load in grams (the day
    model's unit), so that coordinators read kilograms in every language; the facts keep
    the grams."""
    if facts.get("unit") == "g" and facts.get("case") in WHY:
        return why_facts_text(reason, facts, Lang(DEFAULT))
    return message


def _weights_in_kg(facts: dict[str, str]) -> dict[str, str]:
    """Facts of a load counted in grams (the day model's unit) in kilograms, as a
    coordinator weighs a parcel: ``need`` 60000 ``g`` reads 60 kg."""
    if facts.get("unit") != "g":
        return facts
    kg = {k: f"{int(facts[k]) / 1000:g}" for k in ("need", "largest") if facts.get(k, "").isdigit()}
    return {**facts, **kg, "unit": "kg"}


def _fact_text(name: str, value: str, language: Lang) -> str:
    """One fact as the reader writes it: durations (``_s``) in hours and minutes, an empty
    window as the shift, ids and clock times as they are."""
    if name.endswith("_s") and value.replace(".", "", 1).isdigit():
        return language.span(float(value))
    if name == "windows" and not value:
        return language.gettext("the shift")
    return value


def fix_text(code: str, language: Lang) -> str:
    """What would fix a reason, or ""."""
    return language.gettext(FIXES[code]) if code in FIXES else ""


def suggestion_texts(suggestion: dict[str, Any], language: Lang) -> dict[str, Any]:
    """plan.json's ``suggestion`` with each ask, each group's sentence and the verdict in
    ``language`` (the plan's own English sentences kept in English)."""
    if language.locale == DEFAULT:
        return suggestion
    groups = [{**g, "text": _suggested_group(g, language)} for g in suggestion["groups"]]
    extend = [{**e, "text": language.text(e["text"])} for e in suggestion.get("extend", [])]
    message = language.text(suggestion["message"])
    return {**suggestion, "extend": extend, "groups": groups, "message": message}


def _suggested_group(group: dict[str, Any], language: Lang) -> str:
    values = {
        "n": group["count"],
        "mode": mode_text(group["mode"], language),
        "start": group["available_from"],
        "end": group["available_to"],
        "kg": language.number(group["capacity_kg"], 0),
        "depot": group["depot_id"],
        "skills": ", ".join(group.get("skills") or []),
    }
    if values["skills"]:
        return language.gettext(
            "%(n)d more volunteer(s) %(mode)s with the %(skills)s skill, %(start)s-%(end)s, "
            "%(kg)s kg, from depot %(depot)s",
            **values,
        )
    return language.gettext(
        "%(n)d more volunteer(s) %(mode)s, %(start)s-%(end)s, %(kg)s kg, from depot %(depot)s",
        **values,
    )


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
