"""Graph building: local (private, destination-only) ways only at the ends of a leg."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from geo import PROFILES, StreetGraph, load_graph, route_geometry, snap, travel_matrices
from tests.geo.tiny import DEG_PER_M, write_osm

#: Node id -> (x, y) metres.
NODES_M = {
    1: (0, 0),
    2: (0, 500),
    3: (400, 500),
    4: (400, 0),
    5: (200, 0),
    6: (400, -200),
    8: (-200, 0),
    9: (-200, -200),
    10: (0, 700),
}
PUBLIC = {"highway": "residential"}
WAYS = [
    ([1, 2, 3, 4], PUBLIC),  # the long way round
    ([2, 10], PUBLIC),  # a side street
    ([1, 5, 4], {"highway": "service", "access": "private"}),  # a private shortcut
    ([4, 6], {"highway": "service", "access": "destination"}),  # a compound's drive
    ([1, 8], {"highway": "service", "service": "private"}),  # a compound's gate ...
    ([8, 9], {"highway": "footway"}),  # ... and its unmarked inner path
]
#: Stops (x, y metres): two on public streets, one in each compound, one on the shortcut.
STOPS = {"s1": (0, 100), "s2": (400, 100), "h": (400, -150), "h2": (-200, -150), "m": (200, 0)}


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return (x * DEG_PER_M, y * DEG_PER_M)


@pytest.fixture(scope="module")
def compounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny map with a private shortcut and two compounds."""
    path = tmp_path_factory.mktemp("compounds") / "compounds.osm"
    return write_osm(path, {k: _lonlat(*v) for k, v in NODES_M.items()}, WAYS)


def _metres(g: StreetGraph, engine: str) -> dict[tuple[str, str], int]:
    names = list(STOPS)
    sn = snap(g, [_lonlat(*STOPS[k]) for k in names])
    m = travel_matrices(g, sn, engine=engine)
    return {
        (a, b): int(m.distances[i, j]) for i, a in enumerate(names) for j, b in enumerate(names)
    }


@pytest.mark.parametrize("engine", ["dijkstra", "ch"])
def test_private_shortcut_is_not_crossed(compounds: Path, engine: str) -> None:
    """Between two public stops the leg goes round, not through the private way."""
    d = _metres(load_graph(compounds, "walk", cache=False), engine)
    assert d[("s1", "s2")] == pytest.approx(1200, abs=2)
    assert d[("s2", "s1")] == pytest.approx(1200, abs=2)


@pytest.mark.parametrize("engine", ["dijkstra", "ch"])
def test_compound_reached_and_left_by_its_own_ways(compounds: Path, engine: str) -> None:
    """A stop inside a compound is reached and left through its drive or gate only."""
    d = _metres(load_graph(compounds, "walk", cache=False), engine)
    assert d[("s1", "h")] == pytest.approx(400 + 400 + 500 + 150, abs=2)
    assert d[("h", "s1")] == pytest.approx(400 + 400 + 500 + 150, abs=2)
    assert d[("h2", "s2")] == pytest.approx(150 + 200 + 500 + 400 + 400, abs=2)
    assert d[("h", "s2")] == pytest.approx(150 + 100, abs=2)


@pytest.mark.parametrize("engine", ["dijkstra", "ch"])
def test_stop_on_private_way_uses_it_first_and_last(compounds: Path, engine: str) -> None:
    """A stop on the private way itself uses it to arrive and to leave."""
    d = _metres(load_graph(compounds, "walk", cache=False), engine)
    assert d[("m", "s2")] == pytest.approx(300, abs=2)
    assert d[("s1", "m")] == pytest.approx(300, abs=2)
    assert d[("h", "m")] == pytest.approx(350, abs=2)  # leave one compound, enter another


def test_without_the_rule_the_shortcut_is_taken(compounds: Path) -> None:
    """A profile with no local access values takes the private shortcut (the old rule)."""
    free = replace(PROFILES["walk"], local_access=frozenset(), local_tags=())
    d = _metres(load_graph(compounds, free, cache=False), "dijkstra")
    assert d[("s1", "s2")] == pytest.approx(600, abs=2)
    assert d[("s1", "h")] == pytest.approx(100 + 400 + 150, abs=2)


def test_geometry_follows_the_round_way(compounds: Path) -> None:
    """The drawn leg between public stops never touches the private shortcut's middle."""
    g = load_graph(compounds, "walk", cache=False)
    sn = snap(g, [_lonlat(*STOPS["s1"]), _lonlat(*STOPS["s2"])])
    coords = np.array(route_geometry(g, sn, [0, 1])["features"][0]["geometry"]["coordinates"])
    # the reader keeps OSM's 1e-7 degrees (as osmium and PBF do)
    assert coords[:, 1].max() == pytest.approx(round(500 * DEG_PER_M, 7), rel=1e-6)
    middle = np.round(_lonlat(*NODES_M[5]), 7)
    assert not np.any(np.all(np.isclose(coords, middle, atol=1e-9), axis=1))


def test_graph_marks_local_links(compounds: Path) -> None:
    """The three local ways are marked; only compound nodes get arrival copies."""
    g = load_graph(compounds, "walk", cache=False)
    assert int(g.link_local.sum()) == 3
    assert int((g.arrive_node >= 0).sum()) == 3  # nodes 6, 8 and 9
    assert g.n_route == g.n_nodes + 3
