"""Why is a stop on no route? A diagnosis run after the search, without OR-Tools.

For each unassigned stop the vehicles are filtered stage by stage, and the reason is the
first stage that leaves none:

1. ``NO_COMPATIBLE_VEHICLE``: no vehicle has all required skills and is allowed.
2. ``DEMAND_EXCEEDS_CAPACITY``: every compatible vehicle is too small in some dimension.
3. ``UNREACHABLE``: for every remaining vehicle the matrix of its profile says -1 from its
   start to the stop, or from the stop to its end.
4. ``TIME_WINDOW_UNREACHABLE``: no remaining vehicle, leaving its start within its shift
   and the start depot's hours (a vehicle that starts empty loading at one of its load
   places on the way), can start service inside a window and be back at its end within
   its shift and the end depot's hours.
5. ``RIDE_TIME_UNREACHABLE``: no timely lone trip, leaving loaded from the start or
   through a load place, reaches it within its ``max_ride`` (the travel from the load
   place, or more where the load place's closing forces a wait at the door).
6. ``ROUTE_LIMIT``: going there alone breaks ``max_duration`` (the shortest such trip,
   leaving as late as the service start allows), ``max_distance`` or ``max_stops`` for
   every remaining vehicle.
7. ``FLEET_EXHAUSTED``: some vehicle could serve it alone; with the others it does not fit.

After a search, :func:`short_of_time` turns ``FLEET_EXHAUSTED`` into ``TIME_LIMIT`` where
the budget, not the fleet, left the stop out: the stop fits into the plan as it stands for
less than its penalty (a settled search would have placed it; with trips, also on a new
trip after a reload: :mod:`solver.trips`), or (case ``time_limit_cut_short``, whose
sentence claims neither cause) the search was stopped while it was still placing stops
and no bound over the whole fleet (load, or service plus the shortest way in against the
hours of all shifts) shows the fleet cannot take it. With
trips, a stop whose fit could not be decided before the call's deadline is ``TIME_LIMIT``
with a sentence (case ``time_limit_unchecked``) saying that whether the volunteers called
could take it was not checked: neither cause is claimed as proven.

A depot's opening hours apply to every vehicle whose start or end location is that
depot's location: the route may not leave before it opens nor arrive after it closes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from solver import refine
from solver.model import Problem, Stop, Vehicle
from solver.objective import cost_key, penalties
from solver.solution import Reason, Route, Unassigned


def clock(seconds: int) -> str:
    """Format seconds on the plan clock as ``HH:MM`` (``HH:MM:SS`` when not whole minutes)."""
    sign = "-" if seconds < 0 else ""
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def span(seconds: int) -> str:
    """Format a duration in seconds as e.g. ``2 h 05 min``, ``12 min`` or ``40 s``."""
    if seconds < 60:
        return f"{seconds} s"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = f"{h} h {m:02d} min" if h else f"{m} min"
    return text + (f" {s} s" if s else "")


def depot_window(problem: Problem, location: int | None) -> tuple[int, int] | None:
    """Opening hours that bind a route starting or ending at ``location``.

    Parameters
    ----------
    problem
        The problem.
    location
        A location index, or ``None`` (open end).

    Returns
    -------
    tuple or None
        ``(opens, closes)`` in seconds, intersected over every depot at that location;
        ``None`` when no depot is there.
    """
    if location is None:
        return None
    windows = [d.window for d in problem.depots if d.location == location]
    if not windows:
        return None
    return max(w[0] for w in windows), min(w[1] for w in windows)


def compatible(stop: Stop, vehicle: Vehicle) -> bool:
    """``True`` when the vehicle has every skill the stop needs and is allowed to serve it."""
    allowed = stop.allowed_vehicles is None or vehicle.id in stop.allowed_vehicles
    return allowed and stop.skills <= vehicle.skills


@dataclass(frozen=True, slots=True)
class _Trip:
    """A vehicle going to one stop alone and back, as early as every rule allows."""

    vehicle: Vehicle
    leave: int  # earliest departure from the start (s)
    latest_leave: int  # latest departure (shift end, start depot closing)
    t_out: int  # travel time there (s)
    arrival: int  # earliest arrival at the stop (s)
    first_start: int | None  # earliest service start inside a window, return ignored
    start: int | None  # earliest service start that also allows a timely return
    latest_end: int  # latest arrival at the end (shift end, end depot closing)
    back: int  # service + travel time back (s)
    travel_time: int  # there and back (s)
    distance: int  # there and back (m)
    ride: int | None = None  # shortest time from leaving the load place to service (s)

    @property
    def timely(self) -> bool:
        """The vehicle can serve the stop alone within windows, shift and depot hours."""
        return self.leave <= self.latest_leave and self.start is not None

    @property
    def duration(self) -> int:
        """Shortest duration of the lone trip, leaving as late as the start allows (s)."""
        assert self.start is not None
        leave = min(self.latest_leave, self.start - self.t_out)
        return self.start + self.back - leave


def _trip(problem: Problem, stop: Stop, v: Vehicle, via: int | None = None) -> _Trip:
    """The lone trip of ``v`` to ``stop``: straight from its start, or (``via``) loading at
    that location on the way."""
    prof = problem.profiles[v.profile]
    leave, latest_leave = v.shift
    earliest_end, latest_end = v.shift
    start_hours = depot_window(problem, v.start)
    end_hours = depot_window(problem, v.end)
    if start_hours is not None:
        leave, latest_leave = max(leave, start_hours[0]), min(latest_leave, start_hours[1])
    if end_hours is not None:
        earliest_end, latest_end = max(earliest_end, end_hours[0]), min(latest_end, end_hours[1])
    source = v.start if via is None else via
    t_leg = int(prof.durations[source, stop.location])
    t_out, d_out = t_leg, int(prof.distances[source, stop.location])
    source_closes = latest_leave
    if via is not None:
        t_out += int(prof.durations[v.start, via]) + v.reload_service
        d_out += int(prof.distances[v.start, via])
        hours = depot_window(problem, via)
        source_closes = v.shift[1] if hours is None else hours[1] + v.reload_service
    t_back = d_back = 0
    if v.end is not None:
        t_back = int(prof.durations[stop.location, v.end])
        d_back = int(prof.distances[stop.location, v.end])
    back = stop.service + t_back
    arrival = leave + t_out
    windows = stop.windows or ((v.shift[0], v.shift[1]),)
    first_start = next((max(arrival, lo) for lo, hi in windows if hi >= arrival), None)
    lowest = max(arrival, earliest_end - back)
    start = next(
        (max(lo, lowest) for lo, hi in windows if max(lo, lowest) <= min(hi, latest_end - back)),
        None,
    )
    ride = None if start is None else max(t_leg, start - source_closes)
    return _Trip(
        v,
        leave,
        latest_leave,
        t_out,
        arrival,
        first_start,
        start,
        latest_end,
        back,
        t_out + t_back,
        d_out + d_back,
        ride,
    )


def _trips(problem: Problem, stop: Stop, v: Vehicle) -> list[_Trip]:
    """The lone trips of ``v`` to ``stop``: leaving loaded from its start (if it does), and
    through each of its load places."""
    via: list[int | None] = [None] if v.start_loaded else []
    via += list(v.load_places)
    return [_trip(problem, stop, v, place) for place in via]


def _rides_in_time(stop: Stop, trip: _Trip) -> bool:
    """The lone trip keeps the stop's ride limit."""
    return stop.max_ride is None or (trip.ride is not None and trip.ride <= stop.max_ride)


def _ride(stop: Stop, trips: Sequence[_Trip]) -> str:
    best = min(trips, key=lambda t: t.ride if t.ride is not None else 0)
    return (
        f"It must be reached within {span(stop.max_ride or 0)} of loading, but the shortest "
        f"ride there takes {span(best.ride or 0)} (vehicle {best.vehicle.id!r}, from its "
        f"nearest load place)."
    )


def _units(problem: Problem, values: Sequence[int]) -> str:
    dims = problem.dimensions
    return ", ".join(f"{q} {dims[i]}" if i < len(dims) else str(q) for i, q in enumerate(values))


@dataclass(frozen=True, slots=True)
class Why:
    """A diagnosis's sentence (English) and its facts (see :attr:`Unassigned.facts`)."""

    message: str
    case: str
    facts: tuple[tuple[str, str], ...] = ()


def _why(message: str, case: str, **facts: object) -> Why:
    return Why(message, case, tuple((k, str(v)) for k, v in facts.items()))


def _names(vehicles: Sequence[Vehicle]) -> str:
    ids = [repr(v.id) for v in vehicles]
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def _who(vehicles: Sequence[Vehicle]) -> str:
    """The vehicles' ids as a fact: the first five, then ``+n`` for the rest."""
    ids = [v.id for v in vehicles]
    return ", ".join(ids[:5]) + (f" +{len(ids) - 5}" if len(ids) > 5 else "")


def _no_compatible(problem: Problem, stop: Stop) -> Why:
    parts = []
    if stop.skills:
        parts.append(f"needs {', '.join(sorted(stop.skills))}")
    if stop.allowed_vehicles is not None:
        parts.append(f"may only go with {', '.join(sorted(map(repr, stop.allowed_vehicles)))}")
    need = " and ".join(parts) if parts else "has no restriction"
    if not problem.vehicles:
        return _why("There are no vehicles in the plan.", "no_vehicles")
    return _why(
        f"It {need}, but no vehicle in the plan has those skills and is allowed to go.",
        "no_skill",
        skills=", ".join(sorted(stop.skills)),
        allowed=", ".join(sorted(stop.allowed_vehicles or ())),
    )


def _too_big(problem: Problem, stop: Stop, vehicles: Sequence[Vehicle]) -> Why:
    for i, q in enumerate(stop.demand):
        largest = max(v.capacity[i] for v in vehicles)
        if q > largest:
            unit = problem.dimensions[i]
            return _why(
                f"It needs {q} {unit} but the largest compatible vehicle carries {largest} {unit}.",
                "too_heavy",
                need=q,
                unit=unit,
                largest=largest,
            )
    sizes = "; ".join(f"{v.id!r} carries {_units(problem, v.capacity)}" for v in vehicles[:3])
    return _why(
        f"It needs {_units(problem, stop.demand)} and every compatible vehicle is too small "
        f"in some dimension ({sizes}).",
        "too_big",
        need=_units(problem, stop.demand),
        sizes="; ".join(f"{v.id}: {_units(problem, v.capacity)}" for v in vehicles[:3]),
    )


def _unreachable(problem: Problem, vehicles: Sequence[Vehicle]) -> Why:
    profiles = sorted({problem.profiles[v.profile].name for v in vehicles})
    return _why(
        f"There is no path on the {' / '.join(profiles)} street graph between it and the "
        f"start or end of any vehicle that could carry it ({_names(vehicles)}).",
        "no_path",
        profiles=" / ".join(profiles),
        who=_who(vehicles),
    )


def _late(stop: Stop, trips: Sequence[_Trip]) -> Why:
    given = ", ".join(f"{clock(lo)}-{clock(hi)}" for lo, hi in stop.windows)
    windows = given or "the shift"
    leaving = [t for t in trips if t.leave <= t.latest_leave]
    if not leaving:
        t = trips[0]
        return _why(
            f"No vehicle that could serve it can leave: the shift of {t.vehicle.id!r} "
            f"does not overlap the opening hours of its depot.",
            "cannot_leave",
            vehicle=t.vehicle.id,
        )
    best = min(leaving, key=lambda t: t.arrival)
    reaching = [t for t in leaving if t.first_start is not None]
    if not reaching:
        return _why(
            f"Its window {windows} cannot be met: the earliest arrival is {clock(best.arrival)} "
            f"(vehicle {best.vehicle.id!r} leaving at {clock(best.leave)}).",
            "late_arrival",
            windows=given,
            arrival=clock(best.arrival),
            vehicle=best.vehicle.id,
            leave=clock(best.leave),
        )
    soonest = min(reaching, key=lambda t: (t.first_start or 0) + t.back)
    back_at = (soonest.first_start or 0) + soonest.back
    return _why(
        f"It can be reached within {windows}, but no vehicle gets back in time: the earliest "
        f"return is {clock(back_at)} (vehicle {soonest.vehicle.id!r}) and that vehicle must "
        f"be back by {clock(soonest.latest_end)}.",
        "late_return",
        windows=given,
        back=clock(back_at),
        vehicle=soonest.vehicle.id,
        latest=clock(soonest.latest_end),
    )


def _limit(stop: Stop, trip: _Trip) -> Why:
    v = trip.vehicle
    alone = trip.duration
    if v.max_stops is not None and v.max_stops < 1:
        return _why(
            f"Vehicle {v.id!r} may not make any stop (max_stops {v.max_stops}).",
            "no_stops",
            vehicle=v.id,
            max_stops=v.max_stops,
        )
    if v.max_duration is not None and alone > v.max_duration:
        return _why(
            f"Going there alone takes {span(alone)} but vehicle {v.id!r} may be out at most "
            f"{span(v.max_duration)}.",
            "too_long",
            alone_s=alone,
            vehicle=v.id,
            most_s=v.max_duration,
        )
    return _why(
        f"Going there alone is {trip.distance} m but vehicle {v.id!r} may travel at most "
        f"{v.max_distance} m.",
        "too_far",
        alone_m=trip.distance,
        vehicle=v.id,
        most_m=v.max_distance,
    )


def _breaks_limit(stop: Stop, trip: _Trip) -> bool:
    v = trip.vehicle
    return (
        (v.max_stops is not None and v.max_stops < 1)
        or (v.max_duration is not None and trip.duration > v.max_duration)
        or (v.max_distance is not None and trip.distance > v.max_distance)
    )


def _fleet(stop: Stop, vehicles: Sequence[Vehicle]) -> Why:
    who = _names(vehicles)
    if not stop.required:
        return _why(
            f"Optional stop left out: vehicle(s) {who} could serve it alone, but with the "
            f"other stops serving it would cost more than its penalty or push out more "
            f"important stops.",
            "optional",
            who=_who(vehicles),
        )
    return _why(
        f"It could be served alone (by {who}), but not together with the other stops: more "
        f"vehicles or more hours are needed.",
        "fleet",
        who=_who(vehicles),
    )


def _key(v: Vehicle) -> tuple[object, ...]:
    """Everything about a vehicle that a diagnosis looks at, except its id."""
    return (
        v.start,
        v.end,
        v.capacity,
        v.shift,
        v.max_duration,
        v.max_distance,
        v.max_stops,
        v.skills,
        v.profile,
        v.load_places,
        v.reload_service,
        v.start_loaded,
    )


def fleet_classes(vehicles: Sequence[Vehicle]) -> tuple[tuple[Vehicle, ...], ...]:
    """Vehicles grouped by everything but their id, groups in order of first member.

    Identical vehicles get identical diagnoses, so each group is examined once per stop:
    a fleet of 250 equal vans costs one lone-trip computation, not 250.
    """
    groups: dict[tuple[object, ...], list[Vehicle]] = {}
    for v in vehicles:
        groups.setdefault(_key(v), []).append(v)
    return tuple(tuple(g) for g in groups.values())


def _members(groups: Sequence[tuple[Vehicle, ...]], order: dict[str, int]) -> list[Vehicle]:
    """The vehicles of ``groups``, in problem order."""
    return sorted((v for g in groups for v in g), key=lambda v: order[v.id])


def diagnose_stop(
    problem: Problem, stop: Stop, *, classes: Sequence[tuple[Vehicle, ...]] | None = None
) -> Unassigned:
    """Diagnose one stop that is on no route (see the module docstring for the stages).

    Parameters
    ----------
    problem
        The problem the stop belongs to.
    stop
        The unassigned stop.
    classes
        ``fleet_classes(problem.vehicles)``, when already computed for several stops.
    """

    def fail(reason: Reason, why: Why | str) -> Unassigned:
        if isinstance(why, str):
            return Unassigned(stop.id, reason, why)
        return Unassigned(stop.id, reason, why.message, (("case", why.case), *why.facts))

    if classes is None:
        classes = fleet_classes(problem.vehicles)
    order = {v.id: k for k, v in enumerate(problem.vehicles)}
    groups: list[tuple[Vehicle, ...]] = []
    for g in classes:
        if not stop.skills <= g[0].skills:
            continue
        if stop.allowed_vehicles is not None:
            g = tuple(v for v in g if v.id in stop.allowed_vehicles)
        if g:
            groups.append(g)
    groups.sort(key=lambda g: order[g[0].id])
    if not groups:
        return fail(Reason.NO_COMPATIBLE_VEHICLE, _no_compatible(problem, stop))
    fitting = [
        g for g in groups if all(q <= c for q, c in zip(stop.demand, g[0].capacity, strict=True))
    ]
    if not fitting:
        return fail(
            Reason.DEMAND_EXCEEDS_CAPACITY, _too_big(problem, stop, _members(groups, order))
        )

    def reaches(v: Vehicle) -> bool:
        m = problem.profiles[v.profile].durations
        back = v.end is None or m[stop.location, v.end] >= 0
        return bool(m[v.start, stop.location] >= 0 and back)

    reaching = [g for g in fitting if reaches(g[0])]
    if not reaching:
        return fail(Reason.UNREACHABLE, _unreachable(problem, _members(fitting, order)))
    trips = [(g, t) for g in reaching for t in _trips(problem, stop, g[0])]
    timely = [(g, t) for g, t in trips if t.timely]
    if not timely:
        return fail(Reason.TIME_WINDOW_UNREACHABLE, _late(stop, [t for _, t in trips]))
    riding = [(g, t) for g, t in timely if _rides_in_time(stop, t)]
    if not riding:
        return fail(Reason.RIDE_TIME_UNREACHABLE, _ride(stop, [t for _, t in timely]))
    within = list({id(g): g for g, t in riding if not _breaks_limit(stop, t)}.values())
    if not within:
        return fail(Reason.ROUTE_LIMIT, _limit(stop, riding[0][1]))
    return fail(Reason.FLEET_EXHAUSTED, _fleet(stop, _members(within, order)))


def diagnose(
    problem: Problem, unassigned: Sequence[int], routes: Sequence[Route]
) -> list[Unassigned]:
    """Give each unassigned stop a reason and a sentence for the coordinator.

    Parameters
    ----------
    problem
        The solved problem.
    unassigned
        Indices into ``problem.stops`` of the stops on no route.
    routes
        The plan's routes (reasons are decided per stop; the routes are accepted so that
        later, route-aware explanations keep the same signature).

    Returns
    -------
    list of Unassigned
        One entry per index, in the same order.
    """
    del routes  # every reason is decided from the stop and the fleet alone
    classes = fleet_classes(problem.vehicles)
    return [diagnose_stop(problem, problem.stops[i], classes=classes) for i in unassigned]


def short_of_time(
    problem: Problem,
    unassigned: Sequence[Unassigned],
    routes: Sequence[Sequence[int]] | None,
    *,
    settled: bool,
    time_limit: float,
    deadline: float | None = None,
) -> list[Unassigned]:
    """Name ``TIME_LIMIT`` where the budget, not the fleet, left a stop out.

    Parameters
    ----------
    problem
        The solved problem.
    unassigned
        The diagnosed unserved stops (:func:`diagnose`).
    routes
        The plan: stop positions per vehicle (``None``: the search found no plan).
    settled
        Whether the search stopped placing stops before its limit (else it was cut short).
    time_limit
        The search's budget (s); the sentence suggests twice it, at least one second more.
    deadline
        ``time.monotonic()`` instant by which the fit test with trips stops timing
        candidates (``None``: none); stops it leaves undecided get the ``TIME_LIMIT``
        sentence that says their fit was not checked.

    Returns
    -------
    list of Unassigned
        ``unassigned`` with ``FLEET_EXHAUSTED`` replaced by ``TIME_LIMIT`` where the stop
        fits the plan as it stands (:func:`solver.refine.worth_placing`, on the problems
        the refinement models), or, when not ``settled``, where no fleet bound shows that
        the fleet cannot take it.
    """
    index = problem.stop_index()
    suspects = [index[u.stop_id] for u in unassigned if u.reason is Reason.FLEET_EXHAUSTED]
    if not suspects:
        return list(unassigned)
    fits: list[bool | None] = [False] * len(suspects)
    if routes is not None and refine.unsupported(problem) is None:
        fits = list(refine.worth_placing(problem, routes, suspects))
    elif routes is not None:
        from solver import trips  # imports the checker, which imports this module

        if trips.has_trips(problem):
            fits = trips.fits_with_trips(
                problem, routes, suspects, _penalties(problem), deadline=deadline
            )
    cannot_take = _fleet_bound(problem, problem.stop_positions(i for r in routes or () for i in r))
    more = max(math.ceil(2 * time_limit), math.ceil(time_limit) + 1)
    why: dict[str, Why] = {}
    for i, fit in zip(suspects, fits, strict=True):
        if fit:
            why[problem.stops[i].id] = _time_limit(time_limit, more, case="time_limit")
        elif fit is None and not cannot_take(i):
            why[problem.stops[i].id] = _time_limit(time_limit, more, case="time_limit_unchecked")
        elif not settled and not cannot_take(i):
            why[problem.stops[i].id] = _time_limit(time_limit, more, case="time_limit_cut_short")
    return [
        dataclasses.replace(
            u,
            reason=Reason.TIME_LIMIT,
            message=why[u.stop_id].message,
            facts=(("case", why[u.stop_id].case), *why[u.stop_id].facts),
        )
        if u.stop_id in why
        else u
        for u in unassigned
    ]


def _fleet_bound(problem: Problem, served: Sequence[int]) -> Callable[[int], bool]:
    """Whether a bound over the whole fleet shows it cannot serve ``served`` and a stop more.

    Loads: the stops' demand against every vehicle's capacity summed, per dimension. Time:
    each stop's service plus its shortest way in (from any other place, on any profile in
    use) against the length of every shift summed.
    """
    stops, vehicles = problem.stops, problem.vehicles
    # A vehicle that reloads carries its capacity once per trip (unlimited trips: no bound).
    most = len(stops) + 1
    trips = [most if v.max_trips is None else min(v.max_trips, most) for v in vehicles]
    caps = [[c * n for c in v.capacity] for v, n in zip(vehicles, trips, strict=True)]
    capacity = np.asarray(caps, dtype=np.int64).reshape(len(vehicles), -1).sum(axis=0)
    demand = np.asarray([s.demand for s in stops], dtype=np.int64).reshape(len(stops), -1)
    need = np.asarray([s.service for s in stops], dtype=np.int64) + _ways_in(problem)
    shifts = sum(max(0, v.shift[1] - v.shift[0]) for v in vehicles)
    load, hours = demand[list(served)].sum(axis=0), int(need[list(served)].sum())

    def cannot_take(stop: int) -> bool:
        return bool((load + demand[stop] > capacity).any() or hours + need[stop] > shifts)

    return cannot_take


def _penalties(problem: Problem) -> list[int]:
    """The search's penalty per stop (its arc bound from the largest matrix entries)."""
    bound = 1
    for v in problem.vehicles:
        prof = problem.profiles[v.profile]
        per_s, per_m = cost_key(problem, v)[1:]
        bound = max(bound, int(per_s * prof.durations.max() + per_m * prof.distances.max()))
    return penalties(problem, bound)


def _ways_in(problem: Problem) -> np.ndarray:
    """Per stop, the fewest seconds any vehicle in use travels to it from another location."""
    locs = np.asarray([s.location for s in problem.stops], dtype=np.int64)
    best = np.full(len(locs), np.iinfo(np.int64).max, dtype=np.int64)
    for p in sorted({v.profile for v in problem.vehicles}):
        m = np.asarray(problem.profiles[p].durations, dtype=np.int64)[:, locs].copy()
        m[locs, np.arange(len(locs))] = -1  # not from itself
        m[m < 0] = np.iinfo(np.int64).max
        best = np.minimum(best, m.min(axis=0))
    return np.where(best == np.iinfo(np.int64).max, 0, best)


def _time_limit(limit: float, more: int, *, case: str) -> Why:
    """The ``TIME_LIMIT`` sentence of ``case``: ``time_limit`` (the stop fits the plan as it
    stands), ``time_limit_cut_short`` (the search was stopped while still placing stops and
    found no room for this one; no fleet bound shows it cannot be taken: neither cause is
    proven) or ``time_limit_unchecked`` (the fit test ran out of time before it could tell)."""
    if case == "time_limit":
        text = (
            f"Not served for want of search time: the time limit ({limit:g} s) ended the "
            f"search before it placed this stop, and the volunteers called may well take it. "
            f"A limit of about {more} s would likely place it."
        )
    elif case == "time_limit_cut_short":
        text = (
            f"Not served: the time limit ({limit:g} s) ended the search while it was still "
            f"placing stops, before it found room for this one, and nothing shows that the "
            f"volunteers called cannot take it. A limit of about {more} s would place it or "
            f"show that more volunteers or hours are needed."
        )
    else:
        text = (
            f"Not served when the time limit ({limit:g} s) ended the search, and there was no "
            f"time left to check whether the volunteers called could take it. A limit of "
            f"about {more} s would place it or show that more volunteers or hours are needed."
        )
    return _why(text, case, limit_s=f"{limit:g}", more_s=more)
