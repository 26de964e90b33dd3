"""Every point of a k-d tree within a reach, through pykdtree.

pykdtree answers only nearest-neighbour queries, optionally bounded by a distance; it has
no ball or pair query (SciPy's ``cKDTree`` has both, but ``scipy.spatial`` took ~0.2 s of
every plan's start-up, benchmarks/README.md). :func:`within` asks for ``k`` neighbours
within the reach, then four times as many, until no query point comes back with all of
them inside it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pykdtree.kdtree import KDTree

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def within(tree: KDTree, points: F64, reach: float, k: int) -> tuple[F64, I64]:
    """Distances and indices, ``(len(points), k')`` each, nearest first, of every point of
    ``tree`` within ``reach`` of each of ``points`` (``(m, 2)``); a row's columns past its
    neighbours have distance ``inf`` (and an index that is no point's). ``k`` is the first
    count asked for (at most the tree's points)."""
    n = tree.n
    k = min(k, n)
    while True:
        dist, idx = tree.query(points, k=k, distance_upper_bound=reach)
        dist, idx = dist.reshape(len(points), k), idx.reshape(len(points), k)
        if k == n or not np.isfinite(dist[:, -1]).any():
            return dist, idx.astype(np.int64)
        k = min(4 * k, n)
