"""Progress events of a plan: a stage, a sentence from the catalogs, optional figures; sent
to a callback that shows them in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from api.i18n import N_, Lang

#: Each stage's name as shown beside its sentences.
STAGES = {
    "addresses": N_("addresses"),
    "graph": N_("graph"),
    "snap": N_("snap"),
    "matrix": N_("matrix"),
    "solve": N_("solve"),
    "check": N_("check"),
    "geometry": N_("geometry"),
    "coords": N_("coords"),
    "ledger": N_("ledger"),
}


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event: a stage (``addresses``, ``graph``, ``snap``, ``matrix``, ``solve``,
    ``check``, ``geometry``, ``coords``) with a sentence and optional figures (e.g.
    ``best_cost``).

    Attributes
    ----------
    stage
        The stage's identifier (:data:`STAGES`).
    text
        The sentence as a catalog message, its fields ``%(name)s`` filled from ``values``.
    values
        The sentence's fields (already formatted where the format matters).
    figures
        Machine-readable figures (``best_cost``, ``points``, ``unreachable``).
    improving
        Whether the event is one of a search's improvements (shown at most once a second).
    """

    stage: str
    text: str
    values: Mapping[str, Any] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    improving: bool = False

    def sentence(self, language: Lang) -> str:
        """The sentence in ``language``."""
        return language.gettext(self.text, **self.values)

    def stage_name(self, language: Lang) -> str:
        """The stage's name in ``language`` (its identifier when it has none)."""
        return language.gettext(STAGES[self.stage]) if self.stage in STAGES else self.stage

    @property
    def message(self) -> str:
        """The sentence in English (job progress in the service)."""
        return self.sentence(Lang())


ProgressFn = Callable[[Progress], None]


def silent(_event: Progress) -> None:
    """A progress callback that shows nothing."""
