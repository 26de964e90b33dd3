"""Loading OSM files into per-profile street graphs, and the disk cache."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from geo import (
    MapSourceError,
    ProfileError,
    StreetGraph,
    load_graph,
    load_graphs,
    snap,
    travel_matrices,
)
from geo.cache import cache_path
from geo.profiles import PROFILES
from tests.geo.tiny import grid_nodes, write_osm


def _shared_osm() -> Path | None:
    from api.settings import data_dir

    folder = data_dir() / "osm"
    return folder if folder.is_dir() else None


def test_helsinki_profiles_are_strongly_connected(helsinki: dict[str, StreetGraph]) -> None:
    """Every street node of each Helsinki profile reaches every other one through the core."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    for name, g in helsinki.items():
        assert g.profile == name
        assert g.n_nodes > 100
        adj = csr_matrix((np.ones(g.n_edges), g.indices, g.indptr), shape=(g.n_route,) * 2)
        root = int(np.flatnonzero(g.arrive_node < 0)[0])
        ahead = breadth_first_order(adj, root, directed=True, return_predecessors=False)
        back = breadth_first_order(adj.T.tocsr(), root, directed=True, return_predecessors=False)
        arrivals = np.where(g.arrive_node >= 0, g.arrive_node, np.arange(g.n_nodes))
        assert np.isin(arrivals, ahead).all(), name  # every node (or its arrival copy)
        assert np.isin(np.arange(g.n_nodes), back).all(), name  # every node leaves to it
        assert g.n_components > 1  # the raw extract has cut one-way streets
        assert (g.arc_ms >= 0).all() and (g.arc_cm > 0).all()
    assert helsinki["walk"].n_nodes > helsinki["drive"].n_nodes


def test_parallel_arcs_reduced_to_cheapest(tmp_path: Path) -> None:
    """Two ways joining the same nodes give one arc per direction, the cheaper one."""
    nodes = {1: (0.0, 0.0), 2: (0.001, 0.0), 3: (0.0005, 0.002), 4: (-0.001, 0.0), 5: (0.002, 0.0)}
    ways = [
        ([1, 2], {"highway": "residential"}),  # short, direct
        ([1, 3, 2], {"highway": "residential"}),  # long detour between the same nodes
        ([4, 1], {"highway": "residential"}),
        ([2, 5], {"highway": "residential"}),
    ]
    g = load_graph(write_osm(tmp_path / "par.osm", nodes, ways), "walk", cache=False)
    assert g.n_links == 4
    assert g.n_edges == 6  # 1-2, 4-1, 2-5 both ways; the detour's two arcs are dropped
    tail = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    pairs = set(zip(tail.tolist(), g.indices.tolist(), strict=True))
    assert len(pairs) == g.n_edges
    detour = int(np.argmax(g.link_length_cm()))
    assert detour not in set(g.arc_link.tolist())
    # the matrix goes the short way: 4 -> 5 is 3 x 111 m, not via the 2 x 240 m detour
    sn = snap(g, [nodes[4], nodes[5]])
    m = travel_matrices(g, sn)
    assert m.distances[0, 1] == pytest.approx(3 * 111.2, abs=1)


def test_cached_load_equals_cold(helsinki_pbf: Path, tmp_path: Path) -> None:
    """A graph read back from the disk cache equals the freshly built one, array by array."""
    cold = load_graph(helsinki_pbf, "drive", cache_dir=tmp_path)
    assert cache_path(helsinki_pbf, PROFILES["drive"], tmp_path).is_file()
    warm = load_graph(helsinki_pbf, "drive", cache_dir=tmp_path)
    assert warm is not cold
    for key, value in cold.arrays().items():
        assert np.array_equal(np.asarray(value), warm.arrays()[key]), key


def test_bad_sources_raise_clear_errors(tmp_path: Path) -> None:
    """Missing files, unknown formats, broken XML and unknown profiles are typed errors."""
    with pytest.raises(MapSourceError, match="no such file"):
        load_graph(tmp_path / "missing.osm")
    (tmp_path / "map.txt").write_text("hello")
    with pytest.raises(MapSourceError, match="unknown map format"):
        load_graph(tmp_path / "map.txt")
    (tmp_path / "bad.osm").write_text("<osm><node id='1' lat='0' lon='0'>")
    with pytest.raises(MapSourceError, match="malformed"):
        load_graph(tmp_path / "bad.osm", cache=False)
    path = write_osm(tmp_path / "g.osm", grid_nodes(2, 2, 50), [([1, 2, 4], {"highway": "path"})])
    with pytest.raises(ProfileError, match="unknown travel profile"):
        load_graph(path, "hover")


def test_bz2_xml_equals_plain_xml(tmp_path: Path) -> None:
    """An .osm.bz2 file gives the same graph as the plain .osm it compresses."""
    import bz2

    ways = [([1, 2, 3, 6, 5, 4, 1], {"highway": "residential"}), ([2, 5], {"highway": "path"})]
    plain = write_osm(tmp_path / "g.osm", grid_nodes(3, 2, 80), ways)
    packed = tmp_path / "g.osm.bz2"
    packed.write_bytes(bz2.compress(plain.read_bytes()))
    a = load_graph(plain, "walk", cache=False)
    b = load_graph(packed, "walk", cache=False)
    assert b.source == "g.osm.bz2" and a.n_nodes == b.n_nodes == 2  # 2 and 5 (degree 3)
    assert a.n_edges == b.n_edges == 2  # the 80 m chord beats both ring halves
    assert np.array_equal(a.arc_ms, b.arc_ms) and np.array_equal(a.arc_cm, b.arc_cm)


def test_cut_ways_are_split_not_dropped(tmp_path: Path) -> None:
    """A way referencing nodes missing from the extract keeps its present stretches."""
    nodes = grid_nodes(5, 1, 100)
    ways = [([1, 2, 999, 3, 4], {"highway": "residential"}), ([2, 5], {"highway": "footway"})]
    g = load_graph(write_osm(tmp_path / "cut.osm", nodes, ways), "walk", cache=False)
    assert g.n_components == 2  # {1, 2, 5} and the cut-off stretch {3, 4}
    assert g.n_nodes == 2 and g.n_links == 1  # 1 - 2 - 5 folded into one link
    assert g.link_length_cm()[0] == pytest.approx(100 * 100 + 300 * 100, abs=5)


def test_shared_extracts_load() -> None:
    """Every shared extract loads for every profile; Beijing compounds keep service roads."""
    folder = _shared_osm()
    if folder is None:
        pytest.skip("shared OSM folder missing (set DOORSTEP_DATA)")
    files = sorted(p for p in folder.iterdir() if ".osm" in p.name)
    assert files
    for path in files:
        graphs = load_graphs(path, tuple(PROFILES), cache=False)
        assert all(g.n_nodes > 10 for g in graphs.values()), path.name
    drive = PROFILES["drive"]
    plain = replace(
        drive,
        name="drive_plain",
        speeds_kmh={k: v for k, v in drive.speeds_kmh.items() if k != "service"},
    )
    for path in folder.glob("beijing_haidian_*.osm"):
        both = load_graphs(path, (drive, plain), cache=False)
        # compound roads are highway=service: without them the drive graph shrinks a lot
        assert both["drive"].n_nodes > 1.5 * both["drive_plain"].n_nodes, path.name
    bupt = folder / "beijing_haidian_bupt_xitucheng.osm"
    if bupt.is_file():
        assert load_graph(bupt, "drive", cache=False).n_nodes > 100
