"""Yesterday's plan: read with a clear error, turned into each household's own volunteer;
per household, whether it kept that volunteer and why not."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from api.demo.data import DEMO_DATE as D
from api.errors import classify, exit_status
from api.plan.continuity import (
    CANNOT_SERVE,
    COST,
    HOUSEHOLD_NEW,
    KEPT,
    NOT_SERVED,
    SHARED_STOP,
    VOLUNTEER_ABSENT,
    PreviousPlanError,
    outcomes,
    own_volunteers,
    previous_assignment,
    read_previous,
    references,
    with_change_costs,
)
from api.plan.day import DaySelection, DayStop, LineItem
from api.plan.result import served_by
from solver import DAY, Problem, Profile, Stop, Vehicle, solve


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


def _line_day() -> tuple[DaySelection, Problem]:
    """Volunteers A (at 0) and B (at 1,000) on a 1,000 s street, A alone with the medicine
    skill; stops with their households: s1 h1 at 100, s2 h2+h3+h4 at 200, s3 h5 at 500,
    s4 h6 at 600, s5 h7 (medicine) at 300, s6 h9 at 900, s7 h8 at 400 with a window no one
    can reach."""
    xs = [0, 1000, 100, 200, 500, 600, 300, 900, 400]
    d = np.abs(np.subtract.outer(xs, xs)).astype(np.int64)
    members = {
        "s1": ("h1",),
        "s2": ("h2", "h3", "h4"),
        "s3": ("h5",),
        "s4": ("h6",),
        "s5": ("h7",),
        "s6": ("h9",),
        "s7": ("h8",),
    }
    windows = {"s7": (0, 10)}
    selection = DaySelection(
        D,
        tuple(
            DayStop(
                sid, 0.0, 0.0, tuple(LineItem(h, ()) for h in hs), 1, 0, windows.get(sid, (0, DAY))
            )
            for sid, hs in members.items()
        ),
        (),
    )
    stops = tuple(
        Stop(
            sid,
            k + 2,
            (1,),
            windows=(windows.get(sid, (0, DAY)),),
            skills=frozenset({"medicine"}) if sid == "s5" else frozenset(),
        )
        for k, sid in enumerate(members)
    )
    fleet = (
        Vehicle("A", 0, 0, capacity=(10,), skills=frozenset({"medicine"}), cost_per_second=1),
        Vehicle("B", 1, 1, capacity=(10,), cost_per_second=1),
    )
    problem = Problem(
        stops=stops,
        vehicles=fleet,
        profiles=(Profile("walk", d, d),),
        dimensions=("n",),
        skills=frozenset({"medicine"}),
    )
    return selection, problem


def test_each_household_is_told_whether_it_kept_its_volunteer_and_why_not() -> None:
    """Kept, absent volunteer, new household, volunteer without the skill, a shared door,
    moved for cost, not served: each household gets its true outcome, and tomorrow's own
    volunteer stays the absent one's."""
    selection, problem = _line_day()
    own = {"h1": "A", "h2": "A", "h3": "B", "h4": "A", "h5": "C", "h7": "B", "h9": "A", "h8": "A"}
    refs = references(selection, own, ["A", "B"])
    assert refs["s2"] == ("A", 2) and "s3" not in refs and "s4" not in refs
    costed = with_change_costs(problem, refs, 200)
    solution = solve(costed, time_limit=30, effort=30)
    c = outcomes(selection, costed, solution, own, 200)
    got = {h: outcome for h, _, _, outcome in c.outcomes}
    assert got == {
        "h1": KEPT,
        "h2": KEPT,
        "h3": SHARED_STOP,
        "h4": KEPT,
        "h5": VOLUNTEER_ABSENT,
        "h6": HOUSEHOLD_NEW,
        "h7": CANNOT_SERVE,
        "h9": COST,
        "h8": NOT_SERVED,
    }
    assert (c.count(KEPT), c.with_own_working) == (3, 7)
    assert c.volunteer_of["h5"] == "C" and c.volunteer_of["h9"] == "B"
    assert c.volunteer_of["h6"] == served_by(solution)["s4"]


def test_tomorrow_reads_the_carried_own_volunteer_before_who_served() -> None:
    """A plan's continuity.volunteer_of wins over who served the household in it."""
    doc = {
        "routes": [{"volunteer_id": "B", "stops": [{"household_ids": ["h5", "h1"]}]}],
        "continuity": {"volunteer_of": {"h5": "C"}},
    }
    assert own_volunteers(doc) == {"h5": "C", "h1": "B"}


def test_a_carried_volunteer_map_of_the_wrong_shape_is_named() -> None:
    """continuity.volunteer_of that is not a map of ids is refused by field."""
    doc = {"routes": [], "continuity": {"volunteer_of": ["x"]}}
    with pytest.raises(PreviousPlanError) as info:
        own_volunteers(doc)
    assert info.value.details[0].field == "continuity.volunteer_of"
