"""Streets closed during the day (``street_closed`` events) as travel without them.

Each closure's two ``(lon, lat)`` points name a street on every travel mode whose streets
lie within :data:`geo.closures.CLOSURE_SNAP_M` of both, and its ``way_id`` the street pieces
made from that OSM way on every mode whose graph has it; those links are closed on that
mode's graph (:func:`geo.closures.close_links`) for the rest of the day, and the
day's matrices come from :class:`ClosedStreetTravel`: exact, by plain Dijkstra on the
closed graphs, so only legs that passed along a closed street change (longer, or no path
left: the household is then named with the unreachable reason of any other door).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from api.i18n import N_, Message
from api.plan.day import LonLat
from api.plan.events import Event, EventKind, EventsError, event_document
from api.plan.travel import KeptMatrices, StreetTravel, Travel
from geo.crs import CoordSystem
from solver.errors import Detail

if TYPE_CHECKING:
    from geo import TravelMatrices


@dataclass(frozen=True, slots=True)
class Closures:
    """The street links closed per travel mode, and how many per event."""

    links: Mapping[str, tuple[int, ...]]
    per_event: tuple[tuple[Event, int], ...]


class ClosedStreetTravel(StreetTravel):
    """Street travel on graphs with closed links: on the modes with a closure, matrices by
    exact plain Dijkstra (a closed graph has no contraction hierarchy of its own).

    Parameters
    ----------
    graphs
        ``{mode: StreetGraph}``, closed ones included.
    closed_modes
        The modes whose graph has a closure.
    max_snap_m
        As for :class:`StreetTravel` (m).
    """

    def __init__(
        self, graphs: Mapping[str, Any], closed_modes: Sequence[str], *, max_snap_m: float
    ) -> None:
        super().__init__(graphs, max_snap_m=max_snap_m)
        self.closed_modes = frozenset(closed_modes)

    def matrices(self, mode: str, points: Sequence[LonLat]) -> TravelMatrices:
        """Snap the points on ``mode`` and compute exact street matrices without the
        closed streets."""
        if mode not in self.closed_modes:
            return super().matrices(mode, points)
        from geo.closures import closed_travel_matrices

        return closed_travel_matrices(self.graphs[mode], self._snap(mode, points))


def _street_travel(travel: Travel, closed: Sequence[Event]) -> StreetTravel:
    """The street graphs under ``travel``; an error naming the closures when there are none."""
    inner = travel.inner if isinstance(travel, KeptMatrices) else travel
    if isinstance(inner, StreetTravel):
        return inner
    text = Message(N_("a closed street needs the street graphs of the map"))
    raise EventsError([Detail(e.record, "event", text) for e in closed])


def _event_links(graph: Any, event: Event) -> Any:
    """The links of one mode's graph a ``street_closed`` event closes (by way id or by its
    two points)."""
    from geo.closures import street_links, way_links

    if event.way_id is not None:
        return way_links(graph, event.way_id)
    if event.point is None or event.point2 is None:
        return ()
    return street_links(graph, event.point, event.point2)


def _street_distance_m(graphs: Mapping[str, Any], point: LonLat) -> float:
    """Distance (m) from ``point`` (WGS-84) to the nearest street of any travel mode."""
    from geo.closures import CLOSURE_SNAP_M
    from geo.snap import snap

    return min(
        float(snap(g, [point], max_snap_m=CLOSURE_SNAP_M).snap_m[0]) for g in graphs.values()
    )


def _on_map(graphs: Mapping[str, Any], point: LonLat) -> bool:
    """Whether ``point`` lies inside the area of some travel mode's streets."""
    return any(
        w <= point[0] <= e and s <= point[1] <= n
        for w, s, e, n in (g.bbox for g in graphs.values())
    )


def _other_reading(graphs: Mapping[str, Any], given: LonLat, system: CoordSystem) -> str:
    """A hint when the point as given, read in another coordinate system, lies near a
    street (as :mod:`api.plan.coord_check` hints for households), else ``""``."""
    from geo.closures import CLOSURE_SNAP_M
    from geo.crs import to_wgs84

    near = {}
    for other in CoordSystem:
        if other is not system:
            lon, lat = to_wgs84(other, *given)
            near[other] = _street_distance_m(graphs, (float(lon), float(lat)))
    best = min(near, key=near.__getitem__)
    if near[best] > CLOSURE_SNAP_M:
        return ""
    return Message(
        N_("; read as %(system)s it lies %(near)d m from a street: give coord_system %(system)s"),
        system=best.value,
        near=round(near[best]),
    )


def _far_points(graphs: Mapping[str, Any], event: Event) -> list[Detail]:
    """The faults of a closure's points that lie outside the map or farther than
    :data:`geo.closures.CLOSURE_SNAP_M` from every street of every travel mode, each naming
    its field (``lon`` the first point, ``lon2`` the second)."""
    from geo.closures import CLOSURE_SNAP_M

    out = []
    pairs = (("lon", event.point, event.given), ("lon2", event.point2, event.given2))
    for field, point, given in pairs:
        if point is None:
            continue
        far = _street_distance_m(graphs, point)
        if far <= CLOSURE_SNAP_M:
            continue
        hint = _other_reading(graphs, given or point, event.coord_system)
        if not _on_map(graphs, point):
            text = Message(
                N_("the point (%(lon).6f, %(lat).6f) lies outside the map%(hint)s"),
                lon=point[0],
                lat=point[1],
                hint=hint,
            )
        else:
            text = Message(
                N_(
                    "the point (%(lon).6f, %(lat).6f) lies %(far)d m from the nearest street "
                    "of the map; a closure's point must be within %(m)d m of its street%(hint)s"
                ),
                lon=point[0],
                lat=point[1],
                far=round(far),
                m=int(CLOSURE_SNAP_M),
                hint=hint,
            )
        out.append(Detail(event.record, field, text))
    return out


def _closes_nothing(event: Event) -> Detail:
    """The fault of a closure that names no street of any mode."""
    from geo.closures import CLOSURE_SNAP_M

    if event.way_id is not None:
        text = Message(
            N_("OSM way %(way)d is not a street of any travel mode of the map"), way=event.way_id
        )
        return Detail(event.record, "way_id", text)
    text = Message(
        N_("no street of any travel mode within %(m)d m of both points"), m=int(CLOSURE_SNAP_M)
    )
    return Detail(event.record, "lon", text)


def find_closures(graphs: Mapping[str, Any], closed: Sequence[Event]) -> Closures:
    """The links each ``street_closed`` event closes on each mode's graph.

    Raises
    ------
    EventsError
        For a closure whose way is on no mode's graph, a point outside the map or farther
        than :data:`geo.closures.CLOSURE_SNAP_M` from every street of every mode (with a
        hint when another coordinate system would put it on a street), or two points near
        no street of one same mode, naming each event's record and field.
    """
    links: dict[str, set[int]] = {mode: set() for mode in graphs}
    per_event = []
    faults = []
    for event in closed:
        far = _far_points(graphs, event)
        if far:
            faults.extend(far)
            continue
        count = 0
        for mode, graph in graphs.items():
            found = _event_links(graph, event)
            links[mode].update(int(k) for k in found)
            count += len(found)
        if not count:
            faults.append(_closes_nothing(event))
        per_event.append((event, count))
    if faults:
        raise EventsError(faults)
    return Closures({m: tuple(sorted(v)) for m, v in links.items()}, tuple(per_event))


def check_closures(travel: Travel, events: Sequence[Event]) -> None:
    """Check the ``street_closed`` events among ``events`` against the map of ``travel`` by
    the rule a re-plan applies them with (:func:`find_closures`), closing nothing.

    Raises
    ------
    EventsError
        As :func:`closed_travel`.
    """
    closed = [e for e in events if e.kind is EventKind.STREET_CLOSED]
    if closed:
        find_closures(_street_travel(travel, closed).graphs, closed)


def closure_document(event: Event, links_closed: int) -> dict[str, Any]:
    """A ``street_closed`` event applied, as ``plan.json``'s ``replan.closures`` records it:
    when and its ``id``, the street as the event named it (``way_id``, or the points
    ``lon``, ``lat``, ``lon2``, ``lat2`` as used, WGS-84; the other fields ``None``), for
    points given in GCJ-02 or BD-09 their ``coord_system`` and ``given_lon``, ``given_lat``,
    ``given_lon2``, ``given_lat2`` as the dispatcher sent them (else ``None``), and how many
    street pieces it closed over all travel modes."""
    lon, lat = event.point or (None, None)
    lon2, lat2 = event.point2 or (None, None)
    converted = event.given is not None and event.given2 is not None
    g_lon, g_lat = event.given or (None, None)
    g_lon2, g_lat2 = event.given2 or (None, None)
    seen = event_document(event)
    return {
        "at": seen["at"],
        "id": seen["id"],
        "way_id": None if event.way_id is None else str(event.way_id),
        "lon": lon,
        "lat": lat,
        "lon2": lon2,
        "lat2": lat2,
        "coord_system": event.coord_system.value if converted else None,
        "given_lon": g_lon,
        "given_lat": g_lat,
        "given_lon2": g_lon2,
        "given_lat2": g_lat2,
        "links_closed": links_closed,
    }


def closed_travel(travel: Travel, closed: Sequence[Event]) -> tuple[Travel, Closures]:
    """Travel without the streets of ``closed`` (``street_closed`` events), and what closed.

    Parameters
    ----------
    travel
        The day's street travel (a :class:`StreetTravel`, possibly inside
        :class:`KeptMatrices`).
    closed
        The ``street_closed`` events known at the re-plan time.

    Raises
    ------
    EventsError
        See :func:`find_closures`; also when ``travel`` has no street graphs.
    """
    closed = [e for e in closed if e.kind is EventKind.STREET_CLOSED]
    if not closed:
        return travel, Closures({}, ())
    from geo.closures import close_links

    street = _street_travel(travel, closed)
    closures = find_closures(street.graphs, closed)
    graphs = {
        mode: close_links(g, np.asarray(closures.links[mode], dtype=np.int64))
        for mode, g in street.graphs.items()
    }
    modes = [m for m, links in closures.links.items() if links]
    return ClosedStreetTravel(graphs, modes, max_snap_m=street.max_snap_m), closures
