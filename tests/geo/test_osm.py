"""The one OSM reader: streets, buildings and address points in one pass, XML and PBF alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import pytest

from geo.errors import MapSourceError
from geo.osm import OsmData, read_osm_file

SQUARE = [(0.0, 0.0), (0.001, 0.0), (0.001, 0.001), (0.0, 0.001)]


def _tiny_places(path: Path) -> Path:
    """A street, a closed building with an address, a two-way multipolygon building and an
    address point, written as OSM XML."""
    nodes = {1: (0.0, -0.001), 2: (0.002, -0.001)}
    for k, (x, y) in enumerate(SQUARE):
        nodes[10 + k] = (x, y)
        nodes[20 + k] = (x + 0.003, y)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'<node id="{nid}" lat="{lat}" lon="{lon}"/>')
    lines.append('<node id="30" lat="0.0005" lon="0.005">')
    lines.append('<tag k="addr:street" v="Kuja"/><tag k="addr:housenumber" v="3"/></node>')
    lines.append('<way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/>')
    lines.append('<tag k="access" v="private"/><tag k="surface" v="asphalt"/></way>')
    refs = "".join(f'<nd ref="{10 + k}"/>' for k in (0, 1, 2, 3, 0))
    lines.append(f'<way id="101">{refs}<tag k="building" v="house"/>')
    lines.append('<tag k="addr:street" v="Tie"/><tag k="addr:housenumber" v="1"/></way>')
    lines.append('<way id="102"><nd ref="20"/><nd ref="21"/><nd ref="22"/></way>')
    lines.append('<way id="103"><nd ref="22"/><nd ref="23"/><nd ref="20"/></way>')
    lines.append('<relation id="200"><member type="way" ref="102" role="outer"/>')
    lines.append('<member type="way" ref="103" role="outer"/>')
    lines.append('<tag k="type" v="multipolygon"/><tag k="building" v="school"/></relation>')
    lines.append("</osm>")
    path.write_text("\n".join(lines))
    return path


def _as_pbf(xml: Path) -> Path:
    """The same map converted to PBF by osmium."""
    out = xml.with_suffix(".osm.pbf")
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    return out


def _summary(data: OsmData) -> tuple[object, ...]:
    ways = [(refs.tolist(), tags) for refs, tags in data.ways]
    places = [(p.osm_id, round(p.lon, 7), round(p.lat, 7), p.tags) for p in data.buildings]
    points = [(p.osm_id, p.lon, p.lat, p.tags) for p in data.addresses]
    return ways, places, points


def test_one_pass_reads_streets_buildings_and_addresses(tmp_path: Path) -> None:
    """Streets keep only profile tags; buildings are outline centroids; address nodes kept."""
    data = read_osm_file(_tiny_places(tmp_path / "p.osm"), places=True)
    assert [(r.tolist(), t) for r, t in data.ways] == [
        ([1, 2], {"highway": "residential", "access": "private"})
    ]
    by_id = {p.osm_id: p for p in data.buildings}
    assert set(by_id) == {101, 200}
    assert (by_id[101].lon, by_id[101].lat) == pytest.approx((0.0005, 0.0005))
    assert (by_id[200].lon, by_id[200].lat) == pytest.approx((0.0035, 0.0005))
    assert by_id[101].tags["addr:street"] == "Tie" and by_id[200].tags["building"] == "school"
    assert [(p.osm_id, p.tags["addr:housenumber"]) for p in data.addresses] == [(30, "3")]


def test_streets_only_skips_places(tmp_path: Path) -> None:
    """Without ``places`` no building or address point is kept."""
    data = read_osm_file(_tiny_places(tmp_path / "p.osm"))
    assert data.buildings == () and data.addresses == () and len(data.ways) == 1


def test_xml_and_pbf_read_the_same(tmp_path: Path) -> None:
    """The XML parser and the osmium PBF reader give the same streets, buildings, points."""
    xml = _tiny_places(tmp_path / "p.osm")
    a = read_osm_file(xml, places=True)
    b = read_osm_file(_as_pbf(xml), places=True)
    assert _summary(a) == _summary(b)
    used = np.unique(np.concatenate([r for r, _ in a.ways]))
    assert np.array_equal(b.node_ids, used)


def test_pbf_of_helsinki_matches_its_xml(tmp_path: Path, helsinki_pbf: Path) -> None:
    """The Helsinki PBF and its XML copy give identical street ways and node coordinates."""
    xml = tmp_path / "helsinki.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(helsinki_pbf)):
            writer.add(obj)
    a, b = read_osm_file(xml), read_osm_file(helsinki_pbf)
    assert [(r.tolist(), t) for r, t in a.ways] == [(r.tolist(), t) for r, t in b.ways]
    pos = np.searchsorted(a.node_ids, b.node_ids)
    assert np.array_equal(a.node_ids[pos], b.node_ids)
    assert np.allclose(a.lon[pos], b.lon) and np.allclose(a.lat[pos], b.lat)


def test_corrupt_pbf_names_the_file(tmp_path: Path) -> None:
    """A file that is not PBF fails with a map-source error naming it."""
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a pbf at all")
    with pytest.raises(MapSourceError, match=r"bad\.osm\.pbf"):
        read_osm_file(bad)


def test_elements_end_where_the_next_one_starts(tmp_path: Path) -> None:
    """A way is complete at the next top-level element: tags of a foreign element after it
    are not its, and an address node last in the file is kept."""
    path = tmp_path / "order.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">'
        '<bounds minlat="0" minlon="0" maxlat="1" maxlon="1"/>'
        '<node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/>'
        '<way id="9"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        '<changeset id="5"><tag k="access" v="no"/></changeset>'
        '<node id="3" lat="0.001" lon="0"><tag k="addr:housenumber" v="7"/></node></osm>'
    )
    data = read_osm_file(path, places=True)
    assert [tags for _, tags in data.ways] == [{"highway": "footway"}]
    assert [(p.osm_id, p.tags) for p in data.addresses] == [(3, {"addr:housenumber": "7"})]


def test_bulk_streets_equal_the_element_readers(tmp_path: Path, helsinki_pbf: Path) -> None:
    """The bulk street read of the Helsinki PBF and of its XML gives the expat handlers'
    and osmium's ways, way ids and node coordinates, to the bit (the nodes of the file
    those ways use)."""
    from geo.osm import read_pbf, read_xml

    xml = tmp_path / "helsinki.osm"
    with osmium.SimpleWriter(str(xml)) as writer:
        for obj in osmium.FileProcessor(str(helsinki_pbf)):
            writer.add(obj)
    expat, per_object = read_xml(xml), read_pbf(helsinki_pbf)
    for bulk in (read_osm_file(xml), read_osm_file(helsinki_pbf)):
        for ref in (expat, per_object):
            assert [(r.tolist(), t) for r, t in bulk.ways] == [(r.tolist(), t) for r, t in ref.ways]
            assert bulk.way_ids is not None and ref.way_ids is not None
            assert bulk.way_ids.tolist() == ref.way_ids.tolist()
            pos = np.searchsorted(ref.node_ids, bulk.node_ids)
            assert np.array_equal(ref.node_ids[pos], bulk.node_ids)
            assert np.array_equal(ref.lon[pos], bulk.lon) and np.array_equal(ref.lat[pos], bulk.lat)
        used = np.unique(np.concatenate([r for r, _ in bulk.ways]))
        assert np.array_equal(bulk.node_ids, used[np.isin(used, expat.node_ids)])
