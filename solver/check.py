"""Independent checker: recompute a plan from the problem and the matrices alone.

It shares nothing with the search: every leg, time, load, limit and the cost are
recomputed here from :class:`~solver.model.Problem` and the vehicle's profile matrices,
and compared with what the :class:`~solver.solution.Solution` states. A plan it rejects
is a defect of whoever produced the plan.

Rules checked, per route (vehicle ``v``, its profile's matrices ``T`` seconds, ``D`` metres):

- the vehicle exists and drives at most one route; the route has at least one visit;
- each visit names a known stop at that stop's location; ``v`` has the stop's skills and
  is in its ``allowed_vehicles``;
- legs: ``travel_time = T[prev, loc]`` and ``travel_distance = D[prev, loc]`` (never -1),
  starting from ``v.start``; ``arrival = previous departure + travel`` (the route's
  ``start_time`` for the first), ``start >= arrival``, ``wait = start - arrival``,
  ``departure = start + service``; ``start`` inside one of the stop's windows;
  ``lateness = max(0, start - deadline)``;
- loads: every demand of a trip is on board from the trip's start (the route's start, or
  the reload that begins it): ``load`` = sum of the route's demands, ``load_after`` = the
  trip's demand minus what it delivered so far (at a reload: the trip's whole demand);
  each trip's demand ``<= capacity`` per dimension;
- trips: reload visits only for a vehicle that reloads, at one of its load places, named
  after the depot there (or ``reload@<location>``), inside that depot's hours, lasting
  ``reload_service``; at most ``max_trips`` trips; a vehicle that starts empty serves no
  stop before its first load; ``trip`` numbers and ``trips`` agree; ``max_ride``: service
  start minus the last departure from a load place (or the route start) within the limit;
- end: unless open, ``end_travel_* = T/D[last, v.end]`` and ``end_time = last departure +
  end_travel_time``; an open route ends at the last departure with no end travel;
- shift: ``start_time >= shift start``, ``end_time <= shift end``; depot hours: a route
  starting (ending) at a depot's location leaves (arrives) inside its opening hours;
- limits: ``end_time - start_time <= max_duration``, ``distance <= max_distance``,
  ``len(visits) <= max_stops``; totals ``distance`` and ``travel_time`` equal the legs' sums;

and for the whole plan: every stop is on exactly one route or in ``unassigned`` (never
both, never neither), each unassigned entry has a reason and a sentence, and ``cost``
equals its definition in :class:`~solver.solution.Solution`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from solver.diagnose import clock as hhmm
from solver.diagnose import depot_window
from solver.model import ObjectiveKind, Problem, Stop, Vehicle
from solver.solution import Reason, Route, Solution, Visit, VisitKind


class Breach(StrEnum):
    """The kind of a broken rule. Where a rule is the one an unassigned stop's
    :class:`~solver.solution.Reason` names, the code is that reason's (late: a window,
    overloaded: a trip's capacity, a skill missing, a ride limit, a route limit)."""

    NO_COMPATIBLE_VEHICLE = "NO_COMPATIBLE_VEHICLE"
    DEMAND_EXCEEDS_CAPACITY = "DEMAND_EXCEEDS_CAPACITY"
    UNREACHABLE = "UNREACHABLE"
    TIME_WINDOW_UNREACHABLE = "TIME_WINDOW_UNREACHABLE"
    ROUTE_LIMIT = "ROUTE_LIMIT"
    RIDE_TIME_UNREACHABLE = "RIDE_TIME_UNREACHABLE"
    #: A reload where the vehicle may not load, or more trips than it may make.
    TRIP_LIMIT = "TRIP_LIMIT"
    #: A stop on two routes, or twice on one, or both on a route and unassigned.
    SERVED_TWICE = "SERVED_TWICE"
    #: A stop neither on a route nor unassigned.
    MISSING = "MISSING"
    #: A visit to a stop the problem does not have.
    UNKNOWN_STOP = "UNKNOWN_STOP"
    #: A route that does not begin with its vehicle's fixed prefix.
    PREFIX_CHANGED = "PREFIX_CHANGED"
    #: A stated figure (time, load, cost, ...) that the recomputation does not give.
    INCONSISTENT = "INCONSISTENT"


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The checker's verdict.

    Attributes
    ----------
    ok
        ``True`` when no rule is broken.
    violations
        One sentence per broken rule, naming the route, stop and figures.
    breaches
        The kind of each violation, in the same order.
    facts
        The figures of each violation, in the same order, so a caller can tell it in its
        own words: ``case`` (``late``, ``shift_start``, ``shift_end``, ``depot_leave``,
        ``depot_reach``, ``too_long``, ``too_far``, ``too_many_stops``, ``overloaded``,
        ``no_reloads``, ``too_many_trips``, ``ride``, ``skills``), ``vehicle``, ``stop``,
        clock times ``HH:MM``, seconds (``_s``), metres (``_m``), loads and capacities with
        their ``dimension``, ``trip``, counts; empty for the rules without such a case
        (figures that do not add up, unknown or repeated stops).
    """

    ok: bool
    violations: tuple[str, ...]
    breaches: tuple[Breach, ...] = ()
    facts: tuple[tuple[tuple[str, str], ...], ...] = ()


class _RouteCheck:
    """Recomputes one route and collects what disagrees."""

    def __init__(
        self,
        problem: Problem,
        route: Route,
        vehicle: Vehicle,
        out: list[tuple[Breach, str]],
        facts: dict[int, tuple[tuple[str, str], ...]] | None = None,
    ) -> None:
        self.problem = problem
        self.route = route
        self.v = vehicle
        self.out = out
        self.facts = {} if facts is None else facts
        self.name = f"route of {vehicle.id!r}"
        profile = problem.profiles[vehicle.profile]
        self.T = profile.durations
        self.D = profile.distances

    def bad(self, text: str, breach: Breach = Breach.INCONSISTENT, **facts: object) -> None:
        if facts:  # the figures of the sentence, by name (CheckReport.facts)
            named = {"vehicle": self.v.id, **facts}
            self.facts[len(self.out)] = tuple((k, str(v)) for k, v in named.items())
        self.out.append((breach, f"{self.name}: {text}"))

    def expect(self, what: str, stated: object, recomputed: object) -> None:
        if stated != recomputed:
            self.bad(f"{what} is {stated}, recomputed {recomputed}")

    def leg(self, a: int, b: int, label: str) -> tuple[int, int]:
        t, d = int(self.T[a, b]), int(self.D[a, b])
        if t < 0 or d < 0:
            self.bad(
                f"{label}: no path from location {a} to {b} on profile {self.v.profile}",
                Breach.UNREACHABLE,
            )
            return 0, 0
        return t, d

    def run(self, stops: dict[str, Stop]) -> int:
        """Check everything; return the route's recomputed arc cost plus lateness cost."""
        r, v = self.route, self.v
        dims = len(self.problem.dimensions)
        if not r.visits:
            self.bad("has no visits (an unused vehicle must be left out)")
        done = [visit.stop_id for visit in r.visits[: len(v.prefix)]]
        if done != list(v.prefix):
            self.bad(
                f"begins {done}, not with its fixed prefix {list(v.prefix)}", Breach.PREFIX_CHANGED
            )
        for visit in r.visits:
            if visit.kind is VisitKind.STOP and visit.stop_id not in stops:
                self.bad(f"visits unknown stop {visit.stop_id!r}", Breach.UNKNOWN_STOP)
        known = [
            visit for visit in r.visits if visit.kind is VisitKind.RELOAD or visit.stop_id in stops
        ]
        loads = self.trip_loads(known, stops, dims)
        self.expect("load", tuple(r.load), tuple(sum(q) for q in zip(*loads, strict=True)))
        self.expect("trips", r.trips, max(1, len(loads) - (0 if v.start_loaded else 1)))

        prev, clock, leave = v.start, r.start_time, r.start_time
        travel_time = distance = lateness_cost = 0
        trip = 1 if v.start_loaded else 0
        on_board = list(loads[0])
        for visit in known:
            stop = stops.get(visit.stop_id) if visit.kind is VisitKind.STOP else None
            label = f"stop {visit.stop_id!r}" if stop else f"reload at {visit.location}"
            place = visit.location if stop is None else stop.location
            service = v.reload_service if stop is None else stop.service
            if stop is None:
                trip += 1
                on_board = list(loads[trip - (1 if v.start_loaded else 0)])
                self.reload_rules(visit, label)
            else:
                self.stop_rules(visit, stop, label, trip)
                if stop.max_ride is not None and visit.start - leave > stop.max_ride:
                    self.bad(
                        f"{label}: reached {visit.start - leave} s after leaving the load "
                        f"place, more than max_ride {stop.max_ride} s",
                        Breach.RIDE_TIME_UNREACHABLE,
                        case="ride",
                        stop=stop.id,
                        ride_s=visit.start - leave,
                        max_ride_s=stop.max_ride,
                    )
                on_board = [a - b for a, b in zip(on_board, stop.demand, strict=True)]
                late = 0 if stop.deadline is None else max(0, visit.start - stop.deadline)
                self.expect(f"{label} lateness", visit.lateness, late)
                lateness_cost += late * stop.lateness_cost
            self.expect(f"{label} trip", visit.trip, max(trip, 1))
            t, d = self.leg(prev, place, label)
            travel_time += t
            distance += d
            self.expect(f"{label} travel_time", visit.travel_time, t)
            self.expect(f"{label} travel_distance", visit.travel_distance, d)
            arrival = clock + t
            self.expect(f"{label} arrival", visit.arrival, arrival)
            if visit.start < arrival:
                self.bad(
                    f"{label}: service starts at {visit.start}, before arrival {arrival}",
                    Breach.TIME_WINDOW_UNREACHABLE,
                )
            self.expect(f"{label} wait", visit.wait, visit.start - arrival)
            self.expect(f"{label} departure", visit.departure, visit.start + service)
            self.expect(f"{label} load_after", tuple(visit.load_after), tuple(on_board))
            prev, clock = place, visit.start + service
            if stop is None:
                leave = clock

        end_t = end_d = 0
        if v.end is not None and known:
            end_t, end_d = self.leg(prev, v.end, "way to the end")
        travel_time += end_t
        distance += end_d
        self.expect("end_travel_time", r.end_travel_time, end_t)
        self.expect("end_travel_distance", r.end_travel_distance, end_d)
        self.expect("end_time", r.end_time, clock + end_t)
        self.expect("distance", r.distance, distance)
        self.expect("travel_time", r.travel_time, travel_time)

        lo, hi = v.shift
        if r.start_time < lo:
            self.bad(
                f"leaves at {r.start_time}, before the shift starts at {lo}",
                Breach.ROUTE_LIMIT,
                case="shift_start",
                start=hhmm(r.start_time),
                shift_start=hhmm(lo),
            )
        if r.end_time > hi:
            self.bad(
                f"ends at {r.end_time}, after the shift ends at {hi}",
                Breach.ROUTE_LIMIT,
                case="shift_end",
                end=hhmm(r.end_time),
                shift_end=hhmm(hi),
            )
        hours = depot_window(self.problem, v.start)
        if hours is not None and not hours[0] <= r.start_time <= hours[1]:
            self.bad(
                f"leaves the start depot at {r.start_time}, outside its hours {hours}",
                Breach.ROUTE_LIMIT,
                case="depot_leave",
                start=hhmm(r.start_time),
                hours=f"{hhmm(hours[0])}-{hhmm(hours[1])}",
            )
        hours = depot_window(self.problem, v.end)
        if hours is not None and not hours[0] <= r.end_time <= hours[1]:
            self.bad(
                f"reaches the end depot at {r.end_time}, outside its hours {hours}",
                Breach.ROUTE_LIMIT,
                case="depot_reach",
                end=hhmm(r.end_time),
                hours=f"{hhmm(hours[0])}-{hhmm(hours[1])}",
            )
        duration = r.end_time - r.start_time
        if v.max_duration is not None and duration > v.max_duration:
            self.bad(
                f"lasts {duration} s, more than max_duration {v.max_duration} s",
                Breach.ROUTE_LIMIT,
                case="too_long",
                duration_s=duration,
                max_duration_s=v.max_duration,
            )
        if v.max_distance is not None and distance > v.max_distance:
            self.bad(
                f"covers {distance} m, more than max_distance {v.max_distance} m",
                Breach.ROUTE_LIMIT,
                case="too_far",
                distance_m=distance,
                max_distance_m=v.max_distance,
            )
        served = sum(1 for visit in r.visits if visit.kind is VisitKind.STOP)
        if v.max_stops is not None and served > v.max_stops:
            self.bad(
                f"makes {served} stops, more than max_stops {v.max_stops}",
                Breach.ROUTE_LIMIT,
                case="too_many_stops",
                stops=served,
                max_stops=v.max_stops,
            )

        kind = self.problem.objective.kind
        if kind is ObjectiveKind.DISTANCE:
            arcs = distance
        elif kind is ObjectiveKind.DURATION:
            arcs = travel_time
        else:
            arcs = v.cost_per_second * travel_time + v.cost_per_metre * distance
        return arcs + v.fixed_cost + lateness_cost

    def trip_loads(self, visits: list[Visit], stops: dict[str, Stop], dims: int) -> list[list[int]]:
        """Demand per trip (the part before the first reload first), each checked against
        the capacity; the number of reloads against ``max_trips``."""
        loads: list[list[int]] = [[0] * dims]
        for visit in visits:
            if visit.kind is VisitKind.RELOAD:
                loads.append([0] * dims)
            else:
                demand = stops[visit.stop_id].demand
                loads[-1] = [a + b for a, b in zip(loads[-1], demand, strict=True)]
        v = self.v
        if not v.start_loaded and any(loads[0]):
            self.bad(
                "serves stops before its first load, but it starts empty",
                Breach.DEMAND_EXCEEDS_CAPACITY,
            )
        for n, load in enumerate(loads):
            for i, (q, cap) in enumerate(zip(load, v.capacity, strict=True)):
                if q > cap:
                    dim = self.problem.dimensions[i]
                    where = f"trip {n + (1 if v.start_loaded else 0)}" if len(loads) > 1 else "it"
                    self.bad(
                        f"{where} carries {q} {dim} but the vehicle holds {cap} {dim}",
                        Breach.DEMAND_EXCEEDS_CAPACITY,
                        case="overloaded",
                        trip=n + (1 if v.start_loaded else 0) if len(loads) > 1 else "",
                        load=q,
                        capacity=cap,
                        dimension=dim,
                    )
        reloads = len(loads) - 1
        if reloads and not v.reloads:
            self.bad(
                f"reloads {reloads} times but may not reload (max_trips 1)",
                Breach.TRIP_LIMIT,
                case="no_reloads",
                reloads=reloads,
            )
        elif v.max_loads is not None and reloads > v.max_loads:
            self.bad(
                f"loads {reloads} times on the way, more than max_trips {v.max_trips} allows",
                Breach.TRIP_LIMIT,
                case="too_many_trips",
                reloads=reloads,
                max_trips=v.max_trips,
            )
        return loads

    def stop_rules(self, visit: Visit, stop: Stop, label: str, trip: int) -> None:
        """Location, skills and allowed vehicles of a stop visit; its window."""
        v = self.v
        if visit.location != stop.location:
            self.bad(f"{label}: location {visit.location}, the stop is at {stop.location}")
        if not stop.skills <= v.skills:
            self.bad(
                f"{label}: needs skills {sorted(stop.skills - v.skills)} it lacks",
                Breach.NO_COMPATIBLE_VEHICLE,
                case="skills",
                stop=stop.id,
                skills=", ".join(sorted(stop.skills - v.skills)),
            )
        if stop.allowed_vehicles is not None and v.id not in stop.allowed_vehicles:
            self.bad(f"{label}: vehicle not in allowed_vehicles", Breach.NO_COMPATIBLE_VEHICLE)
        if stop.windows and not any(lo <= visit.start <= hi for lo, hi in stop.windows):
            self.bad(
                f"{label}: service starts at {visit.start}, outside {stop.windows}",
                Breach.TIME_WINDOW_UNREACHABLE,
                case="late",
                stop=stop.id,
                start=hhmm(visit.start),
                windows=", ".join(f"{hhmm(lo)}-{hhmm(hi)}" for lo, hi in stop.windows),
            )
        if trip < 1:
            self.bad(
                f"{label}: served before the vehicle's first load", Breach.DEMAND_EXCEEDS_CAPACITY
            )

    def reload_rules(self, visit: Visit, label: str) -> None:
        """A reload visit: at one of the vehicle's load places, named after it, in the
        opening hours of a depot there."""
        if visit.location not in self.v.load_places:
            self.bad(
                f"{label}: not a reload location of the vehicle {self.v.load_places}",
                Breach.TRIP_LIMIT,
            )
        self.expect(f"{label} stop_id", visit.stop_id, self.problem.reload_id(visit.location))
        hours = depot_window(self.problem, visit.location)
        if hours is not None and not hours[0] <= visit.start <= hours[1]:
            self.bad(
                f"{label}: loads at {visit.start}, outside the depot's hours {hours}",
                Breach.TRIP_LIMIT,
            )
        if visit.lateness:
            self.bad(f"{label}: lateness {visit.lateness} on a reload")


def route_violations(problem: Problem, route: Route) -> list[str]:
    """The broken rules of one route on its own (the plan-wide rules left out).

    Parameters
    ----------
    problem
        The problem the route belongs to.
    route
        A timed route of one of its vehicles.
    """
    out: list[tuple[Breach, str]] = []
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    _RouteCheck(problem, route, vehicle, out).run({s.id: s for s in problem.stops})
    return [text for _, text in out]


def check(problem: Problem, solution: Solution) -> CheckReport:
    """Recompute ``solution`` from ``problem`` and list every broken rule.

    Parameters
    ----------
    problem
        The problem that was solved.
    solution
        The plan to check.

    Returns
    -------
    CheckReport
        ``ok`` and the violations (see the module docstring for the rules).
    """
    out: list[tuple[Breach, str]] = []
    facts: dict[int, tuple[tuple[str, str], ...]] = {}
    stops = {s.id: s for s in problem.stops}
    vehicles = {v.id: v for v in problem.vehicles}

    cost = 0
    for vehicle_id, n in Counter(r.vehicle_id for r in solution.routes).items():
        if n > 1:
            out.append((Breach.INCONSISTENT, f"vehicle {vehicle_id!r} drives {n} routes"))
    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            out.append((Breach.INCONSISTENT, f"route of unknown vehicle {route.vehicle_id!r}"))
            continue
        cost += _RouteCheck(problem, route, vehicle, out, facts).run(stops)

    on_routes = Counter(v.stop_id for r in solution.routes for v in r.stops)
    left = Counter(u.stop_id for u in solution.unassigned)
    for stop_id, n in on_routes.items():
        if n > 1:
            out.append((Breach.SERVED_TWICE, f"stop {stop_id!r} is visited {n} times"))
        if stop_id in left:
            out.append((Breach.SERVED_TWICE, f"stop {stop_id!r} is both on a route and unassigned"))
    for stop_id, n in left.items():
        if stop_id not in stops:
            out.append((Breach.UNKNOWN_STOP, f"unassigned lists unknown stop {stop_id!r}"))
        if n > 1:
            out.append((Breach.INCONSISTENT, f"stop {stop_id!r} is listed {n} times as unassigned"))
    for stop in problem.stops:
        if stop.id not in on_routes and stop.id not in left:
            out.append((Breach.MISSING, f"stop {stop.id!r} is neither on a route nor unassigned"))
    for u in solution.unassigned:
        if not isinstance(u.reason, Reason):
            out.append(
                (
                    Breach.INCONSISTENT,
                    f"unassigned stop {u.stop_id!r} has no valid reason ({u.reason!r})",
                )
            )
        if not u.message.strip():
            out.append((Breach.INCONSISTENT, f"unassigned stop {u.stop_id!r} has no explanation"))

    if solution.cost != cost:
        out.append((Breach.INCONSISTENT, f"cost is {solution.cost}, recomputed {cost}"))
    routed = {r.vehicle_id for r in solution.routes}
    for v in problem.vehicles:
        if v.prefix and v.id not in routed:
            out.append((Breach.PREFIX_CHANGED, f"vehicle {v.id!r} has no route but a fixed prefix"))
    return CheckReport(
        ok=not out,
        violations=tuple(text for _, text in out),
        breaches=tuple(breach for breach, _ in out),
        facts=tuple(facts.get(k, ()) for k in range(len(out))),
    )


def assert_feasible(problem: Problem, solution: Solution) -> None:
    """Raise ``AssertionError`` listing every violation when the plan breaks any rule.

    Parameters
    ----------
    problem
        The problem that was solved.
    solution
        The plan to check.
    """
    report = check(problem, solution)
    if not report.ok:
        raise AssertionError(
            f"{len(report.violations)} violation(s):\n"
            + "\n".join(f"- {v}" for v in report.violations)
        )
