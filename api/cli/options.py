"""Command-line options that several commands share, declared once.

Each alias is an ``Annotated`` type for a Typer parameter; the commands give the defaults.
"""

from __future__ import annotations

from typing import Annotated

import typer

#: Search seed (``--seed``).
Seed = Annotated[int, typer.Option(help="search seed")]

#: Deterministic effort bound (``--effort``).
Effort = Annotated[
    int | None, typer.Option(help="improving solutions per search (reproducible plans)")
]

#: Balance factor (``--balance``); 0 turns the bound off.
Balance = Annotated[float, typer.Option(help="no run longer than this times the mean (0: off)")]

#: Fewest volunteers (``--fewest-volunteers``).
FewestVolunteers = Annotated[bool, typer.Option(help="call out as few volunteers as possible")]

#: Seconds for the whole call (``--time-limit``): map, matrices, searches, checker, outputs.
TimeLimit = Annotated[
    float,
    typer.Option(
        help="seconds for the whole call: map, matrices, search, checker, suggestions, outputs"
    ),
]
