"""One plan day: which households are due what, merged into stops, as a solver problem.

Rules (every default lives in :class:`DayRules` and is documented in ``docs/INPUTS.md``):

* a household is under observation on the date when
  ``observation_start <= date <= observation_end`` (both ends inclusive);
* needs become line items with a weight: meals every day for every resident, a grocery
  kit every ``grocery_every_days`` days counted from the first day of observation, medicine
  every ``medicine_every_days`` days and only by volunteers with the ``medicine`` skill;
* a stop carrying meals must be served inside the meal window, otherwise inside the day
  window; a household's own ``window`` narrows either;
* elderly-alone and medical households get a higher priority (served first when not
  everyone can be) and a soft morning deadline;
* service is contact-free: a door drop for a house, or entering a building, climbing and
  dropping at each door for flats; households behind the same building entrance share
  one stop with one line item each (those with medicine due share a second stop there,
  so only that stop needs a volunteer with the medicine skill).

Weights are kept in integer grams inside (demand rounded up, capacity rounded down).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from api.ledger import DepotRecord, Household, Ledger, Volunteer, format_clock
from solver import Depot, Objective, ObjectiveKind, Problem, Profile, Stop, Vehicle

LonLat = tuple[float, float]

#: The one capacity dimension: grams carried.
DIMENSION = "g"
MEDICINE = "medicine"


@dataclass(frozen=True, slots=True)
class DayRules:
    """Defaults that turn needs into loads, windows, priorities and service times.

    Attributes
    ----------
    meal_kg_per_resident
        Weight of one resident's meals for a day (kg).
    grocery_kg_per_resident
        Weight of a grocery kit per resident (kg).
    grocery_every_days
        A kit is due on observation day 0, n, 2n, ... (days since ``observation_start``).
    medicine_kg
        Weight of a medicine parcel per household (kg).
    medicine_every_days
        Medicine is due on observation day 0, n, 2n, ...
    meal_window
        When stops carrying meals must be served, seconds after midnight.
    day_window
        When other stops may be served, seconds after midnight.
    priority_deadline
        Soft deadline (seconds after midnight) for elderly-alone and medical households.
    lateness_cost
        Cost per second past that deadline (same unit as a second of travel).
    door_drop_s
        Service at a house: ring, drop at the door, step back (s).
    building_entry_s
        Entering a building entrance (door code, stairwell) once per stop (s).
    per_door_s
        Each flat's drop inside a building (s).
    per_floor_s
        Climbing one floor, counted once per stop up to its highest floor (s).
    """

    meal_kg_per_resident: float = 1.0
    grocery_kg_per_resident: float = 2.0
    grocery_every_days: int = 3
    medicine_kg: float = 0.3
    medicine_every_days: int = 1
    meal_window: tuple[int, int] = (10 * 3600, 13 * 3600)
    day_window: tuple[int, int] = (8 * 3600, 20 * 3600)
    priority_deadline: int = 12 * 3600
    lateness_cost: int = 5
    door_drop_s: int = 60
    building_entry_s: int = 90
    per_door_s: int = 40
    per_floor_s: int = 15


@dataclass(frozen=True, slots=True)
class Item:
    """One thing delivered to one household: kind (meals/groceries/medicine), label, kg."""

    kind: str
    label: str
    kg: float


@dataclass(frozen=True, slots=True)
class LineItem:
    """What one household of a stop receives.

    ``address`` is the ledger's, or else the nearest address on the map
    (``address_source`` says ``"ledger"``, ``"map"``, or ``""`` when there is none).
    """

    household_id: str
    items: tuple[Item, ...]
    address: str = ""
    note: str = ""
    address_source: str = ""

    @property
    def kg(self) -> float:
        """Total weight in kilograms."""
        return sum(i.kg for i in self.items)


@dataclass(frozen=True, slots=True)
class DayStop:
    """A place the volunteers stop at: one house, or one building entrance.

    Attributes
    ----------
    stop_id
        The household id for a single household, ``"<building>/<entrance>"`` for a merge.
    lon, lat
        WGS-84 position of the door.
    lines
        Per-household line items.
    demand_g
        Total weight in grams (rounded up).
    service_s
        Contact-free service time in seconds.
    window
        ``(from, to)`` seconds after midnight in which service must start.
    priority
        0 normal, 1 elderly-alone or medical, 2 both.
    deadline
        Soft deadline (s) for priority stops, else ``None``.
    skills
        Skills required (``{"medicine"}`` when a parcel of medicine is on board).
    """

    stop_id: str
    lon: float
    lat: float
    lines: tuple[LineItem, ...]
    demand_g: int
    service_s: int
    window: tuple[int, int]
    priority: int = 0
    deadline: int | None = None
    skills: frozenset[str] = frozenset()

    @property
    def household_ids(self) -> tuple[str, ...]:
        """Households served at this stop."""
        return tuple(line.household_id for line in self.lines)


@dataclass(frozen=True, slots=True)
class Excluded:
    """A household under observation that is on no stop, with a reason code and sentence."""

    household_id: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class DaySelection:
    """Households of the day turned into stops, and the ones that could not be."""

    date: dt.date
    stops: tuple[DayStop, ...]
    excluded: tuple[Excluded, ...]
    not_due: tuple[Excluded, ...] = ()
    not_observed: tuple[Excluded, ...] = ()


def on_observation(household: Household, date: dt.date) -> bool:
    """Tell whether ``date`` lies in the household's period (both ends inclusive)."""
    return household.observation_start <= date <= household.observation_end


def select_households(households: Iterable[Household], date: dt.date) -> list[Household]:
    """Households under observation on ``date``, in ledger order."""
    return [h for h in households if on_observation(h, date)]


#: Added to an unresolved address's sentence on a day with nothing due for it.
NOTHING_DUE_YET = "Nothing is due today: fix it before its next delivery."


def items_due(household: Household, date: dt.date, rules: DayRules) -> tuple[Item, ...]:
    """Line items due on ``date`` for a household under observation (kg per :class:`DayRules`)."""
    day = (date - household.observation_start).days
    n = household.residents
    out: list[Item] = []
    if "meals" in household.needs:
        out.append(Item("meals", f"{n} x day meals", round(rules.meal_kg_per_resident * n, 3)))
    if "groceries" in household.needs and day % max(rules.grocery_every_days, 1) == 0:
        out.append(
            Item("groceries", f"grocery kit for {n}", round(rules.grocery_kg_per_resident * n, 3))
        )
    if "medicine" in household.needs and day % max(rules.medicine_every_days, 1) == 0:
        out.append(Item("medicine", "medicine parcel", rules.medicine_kg))
    return tuple(out)


def _intersect(a: tuple[int, int], b: tuple[int, int] | None) -> tuple[int, int] | None:
    if b is None:
        return a
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo < hi else None


@dataclass(slots=True)
class _Draft:
    household: Household
    lon: float
    lat: float
    items: tuple[Item, ...]
    window: tuple[int, int]


def _line(d: _Draft, map_addresses: Mapping[str, str]) -> LineItem:
    h = d.household
    found = map_addresses.get(h.household_id, "")
    address, source = (h.address, "ledger") if h.address else (found, "map" if found else "")
    return LineItem(h.household_id, d.items, address, h.note, source)


def _make_stop(
    stop_id: str,
    members: Sequence[_Draft],
    rules: DayRules,
    map_addresses: Mapping[str, str],
) -> DayStop:
    window = members[0].window
    for m in members[1:]:
        merged = _intersect(window, m.window)
        assert merged is not None  # callers only merge compatible windows
        window = merged
    in_building = bool(members[0].household.building)
    if in_building:
        floors = max(m.household.floor for m in members)
        service = rules.building_entry_s + rules.per_door_s * len(members)
        service += rules.per_floor_s * floors
    else:
        service = rules.door_drop_s * len(members)
    priority = max(int(m.household.elderly_alone) + int(m.household.medical_needs) for m in members)
    deadline = max(rules.priority_deadline, window[0]) if priority else None
    if deadline is not None and deadline >= window[1]:
        deadline = None
    kinds = {i.kind for m in members for i in m.items}
    kg = sum(i.kg for m in members for i in m.items)
    lines = tuple(_line(m, map_addresses) for m in members)
    return DayStop(
        stop_id=stop_id,
        lon=members[0].lon,
        lat=members[0].lat,
        lines=lines,
        demand_g=math.ceil(round(kg * 1000, 6)),
        service_s=service,
        window=window,
        priority=priority,
        deadline=deadline,
        skills=frozenset({MEDICINE}) if MEDICINE in kinds else frozenset(),
    )


def build_day(
    ledger: Ledger,
    date: dt.date,
    *,
    rules: DayRules | None = None,
    resolved: Mapping[str, LonLat] | None = None,
    map_addresses: Mapping[str, str] | None = None,
) -> DaySelection:
    """Select the day's households and turn them into stops.

    Parameters
    ----------
    ledger
        The validated ledger.
    date
        The plan date.
    rules
        Defaults for loads, windows, priorities and service times.
    resolved
        ``(lon, lat)`` WGS-84 of households given by address only, keyed by household id;
        a household with neither coordinates nor an entry here is excluded as
        ``ADDRESS_UNRESOLVED`` (never guessed).
    map_addresses
        Street address found on the map near households the ledger gives no address for,
        keyed by household id (shown on manifests, never used to place the stop).

    Returns
    -------
    DaySelection
        Stops, and the households under observation that are on none, with reasons.
    """
    rules = rules or DayRules()
    resolved = resolved or {}
    named = map_addresses or {}
    excluded: list[Excluded] = []
    not_due: list[Excluded] = []
    drafts: list[_Draft] = []
    not_observed = tuple(
        Excluded(
            h.household_id,
            "NOT_OBSERVED",
            f"Not under observation on {date}: its period is {h.observation_start} to "
            f"{h.observation_end}.",
        )
        for h in ledger.households
        if not on_observation(h, date)
    )
    for h in select_households(ledger.households, date):
        items = items_due(h, date, rules)
        if h.lon is not None and h.lat is not None:
            lon, lat = h.lon, h.lat
        elif h.household_id in resolved:
            lon, lat = resolved[h.household_id]
        else:
            # Reported on every day of the observation, due or not: the coordinator learns
            # of it before the next delivery day.
            excluded.append(
                Excluded(
                    h.household_id,
                    "ADDRESS_UNRESOLVED",
                    f"Address {h.address!r} was not found on the map; add lon/lat."
                    + ("" if items else f" {NOTHING_DUE_YET}"),
                )
            )
            continue
        if not items:
            not_due.append(
                Excluded(
                    h.household_id,
                    "NOTHING_DUE",
                    f"Nothing is due today for needs {', '.join(sorted(h.needs))}.",
                )
            )
            continue
        base = rules.meal_window if any(i.kind == "meals" for i in items) else rules.day_window
        window = _intersect(base, h.window)
        if window is None:
            assert h.window is not None
            excluded.append(
                Excluded(
                    h.household_id,
                    "NO_TIME_WINDOW",
                    f"The household's window {format_clock(h.window[0])}-"
                    f"{format_clock(h.window[1])} does not meet the delivery window "
                    f"{format_clock(base[0])}-{format_clock(base[1])}.",
                )
            )
            continue
        drafts.append(_Draft(h, lon, lat, items, window))

    # Flats behind one entrance share a stop; those with medicine due form their own stop
    # there, so that only the medicine needs a volunteer with that skill.
    groups: dict[tuple[str, str, bool], list[_Draft]] = defaultdict(list)
    singles: list[_Draft] = []
    for d in drafts:
        if d.household.building:
            med = any(i.kind == MEDICINE for i in d.items)
            groups[(d.household.building, d.household.entrance, med)].append(d)
        else:
            singles.append(d)
    stops: list[DayStop] = [
        _make_stop(d.household.household_id, [d], rules, named) for d in singles
    ]
    split = Counter((b, e) for b, e, _ in groups)
    for (building, entrance, med), members in groups.items():
        # Merge greedily while the windows still overlap; a household whose window does not
        # meet the others' gets its own stop at the same door.
        batches: list[tuple[tuple[int, int], list[_Draft]]] = []
        for m in sorted(members, key=lambda d: d.household.household_id):
            for i, (win, batch) in enumerate(batches):
                both = _intersect(win, m.window)
                if both is not None:
                    batches[i] = (both, [*batch, m])
                    break
            else:
                batches.append((m.window, [m]))
        for k, (_, batch) in enumerate(batches):
            if len(batch) == 1 and len(members) == 1:
                sid = batch[0].household.household_id
            else:
                sid = f"{building}/{entrance}" if entrance else building
                if split[(building, entrance)] > 1 and med:
                    sid += "/medicine"
                if len(batches) > 1:
                    sid += f"#{k + 1}"
            stops.append(_make_stop(sid, batch, rules, named))
    stops.sort(key=lambda s: s.stop_id)
    return DaySelection(date, tuple(stops), tuple(excluded), tuple(not_due), not_observed)


# ---------------------------------------------------------------- locations and problem


@dataclass(frozen=True, slots=True)
class Locations:
    """The unique points of a plan, indexed as in every matrix: depots, starts, stops.

    Attributes
    ----------
    points
        ``(lon, lat)`` WGS-84 of each location index.
    depot
        Location index of each depot id.
    start
        Location index of each volunteer's start.
    stop
        Location index of each stop id.
    """

    points: tuple[LonLat, ...]
    depot: dict[str, int] = field(default_factory=dict)
    start: dict[str, int] = field(default_factory=dict)
    stop: dict[str, int] = field(default_factory=dict)


def volunteer_start(volunteer: Volunteer, depots: Sequence[DepotRecord]) -> LonLat:
    """Where a volunteer starts and ends, ``(lon, lat)``: own position, depot, or first depot."""
    if volunteer.start_lon is not None and volunteer.start_lat is not None:
        return (volunteer.start_lon, volunteer.start_lat)
    by_id = {d.depot_id: d for d in depots}
    d = by_id.get(volunteer.depot_id, depots[0])
    return (d.lon, d.lat)


def locate(
    selection: DaySelection, volunteers: Sequence[Volunteer], depots: Sequence[DepotRecord]
) -> Locations:
    """Give every depot, volunteer start and stop a location index (identical points shared)."""
    points: list[LonLat] = []
    index: dict[LonLat, int] = {}

    def at(p: LonLat) -> int:
        key = (round(p[0], 7), round(p[1], 7))
        if key not in index:
            index[key] = len(points)
            points.append(key)
        return index[key]

    depot = {d.depot_id: at((d.lon, d.lat)) for d in depots}
    start = {v.volunteer_id: at(volunteer_start(v, depots)) for v in volunteers}
    stop = {s.stop_id: at((s.lon, s.lat)) for s in selection.stops}
    return Locations(tuple(points), depot, start, stop)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to weigh the plan.

    Attributes
    ----------
    balance_factor
        No volunteer's run may last longer than this times the mean run (``None``: off).
    span_cost
        Cost per second of the longest run, nudging work towards being even. Off by
        default: measured on small plans, a positive span cost made the search drop
        households rather than lengthen the longest run; ``balance_factor`` bounds balance
        without that risk.
    fewest_volunteers
        Call out as few volunteers as possible.
    """

    balance_factor: float | None = 2.0
    span_cost: int = 0
    fewest_volunteers: bool = False


def build_problem(
    selection: DaySelection,
    volunteers: Sequence[Volunteer],
    depots: Sequence[DepotRecord],
    locations: Locations,
    matrices: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    options: PlanOptions | None = None,
    rules: DayRules | None = None,
    allowed: Mapping[str, frozenset[str]] | None = None,
) -> Problem:
    """Build the solver problem of one day.

    Parameters
    ----------
    selection, volunteers, depots, locations
        The day's stops, the volunteers called, the depots and the location index.
    matrices
        Per travel mode (``walk``, ``bike``, ``ebike``, ``drive``): ``(durations s,
        distances m)`` square int64 matrices over ``locations``, ``-1`` where unreachable.
    options
        Balance and fleet options.
    rules
        Day rules (for the lateness cost of soft deadlines).
    allowed
        Optional per-stop restriction to some volunteer ids (used for continuity).

    Returns
    -------
    Problem
        One capacity dimension ``"g"``; travel profiles in the order of the modes used.
    """
    options = options or PlanOptions()
    rules = rules or DayRules()
    modes = sorted({v.mode for v in volunteers}) or ["walk"]
    profiles = []
    for m in modes:
        dur, dist = matrices[m]
        profiles.append(Profile(m, np.asarray(dur, np.int64), np.asarray(dist, np.int64)))
    profile_of = {m: i for i, m in enumerate(modes)}
    vehicles = [
        Vehicle(
            id=v.volunteer_id,
            start=locations.start[v.volunteer_id],
            end=locations.start[v.volunteer_id],
            capacity=(math.floor(v.capacity_kg * 1000 + 1e-6),),
            shift=(v.available_from, v.available_to),
            max_stops=v.max_stops,
            skills=v.skills,
            profile=profile_of[v.mode],
            cost_per_second=1,
            cost_per_metre=0,
        )
        for v in volunteers
    ]
    allowed = allowed or {}
    stops = [
        Stop(
            id=s.stop_id,
            location=locations.stop[s.stop_id],
            demand=(s.demand_g,),
            service=s.service_s,
            windows=(s.window,),
            deadline=s.deadline,
            lateness_cost=0 if s.deadline is None else rules.lateness_cost,
            priority=s.priority,
            skills=s.skills,
            allowed_vehicles=allowed.get(s.stop_id),
        )
        for s in selection.stops
    ]
    skills = frozenset({MEDICINE}).union(*(v.skills for v in volunteers))
    solver_depots = [
        Depot(d.depot_id, locations.depot[d.depot_id], (d.opens, d.closes)) for d in depots
    ]
    objective = Objective(
        kind=ObjectiveKind.DURATION,
        span_cost=options.span_cost,
        balance_factor=options.balance_factor,
        minimise_vehicles=options.fewest_volunteers,
    )
    return Problem(
        stops=tuple(stops),
        vehicles=tuple(vehicles),
        profiles=tuple(profiles),
        depots=tuple(solver_depots),
        objective=objective,
        dimensions=(DIMENSION,),
        skills=skills,
    )
