"""The one plan entry: typed failures, no output on failure, the outcome's verdict."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from api.demo.data import DEMO_DATE
from api.errors import classify, exit_status
from api.plan.budget import CHECKED_TAIL, MIN_SEARCH_S, WRITTEN_TAIL
from api.plan.ledger import Ledger
from api.plan.request import PlanRequest
from api.plan.run import budget_of, run_plan
from api.plan.travel import StreetTravel
from geo.addresses import AddressIndex
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


def test_a_limit_too_short_for_the_search_says_so_and_still_plans(
    small_ledger: Ledger, travel: StreetTravel, addresses: AddressIndex
) -> None:
    """A limit shorter than the search's floor: the search gets its floor, every household
    is still on a run or named, and the plan says why the call can end past its limit
    (``TIME_LIMIT_SHORT``: the limit as given, the floor, and a limit that holds what went
    before the search, the floor and the work kept after it)."""
    request = PlanRequest(small_ledger, DEMO_DATE, time_limit=0.05)
    doc = run_plan(request, travel=travel, addresses=addresses).document
    [warning] = [w for w in doc["warnings"] if w["code"] == "TIME_LIMIT_SHORT"]
    assert warning["limit_s"] == 0.05
    assert warning["search_s"] == MIN_SEARCH_S
    kept = CHECKED_TAIL.seconds(doc["summary"]["stops"])
    assert warning["after_search_s"] == pytest.approx(kept, abs=0.01)
    held = warning["before_search_s"] + MIN_SEARCH_S + warning["after_search_s"]
    assert held <= warning["enough_s"] < held + 1.01
    assert "time limit of 0.05 s is too short" in warning["message"]
    summary = doc["summary"]
    assert (
        summary["households_served"]
        + summary["households_unassigned"]
        + summary["households_not_due"]
        == summary["households_under_observation"]
    )
    assert summary["households_served"] > 0
