"""Ledger values as people type them, in English or Chinese, read into typed values.

Every reader here takes the cell's text and returns the value or raises ``ValueError`` with a
sentence naming what was expected (the ledger adds file, line and column). Text is first
folded with Unicode NFKC, so full-width digits and punctuation (``１２``, ``；``, ``，``,
``：``, ``～``) read like their ASCII forms. The accepted words are listed in
``docs/INPUTS.md``; the tables below are the one home of them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import phonenumbers

from api.i18n import N_, Message

#: Words read as yes / no (after NFKC folding and lower-casing).
YES = frozenset({"1", "true", "yes", "y", "x", "是", "是的", "有", "对", "需要", "√", "✓"})
NO = frozenset({"", "0", "false", "no", "n", "否", "不是", "无", "没有", "不", "不需要", "×", "✗"})

#: Needs by the words people write; English names map to themselves.
NEED_WORDS: dict[str, str] = {
    "meals": "meals",
    "meal": "meals",
    "餐食": "meals",
    "餐": "meals",
    "饭": "meals",
    "盒饭": "meals",
    "送餐": "meals",
    "groceries": "groceries",
    "grocery": "groceries",
    "食品": "groceries",
    "生活物资": "groceries",
    "物资": "groceries",
    "蔬菜": "groceries",
    "菜": "groceries",
    "medicine": "medicine",
    "medicines": "medicine",
    "药品": "medicine",
    "药": "medicine",
    "送药": "medicine",
}

#: Skills by the words people write.
SKILL_WORDS: dict[str, str] = {"medicine": "medicine", "药品": "medicine", "送药": "medicine"}

#: Travel modes by the words people write.
MODE_WORDS: dict[str, str] = {
    "walk": "walk",
    "步行": "walk",
    "走路": "walk",
    "bike": "bike",
    "自行车": "bike",
    "单车": "bike",
    "ebike": "ebike",
    "e-bike": "ebike",
    "电动车": "ebike",
    "电瓶车": "ebike",
    "电动自行车": "ebike",
    "drive": "drive",
    "car": "drive",
    "汽车": "drive",
    "开车": "drive",
    "小汽车": "drive",
}

#: Windows named by a part of the day: (from, to) in seconds after midnight.
DAY_PARTS: dict[str, tuple[int, int]] = {
    "上午": (8 * 3600, 12 * 3600),
    "morning": (8 * 3600, 12 * 3600),
    "中午": (11 * 3600, 13 * 3600),
    "noon": (11 * 3600, 13 * 3600),
    "下午": (12 * 3600, 18 * 3600),
    "afternoon": (12 * 3600, 18 * 3600),
    "晚上": (18 * 3600, 21 * 3600),
    "evening": (18 * 3600, 21 * 3600),
}

#: Units allowed after a number, per kind of number.
UNITS: dict[str, tuple[str, ...]] = {
    "people": ("人", "口", "位", "persons", "people", "person"),
    "floor": ("楼", "层", "f", "floor", "th floor"),
    "kg": ("kg", "公斤", "千克"),
    "count": ("个", "户", "站", "家", "stops"),
}

_LIST_SEPARATORS = re.compile(r"[;,、/|]")
_RANGE = re.compile(r"\s*(?:-|~|〜|–|—|至|到|to)\s*")


def fold(text: str) -> str:
    """NFKC-fold and strip a cell: full-width digits and punctuation become ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_bool(text: str) -> bool:
    """Read yes/no: ``yes``/``no``, ``1``/``0``, ``true``/``false``, ``是``/``否``, ``有``/``无``.

    Raises
    ------
    ValueError
        For any other word.
    """
    low = fold(text).lower()
    if low in YES:
        return True
    if low in NO:
        return False
    raise ValueError(
        Message(N_("expected yes/no (also 1/0, true/false, 是/否), got %(text)s"), text=repr(text))
    )


def split_list(text: str) -> list[str]:
    """The lower-cased items of a list separated by ``;`` ``,`` ``、`` ``/`` (full-width too)."""
    return [p.strip().lower() for p in _LIST_SEPARATORS.split(fold(text)) if p.strip()]


def parse_words(text: str, words: dict[str, str], what: str) -> frozenset[str]:
    """Read a list separated by ``;`` ``,`` ``、`` or ``/`` (full-width too) into known names.

    Raises
    ------
    ValueError
        Naming the unknown words and the known ones.
    """
    parts = split_list(text)
    unknown = sorted(p for p in parts if p not in words)
    if unknown:
        known = ", ".join(dict.fromkeys(words.values()))
        raise ValueError(
            Message(
                N_("unknown %(what)s %(unknown)s; known: %(known)s (or in Chinese, see INPUTS)"),
                what=what,
                unknown=unknown,
                known=known,
            )
        )
    return frozenset(words[p] for p in parts)


def parse_mode(text: str) -> str:
    """Read a travel mode (``walk``/``步行``, ``bike``/``自行车``, ``ebike``/``电动车``,
    ``drive``/``汽车``)."""
    key = fold(text).lower()
    if key not in MODE_WORDS:
        raise ValueError(
            Message(N_("unknown mode %(text)s; one of walk, bike, ebike, drive"), text=repr(text))
        )
    return MODE_WORDS[key]


def parse_date(text: str) -> dt.date:
    """Read a date ``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYY.M.D`` or ``YYYY年M月D日``."""
    t = fold(text)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", t)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise ValueError(
        Message(N_("not a date YYYY-MM-DD (or YYYY/M/D, YYYY年M月D日): %(text)s"), text=repr(text))
    )


def parse_clock(text: str) -> int:
    """Read a clock time ``HH:MM`` / ``HH:MM:SS`` / ``9点`` / ``9点半`` / ``9点30分`` (up to
    ``24:00``) into seconds after midnight."""
    t = fold(text)
    cn = re.fullmatch(r"(\d{1,2})\s*[点時时](?:\s*(半)|\s*(\d{1,2})\s*分?)?", t)
    if cn:
        minutes = 30 if cn.group(2) else int(cn.group(3) or 0)
        t = f"{cn.group(1)}:{minutes:02d}"
    parts = t.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(Message(N_("expected a clock time HH:MM, got %(text)s"), text=repr(text)))
    h, m = int(parts[0]), int(parts[1])
    s = int(parts[2]) if len(parts) == 3 else 0
    if m > 59 or s > 59 or h * 3600 + m * 60 + s > 24 * 3600:
        raise ValueError(Message(N_("not a time of day: %(text)s"), text=repr(text)))
    return h * 3600 + m * 60 + s


def parse_window(text: str) -> tuple[int, int]:
    """Read a window ``09:00-11:00`` (also ``～``, ``~``, ``至``, ``到``; spaces allowed) or a
    part of the day (``上午`` 08-12, ``中午`` 11-13, ``下午`` 12-18, ``晚上`` 18-21)."""
    t = fold(text)
    if t.lower() in DAY_PARTS:
        return DAY_PARTS[t.lower()]
    parts = _RANGE.split(t)
    if len(parts) != 2:
        raise ValueError(
            Message(
                N_("expected a window like 09:00-11:00 (or 上午/下午), got %(text)s"),
                text=repr(text),
            )
        )
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if end <= start:
        raise ValueError(Message(N_("window ends before it starts: %(text)s"), text=repr(text)))
    return start, end


def _strip_unit(text: str, kind: str) -> str:
    t = fold(text).lower()
    for unit in sorted(UNITS[kind], key=len, reverse=True):
        if t.endswith(unit) and t[: -len(unit)].strip():
            return t[: -len(unit)].strip()
    return t


def parse_int(text: str, kind: str = "count") -> int:
    """Read a whole number, with or without its unit (``2人``, ``3楼``, ``12 stops``)."""
    t = _strip_unit(text, kind)
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    raise ValueError(Message(N_("not a whole number: %(text)s"), text=repr(text)))


def parse_float(text: str, kind: str = "") -> float:
    """Read a decimal number (``.`` or full-width digits), with or without its unit
    (``15kg``, ``15公斤``)."""
    t = _strip_unit(text, kind) if kind else fold(text)
    try:
        value = float(t)
    except ValueError:
        raise ValueError(Message(N_("not a number: %(text)s"), text=repr(text))) from None
    if not math.isfinite(value):
        raise ValueError(Message(N_("not a finite number: %(text)s"), text=repr(text)))
    return value


def parse_phone(text: str, region: str) -> str:
    """Normalise a phone number to E.164 (``+8613361318609``).

    Parameters
    ----------
    text
        As typed: ``13361318609``, ``133-6131-8609``, ``+86 133 6131 8609``.
    region
        ISO 3166 region of numbers written without a country code (e.g. ``CN``).

    Raises
    ------
    ValueError
        When the text is not a possible phone number.
    """
    try:
        number = phonenumbers.parse(fold(text), region.upper())
    except phonenumbers.NumberParseException:
        raise ValueError(Message(N_("not a phone number: %(text)s"), text=repr(text))) from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(
            Message(
                N_("not a possible phone number in region %(region)s: %(text)s"),
                region=region,
                text=repr(text),
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
