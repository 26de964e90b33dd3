"""Disk cache of prepared street graphs as plain ``.npz`` arrays.

Key: the source file's resolved path, modification time (ns) and size, the travel
profile's fingerprint, and :data:`FORMAT`. Folder: the one passed in, else
``DOORSTEP_CACHE`` (default ``~/.cache/doorstep``), subfolder ``graphs``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from geo.graph import StreetGraph
from geo.profiles import TravelProfile

log = logging.getLogger("doorstep.geo")

#: Bump when the graph arrays or their meaning change.
FORMAT = 1


def default_cache_dir() -> Path:
    """``DOORSTEP_CACHE`` or ``~/.cache/doorstep`` (same rule as ``api.settings``)."""
    return Path(os.environ.get("DOORSTEP_CACHE", Path.home() / ".cache" / "doorstep")).expanduser()


def cache_path(source: Path, profile: TravelProfile, cache_dir: Path | None = None) -> Path:
    """Where the prepared graph of ``profile`` for file ``source`` is (or would be) kept."""
    st = source.stat()
    raw = f"{source.resolve()}|{st.st_mtime_ns}|{st.st_size}|{profile.fingerprint()}|{FORMAT}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:20]
    folder = (cache_dir or default_cache_dir()) / "graphs"
    return folder / f"{source.name}.{profile.name}.{digest}.npz"


def load_cached(path: Path) -> StreetGraph | None:
    """The graph stored at ``path``, or ``None`` if absent or unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            return StreetGraph.from_arrays({k: npz[k] for k in npz.files})
    except (OSError, ValueError, KeyError) as exc:
        log.warning("graph cache %s unreadable (%s); rebuilding", path, exc)
        return None


def save_cached(path: Path, graph: StreetGraph) -> None:
    """Store ``graph`` at ``path`` atomically (write to a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **graph.arrays())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
