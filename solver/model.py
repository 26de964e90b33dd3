"""The generic routing problem: stops, vehicles, depots, travel profiles, objective.

Everything is in integer units: seconds since midnight of the plan day (or since the
instance's time zero), metres, and integer demand vectors. Locations are indices into the
square matrices of each :class:`Profile`; the solver never sees coordinates.

A :class:`Problem` validates itself once, when it is built, and raises
:class:`~solver.errors.ProblemValidationError` listing every fault with its record and
field. After that it is immutable and can be solved any number of times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from solver.errors import Detail, ProblemValidationError

#: Matrix entry meaning "no path between these two locations".
UNREACHABLE = -1

#: Default horizon: one day in seconds.
DAY = 24 * 3600

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Stop:
    """A place to serve once.

    Attributes
    ----------
    id
        Unique identifier, used in results and error messages.
    location
        Index of the stop's location in the profile matrices.
    demand
        Integer quantity per capacity dimension (same length as ``Problem.dimensions``);
        delivered from the vehicle's start, so it counts against capacity from the start.
    service
        Service duration in seconds.
    windows
        Hard time windows ``(start, end)`` in seconds, sorted and disjoint; service must
        *start* inside one of them. Empty means any time within the vehicle's shift.
    deadline
        Optional soft deadline (seconds): starting service later costs
        ``lateness_cost`` per second late.
    lateness_cost
        Cost per second of lateness past ``deadline``.
    priority
        Higher is served first when not every stop can be served (0 = lowest).
    skills
        Skills a vehicle must all have to serve this stop.
    allowed_vehicles
        Vehicle ids allowed to serve the stop; ``None`` allows all.
    required
        ``True``: the stop must be served; if it cannot be, the plan still comes back with
        the stop unassigned and a reason. ``False``: optional, dropped at ``penalty``.
    penalty
        Cost of leaving an optional stop unserved; ``None`` lets the solver derive one
        from the priority (always larger than any detour, so dropping is a last resort).
    max_ride
        Longest time in seconds from the vehicle's last departure from a reload location
        (or from its start, on a first trip that left loaded) to this stop's service
        start; ``None``: no limit. Waiting before service counts.
    reference
        The vehicle id serving this stop in a reference plan (the plan being re-planned,
        or yesterday's), or ``None``.
    change_cost
        Search cost of serving the stop with a vehicle other than ``reference`` (in the
        objective's units; 0: no preference). It steers the search only: it is not part
        of ``Solution.cost``, and it stays below any drop penalty.
    """

    id: str
    location: int
    demand: tuple[int, ...] = ()
    service: int = 0
    windows: tuple[tuple[int, int], ...] = ()
    deadline: int | None = None
    lateness_cost: int = 0
    priority: int = 0
    skills: frozenset[str] = frozenset()
    allowed_vehicles: frozenset[str] | None = None
    required: bool = True
    penalty: int | None = None
    max_ride: int | None = None
    reference: str | None = None
    change_cost: int = 0


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle (or walking / cycling volunteer) with its limits and costs.

    Attributes
    ----------
    id
        Unique identifier.
    start
        Location index where the route starts.
    end
        Location index where the route ends; ``None`` for an open route that ends at its
        last stop.
    capacity
        Capacity per dimension (same length as ``Problem.dimensions``).
    shift
        ``(earliest start, latest end)`` in seconds.
    max_duration
        Longest route duration in seconds (end minus start, waiting included), or ``None``.
    max_distance
        Longest route distance in metres, or ``None``.
    max_stops
        Most stops on the route, or ``None``.
    skills
        Skills this vehicle has.
    profile
        Index into ``Problem.profiles`` of the matrices this vehicle travels by.
    fixed_cost
        Cost added when the vehicle is used at all.
    cost_per_second, cost_per_metre
        Arc cost weights used by the ``weighted`` objective.
    reload_locations
        Location indices where the vehicle may load again (start a new trip). Empty with
        ``max_trips != 1`` (or with ``start_loaded=False``) means its start location.
    max_trips
        Most trips (loads) per route; ``None``: unlimited within the shift. Each trip's
        load is within ``capacity`` on every dimension. 1 (the default) is a single trip
        loaded at the start: no reloads.
    reload_service
        Seconds spent at a reload location per reload (counts in the shift and in
        ``max_duration``).
    start_loaded
        ``True``: the vehicle leaves its start loaded (its first trip begins there).
        ``False``: it starts empty and must load at a reload location before its first
        stop (a volunteer leaving from home); that load begins trip 1.
    prefix
        Visits that must begin the route, in this order: stop ids, or the
        :meth:`Problem.reload_id` of one of its load places for a reload (what a
        volunteer has already done, in a re-plan); it ends with a stop. The vehicle's
        position, load on board and trips left after it follow from the prefix itself.
    """

    id: str
    start: int
    end: int | None
    capacity: tuple[int, ...] = ()
    shift: tuple[int, int] = (0, DAY)
    max_duration: int | None = None
    max_distance: int | None = None
    max_stops: int | None = None
    skills: frozenset[str] = frozenset()
    profile: int = 0
    fixed_cost: int = 0
    cost_per_second: int = 0
    cost_per_metre: int = 1
    reload_locations: tuple[int, ...] = ()
    max_trips: int | None = 1
    reload_service: int = 0
    start_loaded: bool = True
    prefix: tuple[str, ...] = ()

    @property
    def reloads(self) -> bool:
        """Whether the route may (or, starting empty, must) visit reload locations."""
        return self.max_trips != 1 or not self.start_loaded

    @property
    def load_places(self) -> tuple[int, ...]:
        """Location indices where the vehicle loads (its start if none are given);
        empty when it never reloads."""
        if not self.reloads:
            return ()
        return self.reload_locations or (self.start,)

    @property
    def max_loads(self) -> int | None:
        """Most visits to reload locations (``None``: unlimited)."""
        if self.max_trips is None:
            return None
        return self.max_trips - (1 if self.start_loaded else 0)


@dataclass(frozen=True, slots=True)
class Depot:
    """A named location with opening hours; vehicles starting or ending there obey them.

    Attributes
    ----------
    id
        Unique identifier.
    location
        Location index.
    window
        ``(opens, closes)`` in seconds.
    """

    id: str
    location: int
    window: tuple[int, int] = (0, DAY)


@dataclass(frozen=True, slots=True, eq=False)
class Profile:
    """Travel matrices of one travel mode (walk, bike, drive, ...).

    Attributes
    ----------
    name
        Human name of the profile, e.g. ``"walk"``.
    durations
        Square ``int64`` matrix of travel seconds, ``UNREACHABLE`` (-1) where no path.
    distances
        Square ``int64`` matrix of travel metres, same shape and unreachable cells.
    """

    name: str
    durations: IntMatrix
    distances: IntMatrix


class ObjectiveKind(StrEnum):
    """What the arc cost of a route counts."""

    DISTANCE = "distance"
    DURATION = "duration"
    WEIGHTED = "weighted"


@dataclass(frozen=True, slots=True)
class Objective:
    """Objective options.

    Attributes
    ----------
    kind
        ``distance`` (metres), ``duration`` (travel seconds) or ``weighted``
        (each vehicle's ``cost_per_second`` x seconds + ``cost_per_metre`` x metres).
    span_cost
        Cost per second of the longest route's duration (penalises imbalance).
    balance_factor
        If set, no route may last longer than this factor times the mean duration of the
        used routes (enforced by re-solving with a tightened bound).
    minimise_vehicles
        Add a large fixed cost per used vehicle so that as few as possible are used.
    """

    kind: ObjectiveKind = ObjectiveKind.DISTANCE
    span_cost: int = 0
    balance_factor: float | None = None
    minimise_vehicles: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """A validated, immutable routing problem.

    Attributes
    ----------
    stops
        Stops to serve.
    vehicles
        Available vehicles.
    profiles
        One matrix pair per travel mode; every matrix has the same size ``n_locations``.
    depots
        Named depots with opening hours (optional).
    objective
        Objective options.
    dimensions
        Names of the capacity dimensions, e.g. ``("kg",)``; every demand and capacity
        vector has this length.
    skills
        The skill vocabulary. Every stop and vehicle skill must belong to it, so a typo is
        an error while a known skill that no vehicle has today only leaves its stops
        unassigned (``NO_COMPATIBLE_VEHICLE``). ``None``: the union of vehicle skills.

    Raises
    ------
    ProblemValidationError
        If anything is inconsistent; every fault is listed with record and field.
    """

    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    profiles: tuple[Profile, ...]
    depots: tuple[Depot, ...] = ()
    objective: Objective = field(default_factory=Objective)
    dimensions: tuple[str, ...] = ()
    skills: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "stops", tuple(self.stops))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "profiles", tuple(self.profiles))
        object.__setattr__(self, "depots", tuple(self.depots))
        details = validate(self)
        if details:
            raise ProblemValidationError(details)

    @property
    def n_locations(self) -> int:
        """Number of locations (the size of every matrix)."""
        return int(self.profiles[0].durations.shape[0]) if self.profiles else 0

    def stop_index(self) -> dict[str, int]:
        """Map each stop id to its position in ``stops``."""
        return {s.id: i for i, s in enumerate(self.stops)}

    def vehicle_index(self) -> dict[str, int]:
        """Map each vehicle id to its position in ``vehicles``."""
        return {v.id: i for i, v in enumerate(self.vehicles)}

    def reload_code(self, location: int) -> int:
        """The entry standing for a reload at ``location`` in a visiting order.

        Visiting orders (lists of positions in ``stops``) mark a reload with
        ``len(stops) + location``, never a valid stop position.
        """
        return len(self.stops) + location

    def reload_at(self, entry: int) -> int | None:
        """The reload location an entry of a visiting order stands for (``None``: a stop)."""
        n = len(self.stops)
        return entry - n if entry >= n else None

    def reload_id(self, location: int) -> str:
        """``stop_id`` of a reload visit: the depot's id at ``location``, or
        ``reload@<location>``."""
        for depot in self.depots:
            if depot.location == location:
                return depot.id
        return f"reload@{location}"

    def entry(self, vehicle_index: int, name: str, index: dict[str, int]) -> int | None:
        """The visiting-order entry of a visit named ``name`` on vehicle ``vehicle_index``'s
        route: a stop position (``index``: :meth:`stop_index`), else a reload code when
        ``name`` is the :meth:`reload_id` of one of its load places; ``None``: neither."""
        if name in index:
            return index[name]
        for place in self.vehicles[vehicle_index].load_places:
            if self.reload_id(place) == name:
                return self.reload_code(place)
        return None

    def entry_name(self, entry: int) -> str:
        """The visit name of a visiting-order entry: the stop's id, or the reload's id."""
        place = self.reload_at(entry)
        return self.stops[entry].id if place is None else self.reload_id(place)

    def prefix_entries(self, vehicle_index: int) -> list[int]:
        """The visiting-order entries of a vehicle's fixed prefix (validated names)."""
        index = self.stop_index()
        entries = (self.entry(vehicle_index, n, index) for n in self.vehicles[vehicle_index].prefix)
        return [e for e in entries if e is not None]

    def stop_positions(self, entries: Iterable[int]) -> list[int]:
        """The stop positions of a visiting order, reloads left out."""
        n = len(self.stops)
        return [i for i in entries if i < n]


def routes_with_prefixes(problem: Problem, routes: Sequence[Sequence[int]]) -> list[list[int]]:
    """``routes`` with every vehicle's route beginning with its fixed prefix: a route that
    does not (e.g. the empty routes of a plan built from nothing) becomes its prefix alone,
    and the prefix's stops leave the other routes."""
    out = [list(r) for r in routes]
    fixed = [problem.prefix_entries(k) for k in range(len(problem.vehicles))]
    taken: set[int] = set()
    for k, entries in enumerate(fixed):
        if entries and out[k][: len(entries)] != entries:
            out[k] = list(entries)
            taken.update(i for i in entries if i < len(problem.stops))
    if taken:
        out = [
            r[: len(fixed[k])] + [i for i in r[len(fixed[k]) :] if i not in taken]
            for k, r in enumerate(out)
        ]
    return out


def _check_window(out: list[Detail], record: str, name: str, window: Sequence[int] | None) -> None:
    if window is None:
        return
    if len(window) != 2:
        out.append(Detail(record, name, f"must be (start, end), got {tuple(window)!r}"))
        return
    start, end = window
    if start < 0:
        out.append(Detail(record, name, f"start must not be negative, got {start}"))
    if end < start:
        out.append(Detail(record, name, f"end {end} is before start {start}"))


def _check_location(out: list[Detail], record: str, name: str, loc: int, n: int) -> None:
    if not 0 <= loc < n:
        out.append(Detail(record, name, f"location {loc} is outside 0..{n - 1}"))


def _check_optional_nonneg(out: list[Detail], record: str, name: str, value: int | None) -> None:
    if value is not None and value < 0:
        out.append(Detail(record, name, f"must not be negative, got {value}"))


def _check_vector(
    out: list[Detail], record: str, name: str, vec: tuple[int, ...], dims: int
) -> None:
    if len(vec) != dims:
        out.append(Detail(record, name, f"has {len(vec)} values, expected {dims} (dimensions)"))
    for value in vec:
        if value < 0:
            out.append(Detail(record, name, f"must not be negative, got {value}"))
            break


def _validate_profiles(problem: Problem, out: list[Detail]) -> int:
    if not problem.profiles:
        out.append(Detail("problem", "profiles", "at least one travel profile is required"))
        return 0
    n = -1
    for p, prof in enumerate(problem.profiles):
        record = f"profile {p} ({prof.name!r})"
        for name in ("durations", "distances"):
            m = getattr(prof, name)
            if not isinstance(m, np.ndarray) or m.ndim != 2 or m.shape[0] != m.shape[1]:
                shape = getattr(m, "shape", None)
                out.append(Detail(record, name, f"must be a square matrix, got shape {shape}"))
                continue
            if not np.issubdtype(m.dtype, np.integer):
                out.append(Detail(record, name, f"must hold integers, got dtype {m.dtype}"))
            if n < 0:
                n = int(m.shape[0])
            elif m.shape[0] != n:
                out.append(
                    Detail(record, name, f"has shape {m.shape}, expected ({n}, {n}) like the first")
                )
                continue
            if m.size and int(m.min()) < UNREACHABLE:
                out.append(
                    Detail(record, name, f"holds {int(m.min())}; only -1 may mark unreachable")
                )
        d, s = prof.durations, prof.distances
        same_shape = isinstance(d, np.ndarray) and isinstance(s, np.ndarray) and d.shape == s.shape
        if same_shape and d.ndim == 2 and not np.array_equal(d < 0, s < 0):
            out.append(Detail(record, "distances", "unreachable cells differ from durations"))
    return max(n, 0)


def _validate_reloads(out: list[Detail], record: str, v: Vehicle, n: int) -> None:
    """Faults of the reload fields of vehicle ``v`` (``n``: number of locations)."""
    for loc in v.reload_locations:
        _check_location(out, record, "reload_locations", loc, n)
    if len(set(v.reload_locations)) != len(v.reload_locations):
        out.append(Detail(record, "reload_locations", "names a location twice"))
    if v.max_trips is not None and v.max_trips < 1:
        out.append(Detail(record, "max_trips", f"must be at least 1 or None, got {v.max_trips}"))
    _check_optional_nonneg(out, record, "reload_service", v.reload_service)


def _validate_prefixes(problem: Problem, out: list[Detail]) -> None:
    """Faults of the vehicles' fixed prefixes (unknown names, a stop in two prefixes) and
    of the stops' change costs."""
    index = problem.stop_index()
    owner: dict[str, str] = {}
    for k, v in enumerate(problem.vehicles):
        record = f"vehicle {v.id!r}"
        for name in v.prefix:
            if problem.entry(k, name, index) is None:
                out.append(Detail(record, "prefix", f"names {name!r}: no stop nor load place"))
            elif name in index:
                if name in owner:
                    out.append(
                        Detail(record, "prefix", f"names stop {name!r}, already in {owner[name]}")
                    )
                owner[name] = record
        if v.prefix and v.prefix[-1] not in index:
            out.append(Detail(record, "prefix", "ends with a reload: fix the stops it loads for"))
    vehicle_ids = {v.id for v in problem.vehicles}
    for s in problem.stops:
        record = f"stop {s.id!r}"
        _check_optional_nonneg(out, record, "change_cost", s.change_cost)
        if s.reference is not None and s.reference not in vehicle_ids:
            out.append(Detail(record, "reference", f"unknown vehicle {s.reference!r}"))


def validate(problem: Problem) -> list[Detail]:
    """Return every fault of ``problem`` (empty when it is valid).

    Parameters
    ----------
    problem
        The problem to check; called automatically when a :class:`Problem` is built.
    """
    out: list[Detail] = []
    n = _validate_profiles(problem, out)
    dims = len(problem.dimensions)
    vehicle_ids = {v.id for v in problem.vehicles}
    if problem.skills is not None:
        all_skills = set(problem.skills)
    else:
        all_skills = set().union(*(v.skills for v in problem.vehicles))

    seen: set[str] = set()
    for depot in problem.depots:
        record = f"depot {depot.id!r}"
        if depot.id in seen:
            out.append(Detail(record, "id", "is used twice"))
        seen.add(depot.id)
        _check_location(out, record, "location", depot.location, n)
        _check_window(out, record, "window", depot.window)

    seen = set()
    for v in problem.vehicles:
        record = f"vehicle {v.id!r}"
        if v.id in seen:
            out.append(Detail(record, "id", "is used twice"))
        seen.add(v.id)
        _check_location(out, record, "start", v.start, n)
        if v.end is not None:
            _check_location(out, record, "end", v.end, n)
        _check_vector(out, record, "capacity", v.capacity, dims)
        _check_window(out, record, "shift", v.shift)
        for name in ("max_duration", "max_distance", "max_stops", "fixed_cost"):
            _check_optional_nonneg(out, record, name, getattr(v, name))
        for name in ("cost_per_second", "cost_per_metre"):
            _check_optional_nonneg(out, record, name, getattr(v, name))
        if problem.skills is not None and v.skills - all_skills:
            out.append(
                Detail(record, "skills", f"unknown skill(s) {sorted(v.skills - all_skills)}")
            )
        _validate_reloads(out, record, v, n)
        if not 0 <= v.profile < len(problem.profiles):
            out.append(
                Detail(
                    record,
                    "profile",
                    f"unknown profile {v.profile}; there are {len(problem.profiles)}",
                )
            )

    seen = set()
    for s in problem.stops:
        record = f"stop {s.id!r}"
        if s.id in seen:
            out.append(Detail(record, "id", "is used twice"))
        seen.add(s.id)
        _check_location(out, record, "location", s.location, n)
        _check_vector(out, record, "demand", s.demand, dims)
        for name in ("service", "lateness_cost", "priority", "penalty", "deadline", "max_ride"):
            _check_optional_nonneg(out, record, name, getattr(s, name))
        previous_end = -1
        for w in s.windows:
            _check_window(out, record, "windows", w)
            if len(w) == 2 and w[0] <= previous_end:
                out.append(Detail(record, "windows", "must be sorted and must not overlap"))
            previous_end = w[1] if len(w) == 2 else previous_end
        unknown = s.skills - all_skills
        if unknown:
            out.append(Detail(record, "skills", f"unknown skill(s) {sorted(unknown)}"))
        if s.allowed_vehicles is not None:
            missing = s.allowed_vehicles - vehicle_ids
            if missing:
                out.append(
                    Detail(record, "allowed_vehicles", f"unknown vehicle(s) {sorted(missing)}")
                )
    _validate_prefixes(problem, out)
    return out
