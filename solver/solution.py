"""What a solve returns: routes of timed visits, unassigned stops with reasons, statistics.

All times are integer seconds on the problem's clock, distances integer metres, loads
integer vectors in the problem's dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why a stop is not on any route (found by a diagnosis after the solve)."""

    #: No vehicle has the skills, or is allowed, to serve the stop.
    NO_COMPATIBLE_VEHICLE = "NO_COMPATIBLE_VEHICLE"
    #: The stop's demand exceeds the capacity of every compatible vehicle.
    DEMAND_EXCEEDS_CAPACITY = "DEMAND_EXCEEDS_CAPACITY"
    #: No compatible vehicle can travel there and back on its street graph.
    UNREACHABLE = "UNREACHABLE"
    #: No compatible vehicle reaches it within its windows, even going there alone.
    TIME_WINDOW_UNREACHABLE = "TIME_WINDOW_UNREACHABLE"
    #: Going there alone breaks a route limit (duration, distance or stop count).
    ROUTE_LIMIT = "ROUTE_LIMIT"
    #: It fits alone but not together with the rest: more vehicles or hours are needed.
    FLEET_EXHAUSTED = "FLEET_EXHAUSTED"
    #: The time limit ended the search before it placed the stop; the fleet may well take
    #: it: a longer limit is needed (the sentence names one).
    TIME_LIMIT = "TIME_LIMIT"


@dataclass(frozen=True, slots=True)
class Visit:
    """One stop on a route.

    Attributes
    ----------
    stop_id
        The stop served.
    location
        Its location index.
    arrival
        Time the vehicle arrives (s).
    start
        Time service starts (s): ``arrival + wait``.
    departure
        Time the vehicle leaves (s): ``start + service``.
    wait
        Seconds waited for the window to open.
    load_after
        Quantity still on board after this stop's delivery, per dimension.
    lateness
        Seconds past the stop's soft deadline (0 when on time or no deadline).
    travel_time, travel_distance
        Seconds and metres travelled from the previous visit (or the route start).
    """

    stop_id: str
    location: int
    arrival: int
    start: int
    departure: int
    wait: int
    load_after: tuple[int, ...]
    lateness: int = 0
    travel_time: int = 0
    travel_distance: int = 0


@dataclass(frozen=True, slots=True)
class Route:
    """The ordered visits of one vehicle.

    Attributes
    ----------
    vehicle_id
        The vehicle driving it.
    visits
        Visits in order (never empty for a used vehicle).
    start_time
        Departure from the vehicle's start location (s).
    end_time
        Arrival at the end location, or departure from the last visit on an open route (s).
    distance
        Total metres travelled, including the way to the end location.
    travel_time
        Total seconds travelling.
    load
        Total demand carried from the start, per dimension.
    end_travel_time, end_travel_distance
        Seconds and metres from the last visit to the end location (0 on an open route).
    """

    vehicle_id: str
    visits: tuple[Visit, ...]
    start_time: int
    end_time: int
    distance: int
    travel_time: int
    load: tuple[int, ...]
    end_travel_time: int = 0
    end_travel_distance: int = 0

    @property
    def duration(self) -> int:
        """Seconds from leaving the start to the end of the route."""
        return self.end_time - self.start_time


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A stop that is on no route, with the reason and a sentence for people.

    Attributes
    ----------
    stop_id, reason, message
        The stop, its reason code and the sentence (English).
    facts
        The sentence's figures by name, as text (``case`` names which sentence of the
        reason it is; clock times ``HH:MM``, names ending ``_s`` seconds, ``_m`` metres),
        so the sentence can be told in other languages with the same facts.
    """

    stop_id: str
    reason: Reason
    message: str
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SolveStats:
    """Where the time went and how the search ended.

    Attributes
    ----------
    phases
        Seconds per phase, e.g. ``{"build": 0.1, "search": 9.7, "diagnose": 0.01}``.
    status
        The search's final status in words (e.g. ``"time limit"``).
    objective
        The solver's internal objective value (includes penalties).
    workers
        How many searches ran in parallel.
    """

    phases: dict[str, float] = field(default_factory=dict)
    status: str = ""
    objective: int = 0
    workers: int = 1


@dataclass(frozen=True, slots=True)
class Solution:
    """A complete plan: every stop is on exactly one route or in ``unassigned``.

    Attributes
    ----------
    routes
        Used vehicles' routes (unused vehicles are left out).
    unassigned
        Stops on no route, each with a reason.
    cost
        Cost of the plan without penalties for unassigned stops: the arc costs of every
        route under ``Objective.kind`` (metres, travel seconds, or each vehicle's weighted
        sum), including the way to the end location, plus ``fixed_cost`` of every used
        vehicle, plus ``lateness_cost`` x seconds late past each stop's soft deadline.
        (``span_cost`` and ``minimise_vehicles`` steer the search but are not in ``cost``.)
    stats
        Timing and search statistics.
    """

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    cost: int
    stats: SolveStats = field(default_factory=SolveStats)

    @property
    def distance(self) -> int:
        """Total metres over all routes."""
        return sum(r.distance for r in self.routes)

    @property
    def duration(self) -> int:
        """Sum of route durations in seconds."""
        return sum(r.duration for r in self.routes)

    def summary(self) -> dict[str, Any]:
        """Small dictionary of headline figures, for logs and terminal output."""
        return {
            "routes": len(self.routes),
            "stops_served": sum(len(r.visits) for r in self.routes),
            "unassigned": len(self.unassigned),
            "cost": self.cost,
            "distance_m": self.distance,
            "duration_s": self.duration,
            "status": self.stats.status,
        }
