"""One plan day: the households due something, merged into stops.

The rules (loads, windows, priorities, service times) are applied by :mod:`api.plan.rules`;
this module places each household (ledger coordinates, or its resolved address), names
those that cannot be served with a reason, and merges households behind the same building
entrance into one stop with one line item each (those with medicine due share a second
stop there, so only that stop needs a volunteer with the medicine skill).

Weights are kept in integer grams inside (demand rounded up).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from api.plan.ledger import Household, Ledger, format_clock
from api.plan.rules import (
    MEDICINE,
    DayRules,
    Item,
    base_window,
    deadline_of,
    items_due,
    on_observation,
    priority_of,
    select_households,
    service_seconds,
)

LonLat = tuple[float, float]


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
    """A household under observation that is on no stop, with a reason code and sentence
    (and its facts, as :attr:`solver.Unassigned.facts`)."""

    household_id: str
    reason: str
    message: str
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DaySelection:
    """Households of the day turned into stops, and the ones that could not be."""

    date: dt.date
    stops: tuple[DayStop, ...]
    excluded: tuple[Excluded, ...]
    not_due: tuple[Excluded, ...] = ()
    not_observed: tuple[Excluded, ...] = ()


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
    service = service_seconds(
        rules,
        in_building=bool(members[0].household.building),
        doors=len(members),
        floors=max(m.household.floor for m in members),
    )
    priority = max(priority_of(m.household) for m in members)
    deadline = deadline_of(priority, window, rules)
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
    drafts, excluded, not_due = _place_households(ledger, date, rules, resolved or {})
    stops = _merge_stops(drafts, rules, map_addresses or {})
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
    return DaySelection(date, tuple(stops), tuple(excluded), tuple(not_due), not_observed)


#: Added to an unresolved address's sentence on a day with nothing due for it.
NOTHING_DUE_YET = "Nothing is due today: fix it before its next delivery."


def _place_households(
    ledger: Ledger, date: dt.date, rules: DayRules, resolved: Mapping[str, LonLat]
) -> tuple[list[_Draft], list[Excluded], list[Excluded]]:
    """Each household under observation with something due, placed and windowed; the
    others named (``NOTHING_DUE``, ``ADDRESS_UNRESOLVED``, ``NO_TIME_WINDOW``)."""
    excluded: list[Excluded] = []
    not_due: list[Excluded] = []
    drafts: list[_Draft] = []
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
                    (("case", "not_found"), ("query", h.address))
                    + (() if items else (("nothing_due", "1"),)),
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
        base = base_window(items, rules)
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
                    (
                        ("case", "no_window"),
                        ("window", f"{format_clock(h.window[0])}-{format_clock(h.window[1])}"),
                        ("delivery", f"{format_clock(base[0])}-{format_clock(base[1])}"),
                    ),
                )
            )
            continue
        drafts.append(_Draft(h, lon, lat, items, window))
    return drafts, excluded, not_due


def _merge_stops(
    drafts: Sequence[_Draft], rules: DayRules, named: Mapping[str, str]
) -> list[DayStop]:
    """Houses as their own stops; flats behind one entrance merged (medicine apart)."""
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
        for k, (batch, several) in enumerate(_window_batches(members)):
            if len(batch) == 1 and len(members) == 1:
                sid = batch[0].household.household_id
            else:
                sid = f"{building}/{entrance}" if entrance else building
                if split[(building, entrance)] > 1 and med:
                    sid += "/medicine"
                if several:
                    sid += f"#{k + 1}"
            stops.append(_make_stop(sid, batch, rules, named))
    stops.sort(key=lambda s: s.stop_id)
    return stops


def _window_batches(members: Sequence[_Draft]) -> list[tuple[list[_Draft], bool]]:
    """Members of one entrance merged greedily while their windows still overlap; a
    household whose window does not meet the others' gets its own stop at the same door.
    Each batch comes with whether the entrance has more than one."""
    batches: list[tuple[tuple[int, int], list[_Draft]]] = []
    for m in sorted(members, key=lambda d: d.household.household_id):
        for i, (win, batch) in enumerate(batches):
            both = _intersect(win, m.window)
            if both is not None:
                batches[i] = (both, [*batch, m])
                break
        else:
            batches.append((m.window, [m]))
    return [(batch, len(batches) > 1) for _, batch in batches]
