"""Solve requests made ready (database- and HTTP-free): Doorstep's shape and VROOM's input
to the solver's problem, what is refused and why, and the answer's shape."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from api.errors import ServiceError
from api.instances import read_instance
from api.service.solve_schemas import SolutionOut, problem_format
from api.service.solving import _HAS_RELOADS, problem_document, solve_answer, solve_input
from api.settings import data_dir
from solver import Problem, ProblemValidationError
from tests.api.service.problems import VROOM_EXAMPLE


def _same_problem(a: Problem, b: Problem) -> None:
    assert a.stops == b.stops
    assert a.vehicles == b.vehicles
    assert a.depots == b.depots
    assert a.objective == b.objective
    for p, q in zip(a.profiles, b.profiles, strict=True):
        assert p.name == q.name
        assert np.array_equal(p.durations, q.durations)
        assert np.array_equal(p.distances, q.distances)


@pytest.mark.parametrize("name", ["solomon/C101.txt", "cvrplib-x/X-n101-k25.vrp"])
def test_instance_document_makes_the_same_problem(name: str) -> None:
    """A benchmark instance written in the solve shape comes back as the very problem
    doorstep solve searches: stops, vehicles, depot, objective and matrices alike."""
    path = data_dir() / name
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path} (set DOORSTEP_DATA)")
    problem = read_instance(path).problem
    doc = problem_document(problem, seed=3, effort=7)
    assert problem_format(doc) == "doorstep"
    given = solve_input(doc)
    _same_problem(given.problem, problem)
    assert (given.options.seed, given.options.effort) == (3, 7)


def test_vroom_input_becomes_the_problem_it_describes() -> None:
    """VROOM's jobs, vehicles and matrices: ids kept, setup added to service, amount read
    as delivery, skills and windows kept, an open route without end_index, duration cost."""
    given = solve_input(VROOM_EXAMPLE)
    p = given.problem
    assert problem_format(VROOM_EXAMPLE) == "vroom"
    assert [s.id for s in p.stops] == ["101", "102", "103", "104"]
    assert given.job_ids["101"] == 101 and given.vehicle_ids["2"] == 2
    assert p.stops[0].service == 360 and p.stops[2].demand == (1,)
    assert p.stops[1].windows == ((1000, 4000),) and p.stops[2].skills == frozenset({"1"})
    assert p.vehicles[0].end == 0 and p.vehicles[1].end is None
    assert p.objective.kind.value == "duration"
    assert int(p.profiles[0].distances[0, 1]) == 5000


def test_vroom_answer_names_the_job_left_out_and_the_checker_accepts() -> None:
    """Solved: every job that fits is on a route with VROOM's integer ids, the one heavier
    than any vehicle is unassigned as DEMAND_EXCEEDS_CAPACITY, the checker accepts."""
    answer = solve_answer(solve_input({**VROOM_EXAMPLE, "options": {"effort": 5}}))
    SolutionOut.model_validate(answer)
    served = [s["id"] for r in answer["routes"] for s in r["steps"] if s["type"] == "job"]
    assert sorted(served) == [101, 102, 103]
    assert [(u["id"], u["reason"]) for u in answer["unassigned"]] == [
        (104, "DEMAND_EXCEEDS_CAPACITY")
    ]
    assert answer["checker"] == {"ok": True, "violations": []}
    assert answer["summary"]["cost"] == sum(r["cost"] for r in answer["routes"])
    for r in answer["routes"]:
        assert r["steps"][0]["type"] == "start"
        assert r["duration"] == r["steps"][-1]["duration"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shipments": [{"amount": [1]}]}, "shipments"),
        ({"jobs": [{"id": 1, "location": [2.35, 48.85]}]}, "location_index"),
        ({"jobs": [{"id": 1, "location_index": 1, "pickup": [1]}]}, "pickup"),
        ({"vehicles": [{"id": 1, "start_index": 0, "breaks": [{"id": 1}]}]}, "breaks"),
        ({"vehicles": [{"id": 1, "start_index": 0, "profile": "bike"}]}, "profile"),
        ({"vehicles": [{"id": 1, "end_index": 0}]}, "start_index"),
        ({"vehicles": [{"id": 1, "start_index": 0, "costs": {"per_km": 5}}]}, "costs"),
    ],
)
def test_unsupported_vroom_fields_are_refused_by_name(change: dict[str, Any], field: str) -> None:
    """What Doorstep does not model is refused as INVALID_REQUEST naming the field, never
    silently dropped."""
    with pytest.raises(ServiceError) as err:
        solve_input({**VROOM_EXAMPLE, **change})
    assert err.value.code == "INVALID_REQUEST"
    assert field in [d.field for d in err.value.details]


def test_ragged_matrix_and_bad_location_are_named() -> None:
    """A matrix row of the wrong length is INVALID_REQUEST naming the profile; a location
    outside the matrices is the problem's own fault (INVALID_PROBLEM) naming the job."""
    doc = problem_document(solve_input(VROOM_EXAMPLE).problem)
    ragged = {**doc, "profiles": {"car": {"durations": [[0, 1], [1]]}}}
    with pytest.raises(ServiceError) as err:
        solve_input(ragged)
    assert err.value.details[0].record == "profiles.car"
    far = {**doc, "jobs": [{**doc["jobs"][0], "location": 9}]}
    with pytest.raises(ProblemValidationError) as bad:
        solve_input(far)
    assert bad.value.code == "INVALID_PROBLEM" and "stop '101'" in str(bad.value)


def test_reload_fields_reach_the_solver_or_are_refused_by_name() -> None:
    """A vehicle's reload fields (the shared multi-trip interface) reach the solver's
    vehicle when it models reloads; until then asking for a second trip is INVALID_REQUEST
    naming the field, and the defaults pass."""
    doc = problem_document(solve_input(VROOM_EXAMPLE).problem)
    plain = solve_input(doc).problem.vehicles[0]
    doc["vehicles"][0] |= {"max_trips": 3, "reload_locations": [0], "reload_service": 60}
    if not _HAS_RELOADS:
        with pytest.raises(ServiceError) as err:
            solve_input(doc)
        assert {d.field for d in err.value.details} == {
            "max_trips",
            "reload_locations",
            "reload_service",
        }
        assert plain.id == "1"
        return
    vehicle = solve_input(doc).problem.vehicles[0]
    assert vehicle.max_trips == 3 and vehicle.reload_locations == (0,)
    assert plain.max_trips == 1
