"""The map page in headless Chromium (selenium + Debian's chromium-driver) against the live
server: a finished job drawn one polyline per run, a click on a stop shows its ETA."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.service.sample import plan_request
from tests.api.service.browser import chromium, needs_chromium
from tests.api.service.live import UNREACHABLE_TILES, VIEWER, LiveServer

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium driven by selenium, keeping the browser console."""
    driver = chromium(tmp_path_factory.mktemp("chromium"))
    try:
        yield driver
    finally:
        driver.quit()


def test_map_page_draws_runs_and_shows_eta(server: LiveServer, browser: Any) -> None:
    """A done job: one coloured polyline per run, a dot per stop, the street graph drawn as
    base layer since the tile server is unreachable, a click shows household ids and ETA,
    the OSM credit, and the console logs no error but the refused tiles."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with server.client() as c:
        res = c.post("/v1/plans", json=plan_request(8, seed=41, time_limit_s=1))
    assert res.status_code == 200, res.text
    plan = res.json()
    job_id = res.headers["X-Doorstep-Job"]
    routes = [r for r in plan["routes"] if r["stops"]]
    assert routes

    browser.get(f"{server.url}/ui#key={VIEWER}&job={job_id}")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return !!(window.doorstep && window.doorstep.ready)")
    )
    lines = browser.find_elements(By.CSS_SELECTOR, "path.doorstep-route")
    assert len(lines) == len(routes)
    colours = {ln.get_attribute("stroke") for ln in lines}
    assert len(colours) == len(routes)
    dots = browser.find_elements(By.CSS_SELECTOR, "path.doorstep-stop")
    assert len(dots) == sum(len(r["stops"]) for r in routes)
    WebDriverWait(browser, 20).until(  # fallback base layer: the map's own streets
        lambda d: d.find_elements(By.CSS_SELECTOR, "path.doorstep-street")
    )
    assert not browser.find_elements(By.CSS_SELECTOR, "img.leaflet-tile-loaded")

    first = routes[0]["stops"][0]
    target = browser.find_element(By.CSS_SELECTOR, "path.stop-0-0")
    browser.execute_script("arguments[0].scrollIntoView()", target)
    target.click()
    eta = WebDriverWait(browser, 10).until(  # shown once the popup has faded in
        lambda d: [
            e
            for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content .stop-popup .eta")
            if e.is_displayed() and e.text
        ]
    )[0]
    assert eta.text == first["arrival"]
    popup = browser.find_element(By.CSS_SELECTOR, ".leaflet-popup-content .stop-popup")
    households = popup.find_element(By.CSS_SELECTOR, ".households").text
    assert households == ", ".join(first["household_ids"])
    assert "© OpenStreetMap contributors" in browser.find_element(By.TAG_NAME, "body").text
    tile_host = UNREACHABLE_TILES.split("/{z}")[0]
    errors = [
        e
        for e in browser.get_log("browser")
        if e["level"] == "SEVERE" and not e["message"].startswith(tile_host)
    ]
    assert errors == []
