"""``python3 -m tests``: the whole test suite with lint, format and type checks.

Creates the project's virtual environment on first use (see ``api/_venv.py``), runs ruff
(lint and format check) and mypy, then provisions what the tests need (headless Chromium
and its driver, a PostgreSQL server of this run's own: ``tests/provision.py``) and runs
pytest, where a skipped test counts as failed (``tests/no_skips.py``). The PostgreSQL
server is stopped when the run ends, however it ends. Meanwhile the geo kernels compile
in a process of their own (``tests/warm.py``); pytest starts after it ends. Extra
arguments go to pytest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType

from api import _venv
from tests import warm
from tests.provision import ProvisionError, provisioned


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds the provisioning: the server is stopped


def _step(name: str, cmd: list[str], env: dict[str, str] | None = None) -> int:
    print(f"== {name}", flush=True)
    code = subprocess.run(cmd, cwd=_venv.ROOT, env=env).returncode
    if code != 0:
        print(f"== {name} failed with exit status {code}", flush=True)
    return code


def main(pytest_args: list[str]) -> int:
    """Run every check in turn; return the first non-zero exit status, else 0."""
    py = str(_venv.ensure("dev,distributed"))
    # The geo kernels compile (once per checkout) on the other core while the checks run.
    warming = warm.start(py, _venv.ROOT)
    try:
        return _checked_and_tested(py, pytest_args, warming)
    finally:
        if warming.poll() is None:
            warming.terminate()
            warming.wait()


def _checked_and_tested(py: str, pytest_args: list[str], warming: subprocess.Popen[bytes]) -> int:
    """Lint, format check, mypy, then pytest (after ``warming`` ended) on provisioned
    services; the first non-zero exit status, else 0."""
    checks = [
        ("ruff check", [py, "-m", "ruff", "check", "."]),
        ("ruff format --check", [py, "-m", "ruff", "format", "--check", "."]),
        ("mypy", [py, "-m", "mypy"]),
    ]
    for name, cmd in checks:
        code = _step(name, cmd)
        if code != 0:
            return code
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    print("== provisioning Chromium and PostgreSQL", flush=True)
    try:
        with provisioned() as extra:
            env = {**os.environ, **extra}
            warming.wait()
            return _step("pytest", [py, "-m", "pytest", "-p", "tests.no_skips", *pytest_args], env)
    except ProvisionError as exc:
        print(f"== provisioning failed: {exc}", flush=True)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
