"""``plan.json``: the plan as one JSON document, the source of every other output.

Clock times are ``"HH:MM:SS"`` on the plan date; travel is from the previous stop (or the
run's start); weights are kilograms; coordinates ``lon``/``lat`` WGS-84. The fields are
listed in ``docs/OUTPUTS.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from api.i18n import DEFAULT, Lang
from api.outputs.dropoff import asks_for_call
from api.outputs.labels import FIXES, TIME_LIMIT_SHORT, time_warning_text, unassigned_message
from api.outputs.trips import DELIVERY, RELOAD, deliveries
from api.plan.budget import ShortSearch
from api.plan.continuity import KEPT, OUTCOMES, Continuity
from api.plan.day import DayStop
from api.plan.ledger import Household, format_clock
from api.plan.result import PlanResult
from geo.cn_addresses import CnResolution, is_chinese, parse_cn_address
from solver import Visit, VisitKind

#: Half-width of the ETA window given to households and volunteers (s), and its rounding.
ETA_HALF_WINDOW_S = 15 * 60
_ETA_ROUND_S = 5 * 60


def eta_window(drop: int, opens: int = 0) -> tuple[int, int]:
    """The window announced for a drop at ``drop`` (s): +-15 min, rounded out to 5 minutes,
    never before the stop's delivery window ``opens`` (s)."""
    lo = math.floor((drop - ETA_HALF_WINDOW_S) / _ETA_ROUND_S) * _ETA_ROUND_S
    hi = math.ceil((drop + ETA_HALF_WINDOW_S) / _ETA_ROUND_S) * _ETA_ROUND_S
    return max(lo, opens, 0), hi


def _given_coordinates(result: PlanResult) -> dict[str, dict[str, Any]]:
    """Per household given in GCJ-02 or BD-09: its system and coordinates as given."""
    return {
        h.household_id: {
            "coord_system": h.coord_system,
            "given_lon": h.given[0],
            "given_lat": h.given[1],
        }
        for h in result.ledger.households
        if h.given is not None
    }


def _doors(result: PlanResult) -> dict[str, dict[str, Any]]:
    """Per household: building, entrance, floor and flat (the ``unit`` column, else the
    flat of a Chinese address), and, for a household placed at its compound's gate, what
    the address names there."""
    out: dict[str, dict[str, Any]] = {}
    for h in result.ledger.households:
        unit = h.unit or (parse_cn_address(h.address).unit if is_chinese(h.address) else "")
        door: dict[str, Any] = {
            "building": h.building,
            "entrance": h.entrance,
            "floor": h.floor,
            "unit": unit,
        }
        res = result.resolutions.get(h.household_id)
        if isinstance(res, CnResolution) and res.gate:
            door["gate"] = {
                "compound": res.compound,
                "building": res.building,
                "entrance": res.entrance,
                "unit": res.unit,
            }
        out[h.household_id] = door
    return out


def _kg(grams: int) -> float:
    return round(grams / 1000, 3)


def _reload_entry(
    visit: Visit, points: Sequence[tuple[float, float]], depot_names: dict[str, str]
) -> dict[str, Any]:
    """The route entry of a reload: the depot, when the volunteer is there, and what they
    carry when leaving for the trip it begins (no households: ``household_ids`` is empty)."""
    lon, lat = points[visit.location]
    return {
        "kind": RELOAD,
        "trip": visit.trip,
        "depot_id": visit.stop_id,
        "depot_name": depot_names.get(visit.stop_id, ""),
        "household_ids": [],
        "lon": lon,
        "lat": lat,
        "arrival": format_clock(visit.arrival),
        "departure": format_clock(visit.departure),
        "wait_s": visit.wait,
        "travel_s": visit.travel_time,
        "travel_m": visit.travel_distance,
        "on_board_after_kg": _kg(visit.load_after[0]),
    }


def plan_document(result: PlanResult) -> dict[str, Any]:
    """Build the ``plan.json`` document of a plan."""
    sel = {s.stop_id: s for s in result.selection.stops}
    vols = {v.volunteer_id: v for v in result.ledger.volunteers}
    depot_names = {d.depot_id: d.name for d in result.ledger.depots}
    first_depot = result.ledger.depots[0].depot_id if result.ledger.depots else ""
    vidx = result.problem.vehicle_index()
    points = result.locations.points
    given = _given_coordinates(result)
    doors = _doors(result)
    people = {h.household_id: h.residents for h in result.ledger.households}
    phones = {h.household_id: h.phone for h in result.ledger.households}
    routes = []
    for r in result.solution.routes:
        vol = vols[r.vehicle_id]
        vehicle = result.problem.vehicles[vidx[r.vehicle_id]]
        stops = []
        for v in r.visits:
            if v.kind is VisitKind.RELOAD:
                stops.append(_reload_entry(v, points, depot_names))
                continue
            s = sel[v.stop_id]
            lo, hi = eta_window(v.start, s.window[0])
            stops.append(
                {
                    "kind": DELIVERY,
                    "trip": v.trip,
                    "stop_id": s.stop_id,
                    "household_ids": list(s.household_ids),
                    "lon": s.lon,
                    "lat": s.lat,
                    "arrival": format_clock(v.arrival),
                    "service_start": format_clock(v.start),
                    "departure": format_clock(v.departure),
                    "wait_s": v.wait,
                    "travel_s": v.travel_time,
                    "travel_m": v.travel_distance,
                    "load": _kg(s.demand_g),
                    "on_board_after_kg": _kg(v.load_after[0]),
                    "eta_window": [format_clock(lo), format_clock(hi)],
                    "priority": s.priority,
                    "lines": [
                        {
                            "household_id": line.household_id,
                            "address": line.address,
                            "address_source": line.address_source,
                            "note": line.note,
                            **_phone_if_asked(line.note, phones.get(line.household_id, "")),
                            **doors.get(line.household_id, {}),
                            **given.get(line.household_id, {}),
                            "items": [
                                {
                                    "kind": i.kind,
                                    "label": i.label,
                                    "kg": i.kg,
                                    "people": people.get(line.household_id, 1),
                                }
                                for i in line.items
                            ],
                        }
                        for line in s.lines
                    ],
                }
            )
        start = points[vehicle.start]
        end_loc = vehicle.end
        routes.append(
            {
                "volunteer_id": r.vehicle_id,
                "name": vol.name,
                "mode": vol.mode,
                "depot_id": vol.depot_id,
                "depot_name": depot_names.get(
                    vol.depot_id or ("" if vol.start_lon is not None else first_depot), ""
                ),
                "start": {
                    "lon": start[0],
                    "lat": start[1],
                    "departure": format_clock(r.start_time),
                },
                "stops": stops,
                "end": None
                if end_loc is None
                else {
                    "lon": points[end_loc][0],
                    "lat": points[end_loc][1],
                    "arrival": format_clock(r.end_time),
                    "travel_s": r.end_travel_time,
                    "travel_m": r.end_travel_distance,
                },
                "distance_m": r.distance,
                "duration_s": r.duration,
                "travel_s": r.travel_time,
                "load_kg": _kg(r.load[0]),
                "trips": r.trips,
            }
        )
    periods = {h.household_id: h for h in result.ledger.households}
    unassigned = [
        {
            "household_id": i.household_id,
            "reason": i.reason,
            "message": unassigned_message(i.reason, i.message, dict(i.facts)),
            "fix": FIXES.get(i.reason, ""),
            "stop_id": i.stop_id,
            **_contact(periods[i.household_id], sel.get(i.stop_id)),
            "facts": dict(i.facts),
        }
        for i in result.issues
    ]
    not_due = [
        {
            "household_id": e.household_id,
            "reason": e.reason,
            "message": e.message,
            "address": periods[e.household_id].address,
        }
        for e in result.not_due
    ]
    not_observed = [
        {
            "household_id": e.household_id,
            "observation_start": periods[e.household_id].observation_start.isoformat(),
            "observation_end": periods[e.household_id].observation_end.isoformat(),
            "message": e.message,
        }
        for e in result.selection.not_observed
    ]
    head = summary(result, routes)
    doc: dict[str, Any] = {
        "date": result.date.isoformat(),
        "routes": routes,
        "unassigned": unassigned,
        "not_due": not_due,
        "not_observed": not_observed,
        "idle_volunteers": idle_volunteers(result, routes),
        "depots": [
            {"depot_id": d.depot_id, "name": d.name, "lon": d.lon, "lat": d.lat}
            for d in result.ledger.depots
        ],
        "warnings": plan_warnings(result.date.isoformat(), head) + coordinate_warnings(result),
        "summary": head,
    }
    if result.continuity is not None:
        doc["continuity"] = continuity_document(result.continuity)
    return doc


def continuity_document(c: Continuity) -> dict[str, Any]:
    """``plan.json``'s ``continuity``: per household on today's stops its own volunteer,
    who serves it and the outcome; each household's own volunteer for tomorrow."""
    return {
        "change_cost_s": c.change_cost_s,
        "households": [
            {"household_id": h, "own_volunteer": mine, "served_by": by, "outcome": outcome}
            for h, mine, by, outcome in c.outcomes
        ],
        "volunteer_of": dict(sorted(c.volunteer_of.items())),
    }


def continuity_summary(c: Continuity) -> dict[str, Any]:
    """``summary.continuity``: how many households kept their own volunteer, and how many
    did not for each reason (:data:`api.plan.continuity.OUTCOMES`)."""
    return {
        "households": len(c.outcomes),
        "own_volunteer_working": c.with_own_working,
        "kept_same_volunteer": c.count(KEPT),
        "outcomes": {o: c.count(o) for o in OUTCOMES},
        "change_cost_s": c.change_cost_s,
    }


def _phone_if_asked(note: str, phone: str) -> dict[str, str]:
    """A line's ``phone`` field: only when the household's note asks for a call (the
    volunteer's sheet shows it then, and never otherwise)."""
    return {"phone": phone} if phone and asks_for_call(note) else {}


def _contact(household: Household, stop: DayStop | None) -> dict[str, Any]:
    """Address, phone and position (the stop's, else the ledger's, else null) of a household
    not served, for the coordinator."""
    lon = stop.lon if stop is not None else household.lon
    lat = stop.lat if stop is not None else household.lat
    return {"address": household.address, "phone": household.phone, "lon": lon, "lat": lat}


def idle_volunteers(result: PlanResult, routes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The volunteers available on the date who have no run, with their shift and depot."""
    called = {r["volunteer_id"] for r in routes if r["stops"]}
    depot_names = {d.depot_id: d.name for d in result.ledger.depots}
    return [
        {
            "volunteer_id": v.volunteer_id,
            "name": v.name,
            "mode": v.mode,
            "depot_id": v.depot_id,
            "depot_name": depot_names.get(v.depot_id, ""),
            "available_from": format_clock(v.available_from),
            "available_to": format_clock(v.available_to),
        }
        for v in result.ledger.volunteers
        if v.volunteer_id not in called
    ]


def coordinate_warnings(result: PlanResult) -> list[dict[str, Any]]:
    """The warning of coordinates that fit the map far better in another coordinate system
    (see :mod:`api.plan.coord_check`); codes stay English identifiers."""
    fit = result.coord_fit
    if fit is None or not fit.warn:
        return []
    return [
        {
            "code": "COORDS_LIKELY_" + fit.best.value.upper(),
            "message": fit.sentence(),
            "households": fit.households,
            "household_ids": list(fit.suspects),
            "given_median_m": round(fit.given_median_m, 1),
            "best_median_m": round(fit.best_median_m, 1),
            "flag": fit.flag,
        }
    ]


#: Warning code of a plan in which no household of the ledger is under observation.
NOBODY_UNDER_OBSERVATION = "NOBODY_UNDER_OBSERVATION"


def plan_warnings(date: str, head: dict[str, Any]) -> list[dict[str, Any]]:
    """Warnings about a plan as a whole (``plan.json`` ``warnings``): a plan in which no
    household is under observation on ``date`` is a warning, not a success (a wrong date is
    the usual cause)."""
    if head["households_under_observation"]:
        return []
    n = head["households_not_observed"]
    return [
        {
            "code": NOBODY_UNDER_OBSERVATION,
            "message": f"No household is under observation on {date} ({n} in the ledger, "
            "listed under not_observed with their periods); check the date.",
            "households": n,
        }
    ]


def time_warnings(short: Sequence[ShortSearch]) -> list[dict[str, Any]]:
    """The warning of a call whose search had only its shortest time
    (``TIME_LIMIT_SHORT``, from the first such search; see
    :meth:`api.plan.budget.Budget.search_seconds`): the call's limit, the seconds gone
    when the search began, those kept after it, the search's (its floor), the shortest
    whole limit that holds them all, and its English sentence."""
    if not short:
        return []
    s = short[0]
    warning: dict[str, Any] = {
        "code": TIME_LIMIT_SHORT,
        "limit_s": round(s.limit_s, 3),
        "before_search_s": round(s.before_s, 2),
        "after_search_s": round(s.after_s, 2),
        "search_s": round(s.search_s, 2),
        "enough_s": s.enough_s(),
    }
    return [{**warning, "message": time_warning_text(warning, Lang(DEFAULT))}]


def _hm(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}"


def balance_sentence(
    bound: float | None, mean_s: float, mean_stops: float, met: bool, runs: int
) -> str:
    """The balance bound in words: what it bounds, the means, and whether the plan meets
    it (of a plan without ``runs``, that there is nothing for it to bound)."""
    if bound is None:
        return "No balance bound (--balance 0)."
    if not runs:
        return f"Balance bound: {bound:g} x the mean run and stops; no runs to bound."
    head = (
        f"Balance bound: no run longer than {bound:g} x the mean run ({_hm(mean_s)}, so "
        f"{_hm(bound * mean_s)}) and no run with more than {bound:g} x the mean stops "
        f"({mean_stops:.1f}, so {math.floor(max(1, bound * mean_stops))}), means over the "
        "volunteers called"
    )
    return head + (": met." if met else ": NOT met without leaving households unserved.")


def summary(result: PlanResult, routes: list[dict[str, Any]]) -> dict[str, Any]:
    """Headline figures of a plan."""
    durations = [r["duration_s"] for r in routes]
    mean = sum(durations) / len(durations) if durations else 0.0
    served = sum(len(s["household_ids"]) for r in routes for s in deliveries(r))
    bound = result.problem.objective.balance_factor
    counts = [len(deliveries(r)) for r in routes]
    mean_stops = sum(counts) / len(counts) if counts else 0.0
    hours_ok = bound is None or not mean or max(durations) <= bound * mean + 1
    stops_ok = bound is None or not counts or max(counts) <= max(1, bound * mean_stops)
    out: dict[str, Any] = {
        "households_under_observation": served + len(result.issues) + len(result.not_due),
        "households_served": served,
        "households_unassigned": len(result.issues),
        "households_not_due": len(result.not_due),
        "households_not_observed": len(result.selection.not_observed),
        "stops": sum(counts),
        "trips": sum(r["trips"] for r in routes),
        "most_trips": max((r["trips"] for r in routes), default=0),
        "volunteers_available": len(result.ledger.volunteers),
        "volunteers_called": len(routes),
        "distance_m": sum(r["distance_m"] for r in routes),
        "duration_s": sum(durations),
        "longest_run_s": max(durations, default=0),
        "mean_run_s": round(mean),
        "longest_over_mean": round(max(durations) / mean, 3) if mean else 0.0,
        "most_stops": max(counts, default=0),
        "mean_stops": round(mean_stops, 2),
        "most_stops_over_mean": round(max(counts) / mean_stops, 3) if mean_stops else 0.0,
        "balance_bound": bound,
        "balance_met": hours_ok and stops_ok,
        "balance": balance_sentence(bound, mean, mean_stops, hours_ok and stops_ok, len(routes)),
        "load_kg": round(sum(r["load_kg"] for r in routes), 3),
        "cost": result.solution.cost,
        "solver_status": result.solution.stats.status,
        "seconds": {k: round(v, 3) for k, v in result.timings.items()},
    }
    if result.continuity is not None:
        out["continuity"] = continuity_summary(result.continuity)
    return out
