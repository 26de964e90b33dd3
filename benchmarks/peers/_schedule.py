"""Turn a peer's bare visiting orders into a :class:`solver.Solution` our checker can judge.

Other solvers answer with sequences of stops per vehicle. Each sequence is timed by the same
code that times our own routes (:func:`solver.schedule.timed_route`: earliest service
starts, matrices alone). Nothing is repaired: a missed window or an overload stays in the
plan for the checker to reject, and a stop the peer left out is listed as unassigned.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.model import Problem
from solver.schedule import plan_cost, timed_route
from solver.solution import Reason, Solution, SolveStats, Unassigned


class PeerAnswerError(ValueError):
    """A peer's answer cannot be read as a plan (a vehicle or a stop used twice)."""


def solution_from_orders(
    problem: Problem,
    orders: Sequence[tuple[int, Sequence[int]]],
    *,
    seconds: float,
    status: str,
) -> Solution:
    """Build a :class:`Solution` from ``(vehicle index, stop indices)`` pairs.

    Stops on no route are unassigned with reason ``FLEET_EXHAUSTED`` (the peer did not
    serve them; a benchmark counts that as a failure whatever the reason).

    Parameters
    ----------
    problem
        The problem that was solved.
    orders
        One pair per used vehicle: its position in ``problem.vehicles`` and positions in
        ``problem.stops`` in visiting order. Empty orders are skipped.
    seconds
        Wall-clock seconds the peer took, stored as the ``search`` phase.
    status
        The peer's own word on how it ended.

    Raises
    ------
    PeerAnswerError
        If a vehicle is used twice or a stop appears twice.
    """
    routes = []
    seen_vehicles: set[int] = set()
    served: set[int] = set()
    for v_idx, order in orders:
        if not order:
            continue
        if v_idx in seen_vehicles:
            raise PeerAnswerError(f"vehicle {problem.vehicles[v_idx].id!r} is used twice")
        seen_vehicles.add(v_idx)
        for i in problem.stop_positions(order):
            if i in served:
                raise PeerAnswerError(f"stop {problem.stops[i].id!r} is served twice")
            served.add(i)
        routes.append(timed_route(problem, v_idx, order))
    unassigned = tuple(
        Unassigned(s.id, Reason.FLEET_EXHAUSTED, "The other solver left this stop unserved.")
        for i, s in enumerate(problem.stops)
        if i not in served
    )
    cost = plan_cost(problem, routes)
    return Solution(
        routes=tuple(routes),
        unassigned=unassigned,
        cost=cost,
        stats=SolveStats(phases={"search": seconds}, status=status, objective=cost, workers=1),
    )
