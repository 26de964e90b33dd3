"""Path keys: one int64 per path that orders paths by travel time, then by length.

A key is ``(ms << shift) + cm``. Keys add up along a path, so every engine (compiled
Dijkstra, contraction hierarchy) minimises one integer. The minimum is the fastest path,
shortest among equally fast ones, as long as the *best* path's length fits in ``shift``
bits: any other path is either slower (a whole unit of ``1 << shift`` more) or as fast
and not shorter. So ``shift`` is sized by what a single shortest path can measure, not by
the whole map:

- time: no shortest path between two nodes takes longer than ``ecc_in(r) + ecc_out(r)``
  for any node ``r`` (two exact searches from a central node bound the diameter); a path
  between two street positions adds at most two partial links;
- length: each segment with ``ms > 0`` has ``cm <= ms * max_ratio``; segments whose time
  rounds to 0 ms are counted with their full length. A shortest path uses a segment once.

Keys then need ``bits(max ms) + shift`` bits; above :data:`KEY_BITS` the graph is refused.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from geo.dijkstra import INF, shortest_tree
from geo.errors import EmptyGraphError

I64 = npt.NDArray[np.int64]

#: Bits a path key may use: leaves room below :data:`geo.dijkstra.INF` (2**62) for sums
#: of keys inside the searches (a hierarchy's upward search adds shortcut keys).
KEY_BITS = 60


def _reverse_csr(indptr: I64, indices: I64, weights: I64) -> tuple[I64, I64, I64]:
    n = len(indptr) - 1
    tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    order = np.argsort(indices, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(indices, minlength=n), out=ptr[1:])
    return ptr, tail[order], weights[order]


def diameter_bound_ms(indptr: I64, indices: I64, arc_ms: I64, centre: int) -> int:
    """Upper bound (ms) of the fastest time between any two nodes of a strongly
    connected graph: the farthest node from ``centre`` plus the farthest node to it."""
    seeds = np.array([centre], dtype=np.int64)
    zero = np.zeros(1, dtype=np.int64)
    out = shortest_tree(indptr, indices, arc_ms, seeds, zero)[0]
    back = shortest_tree(*_reverse_csr(indptr, indices, arc_ms), seeds, zero)[0]
    reach_out, reach_in = out[out < INF], back[back < INF]
    return int(reach_out.max(initial=0)) + int(reach_in.max(initial=0))


def length_bound_cm(pt_ms: I64, pt_cm: I64, link_ptr: I64, max_ms: int) -> int:
    """Upper bound (cm) of the length of any simple path taking at most ``max_ms``."""
    seg_ms = np.diff(pt_ms)
    seg_cm = np.diff(pt_cm)
    inner = np.ones(len(seg_ms), dtype=bool)
    inner[link_ptr[1:-1] - 1] = False  # the step from one link's last point to the next's first
    seg_ms, seg_cm = seg_ms[inner], seg_cm[inner]
    timed = seg_ms > 0
    zero_cm = int(seg_cm[~timed].sum())
    if not timed.any():
        return zero_cm
    ratio = seg_cm[timed] / seg_ms[timed]
    i = int(np.argmax(ratio))
    cm_i, ms_i = int(seg_cm[timed][i]), int(seg_ms[timed][i])
    return -(-max_ms * cm_i // ms_i) + zero_cm


def key_shift(
    indptr: I64,
    indices: I64,
    arc_ms: I64,
    pt_ms: I64,
    pt_cm: I64,
    link_ptr: I64,
    centre: int,
    *,
    source: str,
) -> int:
    """Bits of the length part of path keys for this graph (see the module docstring);
    ``centre`` is a node of the routing core (the root of the diameter bound).

    Raises
    ------
    EmptyGraphError
        When a single path's time and length bounds need more than :data:`KEY_BITS` bits
        (a map thousands of kilometres across); names the map and the bounds.
    """
    link_ms = pt_ms[link_ptr[1:] - 1]
    max_ms = diameter_bound_ms(indptr, indices, arc_ms, centre) + 2 * int(link_ms.max(initial=0))
    max_cm = length_bound_cm(pt_ms, pt_cm, link_ptr, max_ms)
    shift = max(1, max_cm.bit_length())
    if max_ms.bit_length() + shift > KEY_BITS:
        raise EmptyGraphError(
            f"a single path may take up to {max_ms / 3.6e6:.0f} h over {max_cm / 1e5:.0f} km: "
            f"{max_ms.bit_length() + shift} bits, more than the {KEY_BITS} of a path key; "
            "split the map",
            record=f"map '{source}'",
        )
    return shift
