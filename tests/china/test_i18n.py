"""Languages: complete catalogs, the language chosen, and Chinese pages that render in
headless Chromium with every glyph and no English label."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from api import i18n
from api.i18n import Lang
from api.outputs.document import plan_document
from api.outputs.manifest import manifest_html
from api.outputs.write import write_outputs
from api.plan.ledger import read_ledger
from api.plan.travel import StreetTravel
from api.settings import PROJECT_ROOT
from geo.addresses import AddressIndex
from tests.api.plan.day_plans import plan
from tests.browser import CHROMIUM, DRIVER, chromium
from tests.china.conftest import json_rows

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _source_messages(root: Path = PROJECT_ROOT) -> set[str]:
    """Messages the Python code and templates under ``root`` use (babel.cfg's mapping)."""
    cfg = (i18n.LOCALE_DIR / "babel.cfg").read_text(encoding="utf-8")
    method_map, options_map = parse_mapping_cfg(io.StringIO(cfg))
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(folder: Path, text: str) -> Path:
    """A one-message ``zh_CN`` catalog under ``folder`` saying ``text`` for "Volunteer"."""
    po = folder / "zh_CN" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(f'msgid ""\nmsgstr ""\n\nmsgid "Volunteer"\nmsgstr "{text}"\n', "utf-8")
    return po


def test_a_catalog_is_compiled_once_and_again_when_its_po_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first use compiles the ``.po`` and keeps the ``.mo`` beside it; later uses read
    the ``.mo``; a ``.po`` newer than it is compiled again; a folder that cannot be
    written still gets its catalog, compiled each time."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    po = _catalog(tmp_path, "志愿者")
    mo = po.with_suffix(".mo")
    try:
        assert i18n.translations("zh_CN").gettext("Volunteer") == "志愿者"
        assert mo.is_file() and not list(po.parent.glob("*.part"))
        mo.write_bytes(i18n.compile_catalog(_catalog(tmp_path, "旧"), "zh_CN"))
        _catalog(tmp_path, "志愿者")
        os.utime(po, ns=(mo.stat().st_mtime_ns - 10**9,) * 2)  # the .mo is newer: read as is
        i18n.translations.cache_clear()
        assert i18n.translations("zh_CN").gettext("Volunteer") == "旧"
        os.utime(po, ns=(mo.stat().st_mtime_ns + 10**9,) * 2)  # the .po is newer: compiled
        i18n.translations.cache_clear()
        assert i18n.translations("zh_CN").gettext("Volunteer") == "志愿者"
        assert i18n.translations("zh_CN").gettext("Volunteer") == "志愿者"
        mo.unlink()
        po.parent.chmod(0o555)
        i18n.translations.cache_clear()
        assert i18n.translations("zh_CN").gettext("Volunteer") == "志愿者"
        assert mo.exists() == os.access(po.parent, os.W_OK)  # (root may write anyway)
    finally:
        po.parent.chmod(0o755)
        i18n.translations.cache_clear()


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_catalog_has_every_message_of_the_code(locale: str) -> None:
    """Every message the code and templates use is translated in each catalog, none is stale,
    and the placeholders of each translation match its message."""
    used = _source_messages()
    assert len(used) > 80
    with i18n.catalog_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    have = {
        (m.id[0] if isinstance(m.id, tuple) else m.id): m
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert sorted(used - set(have)) == [], "messages without a translation"
    assert sorted(set(have) - used) == [], "stale messages no code uses"
    problems = [(m.id, errs) for m, errs in catalog.check()]
    assert problems == []


def test_a_missing_key_is_caught(tmp_path: Path) -> None:
    """The extraction the completeness check relies on finds a new message in a template and
    in Python code, which no catalog has."""
    (tmp_path / "api" / "templates").mkdir(parents=True)
    (tmp_path / "api" / "templates" / "x.html").write_text(
        '{{ _("A page nobody translated") }}', encoding="utf-8"
    )
    (tmp_path / "api" / "x.py").write_text(
        'lang.gettext("A sentence nobody translated")', encoding="utf-8"
    )
    found = _source_messages(tmp_path)
    with i18n.catalog_path("zh_CN").open("rb") as fh:
        have = {m.id for m in read_po(fh) if m.id}
    assert found - have == {"A page nobody translated", "A sentence nobody translated"}


def test_language_is_chosen_from_flag_environment_and_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--lang wins over DOORSTEP_LANG, which wins over English; Accept-Language negotiates;
    an unsupported language is refused by name."""
    monkeypatch.setenv("DOORSTEP_LANG", "zh-CN")
    assert i18n.choose(None) == "zh_CN"
    assert i18n.choose("en-GB") == "en"
    monkeypatch.delenv("DOORSTEP_LANG")
    assert i18n.choose(None) == "en"
    assert i18n.negotiate("fr-FR,zh-Hans;q=0.9,en;q=0.5") == "zh_CN"
    assert i18n.negotiate("de, en;q=0.3") == "en"
    assert i18n.negotiate(None) == "en"
    with pytest.raises(ValueError, match="en, zh-CN"):
        i18n.choose("fr")


def test_dates_times_numbers_per_locale() -> None:
    """Dates, times and numbers take each locale's form."""
    zh, en = Lang("zh_CN"), Lang("en")
    assert zh.date(dt.date(2022, 11, 28)) == "2022年11月28日"
    assert en.date("2022-11-28") == "November 28, 2022"
    assert zh.time("09:05:00") == "09:05"
    assert en.number(1234.5, 1) == "1,234.5"
    assert zh.ngettext("%(num)d stop", "%(num)d stops", 3) == "3 个站点"
    assert en.ngettext("%(num)d stop", "%(num)d stops", 1) == "1 stop"


# ---------------------------------------------------------------- rendered pages

_ALLOWED = re.compile(
    r"OpenStreetMap|[A-Z][A-Z_]{3,}|--[a-z-]+|\b[a-z]+_[a-z_]+\b|\b[HVD]\d+\b|\b[A-Z]?\d+[A-Za-z]?\b"
    r"|\b(?:wgs84|gcj02|bd09|WGS84|GCJ02|BD09)\b"  # coordinate systems: codes
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium driven by selenium (the pages are files: no network needed)."""
    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.skip("chromium and chromium-driver are absent")
    with chromium(tmp_path_factory.mktemp("chromium"), "--window-size=1000,1400") as driver:
        yield driver


def _zh_fonts() -> set[str]:
    out = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, check=True
    ).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",")}


def _glyphs_by_font(driver: Any) -> dict[str, int]:
    """Glyphs drawn per platform font over every element of the page (DevTools)."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    nodes = driver.execute_cdp_cmd("DOM.querySelectorAll", {"nodeId": root, "selector": "body *"})
    used: dict[str, int] = {}
    for node in nodes["nodeIds"]:
        fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        for f in fonts:
            used[f["familyName"]] = used.get(f["familyName"], 0) + int(f["glyphCount"])
    return used


def _artefacts() -> Path:
    path = Path(os.environ.get("DOORSTEP_TEST_ARTEFACTS", PROJECT_ROOT / "test-artefacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.slow
def test_zh_manifest_and_summary_render_every_glyph_in_chinese(
    tmp_path: Path,
    zgc_ledger_dir: Path,
    zgc_travel: StreetTravel,
    zgc_addresses: AddressIndex,
    browser: Any,
) -> None:
    """The zh-CN summary and a manifest of the Beijing ledger draw every Chinese character with
    a font that has it (fonts named in the CSS), show no English label, and print to PDF; the
    screenshots are kept in test-artefacts/."""
    ledger = read_ledger(
        zgc_ledger_dir / "households.csv",
        zgc_ledger_dir / "volunteers.csv",
        zgc_ledger_dir / "depots.csv",
    )
    result = plan(
        ledger,
        dt.date(2022, 11, 28),
        travel=zgc_travel,
        addresses=zgc_addresses,
        time_limit=60.0,  # effort bounds the search; the limit only guards a loaded machine
        effort=20,
    )
    doc = plan_document(result)
    out = tmp_path / "out"
    write_outputs(doc, result.geometry, {}, out, Lang("zh_CN"))
    manifest = max(out.glob("manifests/*.html"), key=lambda p: p.stat().st_size)
    zh_fonts = _zh_fonts()
    assert zh_fonts, "no font with Chinese glyphs is installed (fonts-noto-cjk)"
    for page in (out / "summary.html", manifest):
        html = page.read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in html and "Noto Sans CJK SC" in html
        browser.get(page.as_uri())
        text = browser.execute_script("return document.body.innerText")
        cjk = len(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", text))
        assert cjk > 50
        english = re.findall(r"[A-Za-z]{2,}", _ALLOWED.sub(" ", text))
        assert english == [], (page.name, english)
        used = _glyphs_by_font(browser)
        drawn_by_zh = sum(n for family, n in used.items() if family in zh_fonts)
        assert drawn_by_zh >= cjk, (page.name, used)
        shot = _artefacts() / f"zh-CN-{page.stem}.png"
        assert browser.save_screenshot(str(shot))
        pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})
        (_artefacts() / f"zh-CN-{page.stem}.pdf").write_bytes(base64.b64decode(pdf["data"]))
        assert shot.stat().st_size > 10_000


@pytest.mark.slow
def test_demo_writes_chinese_manifests_and_summary(tmp_path: Path) -> None:
    """``doorstep demo --lang zh-CN`` writes its summary, manifests and notification texts in
    Chinese."""
    from typer.testing import CliRunner

    from api.cli import app

    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--households", "30", "--volunteers", "4"]
    result = CliRunner().invoke(app, [*args, "--time-limit", "2", "--lang", "zh-CN"])
    assert result.exit_code == 0, result.output
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in summary and "配送计划" in summary
    manifests = sorted((out / "manifests").glob("*.html"))
    assert manifests
    page = manifests[0].read_text(encoding="utf-8")
    assert "的配送单" in page and "无接触配送" in page and "Deliveries of" not in page
    assert "您的物资将于" in (out / "notifications.csv").read_text(encoding="utf-8")


def test_service_request_language_and_coordinates() -> None:
    """A request's options.lang picks the manifests' language (an unknown one is refused by
    field) and its coord_system reaches the ledger."""
    from api.errors import ServiceError
    from api.service.planning import ledger_of, manifest_language

    assert manifest_language({"lang": "zh-CN"}).locale == "zh_CN"
    assert manifest_language({}).locale == "en"
    with pytest.raises(ServiceError) as err:
        manifest_language({"lang": "fr"})
    assert err.value.details[0].field == "options.lang"
    row, vol = json_rows(116.3245, 39.9989)
    ledger = ledger_of({"coord_system": "gcj02", "households": [row], "volunteers": [vol]})
    assert ledger.households[0].coord_system == "gcj02"
    assert ledger.households[0].given == (116.3245, 39.9989)


@pytest.mark.parametrize(
    ("locale", "joined", "default"),
    [
        ("en", "(1.0 kg), grocery kit", "Contact-free: ring"),
        ("zh_CN", "（1.0 公斤）、1 人份生活物资包", "无接触配送"),
    ],
)
def test_manifest_items_are_joined_as_the_language_writes_them(
    locale: str, joined: str, default: str
) -> None:
    """A door's items are listed with the language's comma (``、`` in Chinese), and a door
    without a note of its own gets the default contact-free instruction in its cell."""
    stop = {
        "lon": 24.94,
        "lat": 60.17,
        "lines": [
            {
                "household_id": "H1",
                "address": "Mannerheimintie 1",
                "address_source": "ledger",
                "note": "",
                "items": [
                    {"kind": "meals", "label": "1 x day meals", "kg": 1.0, "people": 1},
                    {"kind": "groceries", "label": "grocery kit", "kg": 2.0, "people": 1},
                ],
            }
        ],
        "eta_window": ["10:00:00", "10:30:00"],
    }
    route = {
        "volunteer_id": "V1",
        "name": "",
        "mode": "walk",
        "stops": [stop],
        "start": {"lon": 24.94, "lat": 60.17, "departure": "09:40:00"},
        "end": None,
        "distance_m": 1200,
        "load_kg": 3.0,
    }
    html = manifest_html({"date": "2026-11-25"}, route, None, Lang(locale))
    assert joined in html
    assert re.search(r'<td class="dropoff"[^>]*>' + default, html)


def _literal_texts(folder: Path) -> list[str]:
    """Where a ``ServiceError``/``ErrorBody`` message or a ``Detail`` problem under
    ``folder`` is written as a literal (plain or f-string) instead of a catalog message."""
    import ast

    found = []
    texts = {"ServiceError": 1, "ErrorBody": 1, "Detail": 2}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            at = texts.get(node.func.id)
            if at is not None and len(node.args) > at:
                arg = node.args[at]
                if isinstance(arg, ast.JoinedStr) or (
                    isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ):
                    found.append(f"{path.relative_to(folder)}:{node.lineno}")
    return found


def test_service_and_command_errors_come_from_the_catalogs(tmp_path: Path) -> None:
    """No error of the service or of the commands is a literal English sentence (each is a
    catalog message, told in the reader's language); the scan finds one written so."""
    assert _literal_texts(PROJECT_ROOT / "api" / "service") == []
    assert _literal_texts(PROJECT_ROOT / "api" / "cli") == []
    (tmp_path / "x.py").write_text(
        'raise ServiceError("NOT_FOUND", f"no job {j}")\nDetail("r", "f", "bad")\n',
        encoding="utf-8",
    )
    assert _literal_texts(tmp_path) == ["x.py:1", "x.py:2"]
