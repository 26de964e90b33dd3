"""``python -m tests.api.service.crashing serve ...``: ``doorstep serve`` whose OR-Tools
search raises for any problem holding a household whose id starts with ``CRASH``.

The solver processes are spawned, and ``multiprocessing`` runs this module again in each
of them (as ``__mp_main__``), so the search is replaced there too, before any job arrives.
Used by the batch tests to make one community raise inside the solver.
"""

from __future__ import annotations

from typing import Any

from solver import _ortools

CRASH_PREFIX = "CRASH"
_search = _ortools.search


def _crashing_search(problem: Any, **kwargs: Any) -> Any:
    if any(str(s.id).startswith(CRASH_PREFIX) for s in problem.stops):
        raise RuntimeError("the search crashed (provoked by the test)")
    return _search(problem, **kwargs)


_ortools.search = _crashing_search  # type: ignore[assignment]

if __name__ == "__main__":
    from api.cli import main

    main()
