"""``plan.json`` as named schemas of the OpenAPI document (the fields of docs/OUTPUTS.md):
runs, their stops (deliveries and, with multi-trip runs, reloads), the households at each
door, unserved households with their reason codes, the summary and the suggestion.

Clock times ``HH:MM:SS`` on the plan date; weights kilograms; distances metres; durations
seconds; coordinates ``lon``/``lat`` WGS-84 degrees (as used: positions sent in GCJ-02 or
BD-09 converted; ``given_lon``/``given_lat`` keep them as sent). The models document and type the
document the pipeline writes (:func:`api.outputs.document.plan_document`); fields added
to ``plan.json`` later pass through (no model forbids them).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Reason codes of unserved households (``docs/OUTPUTS.md``): the solver's, and the day's.
ReasonCode = Literal[
    "NO_COMPATIBLE_VEHICLE",
    "DEMAND_EXCEEDS_CAPACITY",
    "UNREACHABLE",
    "TIME_WINDOW_UNREACHABLE",
    "ROUTE_LIMIT",
    "FLEET_EXHAUSTED",
    "TIME_LIMIT",
    "RIDE_TIME_UNREACHABLE",
    "ADDRESS_UNRESOLVED",
    "NO_TIME_WINDOW",
]
_CLOCK = "HH:MM:SS on the plan date."


class ItemOut(BaseModel):
    """Something to hand over at a door."""

    kind: str = Field(description="meals, groceries or medicine.")
    label: str = Field(description="What it is, in the manifest's words.")
    kg: float = Field(description="Weight, kilograms.")
    people: int = Field(1, description="Residents it is for.")


class GateOut(BaseModel):
    """What a Chinese address names when the household is placed at its compound's gate."""

    compound: str | None = None
    building: str | None = None
    entrance: str | None = None
    unit: str | None = None


class LineOut(BaseModel):
    """One household served at a stop (a stop may hold several: one building entrance)."""

    household_id: str
    address: str = ""
    address_source: str | None = Field(None, description="Where the address came from.")
    note: str = Field("", description="The household's own drop-off note.")
    building: str | None = None
    entrance: str | None = None
    floor: int | None = None
    unit: str | None = Field(None, description="The flat.")
    gate: GateOut | None = None
    coord_system: str | None = Field(None, description="gcj02 or bd09 when given so.")
    given_lon: float | None = Field(None, description="The door as sent, degrees in coord_system.")
    given_lat: float | None = None
    items: list[ItemOut] = Field(default_factory=list)
    phone: str | None = Field(
        None, description="The household's phone, only when its note asks for a call."
    )


class StopOut(BaseModel):
    """A stop of a run: a delivery door, or (multi-trip runs) a reload at a depot."""

    kind: Literal["delivery", "reload"] = Field(
        "delivery", description="delivery (a door) or reload (loading again at a depot)."
    )
    trip: int = Field(1, ge=1, description="Trip of the run it belongs to, from 1.")
    stop_id: str | None = Field(None, description="The stop of a delivery (none on a reload).")
    household_ids: list[str] = Field(default_factory=list)
    depot_id: str | None = Field(None, description="The depot of a reload.")
    depot_name: str | None = Field(None, description="Its name, on a reload.")
    lon: float | None = None
    lat: float | None = None
    arrival: str | None = Field(None, description=_CLOCK)
    service_start: str | None = Field(None, description=_CLOCK)
    departure: str | None = Field(None, description=_CLOCK)
    wait_s: int | None = None
    travel_s: int | None = Field(None, description="From the previous stop or the start.")
    travel_m: int | None = Field(None, description="From the previous stop or the start.")
    load: float | None = Field(None, description="Kilograms handed over here.")
    on_board_after_kg: float | None = Field(None, description="On board when leaving.")
    eta_window: list[str] | None = Field(
        None, description="[from, to] announced to the household, HH:MM:SS."
    )
    priority: int | None = None
    lines: list[LineOut] = Field(default_factory=list)


class StartOut(BaseModel):
    """Where and when a run starts."""

    lon: float
    lat: float
    departure: str = Field(description=_CLOCK)


class EndOut(BaseModel):
    """Where and when a run ends."""

    lon: float
    lat: float
    arrival: str = Field(description=_CLOCK)
    travel_s: int
    travel_m: int


class RouteOut(BaseModel):
    """A volunteer's run."""

    volunteer_id: str
    name: str | None = None
    mode: str = Field(description="walk, bike, ebike or drive.")
    depot_id: str | None = None
    depot_name: str | None = None
    start: StartOut
    stops: list[StopOut]
    end: EndOut | None = Field(None, description="None: the run ends at its last door.")
    distance_m: int
    duration_s: int
    travel_s: int
    load_kg: float
    trips: int | None = Field(None, description="Trips of the run (multi-trip runs).")
    manifest_url: str | None = Field(
        None, description="The volunteer link of the run's manifest (no key needed)."
    )


class UnassignedOut(BaseModel):
    """A household not served today, with the reason code, the sentence and the fix."""

    household_id: str
    reason: ReasonCode
    message: str
    fix: str = ""
    stop_id: str | None = None
    address: str = Field("", description="As the ledger gives it, for the coordinator.")
    phone: str = Field("", description="As the ledger gives it (E.164), for the coordinator.")
    lon: float | None = Field(
        None, description="Its stop's position, else the ledger's, WGS-84 degrees."
    )
    lat: float | None = None
    facts: dict[str, Any] = Field(
        default_factory=dict, description="The figures of its reason (times, limits, ids)."
    )


class NotDueOut(BaseModel):
    """A household under observation with nothing due today."""

    household_id: str
    reason: Literal["NOTHING_DUE"]
    message: str
    address: str = ""


class NotObservedOut(BaseModel):
    """A ledger household outside its observation period on the date."""

    household_id: str
    observation_start: str
    observation_end: str
    message: str


class WarningOut(BaseModel):
    """Something about the plan as a whole: its code, a sentence, and its figures."""

    code: str = Field(
        description="NOBODY_UNDER_OBSERVATION, COORDS_LIKELY_GCJ02, TIME_LIMIT_SHORT, ..."
    )
    message: str
    households: int | None = Field(None, description="Households it concerns.")
    household_ids: list[str] | None = Field(None, description="The rows it names.")
    given_median_m: float | None = Field(None, description="Coordinates as given: median m.")
    best_median_m: float | None = Field(None, description="In the likely system: median m.")
    flag: str | None = Field(None, description="The CLI option that would fix it.")
    limit_s: float | None = Field(None, description="TIME_LIMIT_SHORT: the time limit (s).")
    before_search_s: float | None = Field(
        None, description="TIME_LIMIT_SHORT: seconds gone when the search began."
    )
    after_search_s: float | None = Field(
        None, description="TIME_LIMIT_SHORT: seconds kept for the work after the search."
    )
    search_s: float | None = Field(
        None, description="TIME_LIMIT_SHORT: seconds the search had (its shortest)."
    )
    enough_s: int | None = Field(
        None, description="TIME_LIMIT_SHORT: the shortest limit that holds it all (s)."
    )


class ContinuityOut(BaseModel):
    """How many households on today's stops kept their own volunteer, and why others not."""

    households: int = Field(description="Households on today's stops.")
    own_volunteer_working: int = Field(
        description="Of those, households whose own volunteer works today."
    )
    kept_same_volunteer: int
    outcomes: dict[str, int] = Field(
        description="Households per outcome: kept, volunteer_absent, household_new, "
        "volunteer_cannot_serve, shares_stop, cost_too_high, not_served."
    )
    change_cost_s: int = Field(description="Search cost per household moved (s of travel).")


class ContinuityHouseholdOut(BaseModel):
    """One household on today's stops: its own volunteer, who serves it, and the outcome."""

    household_id: str
    own_volunteer: str = Field(description="Empty for a household new to the plans.")
    served_by: str = Field(description="Empty when not served today.")
    outcome: str


class ContinuityPlanOut(BaseModel):
    """Per household, whether it kept its own volunteer; each one's volunteer for tomorrow."""

    change_cost_s: int
    households: list[ContinuityHouseholdOut]
    volunteer_of: dict[str, str] = Field(
        description="Household id -> its own volunteer, read by tomorrow's --previous."
    )


class SummaryOut(BaseModel):
    """The plan's headline figures."""

    households_under_observation: int
    households_served: int
    households_unassigned: int
    households_not_due: int = 0
    households_not_observed: int = 0
    stops: int
    volunteers_available: int | None = None
    volunteers_called: int
    distance_m: int | None = None
    duration_s: int | None = None
    longest_run_s: int | None = None
    mean_run_s: int | None = None
    longest_over_mean: float | None = None
    most_stops: int | None = None
    mean_stops: float | None = None
    most_stops_over_mean: float | None = None
    balance_bound: float | None = None
    balance_met: bool | None = None
    balance: str | None = Field(None, description="The balance bound in a sentence.")
    load_kg: float | None = None
    trips: int | None = Field(None, description="Trips of every run together.")
    most_trips: int | None = Field(None, description="Trips of the run with the most.")
    cost: int
    solver_status: str
    seconds: dict[str, float] = Field(default_factory=dict, description="Per stage.")
    continuity: ContinuityOut | None = None


class SuggestedGroupOut(BaseModel):
    """Volunteers to add, alike in mode, hours, depot, load and skills."""

    mode: str
    count: int
    available_from: str = Field(description="HH:MM.")
    available_to: str = Field(description="HH:MM.")
    depot_id: str
    capacity_kg: float
    skills: list[str]
    text: str = Field(description="The group in a sentence.")


class ExtendOut(BaseModel):
    """A volunteer already there asked for more trips or a longer shift."""

    volunteer_id: str
    trips: int = Field(description="Trips the re-plan gave them.")
    max_trips: list[int | None] = Field(description="[before, after]; null: no limit.")
    available_to: list[str] = Field(description="[before, after], HH:MM.")
    text: str = Field(description="The ask in a sentence.")


class SuggestionOut(BaseModel):
    """Volunteers to add, checked by planning the day again with them."""

    extend: list[ExtendOut] = Field(default_factory=list)
    groups: list[SuggestedGroupOut]
    verified: bool = Field(description="Planning again with them serves everyone they can.")
    message: str


_PLAN_EXAMPLE: dict[str, Any] = {
    "date": "2026-11-25",
    "routes": [
        {
            "volunteer_id": "V1",
            "mode": "walk",
            "depot_id": "D1",
            "start": {"lon": 24.9388013, "lat": 60.1680973, "departure": "09:50:29"},
            "stops": [
                {
                    "stop_id": "H002",
                    "household_ids": ["H002"],
                    "lon": 24.9532794,
                    "lat": 60.1690752,
                    "arrival": "10:14:06",
                    "service_start": "10:14:06",
                    "departure": "10:15:06",
                    "wait_s": 0,
                    "travel_s": 786,
                    "travel_m": 982,
                    "eta_window": ["10:00:00", "10:30:00"],
                    "lines": [
                        {
                            "household_id": "H002",
                            "address": "",
                            "note": "",
                            "items": [{"kind": "meals", "label": "3 x day meals", "kg": 3.0}],
                        }
                    ],
                }
            ],
            "end": {
                "lon": 24.9388013,
                "lat": 60.1680973,
                "arrival": "10:26:53",
                "travel_s": 707,
                "travel_m": 884,
            },
            "distance_m": 1866,
            "duration_s": 2184,
            "travel_s": 1493,
            "load_kg": 3.0,
        }
    ],
    "unassigned": [],
    "not_due": [],
    "summary": {
        "households_under_observation": 1,
        "households_served": 1,
        "households_unassigned": 0,
        "stops": 1,
        "volunteers_called": 1,
        "cost": 1493,
        "solver_status": "solved (local optimum or limit reached)",
    },
}


class IdleVolunteerOut(BaseModel):
    """A volunteer available on the date who has no run."""

    volunteer_id: str
    name: str | None = None
    mode: str
    depot_id: str | None = None
    depot_name: str = ""
    available_from: str = Field(description=_CLOCK)
    available_to: str = Field(description=_CLOCK)


class DepotOut(BaseModel):
    """A depot of the ledger (where runs load)."""

    depot_id: str
    name: str | None = None
    lon: float = Field(description="WGS-84 degrees (converted when sent in GCJ-02 or BD-09).")
    lat: float


class VolunteerDiffOut(BaseModel):
    """What a re-plan changed for one volunteer."""

    added: list[str]
    removed: list[str]
    eta_moved: list[str] = Field(description="Households whose ETA moved by more than 10 min.")


class ReplanWarningOut(BaseModel):
    """Something a re-plan could not apply: its code, a sentence, and what it concerns."""

    code: str = Field(description="DONE_VISIT_NOT_IN_DAY, DELAY_UNDER_WAY.")
    message: str
    volunteer_id: str
    stop_id: str | None = Field(None, description="The done visit (DONE_VISIT_NOT_IN_DAY).")


class ClosureOut(BaseModel):
    """A ``street_closed`` event the re-plan applied: the street as the event named it
    (``way_id``, or the points ``lon``, ``lat``, ``lon2``, ``lat2`` as used, WGS-84; the
    others null; points sent in GCJ-02 or BD-09 also as sent) and the street pieces it
    closed."""

    at: str = Field(description="When the street closed, HH:MM.")
    id: str = Field(description="The event's id.")
    way_id: str | None = Field(None, description="The OSM way closed.")
    lon: float | None = Field(None, description="The closed street's first point, WGS-84.")
    lat: float | None = None
    lon2: float | None = Field(None, description="The closed street's second point, WGS-84.")
    lat2: float | None = None
    coord_system: Literal["gcj02", "bd09"] | None = Field(
        None, description="The system the points were sent in, when not WGS-84."
    )
    given_lon: float | None = Field(None, description="The first point as sent (coord_system).")
    given_lat: float | None = None
    given_lon2: float | None = Field(None, description="The second point as sent.")
    given_lat2: float | None = None
    links_closed: int = Field(
        ge=1, description="Street pieces (junction to junction) closed, over all travel modes."
    )


class ReplanOut(BaseModel):
    """How a re-plan came about (``doorstep replan``)."""

    at: str = Field(description="HH:MM.")
    events: list[dict[str, Any]]
    done_visits: int = Field(description="Visits kept as done before `at`.")
    households_moved: int
    change_cost_s: int
    diff: dict[str, VolunteerDiffOut]
    warnings: list[ReplanWarningOut] = Field(default_factory=list)
    closures: list[ClosureOut] = Field(
        default_factory=list, description="The day's closed streets, up to `at`."
    )


class PlanOut(BaseModel):
    """``plan.json``: the same document ``doorstep plan`` writes (docs/OUTPUTS.md)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PLAN_EXAMPLE]})

    date: str = Field(description="YYYY-MM-DD.")
    routes: list[RouteOut]
    unassigned: list[UnassignedOut]
    not_due: list[NotDueOut] = Field(default_factory=list)
    not_observed: list[NotObservedOut] = Field(default_factory=list)
    warnings: list[WarningOut] = Field(default_factory=list)
    idle_volunteers: list[IdleVolunteerOut] = Field(default_factory=list)
    depots: list[DepotOut] = Field(default_factory=list)
    summary: SummaryOut
    replan: ReplanOut | None = Field(None, description="Only on a re-planned day.")
    continuity: ContinuityPlanOut | None = Field(
        None, description="Only when yesterday's plan was given."
    )
    suggestion: SuggestionOut | None = Field(
        None, description="Volunteers to add (asked for, and some households unserved)."
    )


class SuggestOut(BaseModel):
    """The answer of ``POST /v1/suggest``: the day's plan figures and who to add."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job": "5f0c1d2e3a4b5c6d7e8f901234567890",
                    "suggestion": {
                        "groups": [
                            {
                                "mode": "walk",
                                "count": 2,
                                "available_from": "09:30",
                                "available_to": "13:30",
                                "depot_id": "D1",
                                "capacity_kg": 15.0,
                                "skills": [],
                                "text": "2 more walk volunteers, 09:30-13:30, 15 kg, from depot D1",
                            }
                        ],
                        "verified": True,
                        "message": "Checked: planning again with them serves every "
                        "household (2 re-plans).",
                    },
                    "unassigned": [
                        {
                            "household_id": "H004",
                            "reason": "FLEET_EXHAUSTED",
                            "message": "It fits alone but not with the rest.",
                            "fix": "call more volunteers or longer hours",
                            "stop_id": "H004",
                        }
                    ],
                    "summary": _PLAN_EXAMPLE["summary"]
                    | {"households_served": 3, "households_unassigned": 1},
                }
            ]
        }
    )

    job: str = Field(description="The plan made (GET /v1/jobs/{id}/plan).")
    suggestion: SuggestionOut | None = Field(
        description="None when every household is served without more volunteers."
    )
    unassigned: list[UnassignedOut] = Field(description="Unserved today, as planned.")
    summary: SummaryOut
