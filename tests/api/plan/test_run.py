"""The one plan entry: typed failures, no output on failure, the outcome's verdict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from api.demo.data import DEMO_DATE
from api.errors import classify, exit_status
from api.plan.budget import CHECKED_TAIL, WRITTEN_TAIL
from api.plan.ledger import Ledger
from api.plan.request import PlanRequest
from api.plan.run import budget_of, run_plan
from geo.errors import GeoError


def test_an_unreadable_map_raises_the_map_error_and_writes_nothing(
    tmp_path: Path, small_ledger: Ledger
) -> None:
    """A corrupt map file leaves as geo's error with the map's exit status 5; no file."""
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"this is not a map")
    out = tmp_path / "out"
    with pytest.raises(GeoError) as info:
        run_plan(PlanRequest(small_ledger, DEMO_DATE, time_limit=2.0), map_file=bad, out=out)
    assert exit_status(classify(info.value)) == 5
    assert not out.exists()


def test_a_map_is_required(small_ledger: Ledger) -> None:
    """Neither a map file nor loaded travel: a usage error, before anything runs."""
    with pytest.raises(ValueError, match="map_file or a loaded travel"):
        run_plan(PlanRequest(small_ledger, DEMO_DATE))


def test_the_request_asks_for_drive_graphs_when_suggesting(small_ledger: Ledger) -> None:
    """Suggestions may add drivers, so the map is opened for driving too."""
    walkers = replace(
        small_ledger, volunteers=tuple(v for v in small_ledger.volunteers if v.mode == "walk")
    )
    assert walkers.volunteers
    assert PlanRequest(walkers, DEMO_DATE).modes() == ["walk"]
    assert PlanRequest(walkers, DEMO_DATE, suggest=True).modes() == ["drive", "walk"]


def test_a_plan_written_to_a_folder_keeps_the_written_tail(small_ledger: Ledger) -> None:
    """The budget of a plan written to a folder keeps the files' time out of the search;
    a plan returned keeps only the checker's, geometry's and document's."""
    request = PlanRequest(small_ledger, DEMO_DATE, time_limit=5.0)
    assert budget_of(request, written=True).tail == WRITTEN_TAIL
    assert budget_of(request).tail == CHECKED_TAIL
