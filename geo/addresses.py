"""Buildings and their ``addr:*`` tags from an OSM file: offline address resolution.

The file is read by :mod:`geo.osm` (the one OSM reader), buildings and address points in
one pass.

An address such as ``"Snellmaninkatu 14 A, 00170 Helsinki"`` resolves to the ``(lon, lat)``
WGS-84 centre of the building tagged with that street and house number. Nothing is ever
guessed: an address that is not on the map, or that names several buildings far apart
which the postcode or city cannot tell apart, comes back unresolved with the reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from geo.osm import OsmData, Place, read_osm_file

#: Buildings with the same address closer than this (metres) are parts of one place.
SAME_PLACE_M = 120.0

#: A point takes the address of the nearest addressed building or address point only
#: within this distance (metres); farther, it has no street address.
NEAREST_M = 50.0


@dataclass(frozen=True, slots=True)
class Building:
    """One building, or one address point (a node with ``addr:*`` tags), of the map.

    Attributes
    ----------
    osm_id
        OSM id of the way or relation.
    lon, lat
        WGS-84 centre of its outline.
    kind
        Value of the ``building`` tag (``yes``, ``apartments``, ...); ``"address"`` for an
        address point.
    street, housenumber, postcode, city
        ``addr:*`` tags ("" when absent).
    levels
        ``building:levels`` when given as a whole number, else 0.
    """

    osm_id: int
    lon: float
    lat: float
    kind: str = "yes"
    street: str = ""
    housenumber: str = ""
    postcode: str = ""
    city: str = ""
    levels: int = 0

    @property
    def address(self) -> str:
        """``"Street 12, 00100 City"`` or "" without street and number."""
        if not (self.street and self.housenumber):
            return ""
        tail = " ".join(p for p in (self.postcode, self.city) if p)
        return f"{self.street} {self.housenumber}" + (f", {tail}" if tail else "")


class Status(StrEnum):
    """Outcome of resolving one address."""

    FOUND = "found"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    UNPARSED = "unparsed"


@dataclass(frozen=True, slots=True)
class Resolution:
    """Result of resolving one address: ``lonlat`` is set only when ``status`` is found."""

    query: str
    status: Status
    lonlat: tuple[float, float] | None = None
    matched: str = ""
    message: str = ""


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"[\s.]+", " ", text).strip()


def _norm_number(text: str) -> str:
    return re.sub(r"\s+", "", text.casefold())


_ADDR = re.compile(r"^(?P<street>.*?\D)\s*(?P<num>\d+(?:\s*-\s*\d+)?)\s*(?P<rest>.*)$")


def parse_address(text: str) -> tuple[str, list[str], str, str] | None:
    """Split an address into normalised street, candidate numbers, postcode and city.

    ``"Snellmaninkatu 14 A 5, 00170 Helsinki"`` gives street ``"snellmaninkatu"``, numbers
    ``["14a", "14"]`` (with entrance letter first), postcode ``"00170"``, city
    ``"helsinki"``. Returns ``None`` when no street and house number can be found.
    """
    head, *tail = [p.strip() for p in text.split(",")]
    m = _ADDR.match(head)
    if not m:
        return None
    street = _norm(m.group("street"))
    num = _norm_number(m.group("num"))
    rest = m.group("rest").strip()
    numbers = [num]
    letter = re.match(r"^([A-Za-z])\b", rest)
    if letter:
        numbers.insert(0, num + letter.group(1).casefold())
    postcode, city = "", ""
    for part in tail:
        pc = re.match(r"^(\d{4,6})\s*(.*)$", part)
        if pc:
            postcode, city = pc.group(1), _norm(pc.group(2)) or city
        elif part:
            city = _norm(part)
    return street, numbers, postcode, city


def _number_keys(housenumber: str) -> set[str]:
    """Index keys of a house number tag: itself, and each number of a range like 22-24."""
    out: set[str] = set()
    for part in housenumber.split(";"):
        n = _norm_number(part)
        if not n:
            continue
        out.add(n)
        rng = re.fullmatch(r"(\d+)-(\d+)", n)
        if rng:
            lo, hi = int(rng.group(1)), int(rng.group(2))
            if 0 <= hi - lo <= 20:
                # Ranges cover one side of the street: 22-26 is 22, 24, 26.
                out.update(str(k) for k in range(lo, hi + 1, 2))
    return out


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    k = 111_320.0
    dx = (a[0] - b[0]) * k * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot(dx, (a[1] - b[1]) * k)


class AddressIndex:
    """Look up street + house number among the map's buildings.

    Parameters
    ----------
    buildings
        Buildings of one map (see :func:`load_buildings`).
    """

    def __init__(self, buildings: Iterable[Building]) -> None:
        self._by_key: dict[tuple[str, str], list[Building]] = defaultdict(list)
        self._places: list[Building] = []
        everything = tuple(buildings)
        #: ``(lon, lat)`` of every building centre and address point, addressed or not.
        self.centres = np.array([(b.lon, b.lat) for b in everything], np.float64).reshape(-1, 2)
        for b in everything:
            if b.street and b.housenumber:
                self._places.append(b)
                for n in _number_keys(b.housenumber):
                    self._by_key[(_norm(b.street), n)].append(b)
        self._lonlat = np.array([(b.lon, b.lat) for b in self._places], np.float64).reshape(-1, 2)

    def nearest(self, lon: float, lat: float, *, max_m: float = NEAREST_M) -> tuple[str, float]:
        """The address nearest to ``(lon, lat)`` WGS-84 and its distance (m).

        Looks among addressed buildings (their outline centres) and address points; returns
        ``("", inf)`` when none lies within ``max_m`` metres: no address is ever made up.
        """
        if not self._places:
            return "", math.inf
        k = 111_320.0
        dx = (self._lonlat[:, 0] - lon) * k * math.cos(math.radians(lat))
        dy = (self._lonlat[:, 1] - lat) * k
        d = np.hypot(dx, dy)
        i = int(np.argmin(d))
        if d[i] > max_m:
            return "", math.inf
        return self._places[i].address, float(d[i])

    def __len__(self) -> int:
        return len(self._by_key)

    def resolve(self, address: str) -> Resolution:
        """Resolve one address to ``(lon, lat)`` WGS-84, or say why it cannot be."""
        parsed = parse_address(address)
        if parsed is None:
            return Resolution(
                address, Status.UNPARSED, message="no street and house number found in it"
            )
        street, numbers, postcode, city = parsed
        for number in numbers:
            found = self._by_key.get((street, number), [])
            if postcode:
                found = [b for b in found if not b.postcode or b.postcode == postcode]
            if city:
                found = [b for b in found if not b.city or _norm(b.city) == city]
            if not found:
                continue
            first = (found[0].lon, found[0].lat)
            if any(_metres(first, (b.lon, b.lat)) > SAME_PLACE_M for b in found):
                return Resolution(
                    address,
                    Status.AMBIGUOUS,
                    message=f"{len(found)} buildings far apart carry this address; "
                    "add the postcode or city, or give lon/lat",
                )
            lon = sum(b.lon for b in found) / len(found)
            lat = sum(b.lat for b in found) / len(found)
            return Resolution(address, Status.FOUND, (lon, lat), matched=found[0].address)
        return Resolution(address, Status.NOT_FOUND, message="no building on the map has it")


def _levels(value: str) -> int:
    text = value.strip()
    return int(text) if text.isdigit() else 0


def _building(place: Place, kind: str) -> Building:
    tags = place.tags
    return Building(
        osm_id=place.osm_id,
        lon=place.lon,
        lat=place.lat,
        kind=kind,
        street=tags.get("addr:street", "").strip(),
        housenumber=tags.get("addr:housenumber", "").strip(),
        postcode=tags.get("addr:postcode", "").strip(),
        city=tags.get("addr:city", "").strip(),
        levels=_levels(tags.get("building:levels", "")),
    )


def read_places(source: Path | str) -> OsmData:
    """An OSM file read for its buildings and address points (no streets)."""
    return read_osm_file(Path(source), places=True, streets=False)


def buildings_of(data: OsmData) -> tuple[Building, ...]:
    """The buildings of an OSM file read with ``places=True``, in file order."""
    return tuple(_building(p, p.tags.get("building", "").strip() or "yes") for p in data.buildings)


def address_points_of(data: OsmData) -> tuple[Building, ...]:
    """The address points (street and number both given) of an OSM file read with
    ``places=True``."""
    points = (_building(p, "address") for p in data.addresses)
    return tuple(b for b in points if b.street and b.housenumber)


def load_buildings(source: Path | str) -> tuple[Building, ...]:
    """Read every building outline of an OSM file with its ``addr:*`` tags.

    Parameters
    ----------
    source
        ``.osm.pbf`` or OSM XML ``.osm`` / ``.osm.bz2`` (read by :mod:`geo.osm`).

    Returns
    -------
    tuple of Building
        Centres are the outline centroids in ``(lon, lat)`` WGS-84.
    """
    return buildings_of(read_places(source))


def load_address_points(source: Path | str) -> tuple[Building, ...]:
    """Read the address points of an OSM file: nodes tagged ``addr:street`` + number.

    Returns
    -------
    tuple of Building
        One per node, ``kind="address"``, at the node's ``(lon, lat)`` WGS-84.
    """
    return address_points_of(read_places(source))


def load_address_index(source: Path | str) -> AddressIndex:
    """Build an :class:`AddressIndex` from the buildings and address points of an OSM
    file, read in one pass."""
    data = read_places(source)
    return AddressIndex((*buildings_of(data), *address_points_of(data)))
