"""Bodies of ``POST /v1/solve`` and ``POST /v1/solve/jobs``: a plain routing problem in
Doorstep's shape or in VROOM's input format (jobs, vehicles, matrices; no shipments), and
the answer (VROOM's output shape with the reason of every unassigned job and the checker's
verdict).

Units: integer seconds on the problem's own clock (seconds from its time zero), integer
metres, integer quantities per capacity dimension; locations are row indices of the
matrices. The conversion to the solver's problem is :mod:`api.service.solving`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from api.service.schemas import SearchEffort, SearchSeed
from solver import Reason

#: Largest integer accepted for times, distances, quantities and matrix cells.
MAX_INT = 2**31 - 1

Int = Annotated[int, Field(ge=0, le=MAX_INT)]
Cell = Annotated[int, Field(ge=-1, le=MAX_INT)]
Index = Annotated[int, Field(ge=0, le=1_000_000)]
Window = tuple[Int, Int]
Matrix = list[list[Cell]]
_ID = "Unique id, 1-200 characters."


class SolveOptionsIn(BaseModel):
    """How long and how to search."""

    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(
        2.0,
        gt=0,
        le=3600,
        description="Seconds for the whole solve (synchronous: at most the server's limit, "
        "5 s by default).",
    )
    seed: SearchSeed = 0
    effort: SearchEffort = None


# --------------------------------------------------------------------------- Doorstep's shape


class MatricesIn(BaseModel):
    """The travel matrices of one profile: square, indexed by location, -1 = no path."""

    model_config = ConfigDict(extra="forbid")

    durations: Matrix = Field(description="Travel seconds, row = from, column = to.")
    distances: Matrix | None = Field(
        None, description="Travel metres (default: all 0; then the objective is duration)."
    )


class LocationIn(BaseModel):
    """A location: a name and its point, for the reader (the matrices are what counts)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(None, max_length=200, description="Name of the location.")
    lon: float | None = Field(None, ge=-180, le=180, description="Longitude, WGS-84 degrees.")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude, WGS-84 degrees.")


class SolveJobIn(BaseModel):
    """A place to serve once."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description=_ID)
    location: Index = Field(description="Row of the matrices.")
    demand: list[Int] = Field(
        default_factory=list,
        max_length=16,
        description="Quantity per capacity dimension, loaded at the start (default 0).",
    )
    service: Int = Field(0, description="Seconds spent there.")
    windows: list[Window] = Field(
        default_factory=list,
        max_length=64,
        description="[start, end] seconds; service starts inside one (none: any time).",
    )
    skills: list[str] = Field(
        default_factory=list, max_length=64, description="Skills a vehicle needs, all of them."
    )
    priority: int = Field(
        0, ge=0, le=100, description="Higher is served first when not all can be (0-100)."
    )


class SolveVehicleIn(BaseModel):
    """A vehicle (or a volunteer on foot or bike) and its limits."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description=_ID)
    profile: str | None = Field(
        None, max_length=200, description="Name of its matrices (default: the first profile)."
    )
    start: Index = Field(description="Location where it starts.")
    end: Index | None = Field(None, description="Location where it ends (none: open route).")
    capacity: list[Int] = Field(
        default_factory=list, max_length=16, description="Capacity per dimension."
    )
    shift: Window | None = Field(None, description="[earliest start, latest end], seconds.")
    skills: list[str] = Field(default_factory=list, max_length=64, description="Its skills.")
    max_stops: Int | None = Field(None, description="Most jobs on its route.")
    max_duration: Int | None = Field(None, description="Longest route, seconds.")
    max_distance: Int | None = Field(None, description="Longest route, metres.")
    fixed_cost: Int = Field(0, description="Added to the cost when it is used.")
    reload_locations: list[Index] = Field(
        default_factory=list,
        max_length=64,
        description="Locations where it may load again (multi-trip; pending: accepted only "
        "when the server's solver models reloads).",
    )
    max_trips: int | None = Field(
        1, ge=1, le=1000, description="Most trips (null: no limit; pending, as reloads)."
    )
    reload_service: Int = Field(0, description="Seconds per reload (pending, as reloads).")
    start_loaded: bool = Field(
        True, description="False: starts empty, loads at a reload location first (pending)."
    )


class SolveDepotIn(BaseModel):
    """A named place with opening hours; vehicles starting or ending there obey them."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description=_ID)
    location: Index = Field(description="Row of the matrices.")
    window: Window | None = Field(None, description="[opens, closes], seconds.")


DOORSTEP_EXAMPLE: dict[str, Any] = {
    "profiles": {
        "bike": {
            "durations": [[0, 300, 420], [300, 0, 240], [420, 240, 0]],
            "distances": [[0, 1200, 1700], [1200, 0, 950], [1700, 950, 0]],
        }
    },
    "locations": [
        {"id": "hall", "lon": 116.397, "lat": 39.909},
        {"id": "A-1", "lon": 116.401, "lat": 39.912},
        {"id": "B-3", "lon": 116.405, "lat": 39.907},
    ],
    "jobs": [
        {"id": "H1", "location": 1, "demand": [4], "service": 120, "windows": [[3600, 7200]]},
        {"id": "H2", "location": 2, "demand": [6], "service": 120, "skills": ["medicine"]},
    ],
    "vehicles": [
        {
            "id": "V1",
            "profile": "bike",
            "start": 0,
            "end": 0,
            "capacity": [25],
            "shift": [0, 14400],
            "skills": ["medicine"],
        }
    ],
    "options": {"time_limit_s": 1, "seed": 0},
}


class SolveProblem(BaseModel):
    """A routing problem in Doorstep's shape: matrices per profile, jobs, vehicles."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [DOORSTEP_EXAMPLE]})

    profiles: dict[str, MatricesIn] = Field(
        min_length=1, max_length=8, description="Matrices per travel profile, same size each."
    )
    locations: list[LocationIn] | None = Field(
        None, description="Names and points of the matrix rows (optional; one per row)."
    )
    jobs: list[SolveJobIn] = Field(min_length=1, description="Jobs to serve.")
    vehicles: list[SolveVehicleIn] = Field(min_length=1, description="Vehicles.")
    depots: list[SolveDepotIn] = Field(default_factory=list, description="Depots (optional).")
    dimensions: list[str] | None = Field(
        None, max_length=16, description="Names of the capacity dimensions (for messages)."
    )
    objective: Literal["distance", "duration"] | None = Field(
        None,
        description="What the cost counts: metres (default when every profile has "
        "distances) or travel seconds.",
    )
    options: SolveOptionsIn = Field(default_factory=lambda: SolveOptionsIn.model_validate({}))


# --------------------------------------------------------------------------- VROOM's input


class VroomMatrix(BaseModel):
    """One profile's matrices in VROOM's input (``costs`` matrices are not supported)."""

    model_config = ConfigDict(extra="forbid")

    durations: Matrix
    distances: Matrix | None = None
    costs: Matrix | None = Field(None, description="Not supported: refused when given.")


class VroomJob(BaseModel):
    """A job of VROOM's input."""

    model_config = ConfigDict(extra="forbid")

    id: Int
    description: str | None = Field(None, max_length=1000)
    location: list[float] | None = Field(
        None, description="Ignored when location_index is given (no routing engine here)."
    )
    location_index: Index | None = Field(None, description="Row of the matrices (required).")
    setup: Int = Field(0, description="Added to service (Doorstep has no separate setup).")
    service: Int = 0
    delivery: list[Int] | None = Field(None, max_length=16)
    pickup: list[Int] | None = Field(None, max_length=16, description="Only zeros supported.")
    amount: list[Int] | None = Field(None, max_length=16, description="Old name of delivery.")
    skills: list[Int] = Field(default_factory=list, max_length=64)
    priority: int = Field(0, ge=0, le=100)
    time_windows: list[Window] = Field(default_factory=list, max_length=64)


class VroomCosts(BaseModel):
    """A vehicle's costs in VROOM's input (only ``fixed`` is supported)."""

    model_config = ConfigDict(extra="forbid")

    fixed: Int = 0
    per_hour: Int = Field(3600, description="Only 3600 (cost = travel seconds) supported.")
    per_km: Int = Field(0, description="Only 0 supported.")


class VroomVehicle(BaseModel):
    """A vehicle of VROOM's input (no breaks, steps or speed factor)."""

    model_config = ConfigDict(extra="forbid")

    id: Int
    profile: str = Field("car", max_length=200)
    description: str | None = Field(None, max_length=1000)
    start: list[float] | None = None
    start_index: Index | None = Field(None, description="Required.")
    end: list[float] | None = None
    end_index: Index | None = None
    capacity: list[Int] | None = Field(None, max_length=16)
    costs: VroomCosts | None = None
    skills: list[Int] = Field(default_factory=list, max_length=64)
    time_window: Window | None = None
    breaks: list[dict[str, Any]] = Field(default_factory=list, description="Not supported.")
    speed_factor: float = Field(1.0, gt=0, le=5, description="Only 1 supported.")
    max_tasks: Int | None = None
    max_travel_time: Int | None = Field(None, description="Not supported.")
    max_distance: Int | None = None
    steps: list[dict[str, Any]] = Field(default_factory=list, description="Not supported.")


VROOM_EXAMPLE: dict[str, Any] = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "capacity": [4]}],
    "jobs": [
        {"id": 11, "location_index": 1, "delivery": [1], "service": 300},
        {"id": 12, "location_index": 2, "delivery": [2], "time_windows": [[600, 3600]]},
    ],
    "matrices": {"car": {"durations": [[0, 500, 900], [500, 0, 600], [900, 600, 0]]}},
}


class VroomProblem(BaseModel):
    """VROOM's input format (``jobs``, ``vehicles``, ``matrices``; no shipments), so a
    VROOM client switches by changing the URL. Doorstep's ``options`` may be added."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [VROOM_EXAMPLE]})

    jobs: list[VroomJob] = Field(min_length=1)
    shipments: list[dict[str, Any]] = Field(default_factory=list, description="Not supported.")
    vehicles: list[VroomVehicle] = Field(min_length=1)
    matrices: dict[str, VroomMatrix] | None = Field(None, max_length=8)
    matrix: Matrix | None = Field(None, description="Old form: the car profile's durations.")
    options: SolveOptionsIn = Field(default_factory=lambda: SolveOptionsIn.model_validate({}))


def problem_format(value: Any) -> str:
    """``vroom`` for a body with VROOM's ``matrices`` (or ``matrix``), else ``doorstep``."""
    if isinstance(value, dict):
        return "vroom" if "matrices" in value or "matrix" in value else "doorstep"
    return "vroom" if isinstance(value, VroomProblem) else "doorstep"


#: The body of a solve: Doorstep's shape, or VROOM's input (told apart by ``matrices``).
SolveBody = Annotated[
    Annotated[SolveProblem, Tag("doorstep")] | Annotated[VroomProblem, Tag("vroom")],
    Discriminator(problem_format),
]


# --------------------------------------------------------------------------- the answer


class StepOut(BaseModel):
    """One step of a route: its start, a job, a reload (multi-trip routes), or its end."""

    type: Literal["start", "job", "reload", "end"]
    id: int | str | None = Field(
        None, description="The job's id (job steps); the depot's id (reload steps)."
    )
    location_index: int
    location: list[float] | None = Field(None, description="[lon, lat] when locations given.")
    arrival: int = Field(description="Seconds (the problem's clock).")
    duration: int = Field(description="Travel seconds since the route's start.")
    distance: int = Field(description="Metres since the route's start.")
    service: int = Field(description="Service seconds here.")
    waiting_time: int = Field(description="Seconds waited for the window to open.")
    load: list[int] = Field(description="On board when leaving, per dimension.")


class SolvedRouteOut(BaseModel):
    """A vehicle's route."""

    vehicle: int | str
    cost: int = Field(description="Its share of the cost (arcs under the objective, fixed).")
    delivery: list[int] = Field(description="Quantity delivered, per dimension.")
    duration: int = Field(description="Travel seconds.")
    distance: int = Field(description="Metres.")
    service: int = Field(description="Service seconds.")
    waiting_time: int = Field(description="Seconds waited.")
    steps: list[StepOut]


class SolvedUnassignedOut(BaseModel):
    """A job on no route, with the reason code and a sentence."""

    id: int | str
    type: Literal["job"] = "job"
    location_index: int
    reason: Reason = Field(description="Why (docs/API.md lists the codes).")
    message: str = Field(description="The reason in a sentence.")


class SolveSummaryOut(BaseModel):
    """Totals of the answer."""

    cost: int = Field(description="Objective without penalties (metres or travel seconds, fixed).")
    routes: int
    unassigned: int
    delivery: list[int]
    duration: int = Field(description="Travel seconds of all routes.")
    distance: int = Field(description="Metres of all routes.")
    service: int
    waiting_time: int
    status: str = Field(description="How the search ended, in words.")
    computing_times: dict[str, int] = Field(description="Milliseconds: loading, solving.")


class CheckerOut(BaseModel):
    """The independent checker's verdict: every route recomputed from the matrices."""

    ok: bool
    violations: list[str] = Field(description="One sentence per broken rule (a defect).")


_STEP = {"duration": 0, "distance": 0, "service": 0, "waiting_time": 0}
_SOLUTION_EXAMPLE: dict[str, Any] = {
    "code": 0,
    "objective": "duration",
    "summary": {
        "cost": 1800,
        "routes": 1,
        "unassigned": 1,
        "delivery": [3],
        "duration": 1800,
        "distance": 0,
        "service": 300,
        "waiting_time": 0,
        "status": "solved (local optimum or limit reached)",
        "computing_times": {"solving": 41},
    },
    "unassigned": [
        {
            "id": 13,
            "type": "job",
            "location_index": 3,
            "reason": "DEMAND_EXCEEDS_CAPACITY",
            "message": "its demand (9 q1) exceeds the capacity of every vehicle that may serve it",
        }
    ],
    "routes": [
        {
            "vehicle": 1,
            "cost": 1800,
            "delivery": [3],
            "duration": 1800,
            "distance": 0,
            "service": 300,
            "waiting_time": 0,
            "steps": [
                {"type": "start", "location_index": 0, "arrival": 0, "load": [3], **_STEP},
                {
                    **_STEP,
                    "type": "job",
                    "id": 11,
                    "location_index": 1,
                    "arrival": 500,
                    "duration": 500,
                    "service": 300,
                    "load": [2],
                },
                {
                    **_STEP,
                    "type": "job",
                    "id": 12,
                    "location_index": 2,
                    "arrival": 1400,
                    "duration": 900,
                    "load": [0],
                },
                {
                    **_STEP,
                    "type": "end",
                    "location_index": 0,
                    "arrival": 2100,
                    "duration": 1800,
                    "load": [0],
                },
            ],
        }
    ],
    "checker": {"ok": True, "violations": []},
}


class SolutionOut(BaseModel):
    """The answer of a solve: VROOM's output shape plus reasons and the checker's verdict."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SOLUTION_EXAMPLE]})

    code: Literal[0] = Field(0, description="0: solved (as VROOM's code).")
    objective: Literal["distance", "duration"]
    summary: SolveSummaryOut
    unassigned: list[SolvedUnassignedOut]
    routes: list[SolvedRouteOut]
    checker: CheckerOut
