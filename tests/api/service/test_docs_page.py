"""The API's reference pages in headless Chromium with every host but loopback cut off:
Swagger UI (``/docs``) and ReDoc (``/redoc``) render each operation from this server's
own files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.service.live import LiveServer, free_port
from tests.browser import chromium, needs_chromium

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def offline_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose every request to a host other than loopback goes to a proxy nobody
    listens on (so it fails, as with no network); loopback is reached directly."""
    dead_proxy = f"--proxy-server=http://127.0.0.1:{free_port()}"
    with chromium(tmp_path_factory.mktemp("chromium-offline"), dead_proxy, offline=False) as driver:
        yield driver


def _document(server: LiveServer) -> dict[str, Any]:
    """The server's OpenAPI document."""
    doc: dict[str, Any] = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
    return doc


def _operations(server: LiveServer) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation of the server's OpenAPI document."""
    return [(m.upper(), p) for p, ops in _document(server)["paths"].items() for m in ops]


def _fetched(browser: Any) -> list[str]:
    """Every URL the page fetched (resource timing entries, failed ones included)."""
    names: list[str] = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    return names


def test_swagger_ui_renders_offline(server: LiveServer, offline_browser: Any) -> None:
    """/docs lists every operation (method and path) of the document with the network cut
    off, and everything it fetched came from the server itself."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    operations = _operations(server)
    offline_browser.get(f"{server.url}/docs")
    WebDriverWait(offline_browser, 60).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= len(operations)
    )
    shown = {
        (
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text.strip(),
            block.find_element(By.CSS_SELECTOR, ".opblock-summary-path")
            .get_attribute("data-path")
            .replace("\u200b", ""),
        )
        for block in offline_browser.find_elements(By.CSS_SELECTOR, ".opblock")
    }
    assert shown == set(operations)
    fetched = _fetched(offline_browser)
    assert any(u.endswith("/static/docs/swagger-ui-bundle.js") for u in fetched)
    assert all(u.startswith(server.url) for u in fetched), fetched


def test_redoc_renders_offline(server: LiveServer, offline_browser: Any) -> None:
    """/redoc renders a section per operation (each once) with the network cut off, from
    the server's own script; what it would take from elsewhere (ReDoc's logo) the page's
    own policy refuses before any request."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wanted = {
        f"operation/{op['operationId']}"
        for ops in _document(server)["paths"].values()
        for op in ops.values()
    }
    offline_browser.get(f"{server.url}/redoc")
    sections = "[data-section-id^='operation/']"
    WebDriverWait(offline_browser, 90).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, sections)) >= len(wanted)
    )
    shown = [
        e.get_attribute("data-section-id")
        for e in offline_browser.find_elements(By.CSS_SELECTOR, sections)
    ]
    assert sorted(shown) == sorted(wanted)
    fetched = _fetched(offline_browser)
    assert any(u.endswith("/static/docs/redoc.standalone.js") for u in fetched)
    refused = " ".join(
        e["message"]
        for e in offline_browser.get_log("browser")
        if "Content Security Policy" in e["message"]
    )
    outside = [u for u in fetched if not u.startswith(server.url)]
    assert all(u in refused for u in outside), (outside, refused)  # ReDoc's own logo
