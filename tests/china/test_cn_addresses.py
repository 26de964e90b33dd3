"""Chinese addresses on a Beijing extract: administrative prefixes, postcodes, building
names, compound + building, the compound's gate, and never a guess across compounds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.i18n import Lang
from api.outputs.manifest import manifest_html
from api.plan.addresses import resolve_addresses
from api.plan.day import build_day
from api.plan.ledger import DepotRecord, Household, Ledger, Volunteer, read_ledger
from geo.addresses import AddressIndex, Status
from geo.cn_addresses import CnAddressIndex, CnResolution, parse_cn_address
from geo.measure import haversine_m


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


def test_parse_prefixes_postcodes_and_parts() -> None:
    """Province, city, district and street office are dropped (not 小区); postcodes in the
    forms people write are set aside; compound, building, entrance and flat are split."""
    p = parse_cn_address("北京市海淀区清华园街道荷清苑教师住宅区3号楼2单元501 邮编100084")
    assert (p.compound, p.building, p.entrance, p.unit, p.postcode) == (
        "荷清苑教师住宅区",
        "3",
        "2",
        "501",
        "100084",
    )
    p = parse_cn_address("（100871）海淀区西院小区12栋")
    assert (p.compound, p.building, p.postcode) == ("西院小区", "12", "100871")
    p = parse_cn_address("北京市海淀区成府路８１号院３号楼")
    assert (p.road, p.number, p.building) == ("成府路", "81", "3")
    p = parse_cn_address("华清嘉园12-8")
    assert (p.compound, p.building, p.entrance) == ("华清嘉园", "12", "8")
    assert parse_cn_address("清华大学南2楼1单元101").building == "南2"


def _index(zgc_addresses: AddressIndex) -> CnAddressIndex:
    assert isinstance(zgc_addresses, CnAddressIndex)
    return zgc_addresses


def test_compound_gate_when_only_the_compound_is_on_the_map(zgc_addresses: AddressIndex) -> None:
    """A building the map does not have inside a campus that is on it: the stop is one of that
    campus's gates, said so, with the building, entrance and flat kept for the manifest."""
    index = _index(zgc_addresses)
    res = index.resolve("北京市海淀区北京大学3号楼2单元201")
    assert isinstance(res, CnResolution)
    assert res.status is Status.FOUND and res.gate and res.lonlat is not None
    (pku,) = [c for c in index.places.compounds if c.name == "北京大学"]
    assert any(_metres(res.lonlat, (g[0], g[1])) < 0.5 for g in pku.gates)
    assert (res.compound, res.building, res.entrance, res.unit) == ("北京大学", "3", "2", "201")
    assert "gate" in res.message


def test_building_inside_its_compound(zgc_addresses: AddressIndex) -> None:
    """Compound + building number resolves to that building, not to a gate."""
    index = _index(zgc_addresses)
    res = index.resolve("海淀区清华大学东11楼")
    assert res.status is Status.FOUND and not getattr(res, "gate", True)
    assert res.matched == "东11楼"
    res = index.resolve("紫荆学生公寓9号楼")
    assert res.status is Status.FOUND and res.matched == "紫荆学生公寓9号楼"


def test_never_across_compounds(zgc_addresses: AddressIndex) -> None:
    """A compound not on the map, or one without a gate whose building is missing, stays
    unresolved with the reason; a same-numbered building elsewhere is never taken."""
    index = _index(zgc_addresses)
    res = index.resolve("蓝旗营小区7号楼2单元301")
    assert res.status is Status.NOT_FOUND and "蓝旗营小区" in res.message
    assert res.lonlat is None
    res = index.resolve("荷清苑5号楼")
    assert res.status is Status.NOT_FOUND and "no gate" in res.message


def test_street_numbers_and_building_names(zgc_addresses: AddressIndex) -> None:
    """Street + number with administrative prefixes and full-width spaces, and a building's
    own name, resolve; a street number two buildings far apart carry is ambiguous."""
    index = _index(zgc_addresses)
    plain = index.resolve("成府路55号")
    assert plain.status is Status.FOUND
    assert index.resolve("北京市海淀区成府路55号").lonlat == plain.lonlat
    assert index.resolve("中关村东路8号东升大厦").matched == "东升大厦"
    assert index.resolve("北京市海淀区中关村东路8号").status is Status.AMBIGUOUS


def test_shared_ledger_addresses(zgc_ledger_dir: Path, zgc_addresses: AddressIndex) -> None:
    """Of the shared ledger's 14 address-only households, 10 resolve; the 4 left are never
    guessed: 蓝旗营小区 is not on the map (H072), 华清嘉园 and 荷清苑 are but have neither the
    building nor a gate (H069, H074), and 中关村东路8号 is carried by two buildings far apart
    (H070)."""
    ledger = read_ledger(
        zgc_ledger_dir / "households.csv",
        zgc_ledger_dir / "volunteers.csv",
        zgc_ledger_dir / "depots.csv",
    )
    res = resolve_addresses(ledger, dt.date(2022, 11, 28), zgc_addresses)
    found = {h for h, r in res.items() if r.status is Status.FOUND}
    assert len(res) == 14
    missing = sorted(set(res) - found)
    assert missing == ["H069", "H070", "H072", "H074"]


def test_unresolved_address_reported_when_nothing_is_due() -> None:
    """A household with nothing due today but an address not on the map is reported as
    ADDRESS_UNRESOLVED today, saying nothing is due yet."""
    day = dt.date(2022, 11, 28)
    h = Household(
        "H1",
        None,
        None,
        1,
        day - dt.timedelta(days=1),
        day + dt.timedelta(days=5),
        address="蓝旗营小区7号楼",
        needs=frozenset({"groceries"}),
    )
    vol = Volunteer("V1", "walk", 10.0, 9 * 3600, 12 * 3600, depot_id="D1")
    sel = build_day(Ledger((h,), (vol,), (DepotRecord("D1", 116.3184, 39.9975),)), day)
    assert [e.reason for e in sel.excluded] == ["ADDRESS_UNRESOLVED"]
    assert "Nothing is due today" in sel.excluded[0].message
    assert sel.not_due == ()


@pytest.mark.parametrize(
    ("locale", "says"), [("en", "Compound gate of 北京大学"), ("zh_CN", "北京大学 大门")]
)
def test_manifest_says_compound_gate(locale: str, says: str) -> None:
    """A stop placed at a compound's gate says so on the manifest, with building and flat."""
    line = {
        "household_id": "H1",
        "address": "北京大学3号楼2单元201",
        "address_source": "ledger",
        "note": "",
        "unit": "201",
        "floor": 2,
        "gate": {"compound": "北京大学", "building": "3", "entrance": "2", "unit": "201"},
        "items": [{"kind": "meals", "label": "1 x day meals", "kg": 1.0, "people": 1}],
    }
    stop = {"lon": 116.31, "lat": 39.99, "lines": [line], "eta_window": ["10:00:00", "10:30:00"]}
    route = {
        "volunteer_id": "V1",
        "name": "",
        "mode": "walk",
        "stops": [stop],
        "start": {"lon": 116.318, "lat": 39.997, "departure": "09:40:00"},
        "end": None,
        "distance_m": 1200,
        "load_kg": 1.0,
    }
    html = manifest_html({"date": "2022-11-28"}, route, None, Lang(locale))
    assert says in html and "201" in html
