"""What a household's drop-off note asks of the volunteer.

A note that asks for a call (``电话通知``, ``打电话``, ``call first``) puts the household's
phone on the volunteer's sheet; no other note does, and a note that asks *not* to be called
(``不要打电话``, ``don't call``) does not.
"""

from __future__ import annotations

import re

#: A request to be called, in English or Chinese.
_CALL = re.compile(
    r"电话|致电|来电|\bcall(?:s|ing)?\b|\bphone\b|\btelephone\b|\bring\s+(?:me|us)\b",
    re.IGNORECASE,
)
#: A negation just before the request: ``不要打电话``, ``勿致电``, ``don't call``, ``no calls``.
_NOT = re.compile(
    r"(?:不要|别|勿|不用|无需|不必|请勿|禁止)\s*(?:打|拨)?\s*$"
    r"|\b(?:do\s*n[o']t|don't|never|no|not)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def asks_for_call(note: str) -> bool:
    """Whether the drop-off ``note`` asks the volunteer to call the household (and does
    not ask the opposite)."""
    for found in _CALL.finditer(note or ""):
        before = note[max(0, found.start() - 12) : found.start()]
        before = re.split(r"[,.;，。；、!！?？]", before)[-1]
        if not _NOT.search(before):
            return True
    return False
