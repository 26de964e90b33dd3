"""The standard instance sets: where their files are, how to read them, their best-known costs.

Files and best-known solutions (BKS) are read from ``api.settings.data_dir()``
(``DOORSTEP_DATA``). Costs in the harness are in each family's integer convention (see
:mod:`api.instances`): Solomon-format sets in tenths (Euclidean x10 truncated per arc), X in
nint-rounded units. A BKS is in customary units; ``scale`` converts.
"""

from __future__ import annotations

import csv
import dataclasses
import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.instances import Instance, read_solomon, read_vrplib
from api.settings import data_dir

#: Pure-distance best-known columns reported one by one when a set's ``bks.csv`` has them.
BKS_COLUMNS = ("distonly_distance", "exact_trunc1dec_distance")


@dataclass(frozen=True, slots=True)
class InstanceSet:
    """One benchmark set.

    Attributes
    ----------
    name
        Name used on the command line and in results.
    folder
        Folder under the data directory.
    pattern
        Glob of the instance files in ``folder``.
    locations
        Locations per instance (customers + depot), or ``None`` when it varies (then read
        from ``-nN`` in the name, which counts the depot too, as X names do).
    bks_note
        What the BKS column means, printed under the table.
    derive
        Turns each instance read into the benchmarked variant (``None``: as read); a
        derived set has no best-known costs.
    """

    name: str
    folder: str
    pattern: str
    locations: int | None
    bks_note: str
    derive: Callable[[Instance], Instance] | None = None

    def files(self, *, instances: str | None = None, max_n: int | None = None) -> list[Path]:
        """Instance files of the set, sorted by size then name.

        Parameters
        ----------
        instances
            Optional glob on the instance name (file name without extension, any case).
        max_n
            Keep only instances with at most this many locations (customers + depot).
        """
        root = data_dir() / self.folder
        out = []
        for path in root.glob(self.pattern):
            if instances and not fnmatch.fnmatch(path.stem.lower(), instances.lower()):
                continue
            if max_n is not None and self.size(path.stem) > max_n:
                continue
            out.append(path)
        return sorted(out, key=lambda p: (self.size(p.stem), p.stem))

    def size(self, name: str) -> int:
        """Number of locations (customers + depot) of instance ``name``."""
        if self.locations is not None:
            return self.locations
        match = re.search(r"-n(\d+)", name)
        return int(match.group(1)) if match else 0

    def read(self, path: Path) -> Instance:
        """Read one instance file with the family's reader (then :attr:`derive`)."""
        instance = read_vrplib(path) if path.suffix == ".vrp" else read_solomon(path)
        return instance if self.derive is None else self.derive(instance)

    def bks(self) -> dict[str, float]:
        """Best-known cost per instance name (customary units); see :attr:`bks_note`."""
        path = data_dir() / self.folder / "bks.csv"
        if self.derive is not None or not path.exists():
            return {}
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        out: dict[str, float] = {}
        for row in rows:
            if "exact_trunc1dec_distance" in row:
                value = row["exact_trunc1dec_distance"] or row["distonly_distance"]
            elif "cost" in row:
                value = row["cost"]
            else:
                value = row["distance"]
            if value:
                out[row["instance"].lower()] = float(value)
        return out

    def bks_by_column(self) -> dict[str, dict[str, float]]:
        """``{column: {instance name (lower case): value}}`` for each of :data:`BKS_COLUMNS`
        in the set's ``bks.csv`` (customary units; instances without a value left out)."""
        path = data_dir() / self.folder / "bks.csv"
        if self.derive is not None or not path.exists():
            return {}
        with path.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        return {
            col: {r["instance"].lower(): float(r[col]) for r in rows if r.get(col)}
            for col in BKS_COLUMNS
            if rows and col in rows[0]
        }


#: Divisor of the vehicle capacity in the multi-trip Solomon set.
RELOAD_DIVISOR = 3


def multi_trip(instance: Instance) -> Instance:
    """The multi-trip variant of a Solomon instance: every vehicle's capacity divided by
    :data:`RELOAD_DIVISOR` (rounded down, never below the largest demand), unlimited trips,
    reloading at its depot (its start) in no time; windows, service times, fleet size and
    distances as read."""
    problem = instance.problem
    largest = [
        max((s.demand[d] for s in problem.stops), default=0) for d in range(len(problem.dimensions))
    ]
    vehicles = tuple(
        dataclasses.replace(
            v,
            capacity=tuple(
                max(c // RELOAD_DIVISOR, top) for c, top in zip(v.capacity, largest, strict=True)
            ),
            max_trips=None,
        )
        for v in problem.vehicles
    )
    return dataclasses.replace(instance, problem=dataclasses.replace(problem, vehicles=vehicles))


SETS: dict[str, InstanceSet] = {
    s.name: s
    for s in (
        InstanceSet(
            "solomon",
            "solomon",
            "*.txt",
            101,
            "Solomon BKS: pure-distance optimum under the 1-decimal truncation convention "
            "(`exact_trunc1dec_distance`) where proven, else the best known pure-distance "
            "value (`distonly_distance`, double precision).",
        ),
        InstanceSet(
            "solomon-reload",
            "solomon",
            "*.txt",
            101,
            "Multi-trip Solomon: capacity / 3, unlimited reloads at the depot (no BKS).",
            multi_trip,
        ),
        InstanceSet(
            "homberger200",
            "homberger",
            "*_2_*.txt",
            201,
            "Homberger BKS are for the hierarchical objective (fewest vehicles, then "
            "distance); a distance-only run may use more vehicles and go below them.",
        ),
        InstanceSet(
            "homberger1000",
            "homberger",
            "*_10_*.txt",
            1001,
            "Homberger BKS are for the hierarchical objective (fewest vehicles, then "
            "distance); a distance-only run may use more vehicles and go below them.",
        ),
        InstanceSet(
            "x",
            "cvrplib-x",
            "X-*.vrp",
            None,
            "CVRPLIB X BKS: integer cost with nint-rounded arcs, as in `bks.csv`.",
        ),
    )
}
