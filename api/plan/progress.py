"""Progress events of a plan: a stage, a sentence, optional figures; sent to a callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event: a stage (``addresses``, ``graph``, ``snap``, ``matrix``, ``solve``,
    ``check``, ``geometry``) with a sentence and optional figures (e.g. ``best_cost``)."""

    stage: str
    message: str
    figures: dict[str, float] = field(default_factory=dict)


ProgressFn = Callable[[Progress], None]


def silent(_event: Progress) -> None:
    """A progress callback that shows nothing."""
