"""Coordinates that fit the map better in another system: the warning of a likely GCJ-02 or
BD-09 ledger read as WGS-84.

Coordinates copied from Amap, Tencent or WeChat (GCJ-02) or Baidu (BD-09) and read as
WGS-84 land 100-700 m from the door, consistently, often in the wrong compound. The check
measures the median distance from the households, where their declared system puts them,
to the nearest thing on the map (a building centre, an address point, or a street); then
the same with the coordinates as written read in each other system (WGS-84, GCJ-02,
BD-09). When a reading fits far better (:data:`FAR_BETTER` times closer and
:data:`MIN_GAIN_M` nearer), the plan warns with both figures and the flag to use.
Nothing is changed: the ledger's word stands until corrected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from api.plan.ledger import Household, Ledger
from geo.crs import CoordSystem, nearest_m, to_wgs84

if TYPE_CHECKING:
    from api.plan.travel import Travel
    from geo.addresses import AddressIndex

#: A reading fits "far better" when its median is this many times smaller ...
FAR_BETTER = 3.0
#: ... and at least this much nearer (m).
MIN_GAIN_M = 15.0
#: Fewer households than this with coordinates: no verdict.
MIN_POINTS = 5

StreetDistance = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class CoordFit:
    """How well the households' coordinates fit the map as given and in the best other system.

    Attributes
    ----------
    households
        Households measured (those with coordinates).
    given_median_m
        Median distance (m) to the nearest building, address point or street where their
        declared coordinate system puts them.
    best
        The other system that fits best.
    best_median_m
        Its median distance (m).
    """

    households: int
    given_median_m: float
    best: CoordSystem
    best_median_m: float

    @property
    def warn(self) -> bool:
        """Whether the other reading fits far better (see the module's thresholds)."""
        return (
            self.households >= MIN_POINTS
            and self.best_median_m * FAR_BETTER <= self.given_median_m
            and self.given_median_m - self.best_median_m >= MIN_GAIN_M
        )

    def sentence(self) -> str:
        """The warning in words, with both figures and the flag to use."""
        return (
            f"the coordinates of {self.households} households sit a median "
            f"{self.given_median_m:.0f} m from the map's buildings and streets as declared; "
            "read as "
            f"{self.best.value.upper()} they sit {self.best_median_m:.0f} m away. If they come "
            f"from a Chinese map app, plan with --coords {self.best.value} (or a coord_system "
            "column)."
        )


def _median_m(
    points: npt.NDArray[np.float64],
    landmarks: npt.NDArray[np.float64],
    streets: StreetDistance | None,
) -> float:
    d = nearest_m(points, landmarks)
    if streets is not None:
        d = np.minimum(d, streets(points))
    return float(np.median(d))


def fit_to_map(
    households: Sequence[Household],
    landmarks: npt.NDArray[np.float64],
    streets: StreetDistance | None = None,
) -> CoordFit | None:
    """Measure how the households given in WGS-84 fit the map, as given and as GCJ-02/BD-09.

    Parameters
    ----------
    households
        The ledger's households; those with coordinates are measured where their declared
        system puts them, and with the coordinates as written read in each other system.
    landmarks
        ``(lon, lat)`` WGS-84 of the map's building centres and address points.
    streets
        Distance (m) from ``(lon, lat)`` points to the nearest street, when available.

    Returns
    -------
    CoordFit or None
        ``None`` when no household is measured.
    """
    rows = [h for h in households if h.lon is not None and h.lat is not None]
    if not rows:
        return None
    placed = np.array([(h.lon, h.lat) for h in rows], np.float64)
    written = np.array([h.given or (h.lon, h.lat) for h in rows], np.float64)
    given = _median_m(placed, landmarks, streets)
    declared = {h.coord_system for h in rows}
    fits = []
    for system in CoordSystem:
        if declared == {system.value}:
            continue
        x, y = to_wgs84(system, written[:, 0].copy(), written[:, 1].copy())
        fits.append((_median_m(np.column_stack([x, y]), landmarks, streets), system))
    best_m, best = min(fits)
    return CoordFit(len(rows), given, best, best_m)


def check_coordinates(
    ledger: Ledger, travel: Travel, addresses: AddressIndex | None
) -> CoordFit | None:
    """How the ledger's household coordinates fit the map's buildings (the address index's
    centres) and streets (snapped on the first travel mode); ``None`` without an address
    index."""
    if addresses is None or not travel.modes():
        return None
    mode = sorted(travel.modes())[0]

    def streets(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(travel.snap(mode, [(float(x), float(y)) for x, y in points]))

    return fit_to_map(ledger.households, addresses.centres, streets)
