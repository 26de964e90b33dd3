"""Settings read from the environment, in one place.

``DOORSTEP_DATA``
    Folder of shared benchmark and map data (default: ``../shared/data`` beside the project).
``DOORSTEP_CACHE``
    Folder for prepared street graphs and other caches (default: ``~/.cache/doorstep``).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder of the shared benchmark and map data (``DOORSTEP_DATA``)."""
    default = PROJECT_ROOT.parent / "shared" / "data"
    return Path(os.environ.get("DOORSTEP_DATA", default)).expanduser()


def cache_dir() -> Path:
    """Folder for caches (``DOORSTEP_CACHE``), created on first use."""
    default = Path.home() / ".cache" / "doorstep"
    path = Path(os.environ.get("DOORSTEP_CACHE", default)).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path
