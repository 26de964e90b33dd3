"""Where and with what a benchmark ran: ``python -m benchmarks.machine``.

Date (UTC), logical cores, CPU model from ``/proc/cpuinfo``, load average, Python and the
versions of the solvers compared. Written beside every result CSV (``*.meta.txt``).
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: Distributions whose versions matter for the figures.
PACKAGES = ("doorstep", "ortools", "pyvrp", "pyvroom", "numpy")


def doorstep_script(checkout: Path | None = None) -> str:
    """The ``doorstep`` script of ``checkout``'s virtual environment (this one's: ``None``),
    for benchmarks that run the command as a user does, one process per call."""
    if checkout is None:
        return str(Path(sys.executable).with_name("doorstep"))
    return str(checkout / ".venv" / "bin" / "doorstep")


def cpu_model() -> str:
    """The CPU model name from ``/proc/cpuinfo`` (or the platform's word for it)."""
    info = Path("/proc/cpuinfo")
    if info.exists():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def describe() -> dict[str, str]:
    """Machine and package facts as ``name -> text``."""
    facts = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "cpu": cpu_model(),
        "load average (1, 5, 15 min)": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
    }
    for name in PACKAGES:
        try:
            facts[name] = version(name)
        except PackageNotFoundError:
            facts[name] = "not installed"
    return facts


def text() -> str:
    """:func:`describe` as ``name: value`` lines."""
    return "\n".join(f"{k}: {v}" for k, v in describe().items())


if __name__ == "__main__":
    print(text())
    sys.exit(0)
