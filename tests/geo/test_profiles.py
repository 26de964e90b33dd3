"""Travel profile rules: access, one-way, speeds from maxspeed, and online sources offline."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

import geo.online
from geo import PROFILES, MapSourceError, PlaceQuery, ProfileError, load_graph
from geo.cache import cache_path
from geo.profiles import parse_maxspeed
from tests.geo.tiny import grid_nodes, write_osm


def test_parse_maxspeed() -> None:
    """Numeric, mph and multi-valued limits parse; zone codes fall back to None."""
    assert parse_maxspeed("50") == 50
    assert parse_maxspeed("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed("50;70") == 50
    assert parse_maxspeed("RU:urban") is None
    assert parse_maxspeed("none") is None
    assert parse_maxspeed(None) is None


def test_way_rules() -> None:
    """Walk ignores one-way, drive keeps service roads and reads maxspeed, bike may be exempt."""
    walk, bike, drive = PROFILES["walk"], PROFILES["bike"], PROFILES["drive"]
    oneway = {"highway": "residential", "oneway": "yes"}
    assert (walk.rule(oneway).forward, walk.rule(oneway).backward) == (True, True)
    r = drive.rule(oneway)
    assert (r.forward, r.backward) == (True, False)
    r = drive.rule({"highway": "residential", "oneway": "-1"})
    assert (r.forward, r.backward) == (False, True)
    assert drive.rule({"highway": "primary", "junction": "roundabout"}).backward is False
    assert drive.rule({"highway": "service"}) is not None
    assert drive.rule({"highway": "footway"}) is None
    assert drive.rule({"highway": "residential", "access": "no"}) is None
    assert drive.rule({"highway": "residential", "access": "private"}) is not None
    fast = drive.rule({"highway": "residential", "maxspeed": "60"})
    assert fast.speed_mps == pytest.approx(60 * 0.85 / 3.6)
    assert drive.rule({"highway": "residential"}).speed_mps == pytest.approx(25 / 3.6)
    exempt = {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}
    assert bike.rule(exempt).backward is True
    assert bike.rule({"highway": "steps"}) is None
    assert walk.rule({"highway": "cycleway"}) is None
    assert walk.rule({"highway": "cycleway", "foot": "yes"}) is not None
    assert walk.rule({"highway": "footway", "foot": "no"}) is None


def test_custom_profile_and_validation(tmp_path: Path) -> None:
    """A replaced profile changes speeds (and the cache key); bad speeds are rejected."""
    slow = replace(PROFILES["walk"], name="slow", door_kmh=3.0)
    path = write_osm(tmp_path / "g.osm", grid_nodes(3, 1, 100), [([1, 2, 3], {"highway": "path"})])
    g = load_graph(path, slow, cache_dir=tmp_path)
    assert g.profile == "slow" and g.door_mps == pytest.approx(3.0 / 3.6)
    assert cache_path(path, slow, tmp_path) != cache_path(path, PROFILES["walk"], tmp_path)
    with pytest.raises(ProfileError, match="positive"):
        replace(PROFILES["walk"], speeds_kmh={"path": 0.0})


def test_cache_key_follows_file_changes(tmp_path: Path) -> None:
    """Touching the source file gives a new cache key, so a stale graph is never reused."""
    path = write_osm(tmp_path / "g.osm", grid_nodes(3, 1, 100), [([1, 2, 3], {"highway": "path"})])
    before = cache_path(path, PROFILES["walk"], tmp_path)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert cache_path(path, PROFILES["walk"], tmp_path) != before


def test_online_source_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A place name without internet fails with a MapSourceError that suggests a file."""
    monkeypatch.setattr(geo.online, "_online", lambda timeout_s=3.0: False)
    with pytest.raises(MapSourceError, match=r"\.osm\.pbf"):
        load_graph("Kamppi, Helsinki, Finland")
    with pytest.raises(MapSourceError, match="no internet"):
        load_graph(PlaceQuery("Kamppi"))
    with pytest.raises(MapSourceError, match="no internet"):
        load_graph((24.93, 60.16, 24.95, 60.17))
