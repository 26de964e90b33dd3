"""Chinese addresses resolved offline against the map: compound, building, entrance, flat.

A Chinese address names a compound (小区, 院, a campus), a building (``3号楼``, ``南2楼``,
``东11楼``), an entrance (``2单元``) and a flat (``501``), often after the province, city,
district and street office (``北京市海淀区…街道``), sometimes as a street and number
(``成府路55号``) or a building's own name (``东升大厦``). OpenStreetMap in China rarely
carries ``addr:*`` tags, but it does carry named residential areas and campuses, named and
numbered buildings, and gates. This module reads those (:func:`load_places`) and resolves:

1. a street and number through the map's ``addr:*`` tags (:class:`~geo.addresses.AddressIndex`);
2. a building by its own name (``name`` or ``building:name``) found in the address;
3. a compound (a named ``landuse=residential`` area, campus, or ``place=neighbourhood``,
   or a group of buildings named ``<compound>N号楼``) and, inside it, the building by its
   number in ``name``, ``building:name`` or ``addr:housenumber``;
4. only the compound found: the stop is its gate (``barrier=gate`` or ``entrance`` nodes
   on or inside its outline; ``entrance=main`` first), and says so (:attr:`CnResolution.gate`).

Nothing is guessed across compounds: a compound name that several areas far apart carry, a
compound without a gate on the map, or a compound that is not on the map at all comes back
unresolved with the reason. The postcode (six digits, ``邮编100084``, ``(100084)``) is read
and set aside. Positions are ``(lon, lat)`` WGS-84.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geo.addresses import (
    SAME_PLACE_M,
    AddressIndex,
    Building,
    Resolution,
    Status,
    address_points_of,
    buildings_of,
    read_places,
)
from geo.cache import address_index_path, cached_object
from geo.crs import in_china
from geo.measure import haversine_m

_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Suffixes that name the kind of compound, dropped when comparing compound names.
_COMPOUND_KINDS = (
    "教师住宅区",
    "住宅小区",
    "住宅区",
    "小区",
    "社区",
    "家园",
    "公寓",
    "新村",
    "宿舍",
    "大院",
    "院",
)
_ADMIN = re.compile(
    r"^(?:中国)?"
    r"(?:[^\d省]{2,7}?(?:省|自治区))?"
    r"(?:[^\d市]{2,4}?市)?"
    r"(?:[^\d区县]{1,4}?(?<![小园校社厂营院景住])(?:区|县))?"
    r"(?:[^\d街]{2,6}?街道(?:办事处)?)?"
    r"(?:[^\d镇乡]{2,5}?(?:镇|乡))?"
)
_POSTCODE = re.compile(r"(?:邮编|邮政编码)?[:：]?\s*[(（]?(?<!\d)(\d{6})(?!\d)[)）]?")
_ROAD = re.compile(
    r"(?P<road>[^\d\s]{1,12}?(?:大街|大道|胡同|路|街|道|巷|条|里))\s*"
    r"(?P<num>\d+(?:-\d+)?)\s*号?(?P<yard>院)?"
)
_BUILDING = re.compile(
    r"(?P<b>[东南西北中]*\d+[A-Za-z]?|[A-Za-z])\s*(?:号楼|号|楼|栋|幢|座|公寓)"
    r"|(?P<dash>\d+)-(?P<dash_e>\d+)(?!\d)"
)
_ENTRANCE = re.compile(r"(\d+)\s*(?:单元|门|入口)")
_UNIT = re.compile(r"(\d{1,5})\s*(?:室|号房)?$")


@dataclass(frozen=True, slots=True)
class CnAddress:
    """The parts of a Chinese address (empty when absent).

    Attributes
    ----------
    rest
        The address without administrative prefix and postcode.
    road, number
        Street and house number (``成府路``, ``55``).
    compound
        The compound's name as written (``蓝旗营小区``, ``清华大学``).
    building, entrance, unit
        Building designator (``3``, ``南2``, ``东11``), entrance (``2``), flat (``501``).
    postcode
        Six digits.
    """

    rest: str
    road: str = ""
    number: str = ""
    compound: str = ""
    building: str = ""
    entrance: str = ""
    unit: str = ""
    postcode: str = ""


def is_chinese(text: str) -> bool:
    """Whether the text contains Chinese characters."""
    return bool(_CJK.search(text))


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_cn_address(text: str) -> CnAddress:
    """Split a Chinese address into road, number, compound, building, entrance and flat.

    ``"北京市海淀区蓝旗营小区7号楼2单元301"`` gives compound ``蓝旗营小区``, building ``7``,
    entrance ``2``, unit ``301``; ``"成府路81号院3号楼"`` gives road ``成府路``, number
    ``81`` and building ``3``.
    """
    t = _fold(text)
    postcode = ""
    pc = _POSTCODE.search(t)
    if pc:
        postcode = pc.group(1)
        t = (t[: pc.start()] + t[pc.end() :]).strip(",，;；")
    t = _ADMIN.sub("", t, count=1)
    rest = t
    road = number = ""
    m = _ROAD.match(t)
    if m:
        road, number = m.group("road"), m.group("num")
        t = t[m.end() :]
    building = entrance = unit = ""
    compound = ""
    b = _BUILDING.search(t)
    if b:
        compound = t[: b.start()]
        if b.group("dash"):
            building, entrance = b.group("dash"), b.group("dash_e")
        else:
            building = b.group("b")
        t = t[b.end() :]
        e = _ENTRANCE.search(t)
        if e:
            entrance = e.group(1)
            t = t[e.end() :]
        u = _UNIT.search(t)
        if u:
            unit = u.group(1)
    elif not road:
        compound = re.sub(r"\d.*$", "", t)
    return CnAddress(rest, road, number, compound, building, entrance, unit, postcode)


def compound_key(name: str) -> str:
    """A compound's name without its kind (``荷清苑教师住宅区`` -> ``荷清苑``)."""
    key = _fold(name)
    for suffix in _COMPOUND_KINDS:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


def building_key(text: str, prefix: str = "") -> str:
    """A building's designator: ``5号楼`` -> ``5``, ``南2楼`` -> ``南2``, ``荷清苑5号楼`` with
    prefix ``荷清苑`` -> ``5``; "" when the name holds no designator."""
    t = _fold(text)
    if prefix and t.startswith(prefix):
        t = t[len(prefix) :]
    m = re.fullmatch(r"([东南西北中]*\d+[A-Za-z]?|[A-Za-z])(?:号楼|号|楼|栋|幢|座|公寓)?", t)
    return m.group(1) if m else ""


@dataclass(frozen=True, slots=True)
class Compound:
    """A named compound of the map: its outline's vertices, centre and gates (WGS-84)."""

    name: str
    lon: float
    lat: float
    outline: Any
    gates: tuple[tuple[float, float, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class NamedBuilding:
    """A building of the map with its name tags and number."""

    lon: float
    lat: float
    name: str = ""
    building_name: str = ""
    housenumber: str = ""


@dataclass(frozen=True, slots=True)
class Places:
    """What Chinese addresses resolve against: compounds, named buildings, gates."""

    compounds: tuple[Compound, ...]
    buildings: tuple[NamedBuilding, ...]


@dataclass(frozen=True, slots=True)
class CnResolution(Resolution):
    """A resolution that may be a compound's gate.

    Attributes
    ----------
    gate
        The stop is the compound's gate: the building was not found inside it.
    compound, building, entrance, unit
        What the address names, for the manifest ("compound gate; building 3, unit 2").
    """

    gate: bool = False
    compound: str = ""
    building: str = ""
    entrance: str = ""
    unit: str = ""


@dataclass(frozen=True, slots=True)
class _Facts:
    """What an address names inside a compound, carried into its resolution."""

    compound: str
    building: str
    entrance: str
    unit: str

    def named(self) -> dict[str, Any]:
        return {
            "compound": self.compound,
            "building": self.building,
            "entrance": self.entrance,
            "unit": self.unit,
        }


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_m(a[0], a[1], b[0], b[1]))


def _one_place(points: Sequence[tuple[float, float]]) -> bool:
    return all(_metres(points[0], p) <= SAME_PLACE_M for p in points)


class CnAddressIndex(AddressIndex):
    """An :class:`~geo.addresses.AddressIndex` that also understands Chinese addresses.

    Parameters
    ----------
    buildings
        Buildings and address points (for street + number and nearest addresses).
    places
        Compounds, named buildings and gates (:func:`load_places`).
    """

    def __init__(self, buildings: Iterable[Building], places: Places) -> None:
        super().__init__(buildings)
        self.places = places

    def resolve(self, address: str) -> Resolution:
        """Resolve an address; Chinese ones by compound, building and gate (module doc)."""
        if not is_chinese(address):
            return super().resolve(address)
        parts = parse_cn_address(address)
        street: Resolution | None = None
        if parts.road and parts.number:
            street = super().resolve(f"{parts.road} {parts.number}")
            if street.status is Status.FOUND:
                return CnResolution(
                    address, Status.FOUND, street.lonlat, matched=street.matched, unit=parts.unit
                )
        named = self._by_building_name(address, parts)
        if named is not None:
            return named
        if street is not None and street.status is Status.AMBIGUOUS:
            return CnResolution(address, Status.AMBIGUOUS, message=street.message)
        if parts.compound:
            return self._in_compound(address, parts)
        what = f"{parts.road}{parts.number}号" if parts.road else parts.rest
        return CnResolution(
            address,
            Status.NOT_FOUND,
            message=f"no building on the map has the address {what!r}",
        )

    def _by_building_name(self, address: str, parts: CnAddress) -> Resolution | None:
        text = _fold(parts.rest)
        hits = [
            b
            for b in self.places.buildings
            for n in (b.name, b.building_name)
            if len(_fold(n)) >= 3 and not building_key(n) and _fold(n) in text
        ]
        if not hits:
            return None
        pts = [(b.lon, b.lat) for b in hits]
        if not _one_place(pts):
            return CnResolution(
                address,
                Status.AMBIGUOUS,
                message=f"{len(hits)} buildings far apart are named {hits[0].name!r}",
            )
        return CnResolution(
            address, Status.FOUND, pts[0], matched=hits[0].name or hits[0].building_name
        )

    def _compounds(self, name: str) -> list[Compound]:
        key = compound_key(name)
        if len(key) < 2:
            return []
        exact = [c for c in self.places.compounds if compound_key(c.name) == key]
        return exact or [
            c
            for c in self.places.compounds
            if compound_key(c.name).startswith(key) or key.startswith(compound_key(c.name))
        ]

    def _in_compound(self, address: str, parts: CnAddress) -> Resolution:
        found = self._compounds(parts.compound)
        if not found:
            group = self._named_group(parts)
            if group is not None:
                return group
            return CnResolution(
                address,
                Status.NOT_FOUND,
                message=f"the compound {parts.compound!r} is not on the map",
                compound=parts.compound,
            )
        if not _one_place([(c.lon, c.lat) for c in found]) and len({c.name for c in found}) > 1:
            names = ", ".join(sorted({c.name for c in found}))
            return CnResolution(
                address,
                Status.AMBIGUOUS,
                message=f"{parts.compound!r} may be any of {names}; write the compound's full name",
            )
        compound = found[0]
        facts = _Facts(compound.name, parts.building, parts.entrance, parts.unit)
        if parts.building:
            hits = self._buildings_in(compound, parts.building, parts.compound)
            if hits:
                pts = [(b.lon, b.lat) for b in hits]
                if not _one_place(pts):
                    return CnResolution(
                        address,
                        Status.AMBIGUOUS,
                        message=f"{len(hits)} buildings {parts.building!r} far apart in "
                        f"{compound.name}",
                        **facts.named(),
                    )
                lon = sum(p[0] for p in pts) / len(pts)
                lat = sum(p[1] for p in pts) / len(pts)
                return CnResolution(
                    address, Status.FOUND, (lon, lat), matched=hits[0].name, **facts.named()
                )
        if not compound.gates:
            return CnResolution(
                address,
                Status.NOT_FOUND,
                message=f"{compound.name} is on the map but building {parts.building!r} is "
                "not, and the compound has no gate on the map",
                **facts.named(),
            )
        main = [g for g in compound.gates if g[2]] or list(compound.gates)
        gate = min(main, key=lambda g: _metres((g[0], g[1]), (compound.lon, compound.lat)))
        return CnResolution(
            address,
            Status.FOUND,
            (gate[0], gate[1]),
            matched=f"{compound.name} gate",
            message=f"building {parts.building or '?'} is not on the map: placed at the "
            f"gate of {compound.name}",
            gate=True,
            **facts.named(),
        )

    def _named_group(self, parts: CnAddress) -> Resolution | None:
        """A compound that is only a group of buildings named ``<compound>N号楼``."""
        prefix = _fold(parts.compound)
        group = [
            b
            for b in self.places.buildings
            if len(prefix) >= 2 and _fold(b.name).startswith(prefix)
        ]
        if not group:
            return None
        facts = _Facts(parts.compound, parts.building, parts.entrance, parts.unit)
        hits = [
            b for b in group if parts.building and building_key(b.name, prefix) == parts.building
        ]
        if hits and _one_place([(b.lon, b.lat) for b in hits]):
            return CnResolution(
                parts.rest,
                Status.FOUND,
                (hits[0].lon, hits[0].lat),
                matched=hits[0].name,
                **facts.named(),
            )
        return CnResolution(
            parts.rest,
            Status.NOT_FOUND,
            message=f"the map has buildings of {parts.compound!r} but not building "
            f"{parts.building!r}, and no outline or gate of the compound",
            **facts.named(),
        )

    def _buildings_in(self, compound: Compound, designator: str, written: str) -> list[Any]:
        from shapely.geometry import Point

        prefixes = {"", _fold(compound.name), compound_key(compound.name), _fold(written)}
        out = []
        for b in self.places.buildings:
            keys = {building_key(n, p) for n in (b.name, b.building_name) for p in prefixes}
            keys.add(building_key(b.housenumber))
            if designator not in keys:
                continue
            named_for = any(
                _fold(n).startswith(compound_key(compound.name)) for n in (b.name, b.building_name)
            )
            if named_for or compound.outline.buffer(1e-4).contains(Point(b.lon, b.lat)):
                out.append(b)
        return out


_COMPOUND_TAGS: dict[str, Any] = {
    "landuse": ["residential"],
    "place": ["neighbourhood", "quarter"],
    "amenity": ["university", "college"],
    "residential": True,
}


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def load_places(source: Path | str) -> Places:
    """Read compounds (named residential areas, campuses, neighbourhoods), named buildings and
    gates (``barrier=gate``, ``entrance``) of an OSM XML file (with osmnx).

    Returns
    -------
    Places
        Gates are attached to the compound whose outline holds them (within about 10 m).
    """
    import osmnx

    tags: dict[str, Any] = {**_COMPOUND_TAGS, "building": True, "barrier": ["gate"]}
    tags["entrance"] = True
    frame = osmnx.features_from_xml(str(source), tags=tags).reset_index()
    records = frame.to_dict("records")
    gates: list[tuple[float, float, bool]] = []
    areas: list[tuple[str, Any]] = []
    buildings: list[NamedBuilding] = []
    for rec in records:
        geom = rec.get("geometry")
        if geom is None or geom.is_empty:
            continue
        if rec.get("element") == "node":
            if _text(rec.get("barrier")) == "gate" or _text(rec.get("entrance")):
                gates.append((float(geom.x), float(geom.y), _text(rec.get("entrance")) == "main"))
            continue
        name = _text(rec.get("name"))
        if _text(rec.get("building")):
            c = geom.centroid
            buildings.append(
                NamedBuilding(
                    float(c.x),
                    float(c.y),
                    name,
                    _text(rec.get("building:name")),
                    _text(rec.get("addr:housenumber")),
                )
            )
        elif name and geom.geom_type in ("Polygon", "MultiPolygon"):
            areas.append((name, geom))
    compounds = []
    for name, geom in areas:
        edge = geom.buffer(1e-4)
        inside = tuple(g for g in gates if edge.contains(_point(g)))
        c = geom.centroid
        compounds.append(Compound(name, float(c.x), float(c.y), geom, inside))
    return Places(tuple(compounds), tuple(buildings))


def _point(g: tuple[float, float, bool]) -> Any:
    from shapely.geometry import Point

    return Point(g[0], g[1])


def load_cn_address_index(
    source: Path | str, *, cache: bool = True, cache_dir: Path | None = None
) -> AddressIndex:
    """The address index of an OSM file: Chinese-aware (:class:`CnAddressIndex`) when the
    map lies in China, else the plain :class:`~geo.addresses.AddressIndex`.

    Kept in the map cache (:func:`geo.cache.address_index_path`, beside the graphs) unless
    ``cache`` is false: a later plan on the same file reads it back instead of parsing the
    map again.
    """
    path = Path(source)
    if not cache or not path.is_file():
        return build_cn_address_index(path)
    where = address_index_path(path, cache_dir)
    return cached_object(where, lambda: build_cn_address_index(path), AddressIndex)


def build_cn_address_index(source: Path | str) -> AddressIndex:
    """Read the buildings and address points of an OSM file (one pass) and index them;
    compounds and gates too when the map lies in China."""
    data = read_places(source)
    buildings = (*buildings_of(data), *address_points_of(data))
    centres = np.array([(b.lon, b.lat) for b in buildings], np.float64).reshape(-1, 2)
    if len(centres) == 0 or not bool(in_china(centres[:, 0], centres[:, 1]).mean() > 0.5):
        return AddressIndex(buildings)
    return CnAddressIndex(buildings, load_places(source))
