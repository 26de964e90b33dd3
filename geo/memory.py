"""Memory a graph build needs, estimated before it starts, and what the machine has.

Measured on the mirror-tiled Helsinki walk maps (``benchmarks/tiled.py``; 4 x 4: 195,040
way node references, peak resident memory 201 MB after reading and 289 MB after building
over a ~150 MB interpreter with numba and scipy loaded): the build's peak grows by about
450-600 bytes per way node reference read (Python lists of the segment walk; 600 is used),
and preparing the contraction hierarchy holds the chordal arcs of its nested-dissection
order (about 7.5 per graph node on those maps) with two keys, their basic copies and
masks, some 60 bytes each: under 1 kB per graph node, which the 200 bytes per reference
(~1.1 kB per node) cover. A graph that would not fit is refused before parsing results
are turned into arrays.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.errors import MapSourceError
from geo.osm import OsmData

#: Bytes of peak build memory per way node reference (segments walk, links, CSR).
BYTES_PER_REF = 600
#: Bytes of hierarchy preparation per way node reference (graph nodes ~ refs / 5.6).
CH_BYTES_PER_REF = 200


def way_refs(data: OsmData) -> int:
    """Node references of all highway ways of ``data``."""
    return sum(len(refs) for refs, _ in data.ways)


def estimate_build_bytes(data: OsmData, profiles: int = 1) -> int:
    """Peak extra memory (bytes) to build ``profiles`` graphs of ``data`` and prepare one
    hierarchy (profiles are built one after the other, their results kept)."""
    refs = way_refs(data)
    return refs * (BYTES_PER_REF + CH_BYTES_PER_REF) + (profiles - 1) * refs * 60


def available_bytes() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` (bytes), or ``None`` where there is none."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def ensure_fits(data: OsmData, profiles: int = 1, *, limit: int | None = None) -> int:
    """The estimate of :func:`estimate_build_bytes`; raises if it exceeds ``limit``
    (default: ``DOORSTEP_GEO_MEMORY`` bytes if set, else the memory available now).

    Raises
    ------
    MapSourceError
        Naming the map, the estimate and the limit.
    """
    need = estimate_build_bytes(data, profiles)
    if limit is None:
        env = os.environ.get("DOORSTEP_GEO_MEMORY")
        limit = int(float(env)) if env else available_bytes()
    if limit is not None and need > limit:
        raise MapSourceError(
            f"building its street graph would need about {_size(need)} of memory "
            f"({way_refs(data):,} way node references), more than the {_size(limit)} "
            "available; use a smaller extract or a machine with more memory",
            record=f"map '{data.name}'",
        )
    return need


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"
