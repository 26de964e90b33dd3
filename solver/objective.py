"""The objective of a plan, one definition for every search of the project.

The OR-Tools model (:mod:`solver._ortools`), the refinement (:mod:`solver.refine`), the
decomposition (:mod:`solver.decompose`) and the day model of the api all take from here:

* :func:`cost_key`: which arc cost a vehicle pays (profile, cost per second, per metre);
* :func:`compatible_vehicles`: who may serve a stop, as far as single-stop facts go;
* :func:`penalties`: the price of leaving a stop unserved, by ``(required, priority)``
  group, each group above all lower groups together ("elderly first");
* :func:`vehicle_fixed_bonus`: the fixed cost ``minimise_vehicles`` adds per used vehicle;
* :func:`change_costs`: what serving a stop with a vehicle other than its reference adds;
* :func:`priority_rank`: how many stops a plan serves per group, highest group first, the
  order in which plans are compared before their cost.
"""

from __future__ import annotations

from collections.abc import Iterable

from solver import balance
from solver.model import ObjectiveKind, Problem, Vehicle
from solver.schedule import end_window, start_window

#: Upper bound of any single penalty, so that the sum of all of them stays in int64.
_PENALTY_CEILING = 2**62


def _horizon(problem: Problem) -> int:
    return max(v.shift[1] for v in problem.vehicles)


def cost_key(problem: Problem, v: Vehicle) -> tuple[int, int, int]:
    """``(profile, cost per second, cost per metre)`` of ``v``'s arcs under the objective."""
    kind = problem.objective.kind
    if kind is ObjectiveKind.DISTANCE:
        return (v.profile, 0, 1)
    if kind is ObjectiveKind.DURATION:
        return (v.profile, 1, 0)
    return (v.profile, v.cost_per_second, v.cost_per_metre)


def compatible_vehicles(problem: Problem) -> list[list[int]]:
    """For each stop, the vehicles that may serve it, as far as single-stop facts go.

    A vehicle qualifies when it has every skill, is allowed, has the capacity, can reach the
    stop from its start and get back to its end, and its shift meets its depot's hours.
    (Time windows and route limits are left to the search and the diagnosis.)
    """
    usable = []
    for v in problem.vehicles:
        s_lo, s_hi = start_window(problem, v)
        e_lo, e_hi = end_window(problem, v)
        usable.append(s_lo <= s_hi and e_lo <= e_hi and max(s_lo, e_lo) <= e_hi)
    out: list[list[int]] = []
    for stop in problem.stops:
        ok = []
        for k, v in enumerate(problem.vehicles):
            if not usable[k] or not stop.skills <= v.skills:
                continue
            if stop.allowed_vehicles is not None and v.id not in stop.allowed_vehicles:
                continue
            if any(q > c for q, c in zip(stop.demand, v.capacity, strict=True)):
                continue
            dur = problem.profiles[v.profile].durations
            if dur[v.start, stop.location] < 0:
                continue
            if v.end is not None and dur[stop.location, v.end] < 0:
                continue
            ok.append(k)
        out.append(ok)
    return out


def penalties(problem: Problem, arc_bound: int, *, extra_fixed: int = 0) -> list[int]:
    """Penalty for leaving each stop unserved, ordered by (required, priority).

    Stops are grouped by ``(required, priority)``; the lowest group's penalty ``unit``
    exceeds the cost of any detour and of opening a vehicle. Each next group's penalty is
    more than the penalties of *all* stops in lower groups together, so the search never
    trades one stop for several of lower rank. An optional stop's own ``penalty`` is used
    as given. Penalties are capped so their sum fits in 64 bits. ``extra_fixed`` is a
    search-only cost per used vehicle (see ``SearchConfig.vehicle_cost``) that the penalties
    must dominate too, as must the balance prices one served stop can add
    (:func:`solver.balance.stop_margin`).
    """
    n = len(problem.stops)
    max_fixed = max((v.fixed_cost for v in problem.vehicles), default=0) + extra_fixed
    max_late = max((s.lateness_cost for s in problem.stops), default=0) * _horizon(problem)
    unit = 2 * arc_bound + max_fixed + max_late + balance.stop_margin(problem, arc_bound) + 1
    if problem.objective.minimise_vehicles:
        unit += vehicle_fixed_bonus(problem, arc_bound)
    ceiling = _PENALTY_CEILING // (n + 1)
    groups = sorted({(s.required, s.priority) for s in problem.stops})
    out = [0] * n
    below = 0
    for group in groups:
        members = [i for i, s in enumerate(problem.stops) if (s.required, s.priority) == group]
        level = min(ceiling, below + unit)
        for i in members:
            s = problem.stops[i]
            out[i] = s.penalty if (not s.required and s.penalty is not None) else level
        below = min(ceiling, below + sum(out[i] for i in members))
    return out


def change_costs(problem: Problem) -> list[list[int]]:
    """Per vehicle, per stop: what serving the stop with the vehicle adds to the objective
    (the stop's ``change_cost`` when it has a ``reference`` and the vehicle is another one;
    else 0). Unserved stops pay their penalty only."""
    return [
        [
            s.change_cost if s.reference is not None and s.reference != v.id else 0
            for s in problem.stops
        ]
        for v in problem.vehicles
    ]


def vehicle_fixed_bonus(problem: Problem, arc_bound: int) -> int:
    """Fixed cost added per used vehicle by ``minimise_vehicles``: more than any routing."""
    return arc_bound * (len(problem.stops) + 2 * len(problem.vehicles)) + 1


def priority_rank(problem: Problem, served: Iterable[int] | Iterable[str]) -> tuple[int, ...]:
    """Stops served per ``(required, priority)`` group, highest group first.

    ``served`` holds stop positions or stop ids. Tuples compare as plans are ranked before
    their cost: a plan that serves more of a higher group is better, whatever it does below.
    """
    done = set(served)
    groups = sorted({(s.required, s.priority) for s in problem.stops}, reverse=True)
    counts = dict.fromkeys(groups, 0)
    for i, s in enumerate(problem.stops):
        if i in done or s.id in done:
            counts[(s.required, s.priority)] += 1
    return tuple(counts[g] for g in groups)
