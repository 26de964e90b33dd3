"""What the test command provisions so that every test runs: Debian's headless Chromium and
its driver (the page tests), and a throwaway PostgreSQL server on loopback (the job-store,
batch and durability tests run against it as well as against SQLite).

Standard library only: ``python3 -m tests`` imports this before the project's virtual
environment exists. Missing packages are installed with ``apt-get`` (as root, or through
``sudo -n``); anything that cannot be provisioned raises :class:`ProvisionError` saying what
to install by hand. The PostgreSQL server is this run's own (a fresh cluster in a temporary
folder, trust authentication on 127.0.0.1 and a free port) and is stopped when the run ends.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: The CJK font the zh-CN page tests draw Chinese with (Debian's ``fonts-noto-cjk``).
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
#: Debian packages of the browser tests and of the PostgreSQL server.
BROWSER_PACKAGES = ("chromium", "chromium-driver", "fonts-noto-cjk")
POSTGRES_PACKAGES = ("postgresql",)
#: Where Debian puts the server programs of each PostgreSQL major version.
POSTGRES_LIB = Path("/usr/lib/postgresql")
#: Environment variable naming the test server (``tests/api/service/conftest.py``).
POSTGRES_URL_VARIABLE = "DOORSTEP_TEST_POSTGRES_URL"
#: The system user a root-started server runs as (``initdb`` refuses root).
POSTGRES_USER = "postgres"


class ProvisionError(RuntimeError):
    """Something the tests need could not be installed or started."""


def _is_root() -> bool:
    return os.geteuid() == 0


def apt_command(args: Sequence[str], *, root: bool, apt: str = "apt-get") -> list[str]:
    """The ``apt`` command line running ``args`` non-interactively, through ``sudo -n``
    unless ``root``."""
    cmd = [apt, "-q", "-y", "-o", "Dpkg::Use-Pty=0", *args]
    return cmd if root else ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", *cmd]


def install_packages(packages: Sequence[str], *, apt: str = "apt-get") -> None:
    """Install Debian ``packages`` (refreshing the package lists first).

    Raises
    ------
    ProvisionError
        Without ``apt`` on PATH, or when the install fails.
    """
    wanted = " ".join(packages)
    if shutil.which(apt) is None:
        raise ProvisionError(f"{apt} not found: install {wanted} (Debian names) by hand")
    if not _is_root() and shutil.which("sudo") is None:
        raise ProvisionError(f"installing {wanted} needs root (or sudo)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"tests: installing {wanted} (apt-get)", flush=True)
    for args in (["update"], ["install", *packages]):
        cmd = apt_command(args, root=_is_root(), apt=apt)
        done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            raise ProvisionError(f"{' '.join(cmd)} failed with exit status {done.returncode}")


def ensure_browser() -> None:
    """Make sure ``/usr/bin/chromium``, ``/usr/bin/chromedriver`` and a CJK font exist
    (Debian's ``chromium``, ``chromium-driver`` and ``fonts-noto-cjk`` packages)."""
    needed = (CHROMIUM, CHROMEDRIVER, CJK_FONT)
    if all(p.exists() for p in needed):
        return
    install_packages(BROWSER_PACKAGES)
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        raise ProvisionError(f"still missing after the install: {', '.join(missing)}")


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path.parent.name))


def postgres_bin(lib: Path = POSTGRES_LIB) -> Path | None:
    """The ``bin`` folder of the newest PostgreSQL server under ``lib`` (Debian's layout),
    else the folder of an ``initdb`` on PATH, else ``None``."""
    found = sorted((p for p in lib.glob("*/bin") if (p / "initdb").exists()), key=_version_key)
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _online_clusters() -> list[tuple[str, str]]:
    """``(version, name)`` of the Debian-managed clusters that are running."""
    if shutil.which("pg_lsclusters") is None:
        return []
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False)
    rows = [line.split() for line in out.stdout.splitlines()]
    return [(r[0], r[1]) for r in rows if len(r) > 3 and r[3] == "online"]


def ensure_postgres_bin() -> Path:
    """The server programs' folder, installing Debian's ``postgresql`` when there is none.

    Debian's package creates a default cluster and, where services may start, starts it;
    a cluster started by this install is stopped again at once (the tests use their own).
    """
    found = postgres_bin()
    if found is not None:
        return found
    before = set(_online_clusters())
    install_packages(POSTGRES_PACKAGES)
    for version, name in sorted(set(_online_clusters()) - before):
        subprocess.run(["pg_ctlcluster", version, name, "stop"], check=False)
    found = postgres_bin()
    if found is None:
        raise ProvisionError("no initdb found after installing postgresql")
    return found


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """Run ``cmd`` as the ``postgres`` user when root (the server refuses to run as root)."""
    return ["runuser", "-u", POSTGRES_USER, "--", *cmd] if _is_root() else cmd


@contextmanager
def postgres_server(bin_dir: Path) -> Iterator[str]:
    """A fresh PostgreSQL cluster on 127.0.0.1 and a free port, trust authentication, for
    the length of the ``with`` block; yields its SQLAlchemy URL (database ``postgres``,
    user ``postgres``). The server is stopped and its folder removed on leaving."""
    folder = Path(tempfile.mkdtemp(prefix="doorstep-test-pg."))
    data = folder / "data"
    try:
        if _is_root():
            shutil.chown(folder, user=POSTGRES_USER)
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        _run_logged(_as_server_user([*initdb, "--no-sync"]), folder / "initdb.log")
        port = free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} "
            "-c fsync=off -c max_connections=200"
        )
        pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log")]
        _run_logged(_as_server_user([*pg_ctl, "-w", "-o", options, "start"]), folder / "ctl.log")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            subprocess.run(_as_server_user(stop), capture_output=True, check=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_logged(cmd: list[str], log: Path) -> None:
    with log.open("w") as fh:
        done = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise ProvisionError(f"{' '.join(cmd)} failed ({done.returncode}):\n{tail}")


@contextmanager
def provisioned() -> Iterator[dict[str, str]]:
    """Everything the suite needs, for the length of the ``with`` block: the browser
    installed, and a PostgreSQL server (unless ``DOORSTEP_TEST_POSTGRES_URL`` already names
    one). Yields the environment variables to give the test run."""
    ensure_browser()
    given = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if given:
        yield {POSTGRES_URL_VARIABLE: given}
        return
    with postgres_server(ensure_postgres_bin()) as url:
        yield {POSTGRES_URL_VARIABLE: url}
