"""Request and response bodies of the HTTP API (pydantic), with their OpenAPI examples.

Records use the CSV column names of the ledger (``docs/INPUTS.md``); the ledger itself does
the checking of values (it names each bad record and field), so these models only fix the
shape and document the fields. Positions sent (households', volunteers' starts, depots')
are ``(lon, lat)`` degrees in the row's ``coord_system``, else the request's (WGS-84 by
default), converted to WGS-84 when read (:data:`POSITION`); positions answered are WGS-84
degrees. Clock times ``HH:MM``; dates ``YYYY-MM-DD``; weights kilograms; durations seconds;
distances metres.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from api.i18n import N_, Message
from api.plan.batch import CommunityResult
from api.plan.ledger import (
    MAX_CAPACITY_KG,
    MAX_FLOOR,
    MAX_RESIDENTS,
    MAX_STOPS,
    MAX_TRIPS,
    MODES,
    text_problem,
)
from api.plan.rules_file import KINDS as RULE_KINDS
from solver.errors import Detail

Scalar = str | int | float | bool | None
#: The keys of a request's ``rules`` object (the fields of ``DayRules``).
RULE_KEYS = tuple(RULE_KINDS)
Text = str | None


def _bounds(lo: float, hi: float) -> dict[str, Any]:
    """The bounds of a number in the OpenAPI document; the ledger enforces them (for
    numbers and numbers given as text alike), naming the record and field."""
    return {"minimum": lo, "maximum": hi}


def _no_number(value: Any) -> Any:
    """A flag is true/false (or yes/no text): 0 and 1 are not booleans in JSON."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"expected true or false, got the number {value!r}")
    return value


#: A priority flag of the ledger: JSON true/false, or text the ledger reads (yes/no).
Flag = Annotated[bool | str | None, BeforeValidator(_no_number)]


def text_faults(data: Any, path: tuple[str | int, ...] = ("body",)) -> list[Detail]:
    """Every string of a request body that is not Unicode text (lone surrogates), named by
    its place (``record`` the path, ``field`` the last key), as for malformed bodies."""
    record = ".".join(str(p) for p in path[:-1]) or "request"
    if isinstance(data, str):
        problem = text_problem(data)
        return [] if problem is None else [Detail(record, str(path[-1]), problem)]
    out: list[Detail] = []
    if isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(text_faults(value, (*path, i)))
    elif isinstance(data, dict):
        for key, value in data.items():
            problem = text_problem(str(key))
            if problem:
                where = ".".join(str(p) for p in path)
                out.append(
                    Detail(
                        where, ascii(key), Message(N_("field name %(problem)s"), problem=problem)
                    )
                )
                continue
            out.extend(text_faults(value, (*path, key)))
    return out


_ID = (
    "Unique id: 1-200 printable characters of any script; no '/', '\\' or control "
    "characters (the ledger names the record and field of a bad one)."
)
#: Documented formats (the ledger checks them and names the record and field).
_DATE: dict[str, Any] = {"format": "date"}
_CLOCK: dict[str, Any] = {"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
#: How a position sent is read (households' doors, volunteers' starts, depots, events'
#: points): the one description of its degrees in the OpenAPI document.
POSITION = (
    "degrees in the row's coord_system, else the request's (WGS-84 when neither is given); "
    "converted to WGS-84 when read."
)
#: The ``coord_system`` column of a row.
ROW_SYSTEM = "wgs84, gcj02 or bd09 for this row's positions (else the request's coord_system)."
_FLAG = "Priority flag: true/false (or yes/no text); 0 and 1 are refused."


class HouseholdIn(BaseModel):
    """One household of the ledger (the columns of ``households.csv``)."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")

    household_id: str = Field(min_length=1, max_length=200, description=_ID)
    lon: float | None = Field(
        None,
        description=f"Door longitude, {POSITION}",
        json_schema_extra=_bounds(-180, 180),
    )
    lat: float | None = Field(
        None,
        description=f"Door latitude, {POSITION}",
        json_schema_extra=_bounds(-90, 90),
    )
    residents: int | str = Field(
        description=f"People living there (1 to {MAX_RESIDENTS}).",
        json_schema_extra=_bounds(1, MAX_RESIDENTS),
    )
    observation_start: str = Field(
        description="First day of observation, YYYY-MM-DD.", json_schema_extra=_DATE
    )
    observation_end: str = Field(
        description="Last day of observation (inclusive), YYYY-MM-DD.", json_schema_extra=_DATE
    )
    address: Text = Field(None, description="Street address, used when lon/lat are empty.")
    building: Text = Field(None, description="Building key; same building+entrance = one stop.")
    entrance: Text = Field(None, description="Entrance within the building.")
    unit: Text = Field(None, description="The flat (室), printed per door on the manifest.")
    coord_system: Text = Field(None, description=ROW_SYSTEM)
    floor: int | str | None = Field(
        None,
        description=f"Floor of the flat (0 = ground, at most {MAX_FLOOR}).",
        json_schema_extra=_bounds(0, MAX_FLOOR),
    )
    needs: str | list[str] | None = Field(
        None, description="meals, groceries, medicine (list or ';'-separated); default meals."
    )
    elderly_alone: Flag = Field(None, description=_FLAG)
    medical_needs: Flag = Field(None, description=_FLAG)
    window: Text = Field(None, description="Own delivery window HH:MM-HH:MM.")
    note: Text = Field(None, description="Drop-off note shown to the volunteer.")
    phone: Text = Field(None, description="Contact for the ETA message.")


class VolunteerIn(BaseModel):
    """One volunteer available on the plan date (the columns of ``volunteers.csv``)."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")

    volunteer_id: str = Field(min_length=1, max_length=200, description=_ID)
    mode: str = Field(
        description="walk, bike, ebike or drive.", json_schema_extra={"enum": list(MODES)}
    )
    capacity_kg: float | str = Field(
        description=f"Load one run can carry, kilograms (above 0, at most {MAX_CAPACITY_KG:g}).",
        json_schema_extra={"exclusiveMinimum": 0, "maximum": MAX_CAPACITY_KG},
    )
    available_from: str = Field(description="Shift start, HH:MM.", json_schema_extra=_CLOCK)
    available_to: str = Field(description="Shift end, HH:MM.", json_schema_extra=_CLOCK)
    start_lon: float | None = Field(
        None,
        description=f"Start longitude (else the depot), {POSITION}",
        json_schema_extra=_bounds(-180, 180),
    )
    start_lat: float | None = Field(
        None,
        description=f"Start latitude (else the depot), {POSITION}",
        json_schema_extra=_bounds(-90, 90),
    )
    coord_system: Text = Field(None, description=ROW_SYSTEM)
    depot_id: Text = Field(None, description="Their depot (default: the first one).")
    skills: str | list[str] | None = Field(None, description="E.g. medicine.")
    max_stops: int | str | None = Field(
        None,
        description=f"Most stops they accept (at most {MAX_STOPS:,}).",
        json_schema_extra=_bounds(1, MAX_STOPS),
    )
    max_trips: int | str | None = Field(
        None,
        description="Most trips (loads from the depot) they make (at most "
        f"{MAX_TRIPS}); empty: as many as their shift allows.",
        json_schema_extra=_bounds(1, MAX_TRIPS),
    )
    name: Text = Field(None, description="Shown on their own manifest only.")


class DepotIn(BaseModel):
    """A depot (the columns of ``depots.csv``)."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")

    depot_id: str = Field(min_length=1, max_length=200, description=_ID)
    lon: float | str = Field(
        description=f"Longitude, {POSITION}", json_schema_extra=_bounds(-180, 180)
    )
    lat: float | str = Field(
        description=f"Latitude, {POSITION}", json_schema_extra=_bounds(-90, 90)
    )
    coord_system: Text = Field(None, description=ROW_SYSTEM)
    name: Text = Field(None, description="Name shown on manifests.")
    opens: Text = Field(None, description="Opening time HH:MM (default 00:00).")
    closes: Text = Field(None, description="Closing time HH:MM (default 24:00).")


class PreviousStopIn(BaseModel):
    """A stop of yesterday's plan: only its households are read."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")

    household_ids: list[str] = Field(default_factory=list, description="Households served.")


class PreviousRouteIn(BaseModel):
    """A run of yesterday's plan: its volunteer and stops in order."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="strings")

    volunteer_id: str = Field(description="The volunteer of the run.")
    stops: list[PreviousStopIn] = Field(default_factory=list, description="Stops in order.")


class PreviousPlanIn(BaseModel):
    """Yesterday's ``plan.json`` (its runs are read; other fields are kept and ignored)."""

    model_config = ConfigDict(extra="allow")

    routes: list[PreviousRouteIn] = Field(description="Yesterday's runs.")


#: Search seed of a plan or a solve.
SearchSeed = Annotated[int, Field(ge=0, le=2**31 - 1, description="Search seed.")]
#: Deterministic effort bound of a plan or a solve.
SearchEffort = Annotated[
    int | None,
    Field(
        ge=1,
        le=1_000_000,
        description="Stop the search after this many improving solutions, so the result "
        "depends only on the request and seed (when time_limit_s is not reached first).",
    ),
]


class PlanOptionsIn(BaseModel):
    """How to plan."""

    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(
        2.0,
        gt=0,
        le=3600,
        description="Seconds for the whole plan: matrices, search, checker, outputs "
        "(synchronous plans: at most the server's limit, 5 s by default).",
    )
    seed: SearchSeed = 0
    balance: float | None = Field(
        2.0, ge=0, le=100, description="No run longer than this times the mean (0 or null: off)."
    )
    fewest_volunteers: StrictBool = Field(
        False, description="Call out as few volunteers as possible."
    )
    previous: PreviousPlanIn | None = Field(
        None, description="Yesterday's plan.json: keep each household with its volunteer."
    )
    effort: SearchEffort = None
    lang: str | None = Field(
        None,
        max_length=35,
        description="Language of the manifests: en or zh-CN (default: the request's "
        "Accept-Language header, else English).",
    )


_EXAMPLE: dict[str, Any] = {
    "map": "demo",
    "date": "2026-11-25",
    "households": [
        {
            "household_id": "H001",
            "lon": 24.9384,
            "lat": 60.1699,
            "residents": 2,
            "observation_start": "2026-11-20",
            "observation_end": "2026-12-03",
            "needs": "meals;groceries",
            "elderly_alone": True,
            "note": "Leave by the door mat",
        },
        {
            "household_id": "H002",
            "lon": 24.9421,
            "lat": 60.1712,
            "residents": 1,
            "observation_start": "2026-11-25",
            "observation_end": "2026-12-08",
            "window": "10:00-12:00",
        },
    ],
    "volunteers": [
        {
            "volunteer_id": "V01",
            "mode": "walk",
            "capacity_kg": 15,
            "available_from": "09:00",
            "available_to": "13:00",
            "depot_id": "D1",
        }
    ],
    "depots": [
        {
            "depot_id": "D1",
            "lon": 24.9402,
            "lat": 60.1705,
            "name": "Community hall",
            "opens": "08:00",
            "closes": "16:00",
        }
    ],
    "options": {"time_limit_s": 2},
}


class PlanRequest(BaseModel):
    """A day to plan: the ledger's three tables, the map and date, and options."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    map: str = Field("demo", min_length=1, max_length=200, description="Map name (GET /v1/maps).")
    date: str = Field(
        description="Plan date, YYYY-MM-DD.", examples=["2026-11-25"], json_schema_extra=_DATE
    )
    households: list[HouseholdIn] = Field(description="Households under observation.")
    volunteers: list[VolunteerIn] = Field(
        description="Volunteers available that day (at least one).",
        json_schema_extra={"minItems": 1},
    )
    depots: list[DepotIn] = Field(default_factory=list, description="Depots.")
    options: PlanOptionsIn = Field(default_factory=lambda: PlanOptionsIn.model_validate({}))
    rules: dict[str, str | int | float | bool] | None = Field(
        None,
        description="Day rules replacing their defaults, keyed as a --rules file "
        f"(docs/INPUTS.md): {', '.join(RULE_KEYS)}. Checked like the ledger: every unknown "
        "key or bad value is an INVALID_RULES error naming it.",
        examples=[{"meal_window": "10:00-17:00", "meal_max_minutes": 45, "reloads": True}],
    )
    coord_system: Literal["wgs84", "gcj02", "bd09"] | None = Field(
        None,
        description="Coordinate system of rows without their own coord_system: wgs84 "
        "(default; GPS, OpenStreetMap), gcj02 (Amap, Tencent, WeChat) or bd09 (Baidu).",
    )
    community: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
        description="Whose households these are: who may see the job (docs/API.md, scopes). "
        "Default: the key's community, or 'default' for a city-wide key. In a batch, leave "
        "it out or give the community_id.",
    )


class DetailOut(BaseModel):
    """One fault: which record, which field, what is wrong."""

    record: str
    field: str
    problem: str


#: An error object of the examples: a ledger record with a latitude out of range.
ERROR_EXAMPLE: dict[str, Any] = {
    "code": "INVALID_LEDGER",
    "message": "1 problem(s) in the ledger:",
    "details": [
        {
            "record": "households item 1 (household_id 'H001')",
            "field": "lat",
            "problem": "column lat: latitude out of range: 91.0",
        }
    ],
}


class ErrorOut(BaseModel):
    """The one error shape of the API and the CLI."""

    model_config = ConfigDict(json_schema_extra={"examples": [ERROR_EXAMPLE]})

    code: str = Field(description="Stable error code (docs/API.md).")
    message: str
    details: list[DetailOut] = Field(default_factory=list)


class ProgressOut(BaseModel):
    """Where a job is."""

    stage: str = Field(description="queued, starting, graph, matrix, solve, check, geometry, ...")
    message: str
    fraction: float = Field(ge=0, le=1, description="Share done, 0-1 (an estimate).")


class JobLinks(BaseModel):
    """Where a job's outputs are (present once it is done)."""

    self: str
    solution: str | None = Field(None, description="A solve job's answer.")
    plan: str | None = None
    routes: str | None = None
    manifests: dict[str, str] = Field(default_factory=dict)


_JOB_EXAMPLE: dict[str, Any] = {
    "id": "5f0c1d2e3a4b5c6d7e8f901234567890",
    "kind": "job",
    "status": "running",
    "map": "demo",
    "date": "2026-11-25",
    "households": 300,
    "time_limit_s": 20.0,
    "created_at": "2026-11-24T18:02:11Z",
    "started_at": "2026-11-24T18:02:11Z",
    "finished_at": None,
    "attempts": 1,
    "progress": {
        "stage": "solve",
        "message": "best cost 812,440 after 4.1 s",
        "fraction": 0.31,
    },
    "best_cost": 812440,
    "error": None,
    "links": {"self": "/v1/jobs/5f0c1d2e3a4b5c6d7e8f901234567890"},
}


JobStatusName = Literal["queued", "running", "done", "failed", "cancelled"]


class JobOut(BaseModel):
    """A job's state."""

    model_config = ConfigDict(json_schema_extra={"examples": [_JOB_EXAMPLE]})

    id: str
    kind: Literal["plan", "job", "batch", "solve", "solvejob", "replan", "validate"] = Field(
        description="plan: made by POST /v1/plans (or /v1/suggest); batch: a community of "
        "POST /v1/batches; solve / solvejob: POST /v1/solve / POST /v1/solve/jobs; replan: "
        "POST /v1/jobs/{id}/replan; validate: POST /v1/plans:validate."
    )
    status: JobStatusName
    map: str
    date: str
    households: int
    time_limit_s: float
    created_at: str = Field(description="UTC, ISO 8601.")
    started_at: str | None
    finished_at: str | None
    attempts: int = Field(description="Runs started (a server stop may cause a second).")
    progress: ProgressOut
    best_cost: int | None = Field(description="Cost of the best plan found so far.")
    error: ErrorOut | None = Field(description="Why a failed job failed.")
    links: JobLinks
    community: str = Field("default", description="Whose households: who may see the job.")
    purged_at: str | None = Field(
        None, description="When its personal data were purged (DOORSTEP_RETAIN_DAYS); UTC."
    )
    day_id: str | None = Field(
        None,
        description="The job of the day's first plan (its own id for a first plan); its "
        "events, re-plans and versions are under /v1/jobs/{day_id}.",
    )
    version: int = Field(1, ge=1, description="Plan version within its day (1: first plan).")


class JobList(BaseModel):
    """Recent jobs, newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"jobs": [_JOB_EXAMPLE]}]})

    jobs: list[JobOut]


class ProfileOut(BaseModel):
    """One travel mode's street graph."""

    nodes: int
    links: int


class MapOut(BaseModel):
    """A map this server plans on."""

    name: str
    file: str = Field(description="File name of the OSM extract.")
    bbox: list[float] = Field(description="[west, south, east, north] WGS-84 degrees.")
    modes: dict[str, ProfileOut]
    attribution: str


class MapList(BaseModel):
    """Maps served."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "maps": [
                        {
                            "name": "demo",
                            "file": "test.osm.pbf",
                            "bbox": [24.9195, 60.1595, 24.9604, 60.1766],
                            "modes": {
                                "walk": {"nodes": 3127, "links": 4153},
                                "bike": {"nodes": 2390, "links": 3212},
                                "ebike": {"nodes": 2390, "links": 3212},
                                "drive": {"nodes": 1051, "links": 1390},
                            },
                            "attribution": "© OpenStreetMap contributors",
                        }
                    ]
                }
            ]
        }
    )

    maps: list[MapOut]


class Health(BaseModel):
    """Liveness."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]


class WorkerOut(BaseModel):
    """A solver process."""

    worker: int
    pid: int | None
    ready: bool
    busy: bool


class Readiness(BaseModel):
    """Readiness: database, maps and solver processes."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ready",
                    "database": True,
                    "maps": ["demo"],
                    "workers": [
                        {"worker": 0, "pid": 4121, "ready": True, "busy": True},
                        {"worker": 1, "pid": 4122, "ready": True, "busy": False},
                    ],
                    "jobs": {"done": 41, "running": 1, "queued": 3},
                }
            ]
        }
    )

    status: Literal["ready"]
    database: bool
    maps: list[str]
    workers: list[WorkerOut]
    jobs: dict[str, int] = Field(description="Jobs per status.")


# --------------------------------------------------------------------------- batches

_COMMUNITY_EXAMPLE: dict[str, Any] = {
    "community_id": "kallio-3",
    **{k: v for k, v in _EXAMPLE.items() if k != "options"},
    "options": {"time_limit_s": 2, "seed": 0, "effort": 200},
}


class CommunityIn(PlanRequest):
    """One community of a batch: its id and the same fields as a ``POST /v1/jobs`` body."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_COMMUNITY_EXAMPLE]})

    community_id: str = Field(
        min_length=1,
        max_length=200,
        description="Unique in the batch; letters, digits, _, - and . (as plan-batch's manifest).",
    )


class BatchRequest(BaseModel):
    """A batch: many communities planned independently, each as its own job."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "communities": [
                        _COMMUNITY_EXAMPLE,
                        {**_COMMUNITY_EXAMPLE, "community_id": "kallio-4"},
                    ]
                }
            ]
        },
    )

    communities: list[CommunityIn] = Field(
        min_length=1, description="The communities (at most the server's limit, 500 by default)."
    )


class CommunityLinks(BaseModel):
    """Where a community's outputs are (plan, routes, manifests once it is done)."""

    job: str | None = None
    plan: str | None = None
    routes: str | None = None
    manifests: dict[str, str] = Field(default_factory=dict)


class CommunityOut(BaseModel):
    """One community of a batch."""

    community_id: str
    status: JobStatusName = Field(
        description="That of its job; failed at once when its input was refused; queued "
        "while a retry is owed."
    )
    job_id: str | None = Field(description="Its current job (None when refused at submission).")
    tries: int = Field(description="Jobs it took (a failure not caused by its input: 2).")
    attempts: int = Field(description="Runs of its current job (a server stop may cause two).")
    failure: str | None = Field(
        description="input, map, defect, crash or cancelled once it failed (docs/SCALE.md)."
    )
    error: ErrorOut | None = Field(description="Why it failed.")
    progress: ProgressOut
    result: CommunityResult | None = Field(
        description="Its figures once finished, as in plan-batch's batch.json."
    )
    links: CommunityLinks


class BatchProgressOut(BaseModel):
    """How far a batch is."""

    communities: int
    queued: int
    running: int
    done: int
    failed: int
    cancelled: int
    fraction: float = Field(ge=0, le=1, description="Share done over all communities, 0-1.")


class BatchTotalsOut(BaseModel):
    """A batch's totals over its planned communities."""

    communities: int
    planned: int
    failed: int
    households_served: int
    households_unassigned: int
    unassigned_by_reason: dict[str, int] = Field(description="Unserved households per reason.")
    volunteers_called: int
    volunteers_available: int
    distance_km: float
    seconds: float = Field(description="Since the batch arrived.")


class BatchFailedOut(BaseModel):
    """A failed community in the city summary."""

    community_id: str
    failure: str = Field(description="input, map, defect, crash, cancelled or timeout.")
    error: str = Field(description="The error in words.")
    attempts: int


class BatchSummaryOut(BaseModel):
    """The city summary of plan-batch's batch.json, over the communities finished so far."""

    totals: BatchTotalsOut
    failed: list[BatchFailedOut]


_BATCH_EXAMPLE: dict[str, Any] = {
    "id": "9a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "status": "done",
    "created_at": "2026-11-24T18:02:11Z",
    "finished_at": "2026-11-24T18:02:41Z",
    "cancel_requested": False,
    "progress": {
        "communities": 2,
        "queued": 0,
        "running": 0,
        "done": 1,
        "failed": 1,
        "cancelled": 0,
        "fraction": 1.0,
    },
    "summary": {
        "totals": {
            "communities": 2,
            "planned": 1,
            "failed": 1,
            "households_served": 2,
            "households_unassigned": 0,
            "unassigned_by_reason": {},
            "volunteers_called": 1,
            "volunteers_available": 1,
            "distance_km": 1.866,
            "seconds": 30.2,
        },
        "failed": [
            {
                "community_id": "kallio-4",
                "failure": "input",
                "error": "INVALID_LEDGER: 1 problem(s) in the ledger:; households item 1 "
                "(household_id 'H001') lat: column lat: latitude out of range: 91.0",
                "attempts": 0,
            }
        ],
    },
    "communities": [
        {
            "community_id": "kallio-3",
            "status": "done",
            "job_id": "5f0c1d2e3a4b5c6d7e8f901234567890",
            "tries": 1,
            "attempts": 1,
            "failure": None,
            "error": None,
            "progress": {"stage": "done", "message": "plan ready", "fraction": 1.0},
            "result": {
                "community_id": "kallio-3",
                "ok": True,
                "households_served": 2,
                "households_unassigned": 0,
                "unassigned_by_reason": {},
                "volunteers_called": 1,
                "volunteers_available": 1,
                "distance_m": 1866,
            },
            "links": {
                "job": "/v1/jobs/5f0c1d2e3a4b5c6d7e8f901234567890",
                "plan": "/v1/batches/9a1b2c3d4e5f60718293a4b5c6d7e8f9/communities/kallio-3/plan",
                "routes": "/v1/batches/9a1b2c3d4e5f60718293a4b5c6d7e8f9/communities/kallio-3/"
                "routes.geojson",
                "manifests": {
                    "V01": "/v1/batches/9a1b2c3d4e5f60718293a4b5c6d7e8f9/communities/kallio-3/"
                    "manifests/V01.html"
                },
            },
        },
        {
            "community_id": "kallio-4",
            "status": "failed",
            "job_id": None,
            "tries": 1,
            "attempts": 0,
            "failure": "input",
            "error": ERROR_EXAMPLE,
            "progress": {
                "stage": "failed",
                "message": "1 problem(s) in the ledger:",
                "fraction": 1,
            },
            "result": {
                "community_id": "kallio-4",
                "ok": False,
                "failure": "input",
                "attempts": 0,
            },
            "links": {},
        },
    ],
    "links": {"self": "/v1/batches/9a1b2c3d4e5f60718293a4b5c6d7e8f9"},
}


class BatchOut(BaseModel):
    """A batch's state: status, progress, city summary and every community."""

    model_config = ConfigDict(json_schema_extra={"examples": [_BATCH_EXAMPLE]})

    id: str
    status: JobStatusName = Field(
        description="queued, running; done when every community ended (some may have "
        "failed); failed when none was planned; cancelled after DELETE."
    )
    created_at: str = Field(description="UTC, ISO 8601.")
    finished_at: str | None
    cancel_requested: bool
    progress: BatchProgressOut
    summary: BatchSummaryOut
    communities: list[CommunityOut]
    links: dict[str, str]


class BatchList(BaseModel):
    """Recent batches, newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"batches": [_BATCH_EXAMPLE]}]})

    batches: list[BatchOut]


# --------------------------------------------------------------------------- audit


class AuditOut(BaseModel):
    """One read of personal data."""

    id: int
    at: str = Field(description="UTC, ISO 8601.")
    actor: str = Field(description="key:FINGERPRINT (an API key) or link:JOB/VOLUNTEER.")
    action: Literal["plan", "routes", "manifest", "events"]
    job_id: str
    community: str
    volunteer_id: str | None = Field(description="The volunteer of a manifest read.")


_AUDIT_EXAMPLE: dict[str, Any] = {
    "id": 42,
    "at": "2026-11-25T08:12:09Z",
    "actor": "link:5f0c1d2e3a4b5c6d7e8f901234567890/V1",
    "action": "manifest",
    "job_id": "5f0c1d2e3a4b5c6d7e8f901234567890",
    "community": "kallio-3",
    "volunteer_id": "V1",
}


class AuditList(BaseModel):
    """Reads of personal data, newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"entries": [_AUDIT_EXAMPLE]}]})

    entries: list[AuditOut]
