"""What the peers share: refusing the features they cannot express; depot-clipped shifts."""

from __future__ import annotations

from benchmarks.peers import UnsupportedProblemError
from solver.model import ObjectiveKind, Problem, Vehicle
from solver.schedule import end_window, start_window


def require_plain_vrptw(
    problem: Problem, peer: str, *, multi_windows: bool = False, reloads: bool = False
) -> None:
    """Raise unless ``problem`` is a (capacitated, time-windowed) VRP a peer can take as is.

    The peers get exactly our problem or nothing: skills, allowed vehicles, optional stops,
    soft deadlines, ride limits, open routes, stop limits and a non-distance objective are
    refused rather than approximated; so are reloads, unless ``reloads`` (then still a
    vehicle that starts empty or spends time reloading).

    Raises
    ------
    UnsupportedProblemError
        Naming the first feature ``peer`` cannot express.
    """
    if problem.objective.kind is not ObjectiveKind.DISTANCE:
        raise UnsupportedProblemError(f"{peer}: only the distance objective is benchmarked")
    if problem.objective.span_cost or problem.objective.balance_factor:
        raise UnsupportedProblemError(f"{peer}: route balancing is not benchmarked")
    for s in problem.stops:
        if s.skills or s.allowed_vehicles is not None or not s.required or s.deadline is not None:
            raise UnsupportedProblemError(
                f"{peer}: stop {s.id!r} uses skills, allowed vehicles, optional service "
                "or a soft deadline"
            )
        if s.max_ride is not None:
            raise UnsupportedProblemError(f"{peer}: stop {s.id!r} has a ride limit")
        if len(s.windows) > 1 and not multi_windows:
            raise UnsupportedProblemError(f"{peer}: stop {s.id!r} has several time windows")
    for v in problem.vehicles:
        if v.end is None or v.max_stops is not None or v.skills:
            raise UnsupportedProblemError(
                f"{peer}: vehicle {v.id!r} has an open end, a stop limit or skills"
            )
        if v.reloads and (not reloads or not v.start_loaded or v.reload_service):
            raise UnsupportedProblemError(
                f"{peer}: vehicle {v.id!r} reloads (starting empty, or with a reload time)"
            )
    for p in problem.profiles:
        if p.durations.size and (int(p.durations.min()) < 0 or int(p.distances.min()) < 0):
            raise UnsupportedProblemError(f"{peer}: profile {p.name!r} has unreachable cells")


def shift(problem: Problem, vehicle: Vehicle) -> tuple[int, int]:
    """Earliest departure and latest return (s): the shift clipped to the depots' hours."""
    return start_window(problem, vehicle)[0], end_window(problem, vehicle)[1]
