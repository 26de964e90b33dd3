"""Micro timings of hot paths: problem build, checker, matrices.

Not part of the default test run (``testpaths`` is ``tests``). Run with::

    .venv/bin/python -m pytest benchmarks/micro --benchmark-only
"""

from __future__ import annotations

import pytest
from api.instances import rounded_euclidean, truncated_x10
from pytest_benchmark.fixture import BenchmarkFixture
from solver.check import check

from benchmarks.micro import _data
from solver.model import Problem


@pytest.mark.parametrize("n", [1000, 5000])
def test_problem_build(benchmark: BenchmarkFixture, n: int) -> None:
    """Times building (and so validating) a Problem of n stops."""
    p = _data.problem(n)

    def build() -> Problem:
        return Problem(
            stops=p.stops,
            vehicles=p.vehicles,
            profiles=p.profiles,
            depots=p.depots,
            dimensions=p.dimensions,
        )

    built = benchmark(build)
    assert len(built.stops) == n


@pytest.mark.parametrize("n", [1000, 5000])
def test_checker(benchmark: BenchmarkFixture, n: int) -> None:
    """Times the independent checker on a full plan of n stops."""
    p = _data.problem(n)
    solution = _data.sweep_solution(p)
    report = benchmark(check, p, solution)
    assert report is not None


@pytest.mark.parametrize("n", [1001, 2001])
def test_solomon_matrix(benchmark: BenchmarkFixture, n: int) -> None:
    """Times the x10-truncated Euclidean matrix of n points (Solomon-format reader)."""
    coords = _data.points(n)
    m = benchmark(truncated_x10, coords)
    assert m.shape == (n, n)


@pytest.mark.parametrize("n", [1001, 2001])
def test_vrplib_matrix(benchmark: BenchmarkFixture, n: int) -> None:
    """Times the nint-rounded Euclidean matrix of n points (VRPLIB reader)."""
    coords = _data.points(n)
    m = benchmark(rounded_euclidean, coords)
    assert m.shape == (n, n)
