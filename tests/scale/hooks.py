"""Batch tasks for tests, importable by Dask worker processes."""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any
from unittest import mock

from api.plan.batch import BatchSettings, Community, CommunityResult, plan_community


def plan_or_crash_solver(
    community: Community, out: str, settings: BatchSettings
) -> CommunityResult:
    """Plan as usual, except that the search raises for communities named ``boom*``."""
    if community.community_id.startswith("boom"):
        crash = RuntimeError("the search crashed (provoked by the test)")
        solve = importlib.import_module("solver.solve")  # every search member's body
        with (
            mock.patch("solver._ortools.search", side_effect=crash),
            mock.patch.object(solve, "_run", side_effect=crash),
        ):
            return plan_community(community, out, settings)
    return plan_community(community, out, settings)


def plan_or_stall_map(community: Community, out: str, settings: BatchSettings) -> CommunityResult:
    """Plan as usual, except that communities named ``slow*`` have a 1 s cap and a map load
    that takes 1.5 s longer than usual."""
    if not community.community_id.startswith("slow"):
        return plan_community(community, out, settings)
    import time

    from api.plan import travel

    real = travel.load_street_travel

    def stalled(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)
        return real(*args, **kwargs)

    capped = replace(settings, community_limit=1.0)
    with mock.patch("api.plan.travel.load_street_travel", side_effect=stalled):
        return plan_community(community, out, capped)
