"""Validation of the problem model: every fault is named by record and field."""

from __future__ import annotations

import numpy as np
import pytest

from solver import Problem, ProblemValidationError, Profile, Stop, Vehicle


def _profile(n: int = 3) -> Profile:
    m = np.full((n, n), 10, dtype=np.int64)
    np.fill_diagonal(m, 0)
    return Profile("walk", m, m * 5)


def _fields(err: ProblemValidationError) -> set[tuple[str, str]]:
    return {(d.record, d.field) for d in err.details}


def test_valid_problem_builds() -> None:
    """A consistent problem builds and reports its size."""
    p = Problem(
        stops=(Stop("a", 1, demand=(2,)),),
        vehicles=(Vehicle("v", 0, 0, capacity=(5,)),),
        profiles=(_profile(),),
        dimensions=("kg",),
    )
    assert p.n_locations == 3
    assert p.stop_index() == {"a": 0}


def test_every_fault_is_reported_at_once() -> None:
    """Negative demand, reversed window, unknown skill and profile are all listed together."""
    with pytest.raises(ProblemValidationError) as info:
        Problem(
            stops=(
                Stop("a", 1, demand=(-1,)),
                Stop("b", 2, demand=(1,), windows=((50, 10),)),
                Stop("c", 2, demand=(1,), skills=frozenset({"medicin"})),
            ),
            vehicles=(
                Vehicle("v", 0, 0, capacity=(5,), skills=frozenset({"medicine"}), profile=3),
            ),
            profiles=(_profile(),),
            dimensions=("kg",),
        )
    assert _fields(info.value) == {
        ("stop 'a'", "demand"),
        ("stop 'b'", "windows"),
        ("stop 'c'", "skills"),
        ("vehicle 'v'", "profile"),
    }
    assert info.value.code == "INVALID_PROBLEM"


def test_matrix_of_wrong_shape_is_named() -> None:
    """A distance matrix whose shape differs from the durations is reported on that field."""
    good = _profile(3)
    bad = Profile("drive", good.durations, np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(ProblemValidationError) as info:
        Problem(stops=(), vehicles=(), profiles=(good, bad))
    assert ("profile 1 ('drive')", "distances") in _fields(info.value)


def test_declared_skill_without_vehicle_is_not_an_error() -> None:
    """A skill in the vocabulary that no vehicle has today is valid input (stop goes unserved)."""
    p = Problem(
        stops=(Stop("a", 1, skills=frozenset({"medicine"})),),
        vehicles=(Vehicle("v", 0, 0),),
        profiles=(_profile(),),
        skills=frozenset({"medicine"}),
    )
    assert p.stops[0].skills == {"medicine"}
