"""The volunteer's sheet and the coordinator's page of a Beijing day in headless Chromium
(network off), in English and Chinese: what they say, screenshots at desk and phone width
and the printed PDF kept in test-artefacts/."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.outputs.dropoff import asks_for_call
from api.outputs.svg import MARKER_R
from api.outputs.trips import deliveries
from tests.api.outputs.conftest import WrittenDay
from tests.browser import artefacts, chromium, needs_chromium, printed_pages, screenshot

pytestmark = needs_chromium

LOCALES = ("en", "zh_CN")
DEFAULT_LINE = {
    "en": "Contact-free: ring, leave the bag at the door, step back.",
    "zh_CN": "无接触配送",
}
# Read back from the PDF's text: some CJK fonts map 页 to its radical ⻚ (U+2EDA).
PAGE_LINE = {"en": r"Page (\d+) of (\d+)", "zh_CN": r"第(\d+)[页⻚],共(\d+)[页⻚]"}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the module, network off."""
    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


def _longest_sheet(day: WrittenDay) -> dict[str, Any]:
    return max(day.doc["routes"], key=lambda r: len(deliveries(r)))


def _sheet(day: WrittenDay, locale: str, route: dict[str, Any]) -> Path:
    return day.out[locale] / "manifests" / f"{route['volunteer_id']}.html"


def _overflow(browser: Any) -> int:
    """How far the page runs past the window's width (CSS px)."""
    return int(browser.execute_script("return document.documentElement.scrollWidth - innerWidth"))


def _errors(browser: Any) -> list[dict[str, Any]]:
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
def test_sheet_says_where_to_load_what_to_take_and_how_to_drop_off(
    beijing_day: WrittenDay, browser: Any, locale: str
) -> None:
    """Every sheet names its pick-up place and lists what to take per door in delivery
    order; each door has the household's own instruction (else the default one), a tick and
    a nobody-answered box, and the phone only when the note asks for a call; markers do not
    overlap; no console error; screenshots at desk and phone width are kept."""
    from selenium.webdriver.common.by import By

    day = beijing_day
    asked_somewhere = instruction_somewhere = False
    for route in day.doc["routes"]:
        browser.get(_sheet(day, locale, route).as_uri())
        pickups = browser.find_elements(By.CSS_SELECTOR, "h2.pickup")
        assert pickups and all(route["depot_name"] in p.text for p in pickups)
        doors = [ln for s in deliveries(route) for ln in s["lines"]]
        packed = browser.find_elements(By.CSS_SELECTOR, "ol.pack li")
        assert len(packed) == len(doors)
        numbers = [int(li.find_element(By.CSS_SELECTOR, ".n").text) for li in packed]
        assert numbers == sorted(numbers) and numbers[-1] == len(deliveries(route))
        rows = browser.find_elements(By.CSS_SELECTOR, "table.stops tr.door")
        assert len(rows) == len(doors)
        source = browser.page_source
        for line, row in zip(doors, rows, strict=True):
            note = day.notes[line["household_id"]]
            dropoff = row.find_element(By.CSS_SELECTOR, "td.dropoff").text
            if note:
                assert dropoff.startswith(note) and DEFAULT_LINE[locale] not in dropoff
                instruction_somewhere = True
            else:
                assert DEFAULT_LINE[locale] in dropoff
            phone = day.phones[line["household_id"]]
            tel = row.find_elements(By.CSS_SELECTOR, "a.tel")
            if asks_for_call(note):
                assert [t.text for t in tel] == [phone]
                asked_somewhere = True
            else:
                assert tel == [] and (not phone or phone not in source)
            assert row.find_elements(By.CSS_SELECTOR, ".box.tick")
            assert row.find_elements(By.CSS_SELECTOR, ".box.nobody")
        marks = browser.find_elements(By.CSS_SELECTOR, "svg.map g.marker")
        at = [(float(m.get_attribute("data-x")), float(m.get_attribute("data-y"))) for m in marks]
        assert len(at) == len(deliveries(route)) + 1  # the stops and the pick-up place
        assert all(math.dist(a, b) >= 2 * MARKER_R for a, b in itertools.combinations(at, 2))
        assert browser.find_elements(By.CSS_SELECTOR, "svg.map path.street")
        assert _errors(browser) == []
    assert asked_somewhere and instruction_somewhere
    route = _longest_sheet(day)
    browser.get(_sheet(day, locale, route).as_uri())
    for width, name in ((1100, "desk"), (390, "phone")):
        shot = screenshot(browser, artefacts() / f"sheet-{locale}-{name}.png", width)
        assert shot.stat().st_size > 20_000
        assert _overflow(browser) <= 1, (name, _overflow(browser))


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
def test_printed_sheet_has_name_date_and_page_number_on_every_page(
    beijing_day: WrittenDay, browser: Any, locale: str
) -> None:
    """The longest sheet printed to PDF by Chromium spans several pages, each with the
    volunteer's name, the date and "page k of n"; the PDF is kept."""
    route = _longest_sheet(beijing_day)
    browser.get(_sheet(beijing_day, locale, route).as_uri())
    pages = printed_pages(browser, artefacts() / f"sheet-{locale}.pdf")
    assert len(pages) >= 2
    _assert_numbered(pages, locale, route["name"])


def _assert_numbered(pages: list[str], locale: str, name: str) -> None:
    """Each printed page's text has "page k of n", ``name`` and the date."""
    date = {"en": "November 28, 2022", "zh_CN": "2022年11月28日"}[locale]
    for k, page in enumerate(pages, start=1):
        text = unicodedata.normalize("NFKC", page)
        text = text if locale == "en" else re.sub(r"\s+", "", text)
        found = re.search(PAGE_LINE[locale], text)
        assert found and (int(found[1]), int(found[2])) == (k, len(pages)), text[:300]
        assert name in text and date in text


@pytest.mark.slow
@pytest.mark.parametrize("locale", LOCALES)
def test_summary_answers_who_is_covered_and_what_to_do(
    beijing_day: WrittenDay, browser: Any, locale: str
) -> None:
    """The coordinator's page maps every run, gives each volunteer's trips, names the idle
    volunteers, lists every unserved household with address, phone, sentence and fix, the
    households with nothing due and the rows outside their period; its screenshot and its
    printed PDF (page numbers on every page) are kept."""
    from selenium.webdriver.common.by import By

    day = beijing_day
    doc = day.doc
    browser.get((day.out[locale] / "summary.html").as_uri())
    assert browser.find_elements(By.CSS_SELECTOR, ".verdict.bad")
    runs = browser.find_elements(By.CSS_SELECTOR, "svg.map path.run")
    assert len(runs) == len(doc["routes"])
    rows = browser.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert len(rows) == len(doc["routes"])
    assert all(re.search(r"\d+:\d\d", r.find_element(By.CSS_SELECTOR, ".trips").text) for r in rows)
    idle = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ul.idle li")]
    assert doc["idle_volunteers"] and len(idle) == len(doc["idle_volunteers"])
    for v, text in zip(doc["idle_volunteers"], idle, strict=True):
        assert v["volunteer_id"] in text and v["name"] in text
    unserved = browser.find_elements(By.CSS_SELECTOR, "table.unserved tbody tr")
    assert {"H901", "H902"} <= {u["household_id"] for u in doc["unassigned"]}
    assert len(unserved) == len(doc["unassigned"])
    for u, row in zip(doc["unassigned"], unserved, strict=True):
        assert row.find_element(By.CSS_SELECTOR, "td.address").text == u["address"]
        assert row.find_element(By.CSS_SELECTOR, "td.tel").text == u["phone"]
        why = row.find_element(By.CSS_SELECTOR, "td.why").text
        assert len(why) > 10 and u["reason"] in why
        assert row.find_element(By.CSS_SELECTOR, "td.fix").text
    if locale == "en":
        assert all(u["message"] in r.text for u, r in zip(doc["unassigned"], unserved, strict=True))
    observed = browser.find_elements(By.CSS_SELECTOR, "ul.not-observed li")
    assert len(observed) == len(doc["not_observed"]) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.not-due li")) == len(doc["not_due"])
    assert _errors(browser) == []
    for width, name in ((1100, ""), (390, "-phone")):
        shot = screenshot(browser, artefacts() / f"summary-{locale}{name}.png", width)
        assert shot.stat().st_size > 20_000
        assert _overflow(browser) <= 1, (width, _overflow(browser))
    pages = printed_pages(browser, artefacts() / f"summary-{locale}.pdf")
    _assert_numbered(pages, locale, {"en": "Delivery plan for", "zh_CN": "配送计划"}[locale])
