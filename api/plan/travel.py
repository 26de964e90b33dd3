"""Street travel of a plan: graphs per mode, snapping, exact matrices, run geometry.

Matrices come back as :class:`geo.TravelMatrices` (int64 seconds and metres, ``-1`` where
unreachable; snap distances and reachability per point), straight from :mod:`geo`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from api.i18n import N_
from api.plan.day import LonLat
from api.plan.progress import Progress, ProgressFn
from solver.errors import Detail

if TYPE_CHECKING:
    from geo import TravelMatrices
    from geo.addresses import AddressIndex


class Travel(Protocol):
    """Where travel times come from: the street graphs of each mode."""

    def modes(self) -> Sequence[str]:
        """Travel modes available."""
        ...

    def snap(self, mode: str, points: Sequence[LonLat]) -> npt.NDArray[np.float64]:
        """Place ``(lon, lat)`` points on the streets of ``mode``; return snap distances (m)."""
        ...

    def matrices(self, mode: str, points: Sequence[LonLat]) -> TravelMatrices:
        """Snap ``(lon, lat)`` points and return their matrices on ``mode``."""
        ...

    def geometry(self, mode: str, points: Sequence[LonLat], order: Sequence[int]) -> Any:
        """Street-following GeoJSON geometry visiting ``points[order]`` on ``mode``, or None."""
        ...

    def streets(self, bbox: tuple[float, float, float, float]) -> list[list[LonLat]]:
        """The streets with a point in ``bbox`` ``(west, south, east, north)``, as
        ``(lon, lat)`` polylines, for drawing maps."""
        ...


class StreetTravel:
    """Travel on real OSM street graphs (one per mode) from :mod:`geo`.

    Parameters
    ----------
    graphs
        ``{mode: StreetGraph}`` as returned by ``geo.load_graphs``.
    max_snap_m
        Doors farther than this from a usable street are unreachable on that mode (m).
    """

    def __init__(self, graphs: Mapping[str, Any], *, max_snap_m: float = 300.0) -> None:
        self.graphs = dict(graphs)
        self.max_snap_m = max_snap_m
        self._snapped: dict[tuple[str, tuple[LonLat, ...]], Any] = {}

    def modes(self) -> Sequence[str]:
        """Travel modes with a loaded graph."""
        return tuple(self.graphs)

    def _snap(self, mode: str, points: Sequence[LonLat]) -> Any:
        import geo

        key = (mode, tuple(points))
        if key not in self._snapped:
            self._snapped[key] = geo.snap(
                self.graphs[mode], list(points), max_snap_m=self.max_snap_m
            )
        return self._snapped[key]

    def snap(self, mode: str, points: Sequence[LonLat]) -> npt.NDArray[np.float64]:
        """Snap the points to the streets of ``mode`` (kept for the matrices and geometry)."""
        return np.asarray(self._snap(mode, points).snap_m, np.float64)

    def matrices(self, mode: str, points: Sequence[LonLat]) -> TravelMatrices:
        """Snap the points on ``mode`` and compute exact street matrices."""
        import geo

        return geo.travel_matrices(self.graphs[mode], self._snap(mode, points))

    def geometry(self, mode: str, points: Sequence[LonLat], order: Sequence[int]) -> Any:
        """Street-following GeoJSON of a run visiting ``points`` in ``order``."""
        import geo

        return geo.route_geometry(self.graphs[mode], self._snap(mode, points), list(order))

    def streets(self, bbox: tuple[float, float, float, float]) -> list[list[LonLat]]:
        """The streets in ``bbox`` of the densest graph loaded (walking, when loaded: the
        base layer the map page draws too)."""
        import geo

        graph = self.graphs.get("walk") or max(self.graphs.values(), key=lambda g: len(g.link_a))
        return geo.street_lines(graph, bbox)


class KeptMatrices:
    """A :class:`Travel` that computes each mode's matrices of a point list once and keeps
    them: re-plans of the same day (suggestions, benchmarks at several budgets) reuse them.

    Parameters
    ----------
    inner
        The travel asked the first time.
    """

    def __init__(self, inner: Travel) -> None:
        self.inner = inner
        self._kept: dict[tuple[str, tuple[LonLat, ...]], TravelMatrices] = {}

    def modes(self) -> Sequence[str]:
        """Travel modes of the inner travel."""
        return self.inner.modes()

    def snap(self, mode: str, points: Sequence[LonLat]) -> npt.NDArray[np.float64]:
        """Snap distances (m) from the inner travel."""
        return self.inner.snap(mode, points)

    def matrices(self, mode: str, points: Sequence[LonLat]) -> TravelMatrices:
        """Street matrices of ``points`` on ``mode``, computed once."""
        key = (mode, tuple(points))
        if key not in self._kept:
            self._kept[key] = self.inner.matrices(mode, points)
        return self._kept[key]

    def geometry(self, mode: str, points: Sequence[LonLat], order: Sequence[int]) -> Any:
        """Street geometry from the inner travel."""
        return self.inner.geometry(mode, points, order)

    def streets(self, bbox: tuple[float, float, float, float]) -> list[list[LonLat]]:
        """The streets in ``bbox`` from the inner travel."""
        return self.inner.streets(bbox)


def load_street_travel(
    source: str, modes: Sequence[str], *, progress: ProgressFn | None = None
) -> StreetTravel:
    """Load the street graphs of ``modes`` from an OSM file (cached on disk by :mod:`geo`)."""
    import geo

    t0 = time.monotonic()
    graphs = geo.load_graphs(source, profiles=tuple(modes))
    if progress:
        sizes = ", ".join(f"{m} {g.n_nodes:,}" for m, g in graphs.items())
        seconds = f"{time.monotonic() - t0:.1f}"
        text = N_("street nodes %(sizes)s, loaded in %(s)s s")
        progress(Progress("graph", text, {"sizes": sizes, "s": seconds}))
    return StreetTravel(graphs)


#: Bytes per point pair and travel mode of the street matrices (durations and distances,
#: int64 each).
MATRIX_BYTES_PER_PAIR = 16


class PlanTooLargeError(ValueError):
    """The street matrices of a plan would need more memory than allowed; nothing was built."""

    code = "PLAN_TOO_LARGE"

    def __init__(self, message: str, details: Sequence[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        super().__init__(message)


def check_matrix_memory(points: int, modes: int, limit: int) -> None:
    """Refuse a plan whose street matrices would exceed ``limit`` bytes, before building them.

    Parameters
    ----------
    points
        Distinct locations (depots, volunteer starts, stops).
    modes
        Travel modes needing a matrix.
    limit
        Most bytes the matrices may take (``DOORSTEP_MATRIX_MAX_BYTES``).

    Raises
    ------
    PlanTooLargeError
        Naming the figure, the limit and what to do.
    """
    need = MATRIX_BYTES_PER_PAIR * points * points * modes
    if need <= limit:
        return
    message = (
        f"the street matrices would need {need:,} bytes ({need / 2**30:,.1f} GiB: {points:,} "
        f"distinct points squared x {modes} travel mode(s) x {MATRIX_BYTES_PER_PAIR} bytes); "
        f"the limit is {limit:,} bytes (DOORSTEP_MATRIX_MAX_BYTES): plan the ledger in "
        "smaller parts (one per community, e.g. doorstep plan-batch)"
    )
    problem = f"{points:,} distinct points on {modes} mode(s) need {need:,} bytes of matrices"
    raise PlanTooLargeError(message, [Detail("ledger", "households", problem)])


def open_map(
    map_file: Path, modes: Sequence[str], *, progress: ProgressFn | None = None
) -> tuple[StreetTravel, AddressIndex]:
    """The street graphs of ``modes`` and the address index of one OSM file.

    Raises
    ------
    geo.errors.GeoError
        When the map cannot be read: ``geo``'s own error, or :class:`geo.errors.MapSourceError`
        for any other fault reading the file (missing, unreadable, corrupt).
    """
    from geo.cn_addresses import load_cn_address_index
    from geo.errors import GeoError, MapSourceError

    try:
        travel = load_street_travel(str(map_file), modes, progress=progress)
        # Also names the street address of households given by coordinates only.
        return travel, load_cn_address_index(map_file)
    except GeoError:
        raise
    except (OSError, ValueError) as exc:
        raise MapSourceError(str(exc)) from exc
