"""Languages: which one, its message catalog, and dates, times and numbers in its forms.

Every text a person reads comes from the gettext catalogs in ``api/locale/<locale>/
LC_MESSAGES/doorstep.po`` (Babel reads the ``.po`` at runtime, so a fresh install needs no
compile step); pages are Jinja2 templates (``api/templates``) using the i18n extension.
The language is ``--lang``, else ``DOORSTEP_LANG``, else English; the service takes
``Accept-Language``. Reason codes (``FLEET_EXHAUSTED`` ...) and warning codes stay English
identifiers in every language.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.support import Translations

#: Languages with a complete catalog, as Babel locale identifiers.
LOCALES = ("en", "zh_CN")
DEFAULT = "en"
DOMAIN = "doorstep"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name)
    """Mark ``message`` for the catalogs without translating it here."""
    return message


class Message(str):
    """A sentence from the catalogs with its fields, kept so it can be shown in any language.

    It *is* its English text (a ``str``: JSON, logs and comparisons see English), and
    :meth:`Lang.text` renders it in another language; fields that are messages themselves
    are rendered in that language too. Build it with the message marked for extraction:
    ``Message(N_("must be after %(other)s"), other="opens")``.
    """

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, /, **values: Any) -> Message:
        obj = super().__new__(cls, Lang(DEFAULT).gettext(msgid, **values))
        obj.msgid = msgid
        obj.values = values
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its message and fields (for worker processes)."""
        return (_message, (self.msgid, self.values))


def _message(msgid: str, values: dict[str, Any]) -> Message:
    return Message(msgid, **values)


def stored(value: Any) -> Any:
    """``value`` as JSON that :func:`restored` turns back into it: a :class:`Message` as
    ``{"msgid", "values"}`` (fields that are messages likewise), numbers and ``None`` as
    they are, anything else as its text (e.g. a failed job's error, kept in the database
    so it can be told later in the reader's language)."""
    if isinstance(value, Message):
        return {"msgid": value.msgid, "values": {k: stored(v) for k, v in value.values.items()}}
    if value is None or isinstance(value, int | float):
        return value
    return str(value)


def restored(data: Any, english: str) -> str:
    """The message stored by :func:`stored` whose English is ``english``, else ``english``
    itself: a value stored before messages were kept, or one whose catalog message changed
    since, stays the English it was stored with."""
    try:
        said = _restored(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return english
    return said if isinstance(said, Message) and said == english else english


def _restored(data: Any) -> Any:
    if isinstance(data, dict):
        values = {str(k): _restored(v) for k, v in dict(data["values"]).items()}
        return Message(str(data["msgid"]), **values)
    return data


def joined(parts: Sequence[str]) -> str:
    """Several sentences as one catalog sentence ``a; b`` (``""`` for none), each told in
    the reader's language later."""
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = Message(N_("%(first)s; %(then)s"), first=text, then=part)
    return text


def normalize(tag: str) -> str:
    """The supported locale a language tag asks for (``zh-CN``, ``zh_Hans``, ``zh`` ->
    ``zh_CN``; ``en-GB`` -> ``en``).

    Raises
    ------
    ValueError
        For a language without a catalog, naming the supported ones.
    """
    try:
        loc = Locale.parse(tag.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        loc = None
    if loc is not None:
        if (
            loc.language == "zh"
            and loc.territory in (None, "CN", "SG")
            and loc.script
            in (
                None,
                "Hans",
            )
        ):
            return "zh_CN"
        if loc.language == "en":
            return "en"
    supported = ", ".join(t.replace("_", "-") for t in LOCALES)
    raise ValueError(f"no catalog for language {tag!r}; one of {supported}")


def choose(lang: str | None = None) -> str:
    """The locale of ``lang``, else of ``DOORSTEP_LANG``, else English."""
    return normalize(lang or os.environ.get("DOORSTEP_LANG") or DEFAULT)


def negotiate(accept_language: str | None) -> str:
    """The best supported locale of an HTTP ``Accept-Language`` header (English by default)."""
    wanted: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        if not tag or tag == "*":
            continue
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        wanted.append((weight, tag))
    for _, tag in sorted(wanted, key=lambda w: -w[0]):
        try:
            return normalize(tag)
        except ValueError:
            continue
    return DEFAULT


def catalog_path(locale: str) -> Path:
    """The ``.po`` file of a locale."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(locale: str) -> Translations:
    """The compiled catalog of ``locale`` (cached): its ``.mo`` beside the ``.po`` when
    that is at least as new, else compiled from the ``.po`` with Babel and kept there for
    the next process (where the folder can be written). Reading the ``.po`` took
    0.02-0.04 s of every command's start-up per language."""
    po = catalog_path(locale)
    mo = po.with_suffix(".mo")
    try:
        if mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
            return Translations(fp=io.BytesIO(mo.read_bytes()), domain=DOMAIN)
    except OSError:
        pass
    compiled = compile_catalog(po, locale)
    _keep(mo, compiled)
    return Translations(fp=io.BytesIO(compiled), domain=DOMAIN)


def compile_catalog(po: Path, locale: str) -> bytes:
    """The ``.mo`` bytes of the catalog ``po`` of ``locale`` (Babel's reader and writer)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def _keep(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (another process reads it or nothing); nothing
    where the folder cannot be written: the catalog is then compiled each time."""
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)


@functools.lru_cache(maxsize=4096)
def _short_time(locale: str, hour: int, minute: int) -> str:
    """A clock time in the locale's short form, formatted once per locale and minute (a
    plan's pages show the same few hundred times over and over)."""
    return dates.format_time(dt.time(hour, minute), format="short", locale=locale)


@functools.lru_cache(maxsize=256)
def _long_date(locale: str, day: dt.date) -> str:
    """A date in the locale's long form, formatted once per locale and day (a plan's
    sheets and notifications name its day hundreds of times)."""
    return dates.format_date(day, format="long", locale=locale)


@functools.lru_cache(maxsize=4096, typed=True)
def _decimal(locale: str, value: float, digits: int) -> str:
    """A decimal number with ``digits`` fraction digits in the locale's form, formatted once
    per locale and value (a plan's sheets show the same few weights over and over)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return numbers.format_decimal(value, format=pattern, locale=locale)


@dataclass(frozen=True, slots=True)
class Lang:
    """One language for one output: translation and locale formatting.

    Attributes
    ----------
    locale
        Babel locale identifier (``en``, ``zh_CN``).
    """

    locale: str = DEFAULT

    @property
    def tag(self) -> str:
        """BCP 47 tag for ``<html lang>`` (``zh-CN``)."""
        return self.locale.replace("_", "-")

    @property
    def sentence_gap(self) -> str:
        """What stands between two sentences of running text: nothing after Chinese
        full stops, a space elsewhere."""
        return "" if self.locale.startswith("zh") else " "

    @property
    def list_gap(self) -> str:
        """What stands between the items of a short list: the enumeration comma ``、`` in
        Chinese, ``, `` elsewhere."""
        return "、" if self.locale.startswith("zh") else ", "

    def gettext(self, message: str, **values: Any) -> str:
        """``message`` in this language, its ``%(name)s`` fields filled from ``values``
        (fields that are :class:`Message` in this language too)."""
        text = translations(self.locale).gettext(message)
        return text % self._fields(values) if values else text

    def ngettext(self, singular: str, plural: str, num: int, **values: Any) -> str:
        """The singular or plural form for ``num``, with ``%(num)d`` and ``values`` filled."""
        text = translations(self.locale).ngettext(singular, plural, num)
        return text % {"num": num, **self._fields(values)}

    def text(self, value: str) -> str:
        """``value`` in this language when it is a :class:`Message`, else as it is."""
        if isinstance(value, Message):
            return self.gettext(value.msgid, **value.values)
        return value

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: self.text(v) if isinstance(v, Message) else v for k, v in values.items()}

    def date(self, day: dt.date | str) -> str:
        """A date in the locale's long form (``28 November 2022``, ``2022年11月28日``)."""
        value = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return _long_date(self.locale, value)

    def time(self, clock: str) -> str:
        """A clock time ``HH:MM[:SS]`` in the locale's short form (``10:15``)."""
        h, m = (int(p) for p in clock.split(":")[:2])
        if h >= 24:  # runs past midnight keep their hour count
            return f"{h}:{m:02d}"
        return _short_time(self.locale, h, m)

    def number(self, value: float, digits: int = 1) -> str:
        """A decimal number with ``digits`` fraction digits in the locale's form."""
        return _decimal(self.locale, value, digits)

    def span(self, seconds: float) -> str:
        """A duration in words: ``40 s``, ``12 min``, ``2 h 05 min`` (``2 小时 05 分钟``)."""
        if seconds < 60:
            return self.gettext(
                "%(s)s s", s=self.number(seconds, 0 if seconds == int(seconds) else 1)
            )
        h, rest = divmod(round(seconds), 3600)
        m = rest // 60
        if h:
            return self.gettext("%(h)d h %(m)02d min", h=h, m=m)
        return self.gettext("%(m)d min", m=m)

    def hours(self, seconds: float) -> str:
        """A duration as ``H:MM``."""
        s = round(seconds)
        return f"{s // 3600}:{s % 3600 // 60:02d}"


def lang(tag: str | None = None) -> Lang:
    """The :class:`Lang` of a language tag (see :func:`choose`)."""
    return Lang(choose(tag))


@functools.cache
def _environment(locale: str) -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        bytecode_cache=_compiled_templates(),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def _compiled_templates() -> Any:
    """Jinja's cache of compiled templates in ``$DOORSTEP_CACHE/templates`` (keyed by each
    template's source, so an edited template is compiled again), sparing each command
    compiling the pages' templates (~0.3 s of CPU per ``doorstep plan``); ``None`` (compile
    in memory) when the cache folder cannot be made."""
    import jinja2

    from api.settings import cache_dir

    try:
        folder = cache_dir() / "templates"
        folder.mkdir(exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def render(template: str, language: Lang, **context: Any) -> str:
    """Render ``api/templates/<template>`` in ``language``; ``L`` in the template is the
    :class:`Lang` for dates, times and numbers."""
    env = _environment(language.locale)
    return str(env.get_template(template).render(L=language, **context))
