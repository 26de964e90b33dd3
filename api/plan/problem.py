"""The routing problem of one day: a location index, then :class:`solver.Problem`.

Weights are integer grams inside (demand rounded up, capacity rounded down); travel is
integer seconds and metres per mode from the street matrices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from api.plan.day import DaySelection, LonLat, carried_g
from api.plan.ledger import DepotRecord, Volunteer
from api.plan.rules import MEDICINE, DayRules, reload_seconds
from solver import Depot, Objective, ObjectiveKind, Problem, Profile, Stop, Vehicle

#: The one capacity dimension: grams carried.
DIMENSION = "g"


@dataclass(frozen=True, slots=True)
class Locations:
    """The unique points of a plan, indexed as in every matrix: depots, starts, stops.

    Attributes
    ----------
    points
        ``(lon, lat)`` WGS-84 of each location index.
    depot
        Location index of each depot id.
    start
        Location index of each volunteer's start.
    stop
        Location index of each stop id.
    """

    points: tuple[LonLat, ...]
    depot: dict[str, int] = field(default_factory=dict)
    start: dict[str, int] = field(default_factory=dict)
    stop: dict[str, int] = field(default_factory=dict)


def volunteer_depot(volunteer: Volunteer, depots: Sequence[DepotRecord]) -> DepotRecord | None:
    """Where a volunteer loads: their depot, else the first depot (``None``: no depots)."""
    by_id = {d.depot_id: d for d in depots}
    return by_id.get(volunteer.depot_id, depots[0] if depots else None)


def from_home(volunteer: Volunteer) -> bool:
    """Whether a volunteer starts and ends at their own position (home)."""
    return volunteer.start_lon is not None and volunteer.start_lat is not None


def volunteer_start(volunteer: Volunteer, depots: Sequence[DepotRecord]) -> LonLat:
    """Where a volunteer starts and ends, ``(lon, lat)``: own position, depot, or first depot."""
    if volunteer.start_lon is not None and volunteer.start_lat is not None:
        return (volunteer.start_lon, volunteer.start_lat)
    d = volunteer_depot(volunteer, depots)
    assert d is not None  # the ledger gives every volunteer a start or a depot
    return (d.lon, d.lat)


def locate(
    selection: DaySelection, volunteers: Sequence[Volunteer], depots: Sequence[DepotRecord]
) -> Locations:
    """Give every depot, volunteer start and stop a location index (identical points shared)."""
    points: list[LonLat] = []
    index: dict[LonLat, int] = {}

    def at(p: LonLat) -> int:
        key = (round(p[0], 7), round(p[1], 7))
        if key not in index:
            index[key] = len(points)
            points.append(key)
        return index[key]

    depot = {d.depot_id: at((d.lon, d.lat)) for d in depots}
    start = {v.volunteer_id: at(volunteer_start(v, depots)) for v in volunteers}
    stop = {s.stop_id: at((s.lon, s.lat)) for s in selection.stops}
    return Locations(tuple(points), depot, start, stop)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to weigh the plan.

    Attributes
    ----------
    balance_factor
        No volunteer's run may last longer than this times the mean run (``None``: off).
    span_cost
        Cost per second of the longest run, nudging work towards being even. Off by
        default: measured on small plans, a positive span cost made the search drop
        households rather than lengthen the longest run; ``balance_factor`` bounds balance
        without that risk.
    fewest_volunteers
        Call out as few volunteers as possible.
    """

    balance_factor: float | None = 2.0
    span_cost: int = 0
    fewest_volunteers: bool = False


def _trips(
    volunteer: Volunteer,
    depots: Sequence[DepotRecord],
    locations: Locations,
    rules: DayRules,
) -> dict[str, Any]:
    """The trip fields of a volunteer's vehicle: every trip loads at their depot (a volunteer
    from home goes there first, empty); as many trips as ``max_trips`` (``None``: the shift
    allows), one when the rules turn reloads off; ``reload_minutes`` per load."""
    depot = volunteer_depot(volunteer, depots)
    if depot is None:  # nowhere to load: one trip, loaded at the start
        return {}
    at = locations.depot[depot.depot_id]
    home = from_home(volunteer) and locations.start[volunteer.volunteer_id] != at
    return {
        "reload_locations": (at,),
        "max_trips": volunteer.max_trips if rules.reloads else 1,
        "reload_service": reload_seconds(rules),
        "start_loaded": not home,
    }


def build_problem(
    selection: DaySelection,
    volunteers: Sequence[Volunteer],
    depots: Sequence[DepotRecord],
    locations: Locations,
    matrices: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    options: PlanOptions | None = None,
    rules: DayRules | None = None,
) -> Problem:
    """Build the solver problem of one day.

    Parameters
    ----------
    selection, volunteers, depots, locations
        The day's stops, the volunteers called, the depots and the location index.
    matrices
        Per travel mode (``walk``, ``bike``, ``ebike``, ``drive``): ``(durations s,
        distances m)`` square int64 matrices over ``locations``, ``-1`` where unreachable.
    options
        Balance and fleet options.
    rules
        Day rules: the lateness cost of soft deadlines, reloads and their time.

    Returns
    -------
    Problem
        One capacity dimension ``"g"``; travel profiles in the order of the modes used.
    """
    options = options or PlanOptions()
    rules = rules or DayRules()
    modes = sorted({v.mode for v in volunteers}) or ["walk"]
    profiles = []
    for m in modes:
        dur, dist = matrices[m]
        profiles.append(Profile(m, np.asarray(dur, np.int64), np.asarray(dist, np.int64)))
    profile_of = {m: i for i, m in enumerate(modes)}
    vehicles = [
        Vehicle(
            id=v.volunteer_id,
            start=locations.start[v.volunteer_id],
            end=locations.start[v.volunteer_id],
            capacity=(carried_g(v),),
            shift=(v.available_from, v.available_to),
            max_stops=v.max_stops,
            skills=v.skills,
            profile=profile_of[v.mode],
            cost_per_second=1,
            cost_per_metre=0,
            **_trips(v, depots, locations, rules),
        )
        for v in volunteers
    ]
    stops = [
        Stop(
            id=s.stop_id,
            location=locations.stop[s.stop_id],
            demand=(s.demand_g,),
            service=s.service_s,
            windows=(s.window,),
            deadline=s.deadline,
            lateness_cost=0 if s.deadline is None else rules.lateness_cost,
            priority=s.priority,
            skills=s.skills,
            max_ride=s.max_ride,
        )
        for s in selection.stops
    ]
    skills = frozenset({MEDICINE}).union(*(v.skills for v in volunteers))
    solver_depots = [
        Depot(d.depot_id, locations.depot[d.depot_id], (d.opens, d.closes)) for d in depots
    ]
    objective = Objective(
        kind=ObjectiveKind.DURATION,
        span_cost=options.span_cost,
        balance_factor=options.balance_factor,
        minimise_vehicles=options.fewest_volunteers,
    )
    return Problem(
        stops=tuple(stops),
        vehicles=tuple(vehicles),
        profiles=tuple(profiles),
        depots=tuple(solver_depots),
        objective=objective,
        dimensions=(DIMENSION,),
        skills=skills,
    )
