"""The observation ledger: households, volunteers and depots read from CSV or JSON.

Every row becomes a frozen record or a :class:`~solver.errors.Detail` naming the file,
line, column and field; a file with any bad row raises :class:`LedgerError` listing all of
them, so nothing is planned from a half-read ledger. Unknown columns are kept (in
``extra``) and otherwise ignored. Files are CSV (any encoding and delimiter Excel writes),
``.xlsx`` or JSON (:mod:`api.plan.ledger_files`); values may be typed in English or Chinese
(:mod:`api.plan.ledger_values`). Coordinates are read in their ``coord_system`` (WGS-84, GCJ-02
or BD-09: the row's column, else the file's) and converted here, once, to ``(lon, lat)``
WGS-84; the coordinates as given are kept beside. Clock times are kept as integer seconds
after midnight of the plan day; capacities are kilograms as given; phones E.164.

The column reference with examples is ``docs/INPUTS.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.i18n import N_, Message
from api.plan import ledger_values as values
from api.plan.ledger_files import TableError, read_table
from api.plan.ledger_values import parse_clock
from geo.crs import CoordSystem, parse_coord_system, to_wgs84
from solver.errors import Detail

MODES = ("walk", "bike", "ebike", "drive")
NEEDS = ("meals", "groceries", "medicine")
_FLAGS = ("elderly_alone", "medical_needs")

#: Bounds of the numbers a ledger may hold (a value outside is a fault of its record).
MAX_RESIDENTS = 100
MAX_FLOOR = 200
MAX_CAPACITY_KG = 5_000.0
MAX_STOPS = 10_000
#: Most trips (loads from the depot) a volunteer may be given.
MAX_TRIPS = 100
#: Longest id (household, volunteer, depot), in characters.
MAX_ID_LENGTH = 200

__all__ = ["parse_clock"]  # re-exported: the ledger's clock reading


class LedgerError(ValueError):
    """The ledger cannot be read; ``details`` lists every bad row and field at once.

    Each :class:`~solver.errors.Detail` names the record (file, line and id when known) and
    the field; its sentence starts with the column number.
    """

    code = "INVALID_LEDGER"

    def __init__(self, details: list[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        self.head = Message(N_("%(n)d problem(s) in the ledger:"), n=len(self.details))
        super().__init__(self.head + "\n" + "\n".join(f"- {d}" for d in self.details))


@dataclass(frozen=True, slots=True)
class Household:
    """One household under home observation.

    Attributes
    ----------
    household_id
        Unique id.
    lon, lat
        WGS-84 coordinates of the door, or ``None`` when only ``address`` is given.
    residents
        People living there (at least 1).
    observation_start, observation_end
        First and last day of the observation period, both inclusive.
    address
        Postal address (street, house number, optional entrance), used when lon/lat are empty.
    building, entrance
        Households sharing both are merged into one stop (one climb, several drops).
    floor
        Floor of the flat (0 = ground); adds climbing time.
    needs
        Subset of ``meals``, ``groceries``, ``medicine``.
    elderly_alone, medical_needs
        Priority flags (never printed on volunteers' manifests).
    window
        Household's own delivery window ``(from, to)`` in seconds after midnight.
    note
        Drop-off instruction shown to the volunteer.
    phone
        Contact for the ETA text message, E.164 (``+8613361318609``).
    line
        Where the record came from (CSV line or JSON item number), for messages.
    extra
        Unknown columns as ``(name, value)`` pairs, kept and ignored.
    unit
        The flat (室) inside building and entrance, printed on the manifest.
    coord_system
        What ``lon``/``lat`` were given in (``wgs84``, ``gcj02``, ``bd09``).
    given
        ``(lon, lat)`` as given when that was not WGS-84, else ``None``.
    """

    household_id: str
    lon: float | None
    lat: float | None
    residents: int
    observation_start: dt.date
    observation_end: dt.date
    address: str = ""
    building: str = ""
    entrance: str = ""
    floor: int = 0
    needs: frozenset[str] = frozenset({"meals"})
    elderly_alone: bool = False
    medical_needs: bool = False
    window: tuple[int, int] | None = None
    note: str = ""
    phone: str = ""
    line: int = 0
    extra: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    coord_system: str = CoordSystem.WGS84.value
    given: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Volunteer:
    """One volunteer available on the plan date.

    Attributes
    ----------
    volunteer_id
        Unique id.
    mode
        ``walk``, ``bike``, ``ebike`` or ``drive``.
    capacity_kg
        What they can carry in one run, kilograms.
    available_from, available_to
        Shift in seconds after midnight.
    start_lon, start_lat
        Where they start (WGS-84), or ``None`` to start at their depot.
    depot_id
        Their depot, or ``""`` for the first depot of the ledger.
    skills
        E.g. ``{"medicine"}``.
    max_stops
        Most stops they accept, or ``None``.
    max_trips
        Most trips (loads from the depot) they make, or ``None``: as many as their shift
        allows.
    name, phone
        Shown on their own manifest only.
    """

    volunteer_id: str
    mode: str
    capacity_kg: float
    available_from: int
    available_to: int
    start_lon: float | None = None
    start_lat: float | None = None
    depot_id: str = ""
    skills: frozenset[str] = frozenset()
    max_stops: int | None = None
    max_trips: int | None = None
    name: str = ""
    phone: str = ""
    line: int = 0
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DepotRecord:
    """A place where volunteers pick up and return, with opening hours (s after midnight)."""

    depot_id: str
    lon: float
    lat: float
    name: str = ""
    opens: int = 0
    closes: int = 24 * 3600
    line: int = 0
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Ledger:
    """The three tables of one planning evening, cross-checked."""

    households: tuple[Household, ...]
    volunteers: tuple[Volunteer, ...]
    depots: tuple[DepotRecord, ...]


# ---------------------------------------------------------------- value parsers


def format_clock(seconds: int) -> str:
    """Format seconds after midnight as ``HH:MM:SS`` (hours may pass 24 on long days)."""
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How a ledger's files are read.

    Attributes
    ----------
    coords
        Coordinate system of rows without a ``coord_system`` column value.
    phone_region
        ISO region of phone numbers written without a country code (``CN`` reads
        ``13361318609`` as ``+8613361318609``).
    """

    coords: CoordSystem = CoordSystem.WGS84
    phone_region: str = "CN"


def _swap_hint(lon: float, lat: float) -> str:
    if -90 <= lon <= 90 and -180 <= lat <= 180 and not -90 <= lat <= 90:
        return Message(
            N_("; lon and lat look swapped (lon %(lon)s, lat %(lat)s): exchange the two columns"),
            lon=f"{lon:g}",
            lat=f"{lat:g}",
        )
    return ""


def id_problem(text: str) -> str | None:
    """Why ``text`` cannot be an id, or ``None``.

    Ids (of households, volunteers, depots) are 1 to :data:`MAX_ID_LENGTH` printable
    characters of any script; ``/`` and ``\\`` (they would name folders in file and link
    paths) and control characters (NUL, tab, line breaks) are refused.
    """
    if len(text) > MAX_ID_LENGTH:
        return Message(N_("longer than %(most)d characters"), most=MAX_ID_LENGTH)
    bad = sorted({c for c in text if c in "/\\" or not c.isprintable()})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return Message(
            N_("must not contain %(shown)s (ids are printable text without / or \\)"), shown=shown
        )
    return None


def text_problem(text: str) -> str | None:
    """Why ``text`` is not storable Unicode text (a lone surrogate), or ``None``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return Message(
            N_("not valid Unicode text: %(text)s at character %(at)d"),
            text=repr(text[exc.start : exc.end]),
            at=exc.start,
        )
    return None


# ---------------------------------------------------------------- row reading

#: The problem of a required column the table lacks.
MISSING_COLUMN = Message(N_("missing required column"))


def line_record(source: str, line: int) -> Message:
    """The record of a line of a file: ``households.csv line 3``."""
    return Message(N_("%(source)s line %(line)d"), source=source, line=line)


def item_record(source: str, item: int) -> Message:
    """The record of an item of a JSON list: ``households item 3``."""
    return Message(N_("%(source)s item %(item)d"), source=source, item=item)


def id_record(where: str, id_field: str, rid: str) -> Message:
    """A record with its id: ``households.csv line 3 (household_id 'H3')``."""
    return Message(N_("%(where)s (%(field)s %(id)s)"), where=where, field=id_field, id=repr(rid))


@dataclass(frozen=True, slots=True)
class _Row:
    values: dict[str, str]
    line: int
    columns: dict[str, int]
    source: str
    #: An item of a JSON list (``line`` is its number), not a line of a table.
    is_item: bool = False


class _RowReader:
    """Reads typed fields from one row, collecting faults instead of stopping."""

    def __init__(self, row: _Row, id_field: str, out: list[Detail]) -> None:
        self.row = row
        self.out = out
        rid = row.values.get(id_field, "").strip()
        where = (item_record if row.is_item else line_record)(row.source, row.line)
        self.record = id_record(where, id_field, rid) if rid else where

    def fault(self, name: str, problem: str) -> None:
        col = self.row.columns.get(name)
        if col:
            problem = Message(N_("column %(col)d: %(problem)s"), col=col, problem=problem)
        self.out.append(Detail(self.record, name, problem))

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.row.values.get(name)
        value = "" if value is None else str(value).strip()
        if required and not value:
            if name not in self.row.columns and not self.row.is_item:
                self.out.append(Detail(self.record, name, MISSING_COLUMN))
            else:
                self.fault(name, Message(N_("is required")))
        return value

    def identifier(self, name: str) -> str:
        """A required id field, checked against the id character set (:func:`id_problem`)."""
        value = self.text(name, required=True)
        problem = id_problem(value) if value else None
        if problem:
            self.fault(name, problem)
        return value

    def bounded(self, name: str, value: float | None, lo: float, hi: float) -> None:
        """Record a fault when ``value`` lies outside ``[lo, hi]``."""
        if value is not None and not lo <= value <= hi:
            self.fault(
                name,
                Message(
                    N_("must be between %(lo)s and %(hi)s, got %(value)s"),
                    lo=f"{lo:g}",
                    hi=f"{hi:g}",
                    value=f"{value:g}",
                ),
            )

    def typed(self, name: str, conv: Callable[[str], Any], *, required: bool = False) -> Any:
        """The field read by ``conv``; ``None`` when empty or bad (the fault recorded)."""
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            return conv(value)
        except ValueError as exc:
            said = exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)
            self.fault(name, said)
            return None


def _rows_from_file(path: Path, table: str) -> tuple[list[_Row], list[Detail]]:
    try:
        tab = read_table(path, table)
    except TableError as exc:
        return [], [exc.detail]
    header = tab.header
    columns = {h: i + 1 for i, h in enumerate(header) if h}
    out: list[Detail] = []
    rows: list[_Row] = []
    for line, cells in tab.rows:
        if len(cells) > len(header):
            out.append(
                Detail(
                    line_record(tab.source, line),
                    "row",
                    Message(
                        N_("column %(col)d: %(n)d values but the header has %(columns)d columns"),
                        col=len(header) + 1,
                        n=len(cells),
                        columns=len(header),
                    ),
                )
            )
            continue
        rows.append(_Row(dict(zip(header, cells, strict=False)), line, columns, tab.source))
    return rows, out


def _rows_from_json(items: Any, source: str) -> tuple[list[_Row], list[Detail]]:
    if not isinstance(items, list):
        return [], [Detail(source, "items", Message(N_("must be a list of objects")))]
    rows: list[_Row] = []
    out: list[Detail] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            out.append(Detail(item_record(source, i), "item", Message(N_("must be an object"))))
            continue
        values = {
            str(k): ("" if v is None else ";".join(map(str, v)) if isinstance(v, list) else str(v))
            for k, v in item.items()
        }
        faults = _json_value_faults(item)
        if faults:
            id_field = _ID_OF.get(source.partition(".")[0], "")
            rid = values.get(id_field, "") if id_field else ""
            record = item_record(source, i)
            record = id_record(record, id_field, rid) if rid else record
            out.extend(Detail(record, name, problem) for name, problem in faults)
            continue
        rows.append(_Row(values, i, {}, source, is_item=True))
    return rows, out


#: The id field of each table, by its name in a JSON request.
_ID_OF = {"households": "household_id", "volunteers": "volunteer_id", "depots": "depot_id"}


def _json_value_faults(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Faults of a JSON record's values that text can no longer show: a flag given as a
    number (0/1 are not booleans in JSON) and text that is not Unicode (lone surrogates)."""
    out: list[tuple[str, str]] = []
    for key, value in item.items():
        name = str(key)
        problem = text_problem(name)
        if problem:
            out.append((ascii(name), Message(N_("field name %(problem)s"), problem=problem)))
            continue
        if name in _FLAGS and isinstance(value, int | float) and not isinstance(value, bool):
            said = N_("expected true or false, got the number %(value)s")
            out.append((name, Message(said, value=repr(value))))
        texts = value if isinstance(value, list) else [value]
        for text in (t for t in texts if isinstance(t, str)):
            problem = text_problem(text)
            if problem:
                out.append((name, problem))
                break
    return out


def _extra(row: _Row, known: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in row.values.items() if k not in known and k)


@dataclass(frozen=True, slots=True)
class _Position:
    """A row's coordinates read in their system: WGS-84, and as given when converted."""

    lon: float | None
    lat: float | None
    system: CoordSystem
    given: tuple[float, float] | None


def _position(r: _RowReader, names: tuple[str, str], opts: ReadOptions) -> _Position:
    """Read a lon/lat pair of a row in its ``coord_system`` and convert it to WGS-84.

    Faults are recorded on the row (half a pair, out of range with a swap named as such, an
    unknown system); the position then has no coordinates.
    """
    x_name, y_name = names
    system = r.typed("coord_system", parse_coord_system) or opts.coords
    lon = r.typed(x_name, functools.partial(values.parse_float, kind=""))
    lat = r.typed(y_name, functools.partial(values.parse_float, kind=""))
    has_lon, has_lat = bool(r.text(x_name)), bool(r.text(y_name))
    if has_lon != has_lat:
        both = Message(N_("give both %(x)s and %(y)s, or neither"), x=x_name, y=y_name)
        r.fault(y_name if has_lon else x_name, both)
    if lon is None or lat is None:
        return _Position(None, None, system, None)
    hint = _swap_hint(lon, lat)
    bad = False
    if not -180 <= lon <= 180:
        r.fault(x_name, Message(N_("longitude out of range: %(v)s%(hint)s"), v=lon, hint=hint))
        bad = True
    if not -90 <= lat <= 90:
        r.fault(y_name, Message(N_("latitude out of range: %(v)s%(hint)s"), v=lat, hint=hint))
        bad = True
    if bad:
        return _Position(None, None, system, None)
    if system is CoordSystem.WGS84:
        return _Position(lon, lat, system, None)
    x, y = to_wgs84(system, lon, lat)
    return _Position(round(x, 7), round(y, 7), system, (lon, lat))


def _phone(r: _RowReader, opts: ReadOptions) -> str:
    text = r.text("phone")
    if not text:
        return ""
    number = r.typed("phone", functools.partial(values.parse_phone, region=opts.phone_region))
    return number or ""


_HH_FIELDS = (
    "household_id",
    "lon",
    "lat",
    "coord_system",
    "residents",
    "observation_start",
    "observation_end",
    "address",
    "building",
    "entrance",
    "floor",
    "unit",
    "needs",
    "elderly_alone",
    "medical_needs",
    "window",
    "note",
    "phone",
)


def _household(row: _Row, out: list[Detail], opts: ReadOptions) -> Household | None:
    r = _RowReader(row, "household_id", out)
    before = len(out)
    hid = r.identifier("household_id")
    pos = _position(r, ("lon", "lat"), opts)
    address = values.fold(r.text("address")) if r.text("address") else ""
    if not r.text("lon") and not r.text("lat") and not address:
        r.fault("lon", Message(N_("no coordinates and no address: give lon/lat or an address")))
    residents = r.typed(
        "residents", functools.partial(values.parse_int, kind="people"), required=True
    )
    r.bounded("residents", residents, 1, MAX_RESIDENTS)
    start = r.typed("observation_start", values.parse_date, required=True)
    end = r.typed("observation_end", values.parse_date, required=True)
    if start is not None and end is not None and end < start:
        said = N_("%(end)s is before observation_start %(start)s")
        r.fault("observation_end", Message(said, end=str(end), start=str(start)))
    floor = r.typed("floor", functools.partial(values.parse_int, kind="floor"))
    r.bounded("floor", floor, 0, MAX_FLOOR)
    needs_read = functools.partial(
        values.parse_words, words=values.NEED_WORDS, what=Message(N_("need(s)"))
    )
    needs = r.typed("needs", needs_read) or frozenset({"meals"})
    elderly = r.typed("elderly_alone", values.parse_bool)
    medical = r.typed("medical_needs", values.parse_bool)
    window = r.typed("window", values.parse_window)
    phone = _phone(r, opts)
    if len(out) > before:
        return None
    return Household(
        household_id=hid,
        lon=pos.lon,
        lat=pos.lat,
        residents=residents,
        observation_start=start,
        observation_end=end,
        address=address,
        building=values.fold(r.text("building")),
        entrance=values.fold(r.text("entrance")),
        floor=floor or 0,
        needs=needs,
        elderly_alone=bool(elderly),
        medical_needs=bool(medical),
        window=window,
        note=r.text("note"),
        phone=phone,
        line=row.line,
        extra=_extra(row, _HH_FIELDS),
        unit=values.fold(r.text("unit")),
        coord_system=pos.system.value,
        given=pos.given,
    )


_VOL_FIELDS = (
    "volunteer_id",
    "mode",
    "capacity_kg",
    "available_from",
    "available_to",
    "start_lon",
    "start_lat",
    "coord_system",
    "depot_id",
    "skills",
    "max_stops",
    "max_trips",
    "name",
    "phone",
)


def _skills(text: str) -> frozenset[str]:
    return frozenset(values.SKILL_WORDS.get(p, p) for p in values.split_list(text))


def _volunteer(row: _Row, out: list[Detail], opts: ReadOptions) -> Volunteer | None:
    r = _RowReader(row, "volunteer_id", out)
    before = len(out)
    vid = r.identifier("volunteer_id")
    r.text("mode", required=True)
    mode = r.typed("mode", values.parse_mode) or ""
    cap = r.typed("capacity_kg", functools.partial(values.parse_float, kind="kg"), required=True)
    if cap is not None and not 0 < cap <= MAX_CAPACITY_KG:
        said = N_("must be above 0 and at most %(most)s kg, got %(cap)s")
        r.fault("capacity_kg", Message(said, most=f"{MAX_CAPACITY_KG:g}", cap=f"{cap:g}"))
    a = r.typed("available_from", parse_clock, required=True)
    b = r.typed("available_to", parse_clock, required=True)
    if a is not None and b is not None and b <= a:
        r.fault("available_to", Message(N_("must be after %(other)s"), other="available_from"))
    pos = _position(r, ("start_lon", "start_lat"), opts)
    max_stops = r.typed("max_stops", functools.partial(values.parse_int, kind="count"))
    r.bounded("max_stops", max_stops, 1, MAX_STOPS)
    max_trips = r.typed("max_trips", functools.partial(values.parse_int, kind="count"))
    r.bounded("max_trips", max_trips, 1, MAX_TRIPS)
    phone = _phone(r, opts)
    if len(out) > before:
        return None
    return Volunteer(
        volunteer_id=vid,
        mode=mode,
        capacity_kg=cap,
        available_from=a,
        available_to=b,
        start_lon=pos.lon,
        start_lat=pos.lat,
        depot_id=r.text("depot_id"),
        skills=_skills(r.text("skills")),
        max_stops=max_stops,
        max_trips=max_trips,
        name=r.text("name"),
        phone=phone,
        line=row.line,
        extra=_extra(row, _VOL_FIELDS),
    )


_DEPOT_FIELDS = ("depot_id", "lon", "lat", "coord_system", "name", "opens", "closes")


def _depot(row: _Row, out: list[Detail], opts: ReadOptions) -> DepotRecord | None:
    r = _RowReader(row, "depot_id", out)
    before = len(out)
    did = r.identifier("depot_id")
    r.text("lon", required=True)
    r.text("lat", required=True)
    pos = _position(r, ("lon", "lat"), opts)
    opens = r.typed("opens", parse_clock)
    closes = r.typed("closes", parse_clock)
    if opens is not None and closes is not None and closes <= opens:
        r.fault("closes", Message(N_("must be after %(other)s"), other="opens"))
    if len(out) > before or pos.lon is None or pos.lat is None:
        return None
    return DepotRecord(
        depot_id=did,
        lon=pos.lon,
        lat=pos.lat,
        name=r.text("name"),
        opens=0 if opens is None else opens,
        closes=24 * 3600 if closes is None else closes,
        line=row.line,
        extra=_extra(row, _DEPOT_FIELDS),
    )


def _required_header(rows: list[_Row], required: tuple[str, ...], source: str) -> list[Detail]:
    if not rows or not rows[0].columns:
        return []
    missing = [c for c in required if c not in rows[0].columns]
    return [Detail(source, c, MISSING_COLUMN) for c in missing]


def _unique(records: list[Any], id_attr: str, source: str, out: list[Detail]) -> None:
    seen: dict[str, int] = {}
    for rec in records:
        key = getattr(rec, id_attr)
        if key in seen:
            out.append(
                Detail(
                    id_record(line_record(source, rec.line), id_attr, key),
                    id_attr,
                    Message(N_("is used twice (first on line %(line)d)"), line=seen[key]),
                )
            )
        else:
            seen[key] = rec.line


def _iter_records(
    rows: list[_Row],
    make: Callable[[_Row, list[Detail], ReadOptions], Any],
    out: list[Detail],
    opts: ReadOptions,
) -> Iterator[Any]:
    for row in rows:
        rec = make(row, out, opts)
        if rec is not None:
            yield rec


def build_ledger(
    hh_rows: tuple[list[_Row], list[Detail]],
    vol_rows: tuple[list[_Row], list[Detail]],
    depot_rows: tuple[list[_Row], list[Detail]],
    names: tuple[str, str, str],
    options: ReadOptions | None = None,
) -> Ledger:
    """Turn raw rows into a cross-checked :class:`Ledger` or raise :class:`LedgerError`."""
    opts = options or ReadOptions()
    out: list[Detail] = []
    tables = []
    for (rows, faults), make, required, name in zip(
        (hh_rows, vol_rows, depot_rows),
        (_household, _volunteer, _depot),
        (
            ("household_id", "lon", "lat", "residents", "observation_start", "observation_end"),
            ("volunteer_id", "mode", "capacity_kg", "available_from", "available_to"),
            ("depot_id", "lon", "lat"),
        ),
        names,
        strict=True,
    ):
        out.extend(faults)
        missing = _required_header(rows, required, name)
        out.extend(missing)
        records = [] if missing else list(_iter_records(rows, make, out, opts))
        id_attr = required[0]
        _unique(records, id_attr, name, out)
        tables.append(records)
    households, volunteers, depots = tables
    if not vol_rows[0] and not vol_rows[1]:
        problem = Message(N_("no volunteers: at least one is needed to plan a day"))
        out.append(Detail(names[1], "volunteer_id", problem))
    depot_ids = {d.depot_id for d in depots}
    for v in volunteers:
        record = id_record(line_record(names[1], v.line), "volunteer_id", v.volunteer_id)
        if v.depot_id and v.depot_id not in depot_ids:
            unknown = Message(N_("unknown depot %(id)s"), id=repr(v.depot_id))
            out.append(Detail(record, "depot_id", unknown))
        if v.start_lon is None and not depots:
            nowhere = Message(N_("no start position and no depot to start at"))
            out.append(Detail(record, "start_lon", nowhere))
    if out:
        raise LedgerError(out)
    return Ledger(tuple(households), tuple(volunteers), tuple(depots))


#: Columns of a written ``volunteers.csv`` (a subset of the reader's, in this order).
_VOL_WRITTEN = (
    "volunteer_id",
    "name",
    "mode",
    "capacity_kg",
    "available_from",
    "available_to",
    "depot_id",
    "start_lon",
    "start_lat",
    "skills",
    "max_stops",
    "max_trips",
)


def write_volunteers(volunteers: Sequence[Volunteer], path: Path) -> Path:
    """Write volunteers as a ``volunteers.csv`` that :func:`read_ledger` reads back
    (clock times ``HH:MM``, skills ``;``-separated, empty cells for what is not set)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(_VOL_WRITTEN)
        for v in volunteers:
            w.writerow(
                [
                    v.volunteer_id,
                    v.name,
                    v.mode,
                    f"{v.capacity_kg:g}",
                    format_clock(v.available_from)[:5],
                    format_clock(v.available_to)[:5],
                    v.depot_id,
                    "" if v.start_lon is None else v.start_lon,
                    "" if v.start_lat is None else v.start_lat,
                    ";".join(sorted(v.skills)),
                    "" if v.max_stops is None else v.max_stops,
                    "" if v.max_trips is None else v.max_trips,
                ]
            )
    return path


def read_ledger(
    households: Path | str,
    volunteers: Path | str,
    depots: Path | str | None = None,
    options: ReadOptions | None = None,
) -> Ledger:
    """Read the three ledger files (CSV, ``.xlsx`` or JSON) into a :class:`Ledger`.

    Parameters
    ----------
    households, volunteers, depots
        Paths of ``.csv``, ``.xlsx`` or ``.json`` files (one workbook may hold all three
        tables, one sheet each); ``depots`` may be ``None`` when every volunteer has a
        start position.
    options
        Coordinate system of rows that do not name theirs, default phone region.

    Raises
    ------
    LedgerError
        Listing every malformed row and field of all three files together.
    """
    paths = [Path(households), Path(volunteers), None if depots is None else Path(depots)]
    raw: list[tuple[list[_Row], list[Detail]]] = []
    names: list[str] = []
    for p, table in zip(paths, ("households", "volunteers", "depots"), strict=True):
        if p is None:
            raw.append(([], []))
            names.append("depots")
            continue
        names.append(p.name)
        if not p.exists():
            raw.append(([], [Detail(p.name, "file", Message(N_("not found: %(path)s"), path=p))]))
        elif p.suffix.lower() == ".json":
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                said = Message(N_("line %(line)d: %(problem)s"), line=exc.lineno, problem=exc.msg)
                raw.append(([], [Detail(p.name, "file", said)]))
                continue
            raw.append(_rows_from_json(data, p.name))
        else:
            raw.append(_rows_from_file(p, table))
    return build_ledger(raw[0], raw[1], raw[2], (names[0], names[1], names[2]), options)


def ledger_from_json(data: Mapping[str, Any], options: ReadOptions | None = None) -> Ledger:
    """Build a :class:`Ledger` from one JSON object ``{"households", "volunteers", "depots"}``.

    Each key holds a list of objects with the same fields as the CSV columns (lists are
    accepted for ``needs`` and ``skills``, booleans for flags). An optional top-level
    ``coord_system`` (``wgs84``, ``gcj02``, ``bd09``) is the system of rows that do not name
    theirs, over ``options.coords``.
    """
    names = ("households", "volunteers", "depots")
    opts = options or ReadOptions()
    top = data.get("coord_system")
    if top:
        try:
            opts = ReadOptions(parse_coord_system(str(top)), opts.phone_region)
        except ValueError as exc:
            raise LedgerError([Detail("request", "coord_system", str(exc))]) from None
    raw = [_rows_from_json(data.get(n, []), n) for n in names]
    return build_ledger(raw[0], raw[1], raw[2], names, opts)


# ---------------------------------------------------------------- rows for other tables


Row = _Row
RowReader = _RowReader
Position = _Position
read_position = _position


def table_rows(path: Path, table: str) -> tuple[list[Row], list[Detail]]:
    """The rows of a ``.csv``/``.xlsx``/``.json`` table file read like the ledger's (file,
    line and column kept for messages), and the faults of the file itself."""
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return [], [Detail(path.name, "file", str(exc))]
        return _rows_from_json(items, path.name)
    return _rows_from_file(path, table)


def json_rows(items: Any, source: str) -> tuple[list[Row], list[Detail]]:
    """The rows of a JSON list of objects, read like the ledger's."""
    return _rows_from_json(items, source)


def household_of(row: Row, out: list[Detail], options: ReadOptions) -> Household | None:
    """A household from one row with the columns of ``households.csv`` (faults to ``out``)."""
    return _household(row, out, options)


def volunteer_of(row: Row, out: list[Detail], options: ReadOptions) -> Volunteer | None:
    """A volunteer from one row with the columns of ``volunteers.csv`` (faults to ``out``)."""
    return _volunteer(row, out, options)
