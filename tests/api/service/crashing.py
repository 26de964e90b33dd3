"""``python -m tests.api.service.crashing serve ...``: ``doorstep serve`` whose OR-Tools
search raises for any problem holding a household whose id starts with ``CRASH``.

The solver processes are spawned, and ``multiprocessing`` runs this module again in each
of them (as ``__mp_main__``), so the search is replaced there too, before any job arrives.
Used by the batch tests to make one community raise inside the solver.
"""

from __future__ import annotations

import importlib
from typing import Any

from solver import _ortools

CRASH_PREFIX = "CRASH"
_search = _ortools.search
#: The body of every search member (OR-Tools then the refinement, or the refinement alone
#: from a warm start with trips, which never calls OR-Tools).
_solve = importlib.import_module("solver.solve")
_member = _solve._run


def _crashes(problem: Any) -> None:
    if any(str(s.id).startswith(CRASH_PREFIX) for s in problem.stops):
        raise RuntimeError("the search crashed (provoked by the test)")


def _crashing_search(problem: Any, **kwargs: Any) -> Any:
    _crashes(problem)
    return _search(problem, **kwargs)


def _crashing_member(problem: Any, *args: Any, **kwargs: Any) -> Any:
    _crashes(problem)
    return _member(problem, *args, **kwargs)


_ortools.search = _crashing_search  # type: ignore[assignment]
_solve._run = _crashing_member

if __name__ == "__main__":
    from api.cli import main

    main()
