"""One community of a batch: failures come back typed and classed, without a cluster."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from api.demo.city import make_manifest
from api.plan.batch import BatchSettings, plan_community, read_manifest


def test_an_unreadable_map_fails_as_map_and_is_not_retried(tmp_path: Path) -> None:
    """A community whose map is corrupt fails as 'map' (exit 5), not retryable, named."""
    manifest = make_manifest(tmp_path / "in", [6], seed=4)
    (row,) = read_manifest(manifest)
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"this is not a map")
    row = replace(row, map_file=bad)
    result = plan_community(row, str(tmp_path / "out"), BatchSettings(time_limit=2.0, effort=5))
    assert not result.ok and result.failure == "map" and not result.retryable
    assert result.exit_code == 5
    assert result.error.startswith("MAP_SOURCE: ")
    assert not (tmp_path / "out" / row.community_id / "plan.json").exists()


def test_a_community_is_planned_into_its_folder(tmp_path: Path) -> None:
    """A good community is planned by the one entry; its result counts what plan.json says."""
    manifest = make_manifest(tmp_path / "in", [6], seed=4)
    (row,) = read_manifest(manifest)
    result = plan_community(row, str(tmp_path / "out"), BatchSettings(time_limit=5.0, effort=5))
    assert result.ok and result.exit_code in (0, 3)
    assert (tmp_path / "out" / row.community_id / "plan.json").is_file()
    assert result.households_served + result.households_unassigned > 0
