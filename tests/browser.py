"""Headless Chromium for the page tests: selenium with Debian's chromium and driver,
full-page screenshots kept as artefacts, and printing to PDF read back as text."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: Marks a page test that needs the browser (``python3 -m tests`` installs it and fails on
#: any skip, so this only shows when pytest runs alone on a machine without it).
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and DRIVER.exists()),
    reason="chromium and chromium-driver are absent (python3 -m tests installs them)",
)


def artefacts() -> Path:
    """Where screenshots and PDFs are kept: ``DOORSTEP_TEST_ARTEFACTS``, else
    ``test-artefacts/`` at the project root (ignored by git)."""
    path = Path(os.environ.get("DOORSTEP_TEST_ARTEFACTS", PROJECT_ROOT / "test-artefacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def chromium(profile: Path, *args: str, offline: bool = True) -> Iterator[Any]:
    """A headless Chromium driven by selenium, keeping the browser console, with its profile
    in ``profile`` and the extra command-line ``args``; with the network off unless
    ``offline`` is false (pages served from loopback need it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"):
        opts.add_argument(arg)
    for arg in args:
        opts.add_argument(arg)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=Service(executable_path=str(DRIVER)))
    try:
        if offline:
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd(
                "Network.emulateNetworkConditions",
                {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            )
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, path: Path, width: int) -> Path:
    """A screenshot of the whole page laid out ``width`` CSS px wide, saved as PNG."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def printed_pages(driver: Any, path: Path) -> list[str]:
    """Print the loaded page to PDF as Chromium does (CSS paged media), keep it at
    ``path`` and return each page's text (pypdf)."""
    from pypdf import PdfReader

    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    pdf = driver.execute_cdp_cmd(
        "Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}
    )
    data = base64.b64decode(pdf["data"])
    path.write_bytes(data)
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
