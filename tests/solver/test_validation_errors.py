"""Each kind of bad input alone raises ProblemValidationError naming its record and field."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from solver import Problem, ProblemValidationError, Profile, Stop, Vehicle


def _profile(n: int = 3) -> Profile:
    m = np.full((n, n), 60, dtype=np.int64)
    np.fill_diagonal(m, 0)
    return Profile("walk", m, m * 10)


def _build(
    stop: Stop | None = None, vehicle: Vehicle | None = None, profile: Profile | None = None
) -> Problem:
    return Problem(
        stops=(stop or Stop("s1", 1, (1,)),),
        vehicles=(vehicle or Vehicle("v1", 0, 0, capacity=(5,)),),
        profiles=(profile or _profile(),),
        dimensions=("kg",),
        skills=frozenset({"cold"}),
    )


CASES: dict[str, tuple[Callable[[], Problem], str, str]] = {
    "negative demand": (lambda: _build(Stop("s1", 1, (-2,))), "stop 's1'", "demand"),
    "window end before start": (
        lambda: _build(Stop("s1", 1, (1,), windows=((600, 300),))),
        "stop 's1'",
        "windows",
    ),
    "matrix not square": (
        lambda: _build(profile=Profile("walk", np.zeros((3, 2), np.int64), _profile().distances)),
        "profile 0 ('walk')",
        "durations",
    ),
    "unknown skill on a stop": (
        lambda: _build(Stop("s1", 1, (1,), skills=frozenset({"cld"}))),
        "stop 's1'",
        "skills",
    ),
    "unknown skill on a vehicle": (
        lambda: _build(vehicle=Vehicle("v1", 0, 0, capacity=(5,), skills=frozenset({"lift"}))),
        "vehicle 'v1'",
        "skills",
    ),
    "unknown profile": (
        lambda: _build(vehicle=Vehicle("v1", 0, 0, capacity=(5,), profile=2)),
        "vehicle 'v1'",
        "profile",
    ),
    "unknown allowed vehicle": (
        lambda: _build(Stop("s1", 1, (1,), allowed_vehicles=frozenset({"v9"}))),
        "stop 's1'",
        "allowed_vehicles",
    ),
}


@pytest.mark.parametrize("fault", list(CASES))
def test_bad_input_names_record_and_field(fault: str) -> None:
    """The only fault is reported once, with its record and field, also in the message."""
    build, record, field = CASES[fault]
    with pytest.raises(ProblemValidationError) as info:
        build()
    assert [(d.record, d.field) for d in info.value.details] == [(record, field)]
    assert record in str(info.value) and repr(field) in str(info.value)
