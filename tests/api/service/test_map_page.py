"""The map page in headless Chromium (selenium + Debian's chromium-driver) against the live
server: a finished job drawn one polyline per run, a click on a stop shows its ETA."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.service.sample import plan_request
from tests.api.service.live import DISPATCHER, UNREACHABLE_TILES, VIEWER, LiveServer, wait_status
from tests.browser import chromium, needs_chromium

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium driven by selenium, keeping the browser console."""
    with chromium(tmp_path_factory.mktemp("chromium"), offline=False) as driver:
        yield driver


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


def _unresolved_plan(server: LiveServer) -> tuple[str, dict[str, Any]]:
    """A done job whose household H006 has only an address the map does not know."""
    body = plan_request(6, seed=43, time_limit_s=2, effort=20)
    lost = body["households"][5]
    lost.pop("lon")
    lost.pop("lat")
    lost["address"] = "Olematon katu 99, Helsinki"
    with server.client() as c:
        res = c.post("/v1/jobs", json=body)
        assert res.status_code == 202, res.text
        job_id = res.json()["id"]
        assert wait_status(c, job_id, {"done", "failed"})["status"] == "done"
        plan = c.get(f"/v1/jobs/{job_id}/plan").json()
    reasons = {u["household_id"]: u["reason"] for u in plan["unassigned"]}
    assert reasons.get("H006") == "ADDRESS_UNRESOLVED"
    return job_id, body


def test_placing_a_household_plans_the_day_again(server: LiveServer) -> None:
    """POST .../households/H006/position stores the job's request again with the door where
    it was placed and queues it as a new job that serves the household; a viewer may not, and
    an unknown household is NOT_FOUND."""
    job_id, body = _unresolved_plan(server)
    at = {"lon": body["households"][0]["lon"], "lat": body["households"][0]["lat"]}
    path = f"/v1/jobs/{job_id}/households/H006/position"
    with server.client(VIEWER) as c:
        assert c.post(path, json=at).json()["code"] == "FORBIDDEN"
    with server.client() as c:
        missing = c.post(f"/v1/jobs/{job_id}/households/H999/position", json=at)
        assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
        wrong = c.post(path, json={"lon": 200, "lat": 0})
        assert wrong.status_code == 422
        res = c.post(path, json=at)
        assert res.status_code == 202, res.text
        new_id = res.json()["id"]
        assert res.headers["Location"] == f"/v1/jobs/{new_id}" and new_id != job_id
        assert wait_status(c, new_id, {"done", "failed"})["status"] == "done"
        plan = c.get(f"/v1/jobs/{new_id}/plan").json()
    served = {h for r in plan["routes"] for s in r["stops"] for h in s["household_ids"]}
    assert "H006" in served
    assert all(u["household_id"] != "H006" for u in plan["unassigned"])


def test_map_page_in_chinese_places_a_household_by_a_click(
    server: LiveServer, browser: Any
) -> None:
    """The page in zh-CN (``lang`` attribute, header, legend, popup words from the catalogs);
    a click on "place on map", then on the map, plans the day again and shows the new job,
    in which the household is served."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    job_id, _ = _unresolved_plan(server)
    browser.get(f"{server.url}/ui?lang=zh-CN#key={DISPATCHER}&job={job_id}")
    WebDriverWait(browser, 60).until(
        lambda d: d.execute_script("return !!(window.doorstep && window.doorstep.ready)")
    )
    html = browser.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "zh-CN"
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "API 密钥" in page and "户未配送" in page and "地图数据 ©" in page
    assert "not served" not in page and "API key" not in page
    button = browser.find_element(By.CSS_SELECTOR, 'button.place[data-household="H006"]')
    assert button.text == "在地图上定位"
    button.click()
    assert "H006" in browser.find_element(By.ID, "status").text
    # A point of the map with no run or stop drawn on it, near the middle.
    x, y, lat, lon = browser.execute_script(
        "const m = window.doorstep.map, r = document.getElementById('map').getBoundingClientRect();"
        "for (let k = 0; k < 400; k++) {"
        "  const x = Math.round(r.width / 2 + (k % 20 - 10) * 7);"
        "  const y = Math.round(r.height / 2 + (Math.floor(k / 20) - 10) * 7);"
        "  const e = document.elementFromPoint(r.left + x, r.top + y);"
        "  if (e && e.tagName !== 'path') {"
        "    const p = m.containerPointToLatLng([x, y]); return [x, y, p.lat, p.lng]; }"
        "}"
        "return null;"
    )
    area = browser.find_element(By.ID, "map")
    size = area.size
    ActionChains(browser).move_to_element_with_offset(
        area, x - size["width"] // 2, y - size["height"] // 2
    ).click().perform()
    WebDriverWait(browser, 90).until(
        lambda d: d.execute_script(
            "const s = window.doorstep;return !!(s.placed && s.ready && s.job === s.placed.job);"
        )
    )
    new_id = browser.execute_script("return window.doorstep.job")
    with server.client() as c:
        plan = c.get(f"/v1/jobs/{new_id}/plan").json()
    stops = [s for r in plan["routes"] for s in r["stops"] if "H006" in s["household_ids"]]
    assert len(stops) == 1
    assert abs(stops[0]["lon"] - lon) < 1e-4 and abs(stops[0]["lat"] - lat) < 1e-4
    legend = browser.find_element(By.ID, "legend").text
    assert "H006" not in legend
