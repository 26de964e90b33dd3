"""Our engine as a benchmark peer: :func:`solver.solve` with one worker (one core).

``doorstep`` runs the default search. ``doorstep@SPEC`` runs a variant of it, for tuning:
``SPEC`` is ``;``-separated changes to the default single-core configuration, each either
``field=value`` for a field of ``solver._ortools.SearchConfig`` (e.g. ``gls_lambda=0.2``,
``first_solution=SAVINGS``, ``reset_penalties=none``) or ``+operator`` / ``-operator`` to
switch an OR-Tools local-search operator on or off (``use_`` may be left out, e.g.
``-cross;+extended_swap_active``). The spec is the solver's name in the results, so every
row says exactly what ran.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Any

from benchmarks.peers import UnsupportedProblemError
from solver import refine
from solver import solve as doorstep_solve
from solver._ortools import SearchConfig
from solver.model import Problem
from solver.solution import Solution
from solver.solve import _default_configs

#: Prefix of a variant's solver name.
PREFIX = "doorstep@"


def prepare() -> None:
    """Load the compiled refinement kernel (from numba's on-disk cache), as a process that
    has planned before (or called :func:`solver.start_up` while reading its inputs) has it."""
    refine.warm_up()


def solve(problem: Problem, *, time_limit: float, seed: int) -> Solution:
    """Solve ``problem`` with the default method, ``workers=1``, within ``time_limit`` s."""
    return doorstep_solve(problem, time_limit=time_limit, seed=seed, workers=1)


def _value(field: dataclasses.Field[object], text: str) -> object:
    """``text`` converted to the type of ``field`` (``none`` for an optional field)."""
    kind = str(field.type)
    if text.lower() == "none" and "None" in kind:
        return None
    if kind.startswith("bool"):
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{field.name} takes true or false, got {text!r}")
        return text.lower() == "true"
    if kind.startswith("float"):
        return float(text)
    if kind.startswith("int"):
        return int(text)
    if kind.startswith("str"):
        return text
    raise ValueError(f"{field.name} cannot be set from a spec")


def config(spec: str, base: SearchConfig) -> SearchConfig:
    """``base`` changed as ``spec`` says (see the module notes).

    Raises
    ------
    ValueError
        Naming the first part of ``spec`` that is not understood.
    """
    fields = {f.name: f for f in dataclasses.fields(SearchConfig)}
    changes: dict[str, Any] = {}
    operators = dict(base.operators)
    for part in (p.strip() for p in spec.split(";")):
        if not part:
            continue
        if part[0] in "+-":
            name = part[1:] if part[1:].startswith("use_") else f"use_{part[1:]}"
            operators[name] = part[0] == "+"
            continue
        key, sep, text = part.partition("=")
        if not sep or key not in fields or key == "operators":
            raise ValueError(f"variant part {part!r} is not field=value or +/-operator")
        changes[key] = _value(typing.cast("dataclasses.Field[object]", fields[key]), text)
    return dataclasses.replace(base, operators=tuple(sorted(operators.items())), **changes)


def _solve_variant(problem: Problem, *, time_limit: float, seed: int, spec: str) -> Solution:
    cfg = config(spec, _default_configs(problem)[0])
    return doorstep_solve(problem, time_limit=time_limit, seed=seed, workers=1, configs=[cfg])


def variant(name: str) -> functools.partial[Solution]:
    """The ``solve`` function of the solver called ``doorstep@SPEC``.

    Raises
    ------
    UnsupportedProblemError
        If ``name`` does not start with ``doorstep@``.
    """
    if not name.startswith(PREFIX):
        raise UnsupportedProblemError(f"{name!r} is not a doorstep variant")
    spec = name[len(PREFIX) :]
    config(spec, SearchConfig())  # fail early on a spec that cannot be read
    return functools.partial(_solve_variant, spec=spec)
