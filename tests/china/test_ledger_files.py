"""Ledgers as Beijing committees save them: GBK and semicolon CSV, Excel workbooks, values
typed in Chinese; bad files and values still named by file, line and column."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from api.plan.ledger import Ledger, LedgerError, ReadOptions, read_ledger
from api.plan.ledger_values import parse_clock, parse_date, parse_phone, parse_window


def _read(households: Path, ledger_dir: Path, **kw: object) -> Ledger:
    return read_ledger(
        households,
        ledger_dir / "volunteers.csv",
        ledger_dir / "depots.csv",
        **kw,  # type: ignore[arg-type]
    )


def _key(ledger: Ledger) -> list[tuple[object, ...]]:
    return [
        (h.household_id, h.lon, h.lat, h.residents, h.needs, h.window, h.phone, h.address)
        for h in ledger.households
    ]


def test_gbk_and_xlsx_copies_read_like_the_utf8_file(zgc_ledger_dir: Path) -> None:
    """The shared GBK CSV and the workbook give the same 80 households as the UTF-8 CSV."""
    utf8 = _read(zgc_ledger_dir / "households.csv", zgc_ledger_dir)
    assert len(utf8.households) == 80
    assert _key(_read(zgc_ledger_dir / "households-gbk.csv", zgc_ledger_dir)) == _key(utf8)
    assert _key(_read(zgc_ledger_dir / "households.xlsx", zgc_ledger_dir)) == _key(utf8)


def test_semicolon_tab_and_utf16_files_read(tmp_path: Path, zgc_ledger_dir: Path) -> None:
    """Semicolon- and tab-separated files, and UTF-16 with BOM, read like the comma file."""
    utf8 = _read(zgc_ledger_dir / "households.csv", zgc_ledger_dir)
    with (zgc_ledger_dir / "households.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for name, delim, enc in (("semi.csv", ";", "utf-8-sig"), ("tab.txt", "\t", "utf-16")):
        path = tmp_path / name
        with path.open("w", newline="", encoding=enc) as fh:
            csv.writer(fh, delimiter=delim).writerows(rows)
        assert _key(_read(path, zgc_ledger_dir)) == _key(utf8), name


def test_values_as_typed_read_once_the_swap_is_fixed(tmp_path: Path, zgc_ledger_dir: Path) -> None:
    """The as-typed file: its one real fault is the swapped lon/lat, named as a swap with
    line and column; with it exchanged, 是/否, 餐食;药品, ；, ～, 2022/11/20, 2人, 3楼 all read."""
    typed = zgc_ledger_dir / "households-as-typed.csv"
    with pytest.raises(LedgerError) as err:
        _read(typed, zgc_ledger_dir)
    (detail,) = err.value.details
    assert detail.record == "households-as-typed.csv line 10 (household_id 'H009')"
    assert detail.field == "lat" and detail.problem.startswith("column 4:")
    assert "look swapped" in detail.problem
    with typed.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fixed = next(r for r in rows if r["household_id"] == "H009")
    fixed["lon"], fixed["lat"] = fixed["lat"], fixed["lon"]
    path = tmp_path / "typed.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    hh = {h.household_id: h for h in _read(path, zgc_ledger_dir).households}
    assert hh["H001"].elderly_alone and not hh["H001"].medical_needs
    assert hh["H002"].needs == {"meals", "medicine"}
    assert hh["H003"].needs == {"meals", "groceries"}
    assert hh["H004"].window == (9 * 3600, 11 * 3600)
    assert hh["H005"].window == (8 * 3600, 12 * 3600)
    assert hh["H006"].observation_start == dt.date(2022, 11, 20)
    assert hh["H007"].window == (9 * 3600, 11 * 3600)
    assert hh["H008"].residents == 2
    assert hh["H010"].floor == 3
    assert hh["H011"].window == (9 * 3600, 11 * 3600)
    assert hh["H012"].needs == {"meals", "medicine"}
    assert hh["H005"].phone == "+8613849746507"


def test_one_workbook_for_all_three_tables(tmp_path: Path, zgc_ledger_dir: Path) -> None:
    """A workbook with sheets 居家观察, 志愿者 and 站点 is the whole ledger; a bad cell is
    named by sheet, row and column."""
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, name in (
        ("居家观察", "households.csv"),
        ("志愿者", "volunteers.csv"),
        ("站点", "depots.csv"),
    ):
        sheet = book.create_sheet(title)
        with (zgc_ledger_dir / name).open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                sheet.append(
                    [float(c) if c.replace(".", "").isdigit() and "." in c else c for c in row]
                )
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    ledger = read_ledger(path, path, path)
    assert len(ledger.households) == 80 and len(ledger.volunteers) == 8
    assert ledger.depots[0].name == "照澜院社区居委会"
    book["志愿者"]["D3"] = "fast"  # capacity_kg of V02
    book.save(path)
    with pytest.raises(LedgerError) as err:
        read_ledger(path, path, path)
    (detail,) = err.value.details
    assert detail.record == "ledger.xlsx sheet '志愿者' line 3 (volunteer_id 'V02')"
    assert detail.field == "capacity_kg" and detail.problem.startswith("column 4:")


def test_unreadable_files_are_reported_not_raised(tmp_path: Path, zgc_ledger_dir: Path) -> None:
    """A binary file posing as CSV and a broken workbook give ledger errors naming the file."""
    junk = tmp_path / "households.csv"
    junk.write_bytes(bytes(range(128, 256)) * 4)
    broken = tmp_path / "households.xlsx"
    shutil.copy(junk, broken)
    for path in (junk, broken):
        with pytest.raises(LedgerError) as err:
            _read(path, zgc_ledger_dir)
        assert err.value.details[0].record == path.name
        assert err.value.details[0].field == "file"


def test_phones_normalised_with_a_default_region(tmp_path: Path, zgc_ledger_dir: Path) -> None:
    """Phones in three formats become E.164; the default region is configurable."""
    ledger = _read(zgc_ledger_dir / "households.csv", zgc_ledger_dir)
    phones = {h.household_id: h.phone for h in ledger.households}
    assert phones["H001"] == "+8613361318609"
    assert phones["H002"] == "+8613328194821"
    assert phones["H005"] == "+8613849746507"
    assert parse_phone("040 330 0734", "FI") == "+358403300734"
    with pytest.raises(ValueError, match="not a phone number"):
        parse_phone("call me", "CN")
    assert {
        v.phone
        for v in _read(
            zgc_ledger_dir / "households.csv",
            zgc_ledger_dir,
            options=ReadOptions(phone_region="CN"),
        ).volunteers
    } >= {"+8618623851978"}


def test_chinese_value_forms() -> None:
    """Dates, clock times and windows in the forms people write."""
    assert parse_date("2022年11月5日") == dt.date(2022, 11, 5)
    assert parse_date("２０２２/１１/５") == dt.date(2022, 11, 5)
    assert parse_clock("9点半") == 9 * 3600 + 1800
    assert parse_window("9:00至11:30") == (9 * 3600, 11 * 3600 + 1800)
    assert parse_window("下午") == (12 * 3600, 18 * 3600)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("2022/13/40")
