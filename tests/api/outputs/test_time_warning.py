"""The warning of a time limit too short for the search: its figures and its sentence in
each language."""

from __future__ import annotations

from api.i18n import Lang
from api.outputs.document import time_warnings
from api.outputs.summary_html import warning_text
from api.plan.budget import ShortSearch


def test_no_short_search_no_warning() -> None:
    """A call whose search had its share says nothing about its limit."""
    assert time_warnings([]) == []


def test_the_first_short_search_is_told_with_its_figures() -> None:
    """The warning carries the limit, the seconds before and after the search, the floor
    and the shortest whole limit holding them (1.24 + 0.5 + 0.61 = 2.35: 3 s), in English
    and, from the catalog, in Chinese."""
    first = ShortSearch(limit_s=1.0, before_s=1.24, after_s=0.61, search_s=0.5)
    later = ShortSearch(limit_s=1.0, before_s=3.0, after_s=0.61, search_s=0.5)
    [warning] = time_warnings([first, later])
    assert warning["code"] == "TIME_LIMIT_SHORT"
    assert (warning["limit_s"], warning["before_search_s"], warning["after_search_s"]) == (
        1.0,
        1.24,
        0.61,
    )
    assert (warning["search_s"], warning["enough_s"]) == (0.5, 3)
    assert warning["message"].startswith("The time limit of 1 s is too short for this plan:")
    assert "1.2 s had gone" in warning["message"]
    assert "A limit of 3 s or more" in warning["message"]
    assert warning_text(warning, "2026-11-25", Lang()) == warning["message"]
    chinese = warning_text(warning, "2026-11-25", Lang("zh_CN"))
    assert chinese.startswith("时间限制 1 秒对本次计划太短")
    assert "3 秒或更长" in chinese
    assert "limit" not in chinese
