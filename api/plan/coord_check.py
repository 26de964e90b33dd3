"""Coordinates that fit the map better in another system: the warning of a likely GCJ-02 or
BD-09 ledger read as WGS-84.

Coordinates copied from Amap, Tencent or WeChat (GCJ-02) or Baidu (BD-09) and read as
WGS-84 land 100-700 m from the door, consistently, often in the wrong compound. The check
measures the median distance from the households, where their declared system puts them,
to the nearest thing on the map (a building centre, an address point, or a street); then
the same with the coordinates as written read in each other system (WGS-84, GCJ-02,
BD-09). When a reading fits far better (:data:`FAR_BETTER` times closer and
:data:`MIN_GAIN_M` nearer), the plan warns with both figures and the flag to use. A ledger
that mixes systems (some rows copied from a map app, the others from GPS) is judged row by
row when it is not off as a whole: the rows that each fit far better in one other system
(:data:`MIN_ROW_GAIN_M`), when they are :data:`MIN_POINTS` or more and
:data:`MIN_SHARE` of the rows, are named with their medians and the ``coord_system``
column to give them.
Nothing is changed: the ledger's word stands until corrected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from api.i18n import N_, Message
from api.plan.ledger import Household, Ledger
from geo.crs import CoordSystem, nearest_m, to_wgs84

if TYPE_CHECKING:
    from api.plan.travel import Travel
    from geo.addresses import AddressIndex

#: A reading fits "far better" when its median is this many times smaller ...
FAR_BETTER = 3.0
#: ... and at least this much nearer (m).
MIN_GAIN_M = 15.0
#: A single row fits far better in another system when it is :data:`FAR_BETTER` times
#: closer and at least this much nearer (m); on a dense map a shifted point is often only
#: 5-40 m from some building or street, so a row's own gain is smaller than a ledger's.
MIN_ROW_GAIN_M = 3.0
#: The rows off in a mixed ledger are named when they are at least this share of the
#: measured ones (and :data:`MIN_POINTS` or more).
MIN_SHARE = 0.1
#: Fewer households than this off the map: no verdict.
MIN_POINTS = 5
#: Household ids named in the warning of a mixed ledger, at most.
SHOWN = 5

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
        declared coordinate system puts them (over :attr:`suspects` when only some rows
        are off).
    best
        The other system that fits best.
    best_median_m
        Its median distance (m), over the same households.
    suspects
        Households whose own coordinates fit far better read as :attr:`best` (all of them
        when the whole ledger is off; some when the ledger mixes systems), in ledger order.
    """

    households: int
    given_median_m: float
    best: CoordSystem
    best_median_m: float
    suspects: tuple[str, ...] = ()

    @property
    def warn(self) -> bool:
        """Whether the other reading fits far better (see the module's thresholds)."""
        gain = MIN_ROW_GAIN_M if self.mixed else MIN_GAIN_M
        better = far_better(np.array([self.given_median_m]), np.array([self.best_median_m]), gain)
        return len(self.suspects) >= MIN_POINTS and bool(better[0])

    @property
    def mixed(self) -> bool:
        """Whether only some of the measured households are off (a ledger of mixed systems)."""
        return len(self.suspects) < self.households

    @property
    def flag(self) -> str:
        """What to use: ``--coords <system>`` for a whole ledger, the ``coord_system``
        column for some rows."""
        if self.mixed:
            return f"coord_system {self.best.value}"
        return f"--coords {self.best.value}"

    def sentence(self) -> Message:
        """The warning in words, with both figures and the flag to use (English as a
        ``str``; any language through :meth:`api.i18n.Lang.text`)."""
        return warning_sentence(
            suspects=self.suspects,
            households=self.households,
            given_m=self.given_median_m,
            best_m=self.best_median_m,
            flag=self.flag,
        )


def warning_sentence(
    *,
    suspects: Sequence[str],
    households: int,
    given_m: float,
    best_m: float,
    flag: str,
) -> Message:
    """The coordinates warning: how many households (and which, when only some are off),
    both medians (m, whole metres), the system and the flag or column to use."""
    figures = {
        "n": len(suspects),
        "given": f"{given_m:,.0f}",
        "system": flag.split()[-1].upper(),
        "best": f"{best_m:,.0f}",
        "flag": flag,
    }
    if len(suspects) >= households:
        return Message(
            N_(
                "The coordinates of %(n)d households sit a median %(given)s m from the map's "
                "buildings and streets; read as %(system)s they sit %(best)s m away. If they "
                "come from a Chinese map app, plan with %(flag)s (or a coord_system column)."
            ),
            **figures,
        )
    shown: str = ", ".join(suspects[:SHOWN])
    if len(suspects) > SHOWN:
        shown = Message(N_("%(ids)s and %(more)d more"), ids=shown, more=len(suspects) - SHOWN)
    return Message(
        N_(
            "The coordinates of %(n)d of %(total)d households (%(ids)s) sit a median "
            "%(given)s m from the map's buildings and streets; read as %(system)s they sit "
            "%(best)s m away. If they come from a Chinese map app, give these rows %(flag)s."
        ),
        total=households,
        ids=shown,
        **figures,
    )


def far_better(
    given_m: npt.NDArray[np.float64], other_m: npt.NDArray[np.float64], gain_m: float
) -> npt.NDArray[np.bool_]:
    """Per element, whether a distance in ``other_m`` fits far better than the one in
    ``given_m`` (both m): :data:`FAR_BETTER` times closer and ``gain_m`` nearer."""
    return np.asarray((other_m * FAR_BETTER <= given_m) & (given_m - other_m >= gain_m))


def _distances_m(
    points: npt.NDArray[np.float64],
    landmarks: npt.NDArray[np.float64],
    streets: StreetDistance | None,
) -> npt.NDArray[np.float64]:
    d = nearest_m(points, landmarks)
    if streets is not None:
        d = np.minimum(d, streets(points))
    return np.asarray(d, np.float64)


def fit_to_map(
    households: Sequence[Household],
    landmarks: npt.NDArray[np.float64],
    streets: StreetDistance | None = None,
) -> CoordFit | None:
    """Measure how the households fit the map, as declared and as each other system.

    The whole ledger is judged on medians over every measured household. When it is not
    off as a whole, each household is judged alone: those whose own coordinates fit far
    better in one other system (a ledger mixing systems: some rows copied from a Chinese
    map app) are judged together on medians over them.

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
    given = _distances_m(placed, landmarks, streets)
    declared = {h.coord_system for h in rows}
    others: dict[CoordSystem, npt.NDArray[np.float64]] = {}
    for system in CoordSystem:
        if declared == {system.value}:
            continue
        x, y = to_wgs84(system, written[:, 0].copy(), written[:, 1].copy())
        others[system] = _distances_m(np.column_stack([x, y]), landmarks, streets)
    ids = [h.household_id for h in rows]
    best = min(others, key=lambda s: float(np.median(others[s])))
    whole = CoordFit(
        len(rows), float(np.median(given)), best, float(np.median(others[best])), tuple(ids)
    )
    if whole.warn:
        return whole
    off_by = {system: far_better(given, d, MIN_ROW_GAIN_M) for system, d in others.items()}
    for system in sorted(off_by, key=lambda s: -int(off_by[s].sum())):
        off, d = off_by[system], others[system]
        if int(off.sum()) >= max(MIN_POINTS, MIN_SHARE * len(rows)):
            suspects = tuple(i for i, o in zip(ids, off, strict=True) if o)
            return CoordFit(
                len(rows),
                float(np.median(given[off])),
                system,
                float(np.median(d[off])),
                suspects,
            )
    return whole


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
