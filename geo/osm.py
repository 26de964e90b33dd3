"""The one OSM reader: streets, buildings and address points of a file.

Streets (what a graph load reads) are read in bulk, with no Python call per node or way
node: a PBF (``.osm.pbf``) is decoded block by block into numpy arrays by pyrosm's
Cython block decoder (node ids and coordinates, way node references with offsets, tag
indices into the block's strings); highway ways are selected with array operations and
only their tags become Python dicts, shared between ways with the same kept tags. OSM XML
(``.osm``, ``.osm.bz2``, ``.osm.gz``) is first rewritten by osmium (libosmium's parser
and writer, all in C++) as an uncompressed PBF in a temporary folder and then decoded
the same way. Both give the nodes the highway ways use, the ways in file order, and
coordinates equal to the bit (osmium and PBF keep 1e-7 degrees; the XML of real
extracts has 7 decimals).

Measured side by side, CPU seconds of one process each under the benchmark lock (2
shared cores at load average 8-11; 2026-12-05 02:51-02:59 UTC), mirror-tiled Helsinki
(``benchmarks/tiled.py``): 4 x 4 (16 MB XML, 44,128 highway ways): expat handlers 3.25,
osmium per object on the PBF 5.67, bulk from the PBF 0.66 (an earlier form of this code,
a dict per way); 7 x 7 (50 MB XML, 135,646 ways): expat handlers 9.03, osmium XML to PBF
then bulk 3.54, bulk from the PBF 1.40 (a
fresh process pays about 1.7 more for importing pyrosm, which brings geopandas). The
11 x 11 figures are in ``docs/GEO.md`` (Speed). osmium handing every way node to
Python as an object was the slowest (16.1 s on 7 x 7 XML in an earlier run); expat
calls Python once per element start (the 11 x 11 file has about 3.4 million).

With ``places=True`` (buildings and address points for geocoding, read once per map)
the expat handlers read XML and osmium reads PBF (its area assembly builds the
multipolygons): ways with a ``highway`` tag are kept as above, and the same pass keeps
building outlines (closed ways and multipolygon relations, as their centroid; an
outline cut by the extract keeps its present points) and address points (nodes with
``addr:housenumber``, which includes buildings mapped as a tagged point), each with its
``addr:*``, ``building*`` and ``name`` tags. The expat handlers use one start handler
and no end handler (an element is complete when the next top-level one starts).
"""

from __future__ import annotations

import bz2
import gzip
import logging
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

import numpy as np
import numpy.typing as npt

from geo.errors import MapSourceError

log = logging.getLogger("doorstep.geo")

#: Way tags kept (everything the profiles look at).
WAY_KEYS = frozenset(
    {
        "highway",
        "oneway",
        "oneway:bicycle",
        "junction",
        "maxspeed",
        "access",
        "foot",
        "bicycle",
        "vehicle",
        "motor_vehicle",
        "motorcar",
        "cycleway",
        "service",
        "area",
        "name",
    }
)


def _place_key(key: str) -> bool:
    """Tags kept on buildings and address points."""
    return key.startswith(("addr:", "building")) or key in {"name", "name:en", "name:zh"}


@dataclass(frozen=True, slots=True)
class Place:
    """A building (centroid of its outline) or an address point of the map.

    Attributes
    ----------
    osm_id
        OSM id of the way, relation or node.
    lon, lat
        WGS-84 degrees.
    tags
        Its ``addr:*``, ``building*`` and ``name`` tags.
    """

    osm_id: int
    lon: float
    lat: float
    tags: dict[str, str]


@dataclass(frozen=True, slots=True, eq=False)
class OsmData:
    """Highway ways of one OSM source and the coordinates of their nodes.

    Attributes
    ----------
    node_ids
        Sorted OSM node ids (int64).
    lon, lat
        WGS-84 degrees of each node in ``node_ids`` order.
    ways
        ``(node ids, tags)`` per highway way, node ids in way order (int64 arrays). Ids
        missing from ``node_ids`` (ways cut by the extract) are allowed.
    name
        Human-readable source name for messages.
    buildings, addresses
        Buildings and address points, read only when asked (``places=True``).
    way_ids
        The OSM id of each way of ``ways`` (int64, same order); ``None`` when the source
        names none (the graph's links then name no way).
    """

    node_ids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]]
    name: str
    buildings: tuple[Place, ...] = ()
    addresses: tuple[Place, ...] = ()
    way_ids: npt.NDArray[np.int64] | None = None

    @classmethod
    def from_unsorted(
        cls,
        ids: npt.ArrayLike,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]],
        name: str,
        buildings: tuple[Place, ...] = (),
        addresses: tuple[Place, ...] = (),
        way_ids: npt.ArrayLike | None = None,
    ) -> OsmData:
        """Build from node arrays in any order (sorted here by id)."""
        ids_a = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids_a, kind="stable")
        return cls(
            node_ids=ids_a[order],
            lon=np.asarray(lon, dtype=np.float64)[order],
            lat=np.asarray(lat, dtype=np.float64)[order],
            ways=ways,
            name=name,
            buildings=buildings,
            addresses=addresses,
            way_ids=None if way_ids is None else np.asarray(way_ids, dtype=np.int64),
        )

    def coords(self, refs: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """``(k, 2)`` lon, lat of those node ids of ``refs`` present in the file, in order."""
        if len(self.node_ids) == 0:
            return np.zeros((0, 2))
        pos = np.minimum(np.searchsorted(self.node_ids, refs), len(self.node_ids) - 1)
        pos = pos[self.node_ids[pos] == refs]
        return np.column_stack([self.lon[pos], self.lat[pos]])


def source_kind(path: Path) -> str:
    """``"pbf"`` or ``"xml"`` from the file name; :class:`MapSourceError` otherwise."""
    name = path.name.lower()
    if name.endswith(".pbf"):
        return "pbf"
    if name.endswith((".osm", ".osm.bz2", ".osm.gz", ".xml", ".xml.bz2", ".xml.gz")):
        return "xml"
    raise MapSourceError(
        "unknown map format; expected .osm, .osm.bz2, .osm.gz or .osm.pbf",
        record=f"file '{path}'",
    )


def read_osm_file(path: Path, *, places: bool = False, streets: bool = True) -> OsmData:
    """Read the highway ways of an OSM XML or PBF file, and with ``places`` its buildings
    and address points, in one pass.

    Raises
    ------
    MapSourceError
        Missing, unreadable or malformed file; or, when ``streets`` are asked for, a file
        without any highway way.
    """
    if not path.is_file():
        raise MapSourceError("no such file", record=f"file '{path}'")
    kind = source_kind(path)
    t0 = time.perf_counter()
    if not places:
        data = read_streets(path, kind)
    elif kind == "pbf":
        data = read_pbf(path, places=True)
    else:
        data = read_xml(path, places=True)
    log.info(
        "osm: %s: %d highway ways, %d nodes, %d buildings, %d address points in %.2f s",
        path.name,
        len(data.ways),
        len(data.node_ids),
        len(data.buildings),
        len(data.addresses),
        time.perf_counter() - t0,
    )
    if streets and not data.ways:
        raise MapSourceError("the file holds no highway ways", record=f"file '{path}'")
    return data


def _open_xml(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_xml(path: Path, *, places: bool = False) -> OsmData:
    """Stream an OSM XML file, keeping node coordinates, highway ways and (with
    ``places``) buildings and address points."""
    reader = _XmlReader(places)
    parser = expat.ParserCreate()
    parser.StartElementHandler = reader.start
    parser.buffer_text = True
    try:
        with _open_xml(path) as fh:
            parser.ParseFile(fh)
        reader.close()
    except expat.ExpatError as exc:
        raise MapSourceError(f"malformed OSM XML: {exc}", record=f"file '{path}'") from exc
    except _NotOsmError as exc:
        raise MapSourceError(
            f"not OSM XML (root element <{exc.args[0]}>)", record=f"file '{path}'"
        ) from exc
    except (OSError, EOFError, ValueError, TypeError, KeyError) as exc:
        raise MapSourceError(f"cannot read OSM XML: {exc}", record=f"file '{path}'") from exc
    streets = reader.streets
    data = OsmData.from_unsorted(
        streets.ids, streets.lons, streets.lats, streets.ways, path.name, way_ids=streets.way_ids
    )
    return reader.shapes.attach(data)


class _NotOsmError(Exception):
    """The XML's root element is not ``<osm>`` (its name is the argument)."""


class _XmlReader:
    """Handler of the expat parser: one call per element start, no element tree and no
    end handler (half the calls into Python): a node, way or relation is complete when
    the next element other than its ``nd``, ``tag`` or ``member`` starts, or the file
    ends (:meth:`close`)."""

    def __init__(self, places: bool) -> None:
        self.places = places
        self.streets = _Streets()
        self.shapes = _Shapes()
        self.root_seen = False
        self.refs: list[int] = []
        self.tags: dict[str, str] = {}
        self.members: list[tuple[int, str]] = []
        self.attrs: dict[str, str] = {}
        self.open = ""  # the node, way or relation being read ("" when none)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        """An element opens: ``nd``, ``tag`` and ``member`` are read here; any other
        element completes the open node, way or relation."""
        if not self.root_seen:
            if name != "osm":
                raise _NotOsmError(name)
            self.root_seen = True
        elif name == "nd":
            self.refs.append(int(attrs["ref"]))
        elif name == "tag":
            key = attrs["k"]
            if key in WAY_KEYS or key == "type" or (self.places and _place_key(key)):
                self.tags[key] = attrs.get("v", "")
        elif name == "member":
            if attrs.get("type") == "way":
                self.members.append((int(attrs["ref"]), attrs.get("role", "")))
        else:
            self.close()
            self.refs, self.tags, self.members, self.attrs = [], {}, [], attrs
            self.open = name if name in {"node", "way", "relation"} else ""

    def close(self) -> None:
        """The open node, way or relation is complete: keep it with the tags read in it."""
        name, self.open = self.open, ""
        if name == "node":
            attrs = self.attrs
            lat, lon = attrs.get("lat"), attrs.get("lon")
            if lat is not None and lon is not None and attrs.get("visible") != "false":
                nid, x, y = int(attrs["id"]), float(lon), float(lat)
                self.streets.add_node(nid, x, y)
                if self.places:
                    self.shapes.add_node(Place(nid, x, y, self.tags))
        elif name == "way":
            refs, tags = self.refs, self.tags
            if self.attrs.get("visible") != "false" and len(refs) >= 2:
                arr = np.asarray(refs, dtype=np.int64)
                if "highway" in tags:
                    self.streets.add_way(int(self.attrs["id"]), arr, tags)
                if self.places:
                    self.shapes.add_way(int(self.attrs["id"]), arr, tags)
        elif name == "relation":
            tags = self.tags
            if self.places and "building" in tags and tags.get("type") == "multipolygon":
                self.shapes.relations.append((int(self.attrs["id"]), self.members, tags))


class _Streets:
    """Node coordinates and highway ways collected during one pass."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lons: list[float] = []
        self.lats: list[float] = []
        self.ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]] = []
        self.way_ids: list[int] = []

    def add_node(self, node_id: int, lon: float, lat: float) -> None:
        """Keep a node's coordinates (degrees, WGS-84)."""
        self.ids.append(node_id)
        self.lons.append(lon)
        self.lats.append(lat)

    def add_way(self, way_id: int, refs: npt.NDArray[np.int64], tags: dict[str, str]) -> None:
        """Keep a highway way (its OSM id, node ids) with the tags the street graph reads."""
        self.way_ids.append(way_id)
        self.ways.append((refs, {k: v for k, v in tags.items() if k in WAY_KEYS}))


class _Shapes:
    """Building outlines and address points collected during one pass."""

    def __init__(self) -> None:
        self.building_ways: list[tuple[int, npt.NDArray[np.int64], dict[str, str]]] = []
        self.member_refs: dict[int, npt.NDArray[np.int64]] = {}
        self.relations: list[tuple[int, list[tuple[int, str]], dict[str, str]]] = []
        self.addresses: list[Place] = []
        self.areas: list[Place] = []
        self.relation_areas: list[Place] = []

    def add_node(self, node: Place) -> None:
        """Keep an address point (a building mapped as a point is one when it has an
        address; buildings are outlines)."""
        if "addr:housenumber" in node.tags:
            self.addresses.append(node)

    def add_way(self, way_id: int, refs: npt.NDArray[np.int64], tags: dict[str, str]) -> None:
        """Keep a way that may outline a building or be part of a building relation."""
        if "building" in tags and len(refs) >= 4 and refs[0] == refs[-1]:
            self.building_ways.append((way_id, refs, _place_tags(tags)))
        elif "highway" not in tags:
            self.member_refs[way_id] = refs

    def attach(self, data: OsmData) -> OsmData:
        """``data`` with the buildings (outline centroids) and address points."""
        from shapely import LineString, MultiPolygon
        from shapely.ops import polygonize

        out = list(self.areas)
        for way_id, refs, tags in self.building_ways:
            place = outline_place(way_id, data.coords(refs), tags)
            if place is not None:
                out.append(place)
        for rel_id, members, tags in self.relations:
            lines = []
            for way_id, role in members:
                member = self.member_refs.get(way_id)
                if member is not None and role != "inner" and len(xy := data.coords(member)) >= 2:
                    lines.append(LineString(xy))
            polys = list(polygonize(lines))
            if polys:
                c = MultiPolygon(polys).centroid
                out.append(Place(rel_id, float(c.x), float(c.y), _place_tags(tags)))
        addresses = tuple(
            Place(p.osm_id, p.lon, p.lat, _place_tags(p.tags)) for p in self.addresses
        )
        return replace(data, buildings=tuple(out), addresses=addresses)


def outline_place(osm_id: int, xy: npt.NDArray[np.float64], tags: dict[str, str]) -> Place | None:
    """A building from the present points of its closed outline: their polygon's centroid
    (an outline cut by the extract keeps its present stretch)."""
    from shapely import Polygon

    if len(xy) < 3:
        return None
    c = Polygon(xy).centroid
    if c.is_empty:
        return None
    return Place(osm_id, float(c.x), float(c.y), _place_tags(tags))


def _place_tags(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if _place_key(k)}


def read_pbf(path: Path, *, places: bool = False) -> OsmData:
    """Read an OSM PBF file with osmium: node locations stay inside libosmium and only
    tagged objects reach Python."""
    import osmium

    keys = ["highway", "building"] if places else ["highway"]
    streets = _Streets()
    shapes = _Shapes()
    try:
        fp = osmium.FileProcessor(str(path)).with_locations()
        if places:
            fp = fp.with_areas()
        way_keys = osmium.filter.KeyFilter(*keys)
        way_keys.enable_for(osmium.osm.WAY)
        node_keys = osmium.filter.KeyFilter("addr:housenumber")
        node_keys.enable_for(osmium.osm.NODE)
        fp = fp.with_filter(way_keys).with_filter(node_keys)
        fp = fp.with_filter(osmium.filter.EntityFilter(_entities(osmium, places)))
        for obj in fp:
            if isinstance(obj, osmium.osm.Way):
                if "highway" not in obj.tags:
                    _pbf_building(obj, shapes)
                    continue
                refs = []
                for n in obj.nodes:
                    refs.append(n.ref)
                    loc = n.location
                    if loc.valid():
                        streets.add_node(n.ref, loc.lon, loc.lat)
                if len(refs) >= 2:
                    tags = {t.k: t.v for t in obj.tags}
                    streets.add_way(obj.id, np.asarray(refs, dtype=np.int64), tags)
                if places and "building" in obj.tags:
                    _pbf_building(obj, shapes)
            elif isinstance(obj, osmium.osm.Node):
                loc = obj.location
                if loc.valid():
                    tags = {t.k: t.v for t in obj.tags if _place_key(t.k)}
                    shapes.add_node(Place(obj.id, loc.lon, loc.lat, tags))
            elif isinstance(obj, osmium.osm.Area) and not obj.from_way() and "building" in obj.tags:
                place = _area_place(obj)
                if place is not None:
                    shapes.relation_areas.append(place)
    except RuntimeError as exc:
        raise MapSourceError(f"cannot read PBF: {exc}", record=f"file '{path}'") from exc
    uniq, first = np.unique(np.asarray(streets.ids, dtype=np.int64), return_index=True)
    data = OsmData(
        node_ids=uniq,
        lon=np.asarray(streets.lons, dtype=np.float64)[first],
        lat=np.asarray(streets.lats, dtype=np.float64)[first],
        ways=streets.ways,
        name=path.name,
        way_ids=np.asarray(streets.way_ids, dtype=np.int64),
    )
    relations = sorted(shapes.relation_areas, key=lambda p: p.osm_id)  # file order
    buildings = (*shapes.areas, *relations)
    return replace(data, buildings=buildings, addresses=tuple(shapes.addresses))


def _pbf_building(way: Any, shapes: _Shapes) -> None:
    """Keep a closed building way read by osmium (with the locations it has)."""
    refs = [n.ref for n in way.nodes]
    if len(refs) < 4 or refs[0] != refs[-1]:
        return
    xy = np.array([(n.lon, n.lat) for n in way.nodes if n.location.valid()]).reshape(-1, 2)
    place = outline_place(way.id, xy, {t.k: t.v for t in way.tags})
    if place is not None:
        shapes.areas.append(place)


def _entities(osmium: Any, places: bool) -> Any:
    """Object kinds handed to Python: ways, and with ``places`` address nodes and areas."""
    if places:
        return osmium.osm.WAY | osmium.osm.NODE | osmium.osm.AREA
    return osmium.osm.WAY


def _area_place(area: Any) -> Place | None:
    """A building area (closed way or multipolygon) as the centroid of its polygons."""
    from shapely import MultiPolygon, Polygon

    polys = []
    for outer in area.outer_rings():
        shell = [(n.lon, n.lat) for n in outer]
        holes = [[(n.lon, n.lat) for n in inner] for inner in area.inner_rings(outer)]
        if len(shell) >= 4:
            polys.append(Polygon(shell, [h for h in holes if len(h) >= 4]))
    if not polys:
        return None
    c = MultiPolygon(polys).centroid
    if c.is_empty:
        return None
    tags = {t.k: t.v for t in area.tags if _place_key(t.k)}
    return Place(int(area.orig_id()), float(c.x), float(c.y), tags)


def read_streets(path: Path, kind: str) -> OsmData:
    """Read the highway ways of an OSM file and the coordinates of their nodes, in bulk.

    PBF is decoded block by block into arrays by pyrosm's block decoder (no Python call
    per node or way node); XML is first rewritten by osmium, inside libosmium, as an
    uncompressed PBF in a temporary folder, then decoded the same way.
    """
    if kind == "pbf":
        return _streets_of_pbf(path, path.name)
    import osmium

    with tempfile.TemporaryDirectory(prefix="doorstep-osm-") as tmp:
        pbf = Path(tmp) / "map.osm.pbf"
        try:
            writer = osmium.SimpleWriter(osmium.io.File(str(pbf), "pbf,pbf_compression=none"))
            try:
                osmium.apply(str(path), writer)
            finally:
                writer.close()
        except RuntimeError as exc:
            raise MapSourceError(f"malformed OSM XML: {exc}", record=f"file '{path}'") from exc
        return _streets_of_pbf(pbf, path.name, shown=path)


def _streets_of_pbf(path: Path, name: str, shown: Path | None = None) -> OsmData:
    """Highway ways and their nodes' coordinates of a PBF file, block by block as arrays."""
    from pyrosm.exceptions import PBFException
    from pyrosm.pbfreader import iter_decoded_blocks

    ids: list[npt.NDArray[np.int64]] = []
    lons: list[npt.NDArray[np.float64]] = []
    lats: list[npt.NDArray[np.float64]] = []
    streets = _Streets()
    used: list[npt.NDArray[np.int64]] = []  # node ids of the kept ways, per block
    try:
        for strings, header, nodes, ways, _ in iter_decoded_blocks(str(path)):
            if nodes is not None and len(nodes["id"]):
                keep = _visible(nodes["visible"])
                gran = int(header["granularity"])
                ids.append(nodes["id"][keep])
                lons.append((header["lon_offset"] + gran * nodes["lon"][keep]) / 1e9)
                lats.append((header["lat_offset"] + gran * nodes["lat"][keep]) / 1e9)
            if ways is not None and len(ways["id"]):
                block_refs = _block_streets(strings, ways, streets)
                if block_refs is not None:
                    used.append(block_refs)
    except (PBFException, RuntimeError, ValueError, OSError, KeyError, IndexError) as exc:
        raise MapSourceError(f"cannot read PBF: {exc}", record=f"file '{shown or path}'") from exc
    if not ids:
        ids, lons, lats = [np.zeros(0, np.int64)], [np.zeros(0)], [np.zeros(0)]
    all_ids = np.concatenate(ids)
    order = np.argsort(all_ids, kind="stable")
    node_ids = all_ids[order]
    want = np.unique(np.concatenate(used)) if used else node_ids[:0]
    pos = np.minimum(np.searchsorted(node_ids, want), max(len(node_ids) - 1, 0))
    pos = pos[node_ids[pos] == want] if len(node_ids) else pos[:0]
    return OsmData(
        node_ids=node_ids[pos],
        lon=np.concatenate(lons)[order][pos],
        lat=np.concatenate(lats)[order][pos],
        ways=streets.ways,
        name=name,
        way_ids=np.asarray(streets.way_ids, dtype=np.int64),
    )


def _visible(flags: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_] | slice:
    """Rows of a block that are visible (a block without the flags: all)."""
    return slice(None) if len(flags) == 0 else flags.astype(bool)


def _block_streets(
    strings: list[str], ways: dict[str, Any], streets: _Streets
) -> npt.NDArray[np.int64] | None:
    """Keep the highway ways of one decoded PBF block (2 or more nodes, visible) with the
    tags the street graph reads, in file order. Ways with the same kept tags share one
    tag dict (a block repeats a few hundred tag sets)."""
    index = {s: i for i, s in enumerate(strings)}
    highway = index.get("highway")
    if highway is None:
        return None
    keys, vals, tags_off = ways["keys"], ways["vals"], ways["tags_off"]
    refs, refs_off = ways["refs"], ways["refs_off"]
    n_refs = np.diff(refs_off)
    owner = np.repeat(np.arange(len(n_refs)), np.diff(tags_off))
    has = np.zeros(len(n_refs), dtype=bool)
    has[owner[keys == highway]] = True
    has &= n_refs >= 2
    if len(ways["visible"]):
        has &= ways["visible"].astype(bool)
    sel = np.flatnonzero(has)
    if len(sel) == 0:
        return None
    wanted = np.array([index[k] for k in WAY_KEYS if k in index], dtype=np.int64)
    kept = np.isin(keys, wanted) & has[owner]
    k_off = np.searchsorted(np.flatnonzero(kept), tags_off)
    k_keys = [strings[i] for i in keys[kept].tolist()]
    k_vals = [strings[i] for i in vals[kept].tolist()]
    codes = (keys[kept] * len(strings) + vals[kept]).tobytes()
    kept_refs = refs[np.repeat(has, n_refs)]
    ends = np.cumsum(n_refs[sel]).tolist()
    shared: dict[bytes, dict[str, str]] = {}
    start = 0
    for end, a, b in zip(ends, k_off[sel].tolist(), k_off[sel + 1].tolist(), strict=True):
        code = codes[8 * a : 8 * b]
        tags = shared.get(code)
        if tags is None:
            tags = shared[code] = dict(zip(k_keys[a:b], k_vals[a:b], strict=True))
        streets.ways.append((kept_refs[start:end], tags))
        start = end
    streets.way_ids.extend(ways["id"][sel].tolist())
    return kept_refs
