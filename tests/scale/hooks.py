"""Batch tasks for tests, importable by Dask worker processes."""

from __future__ import annotations

from unittest import mock

from api.batch import BatchSettings, Community, CommunityResult, plan_community


def plan_or_crash_solver(
    community: Community, out: str, settings: BatchSettings
) -> CommunityResult:
    """Plan as usual, except that the OR-Tools search raises for communities named ``boom*``."""
    if community.community_id.startswith("boom"):
        crash = RuntimeError("the search crashed (provoked by the test)")
        with mock.patch("solver._ortools.search", side_effect=crash):
            return plan_community(community, out, settings)
    return plan_community(community, out, settings)
