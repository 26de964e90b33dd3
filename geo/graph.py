"""The prepared street graph of one travel profile, as plain arrays."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class StreetGraph:
    """A travel profile's street graph: its largest strongly connected component only.

    Nodes are junctions and dead ends; chains of degree-2 OSM nodes are folded into
    *links* that keep their full geometry. Each link is traversable forward (``link_a`` to
    ``link_b``), backward, or both. The routing arcs in CSR form are the traversable link
    directions with, for each ordered node pair, only the cheapest of parallel links.

    Costs are integers: milliseconds of travel and centimetres of length. An arc's *key*
    ``(ms << key_shift) + cm`` orders paths by time, then by length, and adds up exactly.

    Attributes
    ----------
    profile
        Travel profile name.
    source
        Name of the map source.
    lon, lat
        WGS-84 degrees of each node.
    indptr, indices
        CSR adjacency of routing arcs (``indices[indptr[u]:indptr[u + 1]]`` are the heads
        of u) over :attr:`n_route` routing nodes: the street nodes, then the arrival copies.
    arc_ms, arc_cm, arc_key
        Per arc: travel time (ms), length (cm), combined key.
    arc_link
        Per arc: the link that realises it; ``arc_rev`` tells if it runs backward.
    link_a, link_b, link_fwd, link_bwd
        Per link: end nodes and allowed directions.
    link_local
        Per link: usable only at the ends of a leg (``access=private`` and the like).
    arrive_node
        Per street node: its arrival copy (reached only on the last part of a leg, inside
        the destination's compound), or -1 for nodes of the routing core; see
        :func:`geo.build._routing_arcs`.
    link_ptr
        Per link ``l``, its points are ``pt_*[link_ptr[l]:link_ptr[l + 1]]``, from a to b.
    pt_lon, pt_lat
        WGS-84 degrees of link points.
    pt_ms, pt_cm
        Cumulative travel time (ms) and length (cm) from the link start to each point.
    key_shift
        Bits of the length part of keys: enough for the longest shortest path of this
        graph, bounded from its diameter (see :mod:`geo.keys`).
    n_components
        Strongly connected components of the full profile network before reduction.
    door_mps
        Walking speed from the street to a door (m/s), from the profile.
    link_way_ptr, link_way
        Per link ``l``, the ids of the OSM ways it was made from (a link folds a chain of
        segments, possibly of more than one way) are
        ``link_way[link_way_ptr[l]:link_way_ptr[l + 1]]``, ascending; none when the map
        source named no way ids. Closures by way id read them (:mod:`geo.closures`).
    """

    profile: str
    source: str
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    indptr: I64
    indices: I64
    arc_ms: I64
    arc_cm: I64
    arc_key: I64
    arc_link: I64
    arc_rev: B
    link_a: I64
    link_b: I64
    link_fwd: B
    link_bwd: B
    link_local: B
    arrive_node: I64
    link_ptr: I64
    pt_lon: F64
    pt_lat: F64
    pt_ms: I64
    pt_cm: I64
    key_shift: int
    n_components: int
    door_mps: float
    link_way_ptr: I64
    link_way: I64

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.lon)

    @property
    def n_route(self) -> int:
        """Number of routing nodes (street nodes plus arrival copies); the CSR size."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of routing arcs (directed, parallel ones reduced to the cheapest)."""
        return len(self.indices)

    @property
    def n_links(self) -> int:
        """Number of links (street pieces between nodes, any direction)."""
        return len(self.link_a)

    @property
    def length_m(self) -> F64:
        """Per-arc length in metres."""
        return self.arc_cm / 100.0

    @property
    def travel_s(self) -> F64:
        """Per-arc travel time in seconds."""
        return self.arc_ms / 1000.0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` in WGS-84 degrees of all link points."""
        return (
            float(self.pt_lon.min()),
            float(self.pt_lat.min()),
            float(self.pt_lon.max()),
            float(self.pt_lat.max()),
        )

    def link_length_cm(self) -> I64:
        """Total length of each link in cm."""
        return self.pt_cm[self.link_ptr[1:] - 1]

    def link_time_ms(self) -> I64:
        """Total travel time of each link in ms."""
        return self.pt_ms[self.link_ptr[1:] - 1]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every field as a numpy array (for saving)."""
        return {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> StreetGraph:
        """Inverse of :meth:`arrays`."""
        kw: dict[str, object] = {}
        for f in fields(cls):
            value = arrays[f.name]
            if f.name in {"profile", "source"}:
                kw[f.name] = str(value)
            elif f.name in {"key_shift", "n_components"}:
                kw[f.name] = int(value)
            elif f.name == "door_mps":
                kw[f.name] = float(value)
            else:
                kw[f.name] = value
        return cls(**kw)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return (
            f"StreetGraph(profile={self.profile!r}, source={self.source!r}, "
            f"nodes={self.n_nodes}, edges={self.n_edges})"
        )
