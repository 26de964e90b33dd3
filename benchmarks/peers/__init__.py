"""Solvers run side by side: ours and the open peers, behind one small interface.

Each adapter module exposes ``solve(problem, *, time_limit, seed) -> solver.Solution``. It
takes the problem's integer matrices as they are (no rescaling, no recomputation from
coordinates), minimises total distance with the problem's fleet, runs on one core, and
returns routes of timed visits so the independent checker can judge every answer alike.

Adapters are imported only when asked for, so a missing package fails only its own runs.
An adapter may also expose ``prepare()``: the one-off work of a process that has the
solver loaded (imports, compiled code read from its cache), which the harness does before
it starts the clock, as a long-running user process would have done it already.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from solver.model import Problem
from solver.solution import Solution

#: Harness name -> module holding its ``solve`` function.
MODULES: dict[str, str] = {
    "doorstep": "benchmarks.peers.doorstep_peer",
    "ortools-plain": "benchmarks.peers.ortools_plain_peer",
    "pyvrp": "benchmarks.peers.pyvrp_peer",
    "vroom": "benchmarks.peers.vroom_peer",
}


class PeerSolve(Protocol):
    """Signature every adapter's ``solve`` has."""

    def __call__(self, problem: Problem, *, time_limit: float, seed: int) -> Solution:
        """Solve ``problem`` within ``time_limit`` wall-clock seconds on one core."""
        ...


class UnsupportedProblemError(ValueError):
    """The problem uses a feature the peer cannot express (named in the message)."""


def known(name: str) -> bool:
    """Whether ``name`` is a solver of :data:`MODULES` or a ``doorstep@SPEC`` variant."""
    return name in MODULES or name.startswith("doorstep@")


def get(name: str) -> PeerSolve:
    """Return the ``solve`` function of the solver called ``name``.

    ``doorstep@SPEC`` is a variant of our search (see :mod:`benchmarks.peers.doorstep_peer`).

    Raises
    ------
    KeyError
        If ``name`` is not one of :data:`MODULES`.
    ImportError
        If the peer's package is not installed.
    """
    if name.startswith("doorstep@"):
        from benchmarks.peers import doorstep_peer

        tuned: PeerSolve = doorstep_peer.variant(name)
        return tuned
    module = importlib.import_module(MODULES[name])
    solve: PeerSolve = module.solve
    return solve


def prepare(name: str) -> None:
    """Do the one-off start-up work of the solver called ``name`` in this process: import
    it, and run its adapter's ``prepare()`` if it has one."""
    get(name)
    key = "doorstep" if name.startswith("doorstep@") else name
    if key in MODULES:
        ready = getattr(importlib.import_module(MODULES[key]), "prepare", None)
        if ready is not None:
            ready()


def available(name: str) -> bool:
    """Whether the solver called ``name`` can be imported here."""
    try:
        get(name)
    except ImportError:
        return False
    return True
