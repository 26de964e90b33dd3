"""Raw OSM street data read once from a file: node coordinates and highway ways with tags.

Readers: OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``) with the standard library's streaming
parser, and PBF (``.osm.pbf``) with pyrosm. Only ways with a ``highway`` tag are kept; the
travel profiles decide later which of them each mode may use.
"""

from __future__ import annotations

import bz2
import gzip
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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
    """

    node_ids: npt.NDArray[np.int64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]]
    name: str

    @classmethod
    def from_unsorted(
        cls,
        ids: npt.ArrayLike,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]],
        name: str,
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
        )


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


def read_osm_file(path: Path) -> OsmData:
    """Read the highway ways of an OSM XML or PBF file."""
    if not path.is_file():
        raise MapSourceError("no such file", record=f"file '{path}'")
    kind = source_kind(path)
    t0 = time.perf_counter()
    data = read_pbf(path) if kind == "pbf" else read_xml(path)
    log.info(
        "osm: %s: %d highway ways, %d nodes in %.2f s",
        path.name,
        len(data.ways),
        len(data.node_ids),
        time.perf_counter() - t0,
    )
    if not data.ways:
        raise MapSourceError("the file holds no highway ways", record=f"file '{path}'")
    return data


def _open_xml(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_xml(path: Path) -> OsmData:
    """Stream an OSM XML file, keeping node coordinates and highway ways."""
    ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]] = []
    try:
        with _open_xml(path) as fh:
            context: Iterator[tuple[str, Any]] = ET.iterparse(fh, events=("start", "end"))
            _, root = next(context)
            if root.tag != "osm":
                raise MapSourceError(
                    f"not OSM XML (root element <{root.tag}>)", record=f"file '{path}'"
                )
            refs: list[int] = []
            tags: dict[str, str] = {}
            for event, elem in context:
                tag = elem.tag
                if event == "start":
                    if tag == "way":
                        refs, tags = [], {}
                    continue
                if tag == "node":
                    lat, lon = elem.get("lat"), elem.get("lon")
                    if lat is not None and lon is not None and elem.get("visible") != "false":
                        ids.append(int(elem.get("id")))
                        lons.append(float(lon))
                        lats.append(float(lat))
                    elem.clear()
                elif tag == "nd":
                    refs.append(int(elem.get("ref")))
                elif tag == "tag":
                    key = elem.get("k")
                    if key in WAY_KEYS:
                        tags[key] = elem.get("v", "")
                elif tag == "way":
                    if "highway" in tags and len(refs) >= 2 and elem.get("visible") != "false":
                        ways.append((np.asarray(refs, dtype=np.int64), tags))
                    elem.clear()
                if tag in {"node", "way", "relation"}:
                    root.clear()
    except ET.ParseError as exc:
        raise MapSourceError(f"malformed OSM XML: {exc}", record=f"file '{path}'") from exc
    except (OSError, EOFError, ValueError, TypeError) as exc:
        if isinstance(exc, MapSourceError):
            raise
        raise MapSourceError(f"cannot read OSM XML: {exc}", record=f"file '{path}'") from exc
    return OsmData.from_unsorted(ids, lons, lats, ways, path.name)


def read_pbf(path: Path) -> OsmData:
    """Read an OSM PBF file with pyrosm (parsed once, in memory)."""
    import pyrosm

    try:
        osm = pyrosm.OSM(str(path))
        # pyrosm exposes the decoded elements only through its reader; its public
        # get_network() already splits and filters ways by its own network types.
        osm._read_pbf()
        nodes = osm._nodes
        records = osm._way_records
    except Exception as exc:
        raise MapSourceError(f"cannot read PBF: {exc}", record=f"file '{path}'") from exc
    if nodes is None or records is None:
        raise MapSourceError("the PBF file holds no ways", record=f"file '{path}'")
    ways: list[tuple[npt.NDArray[np.int64], dict[str, str]]] = []
    for rec in records:
        if "highway" not in rec:
            continue
        refs = rec.get("nodes")
        if refs is None or len(refs) < 2:
            continue
        tags = {k: str(v) for k, v in rec.items() if k in WAY_KEYS and v is not None}
        ways.append((np.asarray(refs, dtype=np.int64), tags))
    return OsmData.from_unsorted(nodes["id"], nodes["lon"], nodes["lat"], ways, path.name)
