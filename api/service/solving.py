"""A solve request -> the solver's problem -> a checked answer (FastAPI-free).

:func:`solve_input` turns a body of :mod:`api.service.solve_schemas` (Doorstep's shape or
VROOM's input) into a :class:`solver.Problem` with the ids of the caller;
:func:`solve_answer` solves it (:func:`solver.solve`, one search, as ``doorstep solve``),
runs the independent checker and writes the answer (``SolutionOut``).
:func:`problem_document` writes a problem in Doorstep's shape (benchmark instances sent
over HTTP give the same cost as ``doorstep solve``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service.planning import JobProgress, PlanDocuments
from api.service.solve_schemas import (
    MatricesIn,
    SolveBody,
    SolveOptionsIn,
    SolveProblem,
    VroomJob,
    VroomProblem,
    VroomVehicle,
)
from solver import (
    DAY,
    Depot,
    Objective,
    ObjectiveKind,
    Problem,
    Profile,
    Solution,
    Stop,
    Vehicle,
    check,
)
from solver.errors import Detail

#: Key of a stored job request that is a solve (its value: the body as JSON data).
SOLVE = "solve"

_BODY: TypeAdapter[SolveProblem | VroomProblem] = TypeAdapter(SolveBody)

#: Reload fields of the shared multi-trip interface and their "no reload" values.
_RELOAD_DEFAULTS = {
    "reload_locations": (),
    "max_trips": 1,
    "reload_service": 0,
    "start_loaded": True,
}
_HAS_RELOADS = {"reload_locations", "max_trips"} <= {f.name for f in fields(Vehicle)}


@dataclass(frozen=True, slots=True)
class SolveInput:
    """A solve request made ready: the problem, the caller's ids, the options.

    Attributes
    ----------
    problem
        The validated routing problem (ids as text).
    job_ids, vehicle_ids
        The caller's id (text or VROOM's integer) of each stop and vehicle id.
    points
        ``[lon, lat]`` per location when the request gave them, else ``None``.
    options
        Time limit, seed, effort.
    """

    problem: Problem
    job_ids: Mapping[str, int | str]
    vehicle_ids: Mapping[str, int | str]
    points: Sequence[list[float] | None] | None
    options: SolveOptionsIn


#: The fault of a location given as a point where this server takes matrix indexes.
_MATRICES_NOT_POINTS = N_("required: this server takes matrices, not points")


def _item(member: str, item: int, shown_id: str) -> Message:
    """The record of an item of a problem's list: ``vehicles item 2 (id 'v2')``."""
    return Message(
        N_("%(member)s item %(item)d (id %(id)s)"), member=member, item=item, id=shown_id
    )


def _refuse(faults: list[Detail]) -> ServiceError:
    head = Message(N_("%(n)d problem(s) in the problem"), n=len(faults))
    return ServiceError("INVALID_REQUEST", head, faults)


def _matrix(cells: list[list[int]], record: str, name: str, faults: list[Detail]) -> np.ndarray:
    n = len(cells)
    for i, row in enumerate(cells):
        if len(row) != n:
            said = Message(
                N_("row %(i)d has %(cells)d cells; expected %(n)d"), i=i, cells=len(row), n=n
            )
            faults.append(Detail(record, name, said))
            return np.zeros((0, 0), dtype=np.int64)
    return np.array(cells, dtype=np.int64).reshape(n, n)


def _profile(name: str, m: MatricesIn, faults: list[Detail]) -> Profile:
    record = f"profiles.{name}"
    durations = _matrix(m.durations, record, "durations", faults)
    if m.distances is None:
        distances = np.where(durations < 0, -1, 0).astype(np.int64)
    else:
        distances = _matrix(m.distances, record, "distances", faults)
    return Profile(name, durations, distances)


def _reload_fields(v: Any, record: str, faults: list[Detail]) -> dict[str, Any]:
    """The reload fields of a vehicle for the solver, or a fault when the solver of this
    server does not model reloads yet and they ask for one."""
    given = {k: getattr(v, k) for k in _RELOAD_DEFAULTS}
    given["reload_locations"] = tuple(given["reload_locations"])
    if _HAS_RELOADS:
        return given
    for k, default in _RELOAD_DEFAULTS.items():
        if given[k] != default:
            faults.append(
                Detail(record, k, Message(N_("reloads (multi-trip) are not supported yet")))
            )
    return {}


def _doorstep_input(body: SolveProblem) -> SolveInput:
    faults: list[Detail] = []
    names = list(body.profiles)
    profiles = tuple(_profile(n, m, faults) for n, m in body.profiles.items())
    if faults:
        raise _refuse(faults)
    n = profiles[0].durations.shape[0]
    if body.locations is not None and len(body.locations) != n:
        faults.append(
            Detail(
                "problem",
                "locations",
                Message(
                    N_("%(given)d locations for %(n)d matrix rows"),
                    given=len(body.locations),
                    n=n,
                ),
            )
        )
    vehicles = []
    for k, v in enumerate(body.vehicles):
        record = _item("vehicles", k + 1, repr(v.id))
        if v.profile is not None and v.profile not in body.profiles:
            said = Message(N_("no profile %(name)s in profiles"), name=repr(v.profile))
            faults.append(Detail(record, "profile", said))
        vehicles.append(
            Vehicle(
                id=v.id,
                start=v.start,
                end=v.end,
                capacity=tuple(v.capacity),
                shift=v.shift or (0, DAY),
                max_duration=v.max_duration,
                max_distance=v.max_distance,
                max_stops=v.max_stops,
                skills=frozenset(v.skills),
                profile=names.index(v.profile) if v.profile in names else 0,
                fixed_cost=v.fixed_cost,
                **_reload_fields(v, record, faults),
            )
        )
    if faults:
        raise _refuse(faults)
    stops = tuple(
        Stop(
            id=j.id,
            location=j.location,
            demand=tuple(j.demand) or _zeros(vehicles),
            service=j.service,
            windows=tuple(sorted(j.windows)),
            priority=j.priority,
            skills=frozenset(j.skills),
        )
        for j in body.jobs
    )
    depots = tuple(Depot(d.id, d.location, d.window or (0, DAY)) for d in body.depots)
    has_distances = all(m.distances is not None for m in body.profiles.values())
    kind = body.objective or ("distance" if has_distances else "duration")
    problem = _problem(
        stops, tuple(vehicles), profiles, depots, ObjectiveKind(kind), body.dimensions
    )
    points = None
    if body.locations is not None:
        points = [
            None if p.lon is None or p.lat is None else [p.lon, p.lat] for p in body.locations
        ]
    return SolveInput(
        problem,
        {s.id: s.id for s in stops},
        {v.id: v.id for v in vehicles},
        points,
        body.options,
    )


def _zeros(vehicles: Sequence[Vehicle]) -> tuple[int, ...]:
    """No demand, in as many dimensions as the first vehicle's capacity."""
    return (0,) * (len(vehicles[0].capacity) if vehicles else 0)


def _problem(
    stops: tuple[Stop, ...],
    vehicles: tuple[Vehicle, ...],
    profiles: tuple[Profile, ...],
    depots: tuple[Depot, ...],
    kind: ObjectiveKind,
    dimensions: Sequence[str] | None = None,
) -> Problem:
    """The problem; every skill named by a job or a vehicle is known (a job needing a
    skill no vehicle has is unassigned, not refused)."""
    dims = len(vehicles[0].capacity) if vehicles else 0
    skills = frozenset().union(*(s.skills for s in stops), *(v.skills for v in vehicles))
    return Problem(
        stops=stops,
        vehicles=vehicles,
        profiles=profiles,
        depots=depots,
        objective=Objective(kind=kind),
        dimensions=tuple(dimensions or (f"q{d + 1}" for d in range(dims))),
        skills=skills,
    )


# --------------------------------------------------------------------------- VROOM's input


def _vroom_job(j: VroomJob, k: int, faults: list[Detail]) -> Stop:
    record = _item("jobs", k + 1, str(j.id))
    if j.location_index is None:
        faults.append(Detail(record, "location_index", Message(_MATRICES_NOT_POINTS)))
    if any(j.pickup or ()):
        faults.append(
            Detail(record, "pickup", Message(N_("pickups are not supported; use delivery")))
        )
    return Stop(
        id=str(j.id),
        location=j.location_index or 0,
        demand=tuple(j.delivery if j.delivery is not None else (j.amount or ())),
        service=j.service + j.setup,
        windows=tuple(sorted(j.time_windows)),
        priority=j.priority,
        skills=frozenset(str(s) for s in j.skills),
    )


def _vroom_unsupported(v: VroomVehicle, record: str, faults: list[Detail]) -> None:
    costs = v.costs
    unsupported = {
        "start_index": _MATRICES_NOT_POINTS if v.start_index is None else None,
        "breaks": N_("breaks are not supported") if v.breaks else None,
        "steps": N_("planned steps are not supported") if v.steps else None,
        "speed_factor": N_("only 1 is supported") if v.speed_factor != 1 else None,
        "max_travel_time": N_("not supported; use the time_window")
        if v.max_travel_time is not None
        else None,
        "costs": N_("only costs.fixed is supported (cost = travel seconds)")
        if costs is not None and (costs.per_hour != 3600 or costs.per_km != 0)
        else None,
    }
    faults.extend(Detail(record, f, Message(p)) for f, p in unsupported.items() if p)


def _vroom_vehicle(v: VroomVehicle, k: int, names: list[str], faults: list[Detail]) -> Vehicle:
    record = _item("vehicles", k + 1, str(v.id))
    _vroom_unsupported(v, record, faults)
    if v.profile not in names:
        said = Message(N_("no matrices for profile %(name)s"), name=repr(v.profile))
        faults.append(Detail(record, "profile", said))
    end = v.end_index
    return Vehicle(
        id=str(v.id),
        start=v.start_index or 0,
        end=end,
        capacity=tuple(v.capacity or ()),
        shift=v.time_window or (0, DAY),
        max_distance=v.max_distance,
        max_stops=v.max_tasks,
        skills=frozenset(str(s) for s in v.skills),
        profile=names.index(v.profile) if v.profile in names else 0,
        fixed_cost=v.costs.fixed if v.costs is not None else 0,
    )


def _vroom_input(body: VroomProblem) -> SolveInput:
    faults: list[Detail] = []
    if body.shipments:
        faults.append(Detail("problem", "shipments", Message(N_("shipments are not supported"))))
    matrices = {n: (m.durations, m.distances) for n, m in (body.matrices or {}).items()}
    if body.matrix is not None and "car" not in matrices:
        matrices["car"] = (body.matrix, None)
    if not matrices:
        faults.append(Detail("problem", "matrices", Message(N_("required: durations per profile"))))
        raise _refuse(faults)
    faults.extend(
        Detail(f"matrices.{n}", "costs", Message(N_("cost matrices are not supported")))
        for n, m in (body.matrices or {}).items()
        if m.costs is not None
    )
    names = list(matrices)
    profiles = tuple(
        _profile(n, MatricesIn(durations=d, distances=s), faults) for n, (d, s) in matrices.items()
    )
    stops = tuple(_vroom_job(j, k, faults) for k, j in enumerate(body.jobs))
    vehicles = tuple(_vroom_vehicle(v, k, names, faults) for k, v in enumerate(body.vehicles))
    if faults:
        raise _refuse(faults)
    problem = _problem(stops, vehicles, profiles, (), ObjectiveKind.DURATION)
    return SolveInput(
        problem,
        {str(j.id): j.id for j in body.jobs},
        {str(v.id): v.id for v in body.vehicles},
        None,
        body.options,
    )


# --------------------------------------------------------------------------- entry points


def solve_input(data: Mapping[str, Any] | SolveProblem | VroomProblem) -> SolveInput:
    """The problem of a solve body (JSON data or a validated model).

    Raises
    ------
    ServiceError
        ``INVALID_REQUEST`` naming each unsupported or inconsistent field.
    solver.ProblemValidationError
        ``INVALID_PROBLEM``: the problem is inconsistent (record and field named).
    """
    body = data if isinstance(data, SolveProblem | VroomProblem) else _BODY.validate_python(data)
    if isinstance(body, VroomProblem):
        return _vroom_input(body)
    return _doorstep_input(body)


def solve_answer(
    given: SolveInput, *, on_progress: Callable[[float, int], None] | None = None
) -> dict[str, Any]:
    """Solve (one search: ``doorstep solve``'s), check, and write the ``SolutionOut``.

    Parameters
    ----------
    given
        The request made ready (:func:`solve_input`).
    on_progress
        Called ``(seconds since the start, best objective so far)`` at improvements.
    """
    from solver.solve import solve

    began = time.perf_counter()
    o = given.options
    solution = solve(
        given.problem,
        time_limit=o.time_limit_s,
        seed=o.seed,
        effort=o.effort,
        on_progress=on_progress,
    )
    solving = time.perf_counter() - began
    report = check(given.problem, solution)
    answer = _answer(given, solution)
    answer["summary"]["computing_times"] = {"solving": round(solving * 1000)}
    answer["checker"] = {"ok": report.ok, "violations": list(report.violations)}
    return answer


def _answer(given: SolveInput, solution: Solution) -> dict[str, Any]:
    p = given.problem
    vehicles = {v.id: v for v in p.vehicles}
    stops = {s.id: s for s in p.stops}
    routes = [_route(given, r, vehicles[r.vehicle_id]) for r in solution.routes]
    dims = len(p.dimensions)
    return {
        "code": 0,
        "objective": p.objective.kind.value,
        "summary": {
            "cost": solution.cost,
            "routes": len(routes),
            "unassigned": len(solution.unassigned),
            "delivery": [sum(r["delivery"][d] for r in routes) for d in range(dims)],
            "duration": sum(r["duration"] for r in routes),
            "distance": sum(r["distance"] for r in routes),
            "service": sum(r["service"] for r in routes),
            "waiting_time": sum(r["waiting_time"] for r in routes),
            "status": solution.stats.status,
            "computing_times": {},
        },
        "unassigned": [
            {
                "id": given.job_ids[u.stop_id],
                "type": "job",
                "location_index": stops[u.stop_id].location,
                "reason": u.reason.value,
                "message": u.message,
            }
            for u in solution.unassigned
        ],
        "routes": routes,
    }


def _step(given: SolveInput, kind: str, location: int, **values: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"type": kind, "location_index": location, **values}
    if given.points is not None and given.points[location] is not None:
        step["location"] = given.points[location]
    return step


def _is_reload(visit: Any) -> bool:
    """A visit of a multi-trip route that loads again (``Visit.kind`` ``RELOAD``, once the
    solver has it), not a job."""
    return getattr(getattr(visit, "kind", None), "name", "STOP") == "RELOAD"


def _route(given: SolveInput, r: Any, v: Vehicle) -> dict[str, Any]:
    travel = distance = 0
    load = list(r.load)
    steps = [
        _step(
            given,
            "start",
            v.start,
            arrival=r.start_time,
            duration=0,
            distance=0,
            service=0,
            waiting_time=0,
            load=list(load),
        )
    ]
    for visit in r.visits:
        travel += visit.travel_time
        distance += visit.travel_distance
        reload = _is_reload(visit)
        steps.append(
            _step(
                given,
                "reload" if reload else "job",
                visit.location,
                id=visit.stop_id if reload else given.job_ids[visit.stop_id],
                arrival=visit.arrival,
                duration=travel,
                distance=distance,
                service=visit.departure - visit.start,
                waiting_time=visit.wait,
                load=list(visit.load_after),
            )
        )
    travel += r.end_travel_time
    distance += r.end_travel_distance
    if v.end is not None:
        steps.append(
            _step(
                given,
                "end",
                v.end,
                arrival=r.end_time,
                duration=travel,
                distance=distance,
                service=0,
                waiting_time=0,
                load=list(r.visits[-1].load_after),
            )
        )
    arc = distance if given.problem.objective.kind is ObjectiveKind.DISTANCE else travel
    return {
        "vehicle": given.vehicle_ids[r.vehicle_id],
        "cost": arc + v.fixed_cost,
        "delivery": load,
        "duration": travel,
        "distance": distance,
        "service": sum(x.departure - x.start for x in r.visits),
        "waiting_time": sum(x.wait for x in r.visits),
        "steps": steps,
    }


def problem_document(
    problem: Problem, *, time_limit_s: float = 2.0, seed: int = 0, effort: int | None = None
) -> dict[str, Any]:
    """``problem`` in Doorstep's solve shape (one search of it over HTTP is the same search
    as ``doorstep solve``'s, node for node)."""
    return {
        "profiles": {
            p.name: {"durations": p.durations.tolist(), "distances": p.distances.tolist()}
            for p in problem.profiles
        },
        "jobs": [
            {
                "id": s.id,
                "location": s.location,
                "demand": list(s.demand),
                "service": s.service,
                "windows": [list(w) for w in s.windows],
                "skills": sorted(s.skills),
                "priority": s.priority,
            }
            for s in problem.stops
        ],
        "vehicles": [
            {
                "id": v.id,
                "profile": problem.profiles[v.profile].name,
                "start": v.start,
                "end": v.end,
                "capacity": list(v.capacity),
                "shift": list(v.shift),
                "skills": sorted(v.skills),
                "max_stops": v.max_stops,
                "max_duration": v.max_duration,
                "max_distance": v.max_distance,
                "fixed_cost": v.fixed_cost,
            }
            for v in problem.vehicles
        ],
        "depots": [
            {"id": d.id, "location": d.location, "window": list(d.window)} for d in problem.depots
        ],
        "dimensions": list(problem.dimensions),
        "objective": problem.objective.kind.value,
        "options": {"time_limit_s": time_limit_s, "seed": seed, "effort": effort},
    }


def solve_documents(
    data: Mapping[str, Any], *, on_progress: Callable[[JobProgress], None] | None = None
) -> PlanDocuments:
    """Solve a stored solve request (a solver process's job): the answer as the job's
    document (no routes GeoJSON, no manifests: the problem has no map)."""
    given = solve_input(data)
    limit = given.options.time_limit_s

    def improved(seconds: float, best: int) -> None:
        if on_progress is not None:
            fraction = 0.05 + 0.9 * min(1.0, seconds / max(limit, 0.1))
            message = f"best objective {best:,} after {seconds:.1f} s"
            on_progress(JobProgress("solve", message, fraction, best))

    answer = solve_answer(given, on_progress=improved)
    return PlanDocuments(answer, {"type": "FeatureCollection", "features": []}, {})
