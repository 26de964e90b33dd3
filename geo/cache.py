"""Disk cache of prepared street graphs as plain arrays.

File layout (``.graph``): one line of JSON naming each array's dtype, shape and byte
offset, then the raw little-endian bytes of all arrays; read back with one file read and
zero-copy views (much cheaper per array than ``.npz``).

Key: the source file's resolved path, modification time (ns) and size, the travel
profile's fingerprint, and :data:`FORMAT`. Folder: the one passed in, else
``DOORSTEP_CACHE`` (default ``~/.cache/doorstep``), subfolder ``graphs``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from geo.graph import StreetGraph
from geo.profiles import TravelProfile

log = logging.getLogger("doorstep.geo")

#: Bump when the graph arrays or their meaning change.
FORMAT = 4
#: Bump when the address index (its classes or how it is read from the map) changes.
ADDRESS_FORMAT = 1

T = TypeVar("T")


def default_cache_dir() -> Path:
    """``DOORSTEP_CACHE`` or ``~/.cache/doorstep`` (same rule as ``api.settings``)."""
    return Path(os.environ.get("DOORSTEP_CACHE", Path.home() / ".cache" / "doorstep")).expanduser()


def cache_path(source: Path, profile: TravelProfile, cache_dir: Path | None = None) -> Path:
    """Where the prepared graph of ``profile`` for file ``source`` is (or would be) kept."""
    st = source.stat()
    raw = f"{source.resolve()}|{st.st_mtime_ns}|{st.st_size}|{profile.fingerprint()}|{FORMAT}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:20]
    folder = (cache_dir or default_cache_dir()) / "graphs"
    return folder / f"{source.name}.{profile.name}.{digest}.graph"


def hierarchy_path(graph_path: Path) -> Path:
    """Where the contraction hierarchy of the graph cached at ``graph_path`` is kept."""
    return graph_path.with_suffix(".ch")


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Store named arrays at ``path`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta: dict[str, list[object]] = {}
    blobs: list[bytes] = []
    offset = 0
    for name, value in arrays.items():
        arr = np.asarray(value)
        if arr.dtype.kind == "U":
            arr = np.frombuffer(str(arr[()]).encode(), dtype=np.uint8)
            kind = "str"
        else:
            arr = arr.astype(arr.dtype.newbyteorder("<"))
            kind = arr.dtype.str
        data = arr.tobytes()
        meta[name] = [kind, list(arr.shape), offset, len(data)]
        blobs.append(data)
        offset += len(data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps({"format": FORMAT, "arrays": meta}).encode() + b"\n")
            for data in blobs:
                fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """Arrays stored by :func:`write_arrays`, or ``None`` if absent or unreadable."""
    try:
        raw = path.read_bytes()
        end = raw.index(b"\n")
        header = json.loads(raw[:end])
        if header.get("format") != FORMAT:
            return None
        body = memoryview(raw)[end + 1 :]
        out: dict[str, np.ndarray] = {}
        for name, (kind, shape, offset, size) in header["arrays"].items():
            chunk = body[offset : offset + size]
            if kind == "str":
                out[name] = np.asarray(bytes(chunk).decode())
            else:
                out[name] = np.frombuffer(chunk, dtype=np.dtype(kind)).reshape(tuple(shape))
        return out
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:
        log.warning("cache file %s unreadable (%s); rebuilding", path, exc)
        return None


def load_cached(path: Path) -> StreetGraph | None:
    """The graph stored at ``path``, or ``None`` if absent or unreadable."""
    arrays = read_arrays(path)
    if arrays is None:
        return None
    try:
        return StreetGraph.from_arrays(arrays)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("graph cache %s unreadable (%s); rebuilding", path, exc)
        return None


def save_cached(path: Path, graph: StreetGraph) -> None:
    """Store ``graph`` at ``path`` atomically."""
    write_arrays(path, graph.arrays())


def address_index_path(source: Path, cache_dir: Path | None = None) -> Path:
    """Where the address index of map file ``source`` is (or would be) kept: keyed like the
    graphs by the file's resolved path, modification time (ns) and size, and
    :data:`ADDRESS_FORMAT`; subfolder ``addresses``."""
    st = source.stat()
    raw = f"{source.resolve()}|{st.st_mtime_ns}|{st.st_size}|{ADDRESS_FORMAT}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:20]
    return (cache_dir or default_cache_dir()) / "addresses" / f"{source.name}.{digest}.index"


def cached_object(path: Path, build: Callable[[], T], kind: type[T]) -> T:
    """The object kept at ``path`` (a pickle this module wrote), else ``build()`` stored
    there atomically; an unreadable or foreign file is rebuilt over.

    The cache folder is the user's own (as the graphs'), so its pickles are trusted.
    """
    try:
        with path.open("rb") as fh:
            found = pickle.load(fh)
        if isinstance(found, kind):
            return found
        log.warning("cache file %s holds a %s; rebuilding", path, type(found).__name__)
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("cache file %s unreadable (%s); rebuilding", path, exc)
    built = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(built, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return built
