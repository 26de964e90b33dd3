"""The manifest and summary pages render in headless Chromium without console errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from api.outputs.document import plan_document
from api.outputs.write import write_outputs
from api.plan.result import PlanResult

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent (python3 -m tests installs Debian's chromium)",
)


def _render(page: Path, profile: Path) -> tuple[str, list[str]]:
    """Load ``page`` headless; return its rendered DOM and the console lines it logged."""
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    return proc.stdout, console


def test_console_errors_are_seen(tmp_path: Path) -> None:
    """The harness does catch a page's console error (so a clean result means something)."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><script>missingFn();</script></body></html>")
    _, console = _render(bad, tmp_path / "profile")
    assert any("missingFn" in ln for ln in console)


def test_manifest_and_summary_render_cleanly(tmp_path: Path, small_plan: PlanResult) -> None:
    """Summary and manifests render with their tables and map, and log nothing."""
    plan = small_plan
    doc = plan_document(plan)
    write_outputs(doc, plan.geometry, {}, tmp_path / "out", streets=plan.streets)
    pages = [tmp_path / "out" / "summary.html"]
    pages += sorted((tmp_path / "out" / "manifests").glob("*.html"))[:3]
    for page in pages:
        dom, console = _render(page, tmp_path / "profile")
        assert console == [], (page.name, console)
        assert "<table" in dom and "OpenStreetMap contributors" in dom
        if page.parent.name == "manifests":
            assert '<path class="run"' in dom and '<path class="street"' in dom
