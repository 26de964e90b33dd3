"""pytest plugin of the test command (``python3 -m tests`` loads it with ``-p``): a test
that would be skipped fails instead, with the skip's reason.

The test command provisions everything the suite needs (``tests/provision.py``), so a skip
there means something is missing and the run is not complete; it must say so loudly rather
than end green with fewer tests. Plain ``pytest`` runs keep their skips.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """Turn a skipped test's report into a failure naming why it was skipped."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} would be skipped ({reason}); the test command runs every test: "
            "see tests/provision.py"
        )
