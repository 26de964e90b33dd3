"""Ledger tables from the files people save: CSV in any of Excel's encodings and
delimiters, and ``.xlsx`` workbooks.

CSV text is UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text") or
GB18030 (a superset of GBK, what Excel on Chinese Windows writes); the first that decodes
the whole file is taken. The delimiter (comma, semicolon or tab) is the one the header line
uses most. A workbook holds one table per file (its only or first sheet) or one sheet per
table, found by the table's name in English or Chinese (:data:`SHEET_NAMES`). Every cell
comes back as text, as it would read in a CSV: whole numbers without ``.0``, dates
``YYYY-MM-DD``, times ``HH:MM``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.i18n import N_, Message
from solver.errors import Detail

#: Sheet names a workbook's tables are found by (lower-cased), per table.
SHEET_NAMES: dict[str, tuple[str, ...]] = {
    "households": ("households", "household", "住户", "居民", "居家观察", "隔离户"),
    "volunteers": ("volunteers", "volunteer", "志愿者"),
    "depots": ("depots", "depot", "站点", "服务站", "物资点"),
}

DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class Table:
    """One table as text cells.

    Attributes
    ----------
    source
        How messages name it: the file name, with the sheet for a workbook.
    header
        Column names, stripped.
    rows
        ``(line, cells)`` per non-empty row; ``line`` is the file's line (CSV) or the
        sheet's row number (workbook).
    """

    source: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


class TableError(ValueError):
    """The file cannot be read as a table; ``detail`` names file and problem."""

    def __init__(self, detail: Detail) -> None:
        self.detail = detail
        super().__init__(str(detail))


def decode(data: bytes, source: str) -> str:
    """Text of a CSV file in UTF-8 (BOM or not), UTF-16 (BOM) or GB18030.

    Raises
    ------
    TableError
        When none of them decodes the file.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:  # a UTF-16 mark, then bytes that are not UTF-16
            problem = Message(
                N_("not valid UTF-16 text after its byte-order mark: %(reason)s at byte %(at)d"),
                reason=exc.reason,
                at=exc.start,
            )
            raise TableError(Detail(source, "file", problem)) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(
        Detail(
            source, "file", Message(N_("not text in UTF-8 or GB18030/GBK: save it as CSV UTF-8"))
        )
    )


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most: comma, semicolon or tab (comma on a tie)."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv_table(path: Path) -> Table:
    """Read a CSV file of any accepted encoding and delimiter."""
    text = decode(path.read_bytes(), path.name)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        header = [h.strip() for h in next(reader)]
        rows: list[tuple[int, list[str]]] = []
        for values in reader:
            if any(v.strip() for v in values):
                rows.append((reader.line_num, values))
    except StopIteration:
        raise TableError(Detail(path.name, "header", Message(N_("the file is empty")))) from None
    except csv.Error as exc:
        problem = Message(N_("not readable as CSV: %(error)s"), error=str(exc))
        raise TableError(Detail(path.name, "file", problem)) from None
    return Table(path.name, header, rows)


def cell_text(value: Any) -> str:
    """A workbook cell as CSV text: ``2.0`` -> ``"2"``, dates ISO, times ``HH:MM``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def _pick_sheet(names: list[str], table: str, source: str) -> str:
    wanted = SHEET_NAMES.get(table, (table,))
    for name in names:
        if name.strip().lower() in wanted:
            return name
    if len(names) == 1 or table not in SHEET_NAMES:
        return names[0]
    others = {n.strip().lower() for n in names} & {w for ws in SHEET_NAMES.values() for w in ws}
    if not others:
        return names[0]  # one table per file: the first sheet
    raise TableError(
        Detail(
            source,
            "sheet",
            Message(
                N_("no sheet named %(name)s (or %(others)s); sheets: %(sheets)s"),
                name=repr(wanted[0]),
                others=", ".join(wanted[1:]),
                sheets=", ".join(names),
            ),
        )
    )


def read_xlsx_table(path: Path, table: str) -> Table:
    """Read the sheet of ``table`` (``households``, ``volunteers``, ``depots``) of a workbook.

    Raises
    ------
    TableError
        When the file is not a readable workbook or has no sheet for the table.
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(
            Detail(
                path.name,
                "file",
                Message(N_("not a readable .xlsx workbook: %(error)s"), error=str(exc)),
            )
        ) from None
    try:
        name = _pick_sheet(list(book.sheetnames), table, path.name)
        source = (
            Message(N_("%(file)s sheet %(sheet)s"), file=path.name, sheet=repr(name))
            if len(book.sheetnames) > 1
            else path.name
        )
        it = book[name].iter_rows(values_only=True)
        header_row = next(it, None)
        if header_row is None:
            raise TableError(Detail(source, "header", Message(N_("the sheet is empty"))))
        header = [cell_text(v).strip() for v in header_row]
        while header and not header[-1]:
            header.pop()
        rows: list[tuple[int, list[str]]] = []
        for line, values in enumerate(it, start=2):
            cells = [cell_text(v) for v in values]
            while len(cells) > len(header) and not cells[-1].strip():
                cells.pop()
            if any(c.strip() for c in cells):
                rows.append((line, cells))
        return Table(source, header, rows)
    finally:
        book.close()


def read_table(path: Path, table: str) -> Table:
    """Read one ledger table from ``.csv`` (or ``.txt``/``.tsv``) or ``.xlsx``/``.xlsm``."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx_table(path, table)
    return read_csv_table(path)
