"""Self-installing entry points: make ``.venv`` in the project and re-run inside it.

Standard library only, so that ``python3 -m api demo`` and ``python3 -m tests`` work on a
fresh machine that has nothing but Python 3.11+. The virtual environment is (re)built
when it is missing or when ``pyproject.toml`` changed since it was last installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("DOORSTEP_VENV", ROOT / ".venv"))
_STAMP = VENV / ".doorstep-installed"


#: What the install runs once: every compiled function a plan calls, compiled and cached.
_WARM_UP = "from solver.refine import warm_up; warm_up(); import geo.warm; geo.warm.warm_up()"


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _wanted_stamp(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    return f"{digest} {extras}"


def ensure(extras: str = "dev") -> Path:
    """Create or refresh the project's virtual environment and return its interpreter.

    Parameters
    ----------
    extras
        Comma-separated optional-dependency groups of ``pyproject.toml`` to install.
    """
    py = _python()
    wanted = _wanted_stamp(extras)
    if py.exists() and _STAMP.exists() and _STAMP.read_text().strip() == wanted:
        return py
    if not py.exists():
        print(f"doorstep: creating virtual environment in {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("doorstep: installing the project and its dependencies", file=sys.stderr)
    quiet = [] if os.environ.get("DOORSTEP_VERBOSE_INSTALL") else ["-q"]
    subprocess.run(
        [str(py), "-m", "pip", "install", *quiet, "--upgrade", "pip"],
        check=True,
    )
    subprocess.run(
        [str(py), "-m", "pip", "install", *quiet, "-e", f"{ROOT}[{extras}]"],
        check=True,
    )
    # Compile the route refinement's kernel and the street layer's searches now (numba
    # caches them on disk), not inside the first plan's time budget.
    print(
        "doorstep: compiling the route search and street searches (once per install)",
        file=sys.stderr,
    )
    subprocess.run([str(py), "-c", _WARM_UP], check=True, cwd=ROOT)
    _STAMP.write_text(wanted + "\n")
    return py


def inside() -> bool:
    """Tell whether this interpreter is the project's virtual environment."""
    return Path(sys.prefix).resolve() == VENV.resolve()


def reexec(module_args: list[str], extras: str = "dev") -> None:
    """Replace this process by ``.venv/bin/python <module_args>`` after :func:`ensure`."""
    py = ensure(extras)
    os.chdir(ROOT)
    os.execv(str(py), [str(py), *module_args])
