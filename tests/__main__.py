"""``python3 -m tests``: the whole test suite with lint, format and type checks.

Creates the project's virtual environment on first use (see ``api/_venv.py``), then runs
ruff (lint and format check), mypy and pytest. Extra arguments go to pytest.
"""

from __future__ import annotations

import subprocess
import sys

from api import _venv


def main(pytest_args: list[str]) -> int:
    """Run every check in turn; return the first non-zero exit status, else 0."""
    py = str(_venv.ensure("dev,distributed"))
    root = str(_venv.ROOT)
    steps = [
        ("ruff check", [py, "-m", "ruff", "check", "."]),
        ("ruff format --check", [py, "-m", "ruff", "format", "--check", "."]),
        ("mypy", [py, "-m", "mypy"]),
        ("pytest", [py, "-m", "pytest", *pytest_args]),
    ]
    for name, cmd in steps:
        print(f"== {name}", flush=True)
        code = subprocess.run(cmd, cwd=root).returncode
        if code != 0:
            print(f"== {name} failed with exit status {code}", flush=True)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
