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
- loads: every demand is on board from the start: ``load`` = sum of the route's demands,
  ``load_after`` = that minus what was delivered so far; ``load <= capacity`` per dimension;
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

from solver.diagnose import depot_window
from solver.model import ObjectiveKind, Problem, Stop, Vehicle
from solver.solution import Reason, Route, Solution


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The checker's verdict.

    Attributes
    ----------
    ok
        ``True`` when no rule is broken.
    violations
        One sentence per broken rule, naming the route, stop and figures.
    """

    ok: bool
    violations: tuple[str, ...]


class _RouteCheck:
    """Recomputes one route and collects what disagrees."""

    def __init__(self, problem: Problem, route: Route, vehicle: Vehicle, out: list[str]) -> None:
        self.problem = problem
        self.route = route
        self.v = vehicle
        self.out = out
        self.name = f"route of {vehicle.id!r}"
        profile = problem.profiles[vehicle.profile]
        self.T = profile.durations
        self.D = profile.distances

    def bad(self, text: str) -> None:
        self.out.append(f"{self.name}: {text}")

    def expect(self, what: str, stated: object, recomputed: object) -> None:
        if stated != recomputed:
            self.bad(f"{what} is {stated}, recomputed {recomputed}")

    def leg(self, a: int, b: int, label: str) -> tuple[int, int]:
        t, d = int(self.T[a, b]), int(self.D[a, b])
        if t < 0 or d < 0:
            self.bad(f"{label}: no path from location {a} to {b} on profile {self.v.profile}")
            return 0, 0
        return t, d

    def run(self, stops: dict[str, Stop]) -> int:
        """Check everything; return the route's recomputed arc cost plus lateness cost."""
        r, v = self.route, self.v
        dims = len(self.problem.dimensions)
        if not r.visits:
            self.bad("has no visits (an unused vehicle must be left out)")
        known = [(visit, stops[visit.stop_id]) for visit in r.visits if visit.stop_id in stops]
        for visit in r.visits:
            if visit.stop_id not in stops:
                self.bad(f"visits unknown stop {visit.stop_id!r}")

        total = [0] * dims
        for _, stop in known:
            total = [a + b for a, b in zip(total, stop.demand, strict=True)]
        self.expect("load", tuple(r.load), tuple(total))
        for i, (q, cap) in enumerate(zip(total, v.capacity, strict=True)):
            if q > cap:
                dim = self.problem.dimensions[i]
                self.bad(f"carries {q} {dim} but the vehicle holds {cap} {dim}")

        prev, clock = v.start, r.start_time
        travel_time = distance = lateness_cost = 0
        on_board = list(total)
        for visit, stop in known:
            label = f"stop {stop.id!r}"
            if visit.location != stop.location:
                self.bad(f"{label}: location {visit.location}, the stop is at {stop.location}")
            if not stop.skills <= v.skills:
                self.bad(f"{label}: needs skills {sorted(stop.skills - v.skills)} it lacks")
            if stop.allowed_vehicles is not None and v.id not in stop.allowed_vehicles:
                self.bad(f"{label}: vehicle not in allowed_vehicles")
            t, d = self.leg(prev, stop.location, label)
            travel_time += t
            distance += d
            self.expect(f"{label} travel_time", visit.travel_time, t)
            self.expect(f"{label} travel_distance", visit.travel_distance, d)
            arrival = clock + t
            self.expect(f"{label} arrival", visit.arrival, arrival)
            if visit.start < arrival:
                self.bad(f"{label}: service starts at {visit.start}, before arrival {arrival}")
            self.expect(f"{label} wait", visit.wait, visit.start - arrival)
            self.expect(f"{label} departure", visit.departure, visit.start + stop.service)
            if stop.windows and not any(lo <= visit.start <= hi for lo, hi in stop.windows):
                self.bad(f"{label}: service starts at {visit.start}, outside {stop.windows}")
            late = 0 if stop.deadline is None else max(0, visit.start - stop.deadline)
            self.expect(f"{label} lateness", visit.lateness, late)
            lateness_cost += late * stop.lateness_cost
            on_board = [a - b for a, b in zip(on_board, stop.demand, strict=True)]
            self.expect(f"{label} load_after", tuple(visit.load_after), tuple(on_board))
            prev, clock = stop.location, visit.start + stop.service

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
            self.bad(f"leaves at {r.start_time}, before the shift starts at {lo}")
        if r.end_time > hi:
            self.bad(f"ends at {r.end_time}, after the shift ends at {hi}")
        hours = depot_window(self.problem, v.start)
        if hours is not None and not hours[0] <= r.start_time <= hours[1]:
            self.bad(f"leaves the start depot at {r.start_time}, outside its hours {hours}")
        hours = depot_window(self.problem, v.end)
        if hours is not None and not hours[0] <= r.end_time <= hours[1]:
            self.bad(f"reaches the end depot at {r.end_time}, outside its hours {hours}")
        duration = r.end_time - r.start_time
        if v.max_duration is not None and duration > v.max_duration:
            self.bad(f"lasts {duration} s, more than max_duration {v.max_duration} s")
        if v.max_distance is not None and distance > v.max_distance:
            self.bad(f"covers {distance} m, more than max_distance {v.max_distance} m")
        if v.max_stops is not None and len(r.visits) > v.max_stops:
            self.bad(f"makes {len(r.visits)} stops, more than max_stops {v.max_stops}")

        kind = self.problem.objective.kind
        if kind is ObjectiveKind.DISTANCE:
            arcs = distance
        elif kind is ObjectiveKind.DURATION:
            arcs = travel_time
        else:
            arcs = v.cost_per_second * travel_time + v.cost_per_metre * distance
        return arcs + v.fixed_cost + lateness_cost


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
    out: list[str] = []
    stops = {s.id: s for s in problem.stops}
    vehicles = {v.id: v for v in problem.vehicles}

    cost = 0
    for vehicle_id, n in Counter(r.vehicle_id for r in solution.routes).items():
        if n > 1:
            out.append(f"vehicle {vehicle_id!r} drives {n} routes")
    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            out.append(f"route of unknown vehicle {route.vehicle_id!r}")
            continue
        cost += _RouteCheck(problem, route, vehicle, out).run(stops)

    on_routes = Counter(v.stop_id for r in solution.routes for v in r.visits)
    left = Counter(u.stop_id for u in solution.unassigned)
    for stop_id, n in on_routes.items():
        if n > 1:
            out.append(f"stop {stop_id!r} is visited {n} times")
        if stop_id in left:
            out.append(f"stop {stop_id!r} is both on a route and unassigned")
    for stop_id, n in left.items():
        if stop_id not in stops:
            out.append(f"unassigned lists unknown stop {stop_id!r}")
        if n > 1:
            out.append(f"stop {stop_id!r} is listed {n} times as unassigned")
    for stop in problem.stops:
        if stop.id not in on_routes and stop.id not in left:
            out.append(f"stop {stop.id!r} is neither on a route nor unassigned")
    for u in solution.unassigned:
        if not isinstance(u.reason, Reason):
            out.append(f"unassigned stop {u.stop_id!r} has no valid reason ({u.reason!r})")
        if not u.message.strip():
            out.append(f"unassigned stop {u.stop_id!r} has no explanation")

    if solution.cost != cost:
        out.append(f"cost is {solution.cost}, recomputed {cost}")
    return CheckReport(ok=not out, violations=tuple(out))


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
