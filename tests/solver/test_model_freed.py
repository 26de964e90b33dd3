"""A finished search lets go of its OR-Tools model (a long-lived worker must not grow)."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from solver import _ortools, solve
from tests.solver.plane import plane_problem


def test_the_routing_model_is_freed_after_each_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """No reference cycle through the model's callbacks keeps a solved model alive."""
    refs: list[weakref.ref[Any]] = []
    build = _ortools.build

    def spy(*args: Any, **kwargs: Any) -> Any:
        model, keep = build(*args, **kwargs)
        refs.append(weakref.ref(model.routing))
        return model, keep

    monkeypatch.setattr(_ortools, "build", spy)
    p = plane_problem(40, 3, seed=1)
    progress: list[tuple[float, int]] = []
    sol = solve(p, time_limit=10.0, effort=10, on_progress=lambda s, c: progress.append((s, c)))
    assert sol.routes and progress  # the search ran and reported its solutions
    solve(p, time_limit=10.0, effort=10, seed=2)
    gc.collect()
    assert len(refs) == 2
    assert all(r() is None for r in refs)
