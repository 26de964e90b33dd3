"""Generated ledgers (CSV bytes in several encodings and delimiters, odd values, JSON
records): the reader and the day model give a clear error or a plan naming everyone."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.outputs.document import plan_document
from api.plan.day import build_day
from api.plan.ledger import Ledger, LedgerError, ledger_from_json, read_ledger
from api.plan.travel import StreetTravel
from tests.api.plan.day_plans import plan

DATE = dt.date(2026, 11, 25)
VOLUNTEERS = (
    "volunteer_id,mode,capacity_kg,available_from,available_to,depot_id\n"
    "V1,walk,30,09:00,15:00,D1\nV2,bike,20,10:00,13:00,D1\n"
)
DEPOTS = "depot_id,lon,lat,name\nD1,24.9388,60.1681,Hall\n"

ODD = st.sampled_from(
    ["", " ", "nan", "inf", "-inf", "1e300", "-0", "0", "abc", "24,94", "\x00", "H/1", "é", "😀"]
)
_text = st.text(max_size=6)
#: The generated columns (the first six are required) and their values.
VALUES: dict[str, st.SearchStrategy[str]] = {
    "household_id": st.one_of(st.sampled_from([f"H{i}" for i in range(8)]), _text, ODD),
    "lon": st.one_of(st.floats(24.925, 24.955).map(lambda x: f"{x:.6f}"), ODD, _text),
    "lat": st.one_of(st.floats(60.162, 60.172).map(lambda x: f"{x:.6f}"), ODD, _text),
    "residents": st.one_of(st.integers(-2, 200).map(str), ODD),
    "observation_start": st.one_of(
        st.dates(dt.date(2026, 11, 1), dt.date(2026, 12, 31)).map(str), ODD
    ),
    "observation_end": st.one_of(
        st.dates(dt.date(2026, 11, 1), dt.date(2026, 12, 31)).map(str), ODD
    ),
    "needs": st.sampled_from(["", "meals", "groceries", "medicine", "meals;groceries", "cake"]),
    "elderly_alone": st.sampled_from(["", "yes", "no", "1", "0", "maybe"]),
    "window": st.sampled_from(["", "09:00-11:00", "12:00-10:00", "25:00-26:00", "10-11"]),
    "building": st.sampled_from(["", "B1", "B2"]),
    "floor": st.one_of(st.integers(-1, 300).map(str), ODD),
    "note": _text,
}
HH_COLUMNS = tuple(VALUES)


@st.composite
def household_csv(draw: st.DrawFn) -> bytes:
    """A households file: some of the columns, some rows, an encoding and a delimiter."""
    columns = draw(st.lists(st.sampled_from(HH_COLUMNS), min_size=1, unique=True))
    if draw(st.booleans()):  # mostly the required columns, so rows get read
        columns = [*HH_COLUMNS[:6], *[c for c in columns if c not in HH_COLUMNS[:6]]]
    rows = draw(
        st.lists(st.fixed_dictionaries({c: VALUES[c] for c in columns}), min_size=0, max_size=6)
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ",", ";", "\t"])))
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gbk", "latin-1"]))
    data = out.getvalue().encode(encoding, errors="replace")
    return data + draw(st.sampled_from([b"", b"\xff\xfe", b"\x00", b'"']))


def _read(data: bytes, folder: Path) -> Ledger:
    paths = (folder / "households.csv", folder / "volunteers.csv", folder / "depots.csv")
    paths[0].write_bytes(data)
    paths[1].write_text(VOLUNTEERS, encoding="utf-8")
    paths[2].write_text(DEPOTS, encoding="utf-8")
    return read_ledger(*paths)


def _clear(err: LedgerError) -> None:
    """A clear error: every fault names a record and a field, and says what is wrong."""
    assert err.details
    for d in err.details:
        assert d.record and d.field and d.problem
        d.problem.encode("utf-8")  # printable and storable


def _read_or_clear_error(data: bytes) -> Ledger | None:
    """The ledger of ``data``, or ``None`` after checking its error is clear."""
    with TemporaryDirectory() as tmp:
        try:
            return _read(data, Path(tmp))
        except LedgerError as err:
            _clear(err)
            return None


def _everyone_once(ledger: Ledger, doc: dict[str, Any]) -> None:
    served = [h for r in doc["routes"] for s in r["stops"] for h in s["household_ids"]]
    named = [
        u["household_id"] for key in ("unassigned", "not_due", "not_observed") for u in doc[key]
    ]
    counts = Counter(served + named)
    assert set(counts) == {h.household_id for h in ledger.households}
    assert all(n == 1 for n in counts.values()), counts


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=household_csv())
def test_csv_reader_gives_a_ledger_or_a_clear_error(data: bytes) -> None:
    """Any households.csv bytes: a ledger, or a LedgerError naming record and field."""
    ledger = _read_or_clear_error(data)
    if ledger is None:
        return
    selection = build_day(ledger, DATE)
    on_stops = [h for s in selection.stops for h in s.household_ids]
    named = [e.household_id for e in (*selection.excluded, *selection.not_due)]
    named += [e.household_id for e in selection.not_observed]
    assert sorted(on_stops + named) == sorted(h.household_id for h in ledger.households)


_json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.sampled_from(["\udc80", "a\ud800b", "2026-11-20", "09:00", "walk"]),
    st.lists(st.text(max_size=3), max_size=2),
)
_record = st.dictionaries(
    st.sampled_from([*HH_COLUMNS, "volunteer_id", "mode", "capacity_kg", "max_stops"]),
    _json_value,
    max_size=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    households=st.one_of(st.lists(_record, max_size=4), _json_value),
    volunteers=st.lists(_record, max_size=3),
)
def test_json_ledger_gives_a_ledger_or_a_clear_error(households: Any, volunteers: Any) -> None:
    """Any JSON records (surrogates, NaN, huge numbers, wrong types): a ledger, or a
    LedgerError naming record and field."""
    try:
        ledger_from_json({"households": households, "volunteers": volunteers, "depots": []})
    except LedgerError as err:
        _clear(err)


@pytest.fixture(scope="module")
def walk_and_bike(travel: StreetTravel) -> StreetTravel:
    """The session's Helsinki street travel (walk and bike are the modes used here)."""
    return travel


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=household_csv())
def test_plan_names_every_household_of_any_readable_ledger(
    data: bytes, walk_and_bike: StreetTravel
) -> None:
    """Any readable ledger is planned on real streets into a plan.json naming every
    household exactly once (served, unassigned, not due or not observed)."""
    ledger = _read_or_clear_error(data)
    if ledger is None:
        return
    result = plan(ledger, DATE, travel=walk_and_bike, time_limit=0.3, geometry=False)
    _everyone_once(ledger, plan_document(result))
