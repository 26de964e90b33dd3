"""Command-line options that several commands share, declared once.

Each alias is an ``Annotated`` type for a Typer parameter; the commands give the defaults.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from api.errors import classify, report_cli_error
from api.i18n import Lang, choose

if TYPE_CHECKING:
    from api.plan.rules import DayRules

#: Search seed (``--seed``).
Seed = Annotated[int, typer.Option(help="search seed")]

#: Deterministic effort bound (``--effort``).
Effort = Annotated[
    int | None, typer.Option(help="improving solutions per search (reproducible plans)")
]

#: Balance factor (``--balance``); 0 turns the bound off.
Balance = Annotated[float, typer.Option(help="no run longer than this times the mean (0: off)")]

#: Fewest volunteers (``--fewest-volunteers``).
FewestVolunteers = Annotated[
    bool, typer.Option("--fewest-volunteers", help="call out as few volunteers as possible")
]

#: Seconds for the whole call (``--time-limit``): map, matrices, searches, checker, outputs.
TimeLimit = Annotated[
    float,
    typer.Option(
        help="seconds for the whole call: map, matrices, search, checker, suggestions, outputs"
    ),
]

#: Coordinate system of the ledger's rows that do not name theirs (``--coords``).
Coords = Annotated[
    str,
    typer.Option(
        help="coordinate system of the ledger: wgs84 (GPS, OpenStreetMap), gcj02 (Amap, "
        "Tencent, WeChat) or bd09 (Baidu); a coord_system column overrides it per row"
    ),
]

#: Region of phone numbers written without a country code (``--phone-region``).
PhoneRegion = Annotated[
    str,
    typer.Option(
        envvar="DOORSTEP_PHONE_REGION",
        help="ISO region of phone numbers without +country (CN: 133... is +86 133...)",
    ),
]

#: Language of manifests, summary, notifications and the terminal table (``--lang``).
Language = Annotated[
    str,
    typer.Option(
        "--lang",
        envvar="DOORSTEP_LANG",
        help="language of the outputs: en or zh-CN",
    ),
]

#: The day rules file (``--rules rules.toml``, docs/INPUTS.md).
RulesFile = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="TOML file of day rules (meal window, weights, service times, meal ride limit, "
        "reloads; docs/INPUTS.md); keys not given keep their defaults",
    ),
]

#: One trip per volunteer (``--single-trip``): no going back to the depot to load again.
SingleTrip = Annotated[
    bool,
    typer.Option("--single-trip", help="one trip per volunteer: nobody goes back to load again"),
]


def day_rules(
    path: Path | None, single_trip: bool, console: Console, language: Lang | None = None
) -> DayRules:
    """The day rules of ``--rules`` and ``--single-trip`` (defaults without them); a bad
    file is printed in ``language``, reported in the one error shape, and ends the command
    (exit 4)."""
    from api.plan.rules import DayRules  # where used: the plan domain loads the solver
    from api.plan.rules_file import RulesError, read_rules

    lang = language or Lang()
    try:
        rules = DayRules() if path is None else read_rules(path)
    except RulesError as exc:
        console.print(classify(exc).text(lang), style="red", highlight=False)
        raise typer.Exit(report_cli_error(exc, language=lang)) from None
    return replace(rules, reloads=False) if single_trip else rules


def cli_console(*, stderr: bool = True) -> Console:
    """The console a command prints on: it reads no markup in what it prints, since the
    ids, addresses, paths and messages it prints are the user's or a library's text, in
    which ``[...]`` is text (read as markup, the hint "pip install
    'doorstep[distributed]'" lost its extra, and a household id "H[/x]" ended the command
    with Rich's MarkupError). Colours are given as styles."""
    return Console(stderr=stderr, markup=False)


def language_of(lang: str, console: Console) -> Lang:
    """The :class:`~api.i18n.Lang` of ``--lang``; a language without a catalog ends the
    command with status 2, naming the supported ones."""
    try:
        return Lang(choose(lang))
    except ValueError as exc:
        console.print(str(exc), style="red")
        raise typer.Exit(2) from None


def help_language(args: Sequence[str]) -> Lang:
    """The language of the help texts of a command line: its ``--lang L`` (or
    ``--lang=L``), else ``DOORSTEP_LANG``; English when that names no catalog (the command
    itself then refuses the language)."""
    asked = None
    for k, arg in enumerate(args):
        if arg == "--lang" and k + 1 < len(args):
            asked = args[k + 1]
        elif arg.startswith("--lang="):
            asked = arg.split("=", 1)[1]
    try:
        return Lang(choose(asked))
    except ValueError:
        return Lang()


def help_texts(command: Any) -> Iterator[str]:
    """Every help text of a command, of its options and arguments and of its
    sub-commands (the catalogs' messages of ``--help``)."""
    for text in (command.help, command.short_help):
        if text:
            yield text
    for param in command.params:
        if getattr(param, "help", None):
            yield param.help
    for sub in getattr(command, "commands", {}).values():
        yield from help_texts(sub)


def fold_help_words() -> None:
    """Make the help tables fold a word longer than their column onto the next lines.

    Typer's help tables cut such a word short with "…", and a Chinese help text is one
    word to them (no spaces to wrap at): on an 80-column terminal ``doorstep plan --help``
    in Chinese cut 11 help texts so (and 5 lines of option names, defaults and an
    environment variable, in English too, which folding does not reach: the flags with a
    ``--no-`` twin took the width). Typer builds every help text with its
    ``rich_utils._make_rich_text``; its texts are given Rich's ``fold`` overflow here
    (nothing changes where Typer no longer has that function). Idempotent."""
    from rich.text import Text
    from typer import rich_utils

    make = getattr(rich_utils, "_make_rich_text", None)
    if make is None or getattr(make, "folds", False):
        return

    def folded(**named: Any) -> Any:
        text = make(**named)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text

    folded.folds = True  # type: ignore[attr-defined]
    rich_utils._make_rich_text = folded


def one_line_summaries(group: Any) -> None:
    """Give each sub-command of ``group`` (and of its sub-groups) without a short help the
    first paragraph of its help on one line, for its line in the list of commands: the
    list kept a docstring's own line breaks ("ride limit," then "a household twice" on the
    next line). After :func:`help_in_language`, so it is of the text told."""
    for sub in getattr(group, "commands", {}).values():
        if sub.help and not sub.short_help:
            sub.short_help = " ".join(sub.help.split("\n\n")[0].split())
        one_line_summaries(sub)


def help_in_language(command: Any, language: Lang) -> None:
    """Tell ``command``'s help texts (its options', its sub-commands') in ``language``, in
    place, before the command line is parsed."""
    if command.help:
        command.help = language.gettext(command.help)
    if command.short_help:
        command.short_help = language.gettext(command.short_help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = language.gettext(param.help)
    for sub in getattr(command, "commands", {}).values():
        help_in_language(sub, language)


def extract_help(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method (``api/locale/babel.cfg``): the help texts of every
    ``doorstep`` command, read from the commands themselves."""
    import typer

    from api.cli import build_app

    for text in dict.fromkeys(help_texts(typer.main.get_command(build_app()))):
        yield 0, None, text, []
