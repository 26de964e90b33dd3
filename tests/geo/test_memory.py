"""A map whose build would not fit in memory is refused up front, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import MapSourceError, load_graph
from geo.memory import available_bytes, ensure_fits, estimate_build_bytes
from geo.osm import read_osm_file


def test_estimate_grows_with_the_map(helsinki_pbf: Path) -> None:
    """The estimate is positive, grows with profiles and stays below a gigabyte here."""
    data = read_osm_file(helsinki_pbf)
    one, four = estimate_build_bytes(data), estimate_build_bytes(data, 4)
    assert 0 < one < four < 2**30


def test_refused_with_map_and_estimate(helsinki_pbf: Path) -> None:
    """Below the estimate the build is refused with the map name and both figures."""
    data = read_osm_file(helsinki_pbf)
    with pytest.raises(MapSourceError, match=r"Helsinki.*about \d+ MiB.*more than the 0 MiB"):
        ensure_fits(data, limit=1000)
    assert ensure_fits(data, limit=2**40) == estimate_build_bytes(data)


def test_load_refuses_before_building(
    helsinki_pbf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``DOORSTEP_GEO_MEMORY`` caps the build; a cached graph still loads under the cap."""
    monkeypatch.setenv("DOORSTEP_GEO_MEMORY", "1000")
    with pytest.raises(MapSourceError, match="would need about"):
        load_graph(helsinki_pbf, "walk", cache_dir=tmp_path)
    monkeypatch.delenv("DOORSTEP_GEO_MEMORY")
    load_graph(helsinki_pbf, "walk", cache_dir=tmp_path)
    monkeypatch.setenv("DOORSTEP_GEO_MEMORY", "1000")
    assert load_graph(helsinki_pbf, "walk", cache_dir=tmp_path).n_nodes > 1000


def test_machine_memory_is_read() -> None:
    """This Linux machine reports its available memory."""
    avail = available_bytes()
    assert avail is None or avail > 0
