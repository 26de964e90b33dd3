"""Balance: no route much longer, and none with many more stops, than the mean route.

One rule (``Objective.balance_factor`` = F): the longest route lasts at most F x the mean
duration (+1 s), and the fullest route holds at most ``max(1, floor(F x the mean stop
count))`` stops, means over the routes used, durations on the plan's schedule
(:func:`solver.schedule.timed_route`). One strategy carries it:

* **Inside the search.** The refinement's objective prices every second and every stop
  beyond the rule (:func:`prices`), far above any routing gain, and its reinsertion keeps
  routes within the bounds the plan allows while it can; so the search ends balanced
  whenever it can without leaving stops out, and no later re-solve rewrites its plan. The
  penalties of unserved stops (:func:`solver.objective.penalties`) are raised by the most
  a stop can add to these prices (:func:`stop_margin`): serving a stop always comes first.
* **Problems the refinement does not model** (OR-Tools alone): after a first plan, a
  re-solve with every route bounded by the rule's duration and stop count from that plan
  (:func:`bounds`, :func:`capped`), kept only if it serves as many stops in every priority
  group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from solver.model import Problem
from solver.solution import Route

#: Price of a second beyond the rule, in largest arc costs of the problem.
_PER_SECOND = 1
#: Price of a stop beyond the rule, in largest arc costs of the problem.
_PER_STOP = 60


def prices(problem: Problem, arc_bound: int) -> tuple[int, int, int]:
    """``(F x 1000, price per second, price per stop beyond the rule)``; zeros: no rule.

    ``arc_bound`` is the problem's largest finite arc cost.
    """
    factor = problem.objective.balance_factor
    if factor is None:
        return (0, 0, 0)
    return (round(factor * 1000), _PER_SECOND * arc_bound, _PER_STOP * arc_bound)


def stop_margin(problem: Problem, arc_bound: int) -> int:
    """The most the balance prices can rise when one more stop is served.

    Serving a stop lengthens one route by at most the horizon and adds one stop to it;
    opening a route for it lowers the means by at most F x the horizon and F x the stop
    count.
    """
    factor = problem.objective.balance_factor
    if factor is None:
        return 0
    _, per_second, per_stop = prices(problem, arc_bound)
    horizon = max(v.shift[1] for v in problem.vehicles)
    return per_second * math.ceil((1 + factor) * horizon + 1) + per_stop * math.ceil(
        1 + factor * len(problem.stops)
    )


def bounds(problem: Problem, routes: Sequence[Route]) -> tuple[int, int] | None:
    """``(longest duration s, most stops)`` the rule allows with ``routes``' means, or
    ``None`` when the routes already keep it (or there is no rule)."""
    factor = problem.objective.balance_factor
    used = [r for r in routes if r.visits]
    if factor is None or not used:
        return None
    durations = [r.duration for r in used]
    counts = [len(r.stops) for r in used]
    span = int(factor * sum(durations) / len(used)) + 1
    stops = max(1, math.floor(factor * sum(counts) / len(used) + 1e-9))
    if max(durations) <= span and max(counts) <= stops:
        return None
    return span, stops


def met(problem: Problem, routes: Sequence[Route]) -> bool:
    """Whether ``routes`` keep the balance rule (always, without one)."""
    return bounds(problem, routes) is None


def capped(problem: Problem, stops: int) -> Problem:
    """``problem`` with every vehicle's ``max_stops`` at most ``stops``."""
    vehicles = tuple(
        replace(v, max_stops=stops if v.max_stops is None else min(v.max_stops, stops))
        for v in problem.vehicles
    )
    return replace(problem, vehicles=vehicles)
