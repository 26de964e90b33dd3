"""The test command's provisioning: apt commands, the newest server found, a PostgreSQL
server of the run's own that is gone afterwards (also when the run is terminated), and
skips that fail under the test command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.provision import (
    ProvisionError,
    apt_command,
    install_packages,
    postgres_bin,
    postgres_server,
)

ROOT = Path(__file__).resolve().parent.parent


def _listening(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _server_bin() -> Path:
    found = postgres_bin()
    if found is None:
        pytest.skip("no PostgreSQL server programs (python3 -m tests installs them)")
    return found


def test_apt_runs_non_interactively_and_through_sudo_unless_root() -> None:
    """As root apt-get runs directly; otherwise through sudo -n with a non-interactive front."""
    root = apt_command(["install", "chromium"], root=True)
    assert root[0] == "apt-get" and "-y" in root and root[-2:] == ["install", "chromium"]
    user = apt_command(["update"], root=False)
    assert user[:2] == ["sudo", "-n"] and "DEBIAN_FRONTEND=noninteractive" in user
    assert user[-1] == "update"


def test_without_apt_the_error_names_the_packages() -> None:
    """No package manager: ProvisionError saying what to install by hand."""
    with pytest.raises(ProvisionError, match="chromium chromium-driver"):
        install_packages(["chromium", "chromium-driver"], apt="no-such-apt-get")


def test_newest_server_version_is_chosen(tmp_path: Path) -> None:
    """Among Debian's version folders the newest with an initdb wins (15 over 9.6)."""
    for version, programs in (("9.6", True), ("15", True), ("16", False)):
        folder = tmp_path / version / "bin"
        folder.mkdir(parents=True)
        if programs:
            (folder / "initdb").write_text("")
    assert postgres_bin(tmp_path) == tmp_path / "15" / "bin"


def test_server_answers_then_is_gone(tmp_path: Path) -> None:
    """The server takes connections inside the block and is stopped afterwards, also when
    the block raised."""
    import psycopg

    with pytest.raises(KeyError), postgres_server(_server_bin()) as url:
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        raise KeyError("leaving by an error")
    assert not _listening(url)


def test_terminated_run_stops_its_server() -> None:
    """SIGTERM to the test command's process stops the server it started."""
    _server_bin()
    script = (
        "import signal, time\n"
        "from tests.__main__ import _exit_on_signal\n"
        "from tests.provision import postgres_bin, postgres_server\n"
        "signal.signal(signal.SIGTERM, _exit_on_signal)\n"
        "with postgres_server(postgres_bin()) as url:\n"
        "    print(url, flush=True)\n"
        "    time.sleep(120)\n"
    )
    cmd = [sys.executable, "-c", script]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert _listening(url)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 128 + signal.SIGTERM
    assert not _listening(url)


def test_skip_fails_under_the_test_command(tmp_path: Path) -> None:
    """With the test command's plugin a skipped test fails, naming the skip's reason."""
    case = tmp_path / "test_case.py"
    case.write_text(
        "import pytest\n\n"
        "def test_runs():\n    assert True\n\n"
        "def test_skips():\n    pytest.skip('no browser here')\n"
    )
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(case)]
    # The case needs no installed plugin: loading them all costs each run ~6 s of CPU.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    kw: dict[str, Any] = {"cwd": ROOT, "env": env, "capture_output": True, "text": True}
    plain = subprocess.run(cmd, timeout=120, **kw)
    assert plain.returncode == 0 and "1 passed, 1 skipped" in plain.stdout
    strict = subprocess.run([*cmd, "-p", "tests.no_skips"], timeout=120, **kw)
    assert strict.returncode == 1 and "no browser here" in strict.stdout
    assert "skipped" not in strict.stdout.splitlines()[-1]
