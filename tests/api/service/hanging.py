"""``python -m tests.api.service.hanging serve ...``: ``doorstep serve`` whose OR-Tools
search never returns (and never reports) for any problem holding a household whose id
starts with ``HANG``: a solver process that stopped answering, for the watchdog tests.

The solver processes are spawned, and ``multiprocessing`` runs this module again in each
of them (as ``__mp_main__``), so the search is replaced there too, before any job arrives.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from solver import _ortools

HANG_PREFIX = "HANG"
_search = _ortools.search
#: The body of every search member (OR-Tools then the refinement, or the refinement alone
#: from a warm start with trips, which never calls OR-Tools).
_solve = importlib.import_module("solver.solve")
_member = _solve._run


def _hangs(problem: Any) -> None:
    if any(str(s.id).startswith(HANG_PREFIX) for s in problem.stops):
        while True:  # silent until the watchdog ends this process
            time.sleep(60)


def _hanging_search(problem: Any, **kwargs: Any) -> Any:
    _hangs(problem)
    return _search(problem, **kwargs)


def _hanging_member(problem: Any, *args: Any, **kwargs: Any) -> Any:
    _hangs(problem)
    return _member(problem, *args, **kwargs)


_ortools.search = _hanging_search  # type: ignore[assignment]
_solve._run = _hanging_member

if __name__ == "__main__":
    from api.cli import main

    main()
