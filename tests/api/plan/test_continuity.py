"""Yesterday's plan: read with a clear error, turned into each household's volunteer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.errors import classify, exit_status
from api.plan.continuity import PreviousPlanError, previous_assignment, read_previous


def test_previous_assignment_maps_households_to_volunteer_and_position() -> None:
    """Every household of a route gets its volunteer and the stop's position on the run."""
    doc = {
        "routes": [
            {
                "volunteer_id": "v1",
                "stops": [{"household_ids": ["a", "b"]}, {"household_ids": ["c"]}],
            },
            {"volunteer_id": "v2", "stops": [{"household_ids": ["d"]}]},
        ]
    }
    assert previous_assignment(doc) == {
        "a": ("v1", 0),
        "b": ("v1", 0),
        "c": ("v1", 1),
        "d": ("v2", 0),
    }


@pytest.mark.parametrize(
    ("text", "record", "field"),
    [
        ("{}", "previous plan", "routes"),
        ("[1, 2]", "previous plan", "routes"),
        ("x", "y.json", "file"),
    ],
)
def test_a_file_that_is_not_a_plan_is_refused_by_field(
    tmp_path: Path, text: str, record: str, field: str
) -> None:
    """Anything but a plan.json with a routes list is refused, naming record and field; exit 4."""
    path = tmp_path / "y.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PreviousPlanError) as info:
        read_previous(path)
    assert (info.value.details[0].record, info.value.details[0].field) == (record, field)
    assert exit_status(classify(info.value)) == 4


def test_a_plan_is_read_back(tmp_path: Path) -> None:
    """A plan.json with routes is returned as written."""
    path = tmp_path / "plan.json"
    doc = {"routes": [{"volunteer_id": "v", "stops": []}]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert read_previous(path) == doc
