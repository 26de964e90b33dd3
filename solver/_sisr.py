"""Compiled kernel of the ruin-and-recreate refinement (see :mod:`solver.refine`).

Slack induction by string removals (SISR): remove a few strings of consecutive visits
near a random seed stop, reinsert every loose stop at its cheapest feasible position
(skipping positions at random, "blinks"), accept the result by simulated annealing.
Reference: J. Christiaens and G. Vanden Berghe, "Slack Induction by String Removals for
Vehicle Routing Problems", Transportation Science 54(2), 2020. A second ruin, now and
then instead of the strings, takes the route with the fewest stops whole and bars its
vehicle from that step's recreate, so its stops go to other volunteers (a different
volunteer may take the whole route, or the others share it out).

Everything here is plain arrays and integers so that numba compiles it; the meaning of
every array is documented on :class:`solver.refine.Arrays`. Times and costs are integers.

Trips. A route is a sequence of *entries*: stops (``0 .. n-1``) and reloads (``n + r``,
a reload at the ``r``-th load place). A reload begins a new trip: each trip's load must
fit the capacity, a vehicle makes at most ``V_MAX_LOADS`` reloads, one that starts empty
(``V_START_EMPTY``) loads before its first stop, and a reload lasts the vehicle's
``V_RELOAD_SVC`` within the load place's hours (its window). A stop's ride (from the
departure of its trip's load place, or of the start, to its service start) is at most its
``max_ride``: a trip leaves its load place as late as the rest of the route allows (which
never lengthens a ride), so a route keeps every ride limit exactly when it does at those
departures. The ruin removes stops and keeps reloads, then drops reloads left beginning an
empty trip, and (without ride limits) those beside or inside a removed string whose two
trips now fit one load, so trips merge; the recreate places a stop into a trip with room,
or opens a new trip for it (a reload, then the stop) at the end of any trip: so the search
itself decides where the routes load again. Vehicles that never reload keep the
single-trip code path.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import FrameType

import numpy as np
from numba import njit


class _NoBlasProbe(MetaPathFinder):
    """Refuses ``scipy.linalg`` to numba's BLAS probe, and only to it.

    When numba first compiles or loads a function in a process it imports its array
    functions (``numba.np.arraymath``), whose import asks whether BLAS is there by
    importing ``scipy.linalg`` (``_check_blas``; that import alone takes 0.21-0.22 s here
    after numba's, and the kernel's load measured 0.07-0.11 s shorter without it, medians
    and fastest of six runs each), for ``np.cov`` and ``np.corrcoef``'s inner products
    alone, which no compiled function here uses (``np.dot`` and ``np.linalg`` ask for BLAS
    again when a function using them compiles, unaffected). Refused, the probe says no
    BLAS and the import costs nothing; every other import of ``scipy.linalg``, on any
    thread, is left to the usual finders. Without ``scipy.spatial`` (:mod:`geo.snap` uses
    pykdtree) this keeps SciPy out of a plan's start-up (benchmarks/README.md)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        """``None`` (the usual finders decide) unless numba's probe asks."""
        if name == "scipy.linalg" and _in_blas_probe(sys._getframe(1)):
            raise ModuleNotFoundError("BLAS not probed: no compiled function uses it")
        return None


def _in_blas_probe(frame: FrameType | None) -> bool:
    """Whether ``frame`` or a caller of it is numba's BLAS probe at its array functions'
    import."""
    while frame is not None:
        module = frame.f_globals.get("__name__")
        if frame.f_code.co_name == "_check_blas" and module == "numba.np.arraymath":
            return True
        frame = frame.f_back
    return False


def _skip_blas_probe() -> None:
    """Put :class:`_NoBlasProbe` first among the import finders, once per process, while
    numba's array functions are still to be imported."""
    if "numba.np.arraymath" in sys.modules:
        return
    if not any(isinstance(f, _NoBlasProbe) for f in sys.meta_path):
        sys.meta_path.insert(0, _NoBlasProbe())


_skip_blas_probe()

# Indices into the per-vehicle integer attribute table ``vint`` (one row per vehicle).
V_START = 0  # start location
V_END = 1  # end location, -1 for an open end (arc to it costs and takes nothing)
V_COST = 2  # cost matrix index
V_PROFILE = 3  # travel-time (and distance) matrix index
V_FIXED = 4  # fixed cost when used
V_DEPART = 5  # earliest departure from the start
V_END_BY = 6  # latest arrival at the end
V_MAX_DIST = 7  # route distance limit
V_MAX_STOPS = 8  # stop-count limit
V_CLASS = 9  # vehicles of one class are interchangeable when empty
V_DEPART_BY = 10  # latest departure from the start
V_MAX_SPAN = 11  # route duration limit, on the shortest schedule (the vehicle's own)
V_SHOWN_SPAN = 12  # route duration limit, on the plan's schedule (the balance bound)
V_RELOAD_SVC = 13  # seconds per reload
V_MAX_LOADS = 14  # most reloads on the route (0: the vehicle never reloads)
V_START_EMPTY = 15  # 1: the vehicle loads at a load place before its first stop
V_FIELDS = 16
#: ``V_MAX_DIST`` / ``V_MAX_SPAN`` at or above this: no limit.
NO_LIMIT = 10**15
#: Positions of one reinsertion whose O(route) checks wait (:func:`_best_insertion`); past
#: this many the checks run at once.
_DEFERRED = 256
#: :func:`_full_delta` of a position refused (a limit broken, or no better than the best).
_REFUSED = -(2**62)


@njit(cache=True, inline="always")
def _arc(m: np.ndarray, k: int, a: int, b: int) -> int:
    if a < 0 or b < 0:  # the open end
        return 0
    return m[k, a, b]


# The problem travels as one tuple ``prob`` and the routes' derived data as ``rs``:
#   prob = (vint, vcap, loc, cost, travel, dist, service, tw_lo, tw_hi, demand,
#           late_at, late_cost, allowed, penalty, neighbours, balance, max_ride, vreload,
#           flags, prefix, change)
#   rs = (routes, lengths, es, ls, rload, rdist, rcost, route_of, pos_of, late_after,
#         rspan, bounds, rstops, rloads, tid, tload, scratch, rdone, rfree, barred, deferred)
# Per entry (stops, then one per load place): ``loc``, ``service`` (0 for a reload: the
# vehicle's ``V_RELOAD_SVC`` counts), ``tw_lo``/``tw_hi`` (a load place's hours),
# ``demand`` (0), ``late_at``, ``late_cost`` (0), ``max_ride`` (no limit: >= NO_LIMIT).
# Per stop: ``allowed``, ``penalty``, ``neighbours``. ``vreload[v, r]``: vehicle ``v``
# may load at place ``r``; ``flags`` = [1 if any stop has a ride limit].
# Re-plans: ``prefix[v]``: the first entries of route ``v`` are fixed (never removed,
# nothing inserted before or between them); ``change[u, v]``: cost of serving stop ``u``
# with vehicle ``v`` (a change of vehicle against a reference plan).
# ``balance`` = [factor x 1000 (0: no balance rule), cost per second the longest route
# lasts beyond the rule, cost per stop the fullest route holds beyond it]; ``rspan``: each
# route's duration on the plan's schedule (kept only under a balance rule); ``bounds``:
# [duration, stops] the rule allows per route, from the plan before the step's ruin.
# ``es``/``ls``: earliest / latest service start per route position; ``late_after[v, i]``:
# stops with a lateness cost at positions >= i of route v; ``rstops``/``rloads``: stops
# and reloads per route; ``tid[v, i]``: the trip of the gap before position ``i`` (0:
# before the first load of a vehicle that starts empty); ``tload[v, t]``: trip ``t``'s
# load; ``scratch``: room for one route's latest starts. Under ride limits, bounds that
# take travel and service only (no wait, so never more than a ride on any schedule):
# ``rdone[v, i]``: seconds from the departure of the trip of gap ``i`` to the departure
# from the entry before it; ``rfree[v, i]``: the least ``max_ride - that bound`` over the
# stops of that trip from position ``i`` on (``NO_LIMIT``: none). A position where they
# show a ride over its limit needs no closer look (:func:`_best_insertion`).
# ``barred``: the vehicle the step's recreate skips; ``deferred``: room for the positions
# of one reinsertion whose O(route) checks wait (:func:`_best_insertion`).


@njit(cache=True, inline="always")
def _svc(v: int, w: int, vint: np.ndarray, service: np.ndarray, n_stops: int) -> int:
    """Service seconds of entry ``w`` on vehicle ``v``'s route (a reload: the vehicle's)."""
    if w >= n_stops:
        return vint[v, V_RELOAD_SVC]
    return service[w]


@njit(cache=True, inline="always")
def _at(routes: np.ndarray, v: int, i: int, x: int, u: int, k: int) -> int:
    """Entry at position ``k`` of route ``v`` with ``x`` then ``u`` inserted at ``i``
    (``x < 0`` / ``u < 0``: that one not inserted)."""
    if k < i:
        return routes[v, k]
    j = k - i
    if x >= 0:
        if j == 0:
            return x
        j -= 1
    if u >= 0:
        if j == 0:
            return u
        j -= 1
    return routes[v, i + j]


@njit(cache=True, inline="always")
def _added(x: int, u: int) -> int:
    return (1 if x >= 0 else 0) + (1 if u >= 0 else 0)


@njit(cache=True)
def _latest_starts(v: int, i: int, x: int, u: int, rs: tuple, prob: tuple) -> int:
    """Latest start of every entry of route ``v`` (with ``x``, ``u`` inserted at ``i``)
    that keeps every later visit and the end on time, into ``rs``' scratch; returns the
    first entry's (the route is not empty)."""
    service, n_stops = prob[6], prob[13].shape[0]
    routes, lengths, latest = rs[0], rs[1], rs[16]
    vint, loc, travel, tw_hi = prob[0], prob[2], prob[4], prob[8]
    p = vint[v, V_PROFILE]
    late = vint[v, V_END_BY]
    nxt = vint[v, V_END]
    for k in range(lengths[v] + _added(x, u) - 1, -1, -1):
        w = _at(routes, v, i, x, u, k)
        late = min(
            tw_hi[w], late - _arc(travel, p, loc[w], nxt) - _svc(v, w, vint, service, n_stops)
        )
        latest[k] = late
        nxt = loc[w]
    return late


@njit(cache=True)
def _min_span(v: int, i: int, x: int, u: int, rs: tuple, prob: tuple) -> int:
    """Shortest duration of route ``v`` (with ``x``, ``u`` inserted at ``i``, see
    :func:`_at`; both < 0: as it is).

    The route leaves as late as keeps it on time (never later than ``V_DEPART_BY``):
    arrival at the end minus departure only falls as the departure moves later, so that
    departure gives the shortest duration, the one OR-Tools' span bound and the checker's
    compressed schedule (used when a vehicle's ``max_duration`` needs it) go by.
    """
    service, n_stops = prob[6], prob[13].shape[0]
    routes, lengths = rs[0], rs[1]
    vint, loc, travel, tw_lo = prob[0], prob[2], prob[4], prob[7]
    p = vint[v, V_PROFILE]
    m = lengths[v] + _added(x, u)
    if m == 0:
        return 0
    late = _latest_starts(v, i, x, u, rs, prob)
    nxt = loc[_at(routes, v, i, x, u, 0)]
    start = vint[v, V_START]
    depart = max(vint[v, V_DEPART], min(vint[v, V_DEPART_BY], late - travel[p, start, nxt]))
    t = depart
    prev = start
    for k in range(m):
        w = _at(routes, v, i, x, u, k)
        t = max(tw_lo[w], t + travel[p, prev, loc[w]]) + _svc(v, w, vint, service, n_stops)
        prev = loc[w]
    return t + _arc(travel, p, prev, vint[v, V_END]) - depart


@njit(cache=True)
def _shown_span(v: int, i: int, x: int, u: int, rs: tuple, prob: tuple) -> int:
    """Duration of route ``v`` (with ``x``, ``u`` inserted at ``i``; both < 0: as it is).

    As the plan's schedule has it (:func:`solver.schedule.timed_route`): every service at
    its earliest start; a trip whose ride limits need it leaves its load place (or the
    start) at the earliest time that keeps them, its services then no earlier than that
    plus the travel and service before them; a load begins as late as keeps the next
    service start (a wait for a window is spent before the load, not with the load on
    board), so the departure is as late as keeps the first stop's service start (never
    later than ``V_DEPART_BY``). The balance bound is judged (and reported) on this
    duration.
    """
    service, n_stops = prob[6], prob[13].shape[0]
    routes, lengths = rs[0], rs[1]
    vint, loc, travel, tw_lo, max_ride = prob[0], prob[2], prob[4], prob[7], prob[16]
    p = vint[v, V_PROFILE]
    m = lengths[v] + _added(x, u)
    if m == 0:
        return 0
    t = vint[v, V_DEPART]
    prev = vint[v, V_START]
    elapsed = 0  # travel and service from the start, without waits
    riding = vint[v, V_START_EMPTY] == 0  # a trip with its load on board is under way
    path = 0  # travel and service since the trip left, without waits
    need = -NO_LIMIT  # the earliest departure of the trip that keeps its rides
    # The first stop's service start, travel and service before it, since its trip left
    # (first_trip 1: that trip still under way; 2: settled), for the departure.
    first_start, first_elapsed, first_path, first_trip = NO_LIMIT, 0, 0, 0
    for k in range(m):
        w = _at(routes, v, i, x, u, k)
        leg = travel[p, prev, loc[w]]
        elapsed += leg
        if w >= n_stops:
            t = max(t, need + path)  # the trip before left late enough for its rides
            if first_trip == 1:
                first_start, first_trip = max(first_start, need + first_path), 2
            t = max(tw_lo[w], t + leg)
            if k == 0:  # the next entry's start, if a stop; else this one's (as a ruin
                first_start, first_elapsed = t, elapsed  # may leave a route: two loads)
            elif first_trip == 0:
                first_trip = 2
            t += vint[v, V_RELOAD_SVC]
            elapsed += vint[v, V_RELOAD_SVC]
            riding, path, need = True, 0, -NO_LIMIT
        else:
            t = max(tw_lo[w], t + leg)
            path += leg
            if riding:
                need = max(need, t - max_ride[w])
            if first_trip == 0:
                first_start, first_elapsed, first_path, first_trip = t, elapsed, path, 1
            t += service[w]
            elapsed += service[w]
            path += service[w]
        prev = loc[w]
    t = max(t, need + path)
    if first_trip == 1:
        first_start = max(first_start, need + first_path)
    depart = max(vint[v, V_DEPART], min(vint[v, V_DEPART_BY], first_start - first_elapsed))
    return t + _arc(travel, p, prev, vint[v, V_END]) - depart


@njit(cache=True, inline="always")
def _has_span_limit(v: int, vint: np.ndarray) -> bool:
    """Whether route ``v`` has a duration limit (else :func:`_spans_ok` need not run: a
    call passes every array of the problem and the routes)."""
    return vint[v, V_MAX_SPAN] < NO_LIMIT or vint[v, V_SHOWN_SPAN] < NO_LIMIT


@njit(cache=True)
def _spans_ok(v: int, i: int, x: int, u: int, rs: tuple, prob: tuple) -> bool:
    """Whether route ``v`` (with ``x``, ``u`` inserted at ``i``) keeps its duration limits."""
    vint = prob[0]
    if vint[v, V_MAX_SPAN] < NO_LIMIT and _min_span(v, i, x, u, rs, prob) > vint[v, V_MAX_SPAN]:
        return False
    return not (
        vint[v, V_SHOWN_SPAN] < NO_LIMIT
        and _shown_span(v, i, x, u, rs, prob) > vint[v, V_SHOWN_SPAN]
    )


@njit(cache=True)
def _rides_ok(v: int, i: int, x: int, u: int, rs: tuple, prob: tuple) -> bool:
    """Whether route ``v`` (with ``x``, ``u`` inserted at ``i``) keeps every ride limit.

    Each trip leaves its load place (or the start) at the latest time that keeps every
    later visit and the end on time; a later departure never lengthens a ride, so the
    limits hold on some schedule exactly when they hold at these departures. The route
    as it is (``i < 0``) goes by its own latest starts (``ls``, as :func:`_update` leaves
    them).
    """
    n_stops = prob[13].shape[0]
    routes, lengths, latest = rs[0], rs[1], rs[16]
    vint, loc, travel, tw_lo, max_ride = prob[0], prob[2], prob[4], prob[7], prob[16]
    p = vint[v, V_PROFILE]
    m = lengths[v] + _added(x, u)
    if m == 0:
        return True
    if i < 0:
        latest = rs[3][v]
    else:
        _latest_starts(v, i, x, u, rs, prob)
    k = 0
    while k < m:
        w = _at(routes, v, i, x, u, k)
        if w >= n_stops:
            leave = latest[k] + vint[v, V_RELOAD_SVC]
            prev = loc[w]
            k += 1
        elif k == 0 and vint[v, V_START_EMPTY] == 0:
            prev = vint[v, V_START]
            leave = max(
                vint[v, V_DEPART], min(vint[v, V_DEPART_BY], latest[0] - travel[p, prev, loc[w]])
            )
        else:
            k += 1  # (a stop before any load: the route breaks other rules)
            continue
        t = leave
        while k < m:
            w = _at(routes, v, i, x, u, k)
            if w >= n_stops:
                break
            begin = max(tw_lo[w], t + travel[p, prev, loc[w]])
            if begin - leave > max_ride[w]:
                return False
            t = begin + prob[6][w]
            prev = loc[w]
            k += 1
    return True


@njit(cache=True)
def _insertion_rides_ok(v: int, i: int, x: int, u: int, rs: tuple, prob: tuple) -> bool:
    """Whether route ``v`` with ``x``, ``u`` inserted at ``i`` keeps every ride limit, given
    that the route as it is keeps them (as :func:`_rides_ok`, over fewer entries).

    Only two kinds of trip can change: the one that takes the insertion, and those whose
    load place's latest start moves earlier (a trip that leaves earlier may wait longer at
    a window). Latest starts after the insertion are the route's own (``ls``); going back
    from it they are recomputed until one equals the route's own, before which none
    moves. So the check walks from the trip holding the first moved latest start to the
    end of the trip holding the insertion; later trips keep their departures and visits.
    The walk over the trips is :func:`_rides_ok`'s, written out again: one function for
    both (called with the problem's tuples, or inlined by numba, or on its arrays alone)
    made a step 10-46 % slower on the 300-household day (benchmarks/README.md).
    """
    n_stops = prob[13].shape[0]
    routes, lengths, ls, latest = rs[0], rs[1], rs[3], rs[16]
    vint, loc, travel, tw_lo, tw_hi, max_ride = (
        prob[0],
        prob[2],
        prob[4],
        prob[7],
        prob[8],
        prob[16],
    )
    service = prob[6]
    p = vint[v, V_PROFILE]
    n = lengths[v]
    last = i + _added(x, u) - 1  # the last entry inserted
    if i < n:
        late, nxt = ls[v, i], loc[routes[v, i]]
    else:
        late, nxt = vint[v, V_END_BY], vint[v, V_END]
    moved = 0  # first position whose latest start may have moved
    for k in range(last, -1, -1):
        w = _at(routes, v, i, x, u, k)
        late = min(
            tw_hi[w], late - _arc(travel, p, loc[w], nxt) - _svc(v, w, vint, service, n_stops)
        )
        latest[k] = late
        nxt = loc[w]
        if k < i and late == ls[v, k]:
            moved = k + 1
            break
    begin = moved  # back to the load that begins the trip of ``moved`` (0: the first trip)
    while begin > 0 and _at(routes, v, i, x, u, begin) < n_stops:
        begin -= 1
    for k in range(begin, moved):
        latest[k] = ls[v, k]
    k = begin
    while k <= last:
        w = _at(routes, v, i, x, u, k)
        if w >= n_stops:
            leave = latest[k] + vint[v, V_RELOAD_SVC]
            prev = loc[w]
            k += 1
        elif k == 0 and vint[v, V_START_EMPTY] == 0:
            prev = vint[v, V_START]
            leave = max(
                vint[v, V_DEPART], min(vint[v, V_DEPART_BY], latest[0] - travel[p, prev, loc[w]])
            )
        else:
            k += 1  # (a stop before any load: the route breaks other rules)
            continue
        t = leave
        while k < n + _added(x, u):
            w = _at(routes, v, i, x, u, k)
            if w >= n_stops:
                break
            start = max(tw_lo[w], t + travel[p, prev, loc[w]])
            if start - leave > max_ride[w]:
                return False
            t = start + service[w]
            prev = loc[w]
            k += 1
    return True


@njit(cache=True)
def _ride_bounds(v: int, rs: tuple, prob: tuple) -> None:
    """Fill route ``v``'s ``rdone`` and ``rfree`` (see the layout above) from its visits."""
    n_stops = prob[13].shape[0]
    routes, lengths, tid, rdone, rfree = rs[0], rs[1], rs[14], rs[17], rs[18]
    vint, loc, travel, service, max_ride = prob[0], prob[2], prob[4], prob[6], prob[16]
    p = vint[v, V_PROFILE]
    n = lengths[v]
    since = 0  # seconds since the trip's departure, at the departure from the entry before
    prev = vint[v, V_START]
    for k in range(n):
        rdone[v, k] = since
        w = routes[v, k]
        if w >= n_stops:
            since = 0
        else:
            since += travel[p, prev, loc[w]]
            rfree[v, k] = max_ride[w] - since  # (for now: this stop's own room)
            since += service[w]
        prev = loc[w]
    rdone[v, n] = since
    rfree[v, n] = NO_LIMIT
    for k in range(n - 1, -1, -1):
        if routes[v, k] >= n_stops or tid[v, k] == 0:  # (trip 0: before any load)
            rfree[v, k] = NO_LIMIT
        elif k + 1 < n and routes[v, k + 1] < n_stops:
            rfree[v, k] = min(rfree[v, k], rfree[v, k + 1])


@njit(cache=True)
def _update(v: int, rs: tuple, prob: tuple, check: bool) -> bool:
    """Recompute route ``v``'s times, slack, loads, distance and cost; ``True`` if feasible.

    The cost includes lateness past soft deadlines at the earliest service starts (the
    schedule that minimises it). Without ``check`` the duration and ride limits, which
    take passes of their own over the route, are not looked at: for a route known to keep
    them (one an insertion checked, or one restored as it was).
    """
    service, n_stops = prob[6], prob[13].shape[0]
    routes, lengths, es, ls, rload, rdist, rcost, route_of, pos_of, late_after = rs[:10]
    rstops, rloads, tid, tload = rs[12], rs[13], rs[14], rs[15]
    vint, vcap, loc, cost, travel, dist, _, tw_lo, tw_hi, demand = prob[:10]
    late_at, late_cost, vreload = prob[10], prob[11], prob[17]
    n = lengths[v]
    c, p = vint[v, V_COST], vint[v, V_PROFILE]
    prev = vint[v, V_START]
    t = vint[v, V_DEPART]
    total_c = 0
    total_d = 0
    rload[v, :] = 0
    trip = 1 - vint[v, V_START_EMPTY]
    tload[v, trip, :] = 0
    ok = True
    stops = 0
    for i in range(n):
        u = routes[v, i]
        tid[v, i] = trip
        lu = loc[u]
        t = max(tw_lo[u], t + travel[p, prev, lu])
        es[v, i] = t
        if t > tw_hi[u]:
            ok = False
        if u >= n_stops:
            if not vreload[v, u - n_stops]:
                ok = False
            trip += 1
            tload[v, trip, :] = 0
        else:
            route_of[u] = v
            pos_of[u] = i
            stops += 1
            total_c += prob[20][u, v]
            if trip == 0:
                ok = False  # a stop before the first load
            if t > late_at[u]:
                total_c += late_cost[u] * (t - late_at[u])
            for d in range(demand.shape[1]):
                rload[v, d] += demand[u, d]
                tload[v, trip, d] += demand[u, d]
                if tload[v, trip, d] > vcap[v, d]:
                    ok = False
        t += _svc(v, u, vint, service, n_stops)
        total_c += cost[c, prev, lu]
        total_d += dist[p, prev, lu]
        prev = lu
    tid[v, n] = trip
    rstops[v] = stops
    rloads[v] = trip - 1 + vint[v, V_START_EMPTY]
    if rloads[v] > vint[v, V_MAX_LOADS]:
        ok = False
    end = vint[v, V_END]
    if n > 0:
        t += _arc(travel, p, prev, end)
        total_c += _arc(cost, c, prev, end)
        total_d += _arc(dist, p, prev, end)
        if t > vint[v, V_END_BY]:
            ok = False
    late = vint[v, V_END_BY]
    nxt = end
    late_after[v, n] = 0
    for i in range(n - 1, -1, -1):
        u = routes[v, i]
        lu = loc[u]
        late_after[v, i] = late_after[v, i + 1] + (1 if late_cost[u] > 0 else 0)
        late = min(tw_hi[u], late - _arc(travel, p, lu, nxt) - _svc(v, u, vint, service, n_stops))
        ls[v, i] = late
        nxt = lu
    rdist[v] = total_d
    rcost[v] = total_c + (vint[v, V_FIXED] if n > 0 else 0)
    if total_d > vint[v, V_MAX_DIST] or stops > vint[v, V_MAX_STOPS]:
        ok = False
    if check and ok and n > 0 and _has_span_limit(v, vint):
        ok = _spans_ok(v, -1, -1, -1, rs, prob)
    if prob[18][0] > 0:
        _ride_bounds(v, rs, prob)
        if check and ok and n > 0:
            ok = _rides_ok(v, -1, -1, -1, rs, prob)
    if prob[15][0] > 0:
        rs[10][v] = _shown_span(v, -1, -1, -1, rs, prob) if n > 0 else 0
    return ok


@njit(cache=True)
def _balance_cost(rs: tuple, prob: tuple) -> int:
    """Cost of the plan's distance from the balance rule: seconds the longest route lasts
    beyond factor x the mean (+1 s), stops the fullest holds beyond max(1, floor(factor x
    the mean)), means over the routes used, each at its price in ``balance``."""
    balance = prob[15]
    if balance[0] == 0:
        return 0
    lengths, rspan, rstops = rs[1], rs[10], rs[12]
    used, total_s, top_s, total_n, top_n = 0, 0, 0, 0, 0
    for v in range(lengths.shape[0]):
        if lengths[v] > 0:
            used += 1
            total_s += rspan[v]
            top_s = max(top_s, rspan[v])
            total_n += rstops[v]
            top_n = max(top_n, rstops[v])
    if used == 0:
        return 0
    factor = balance[0] / 1000.0
    over_s = top_s - factor * total_s / used - 1.0
    over_n = top_n - max(1, int(np.floor(factor * total_n / used + 1e-9)))
    cost = 0
    if over_s > 0:
        cost += int(np.ceil(over_s)) * balance[1]
    if over_n > 0:
        cost += over_n * balance[2]
    return cost


@njit(cache=True)
def _set_bounds(rs: tuple, prob: tuple) -> None:
    """The duration and stop count the balance rule allows a route, from the plan now."""
    balance, lengths, rspan, bounds, rstops = prob[15], rs[1], rs[10], rs[11], rs[12]
    used, total_s, total_n = 0, 0, 0
    for v in range(lengths.shape[0]):
        if lengths[v] > 0:
            used += 1
            total_s += rspan[v]
            total_n += rstops[v]
    factor = balance[0] / 1000.0
    if used == 0:
        bounds[0], bounds[1] = NO_LIMIT, NO_LIMIT
        return
    bounds[0] = int(factor * total_s / used) + 1
    bounds[1] = max(1, int(np.floor(factor * total_n / used + 1e-9)))


@njit(cache=True)
def _later_lateness(v: int, i: int, t: int, prev: int, rs: tuple, prob: tuple) -> int:
    """Extra lateness of route ``v``'s stops from position ``i`` on, when the stop before
    them leaves location ``prev`` at ``t`` instead of as now."""
    service, n_stops = prob[6], prob[13].shape[0]
    routes, lengths, es = rs[0], rs[1], rs[2]
    vint, loc, travel, tw_lo = prob[0], prob[2], prob[4], prob[7]
    late_at, late_cost = prob[10], prob[11]
    p = vint[v, V_PROFILE]
    extra = 0
    for j in range(i, lengths[v]):
        w = routes[v, j]
        start = max(tw_lo[w], t + travel[p, prev, loc[w]])
        if start == es[v, j]:
            break  # from here on nothing moves
        if late_cost[w] > 0:
            extra += late_cost[w] * (max(0, start - late_at[w]) - max(0, es[v, j] - late_at[w]))
        t = start + _svc(v, w, vint, service, n_stops)
        prev = loc[w]
    return extra


@njit(cache=True, inline="always")
def _fits(load: np.ndarray, demand: np.ndarray, capacity: np.ndarray) -> bool:
    # An explicit loop: numba compiles no generator expressions inside all().
    for d in range(load.shape[0]):  # noqa: SIM110
        if load[d] + demand[d] > capacity[d]:
            return False
    return True


@njit(cache=True, inline="always")
def _fits_alone(demand: np.ndarray, capacity: np.ndarray) -> bool:
    for d in range(demand.shape[0]):  # noqa: SIM110
        if demand[d] > capacity[d]:
            return False
    return True


@njit(cache=True, inline="always")
def _no_better(
    delta: int,
    best: int,
    entries: int,
    best_entries: int,
    place: tuple[int, int, int],
    best_place: tuple[int, int, int],
) -> bool:
    """Whether a position adding ``delta`` on a route of ``entries`` entries loses to the
    best so far (``best`` on a route of ``best_entries``): it must cost less, or as much
    on an idle vehicle against a used one, or as much on a route alike in that and come
    first in (vehicle, position, reload entry) order (``place``, ``best_place``). A new
    trip costs the same on an idle vehicle as after any trip of a used one (out from the
    load place and back); the idle vehicle keeps the used route's time free for later
    insertions. The order settles ties as a scan in that order would, so the order in
    which :func:`_best_insertion` weighs the routes changes its speed, never its choice."""
    if delta != best:
        return delta > best
    if (entries == 0) != (best_entries == 0):
        return entries > 0
    for k in range(3):
        if place[k] != best_place[k]:
            return place[k] > best_place[k]
    return True


@njit(cache=True, inline="always")
def _nearest_route(u: int, rs: tuple, prob: tuple) -> int:
    """The route of the stop nearest ``u`` that a route serves (-1: none)."""
    route_of, neighbours = rs[7], prob[14]
    for j in range(1, neighbours.shape[1]):
        v = route_of[neighbours[u, j]]
        if v >= 0:
            return v
    return -1


@njit(cache=True)
def _best_insertion(
    u: int,
    blink: float,
    rs: tuple,
    prob: tuple,
    class_seen: np.ndarray,
) -> tuple[int, int, int, int]:
    """Cheapest feasible ``(vehicle, position, reload entry before it (-1: none), added
    cost)`` for stop ``u``; vehicle -1: none.

    Per position: ``u`` joining the trip there (if it has room), and, at the end of a trip
    (before a reload or the route's end) while the route may load again, a new trip: a
    reload at each of the vehicle's load places, then ``u``. The body is written once,
    inline (a call per candidate would pass the problem's arrays each time).

    The route of the nearest stop served is looked at first, then the others by index: a
    low cost found early cuts the other routes' positions before their checks (one
    reinsertion 12-22 % shorter on three plans of the 300-household day,
    benchmarks/README.md). Ties go as in a scan by index (:func:`_no_better`), so the
    choice is the same.

    What costs O(route) (:func:`_full_delta`: the later visits' lateness, the balance
    rule's price, the duration and ride limits) runs at once only until one position
    passes it; after that a position that passes the O(1) checks and may beat the best on
    its arcs waits in ``rs``' ``deferred`` table, and once the scan is done the waiting
    ones are judged cheapest first, until the next cannot beat the best. Those parts only
    add cost, so the choice is the one every position judged in full would give; fewer
    positions are judged in full (a step about 11 % shorter on the 300- and
    1,000-household days, benchmarks/README.md).
    """
    service, n_stops = prob[6], prob[13].shape[0]
    routes, lengths, es, ls, rload, rdist = rs[:6]
    vint, vcap, loc, cost, travel, dist, service, tw_lo, tw_hi, demand = prob[:10]
    late_at, late_cost, allowed = prob[10], prob[11], prob[12]
    vreload = prob[17]
    rstops, rloads, tid, tload, rdone, rfree = rs[12], rs[13], rs[14], rs[15], rs[17], rs[18]
    rides, max_ride = prob[18][0] > 0, prob[16]
    best_v, best_i, best_x, best_delta = -1, -1, -1, 0
    deferred, n_deferred = rs[20], 0
    lu = loc[u]
    class_seen[:] = False
    first = _nearest_route(u, rs, prob)
    for k in range(-1, lengths.shape[0]):
        v = first if k < 0 else k
        if v < 0 or (k >= 0 and v == first) or v == rs[19][0] or not allowed[u, v]:
            continue
        n = lengths[v]
        if n == 0:
            if class_seen[vint[v, V_CLASS]]:
                continue
            class_seen[vint[v, V_CLASS]] = True
        if rstops[v] + 1 > vint[v, V_MAX_STOPS]:
            continue
        reloading = vint[v, V_MAX_LOADS] > 0
        if not reloading and not _fits(rload[v], demand[u], vcap[v]):
            continue
        new_trip = (
            reloading and rloads[v] < vint[v, V_MAX_LOADS] and _fits_alone(demand[u], vcap[v])
        )
        changed, fixed = prob[20][u, v], prob[19][v]  # change cost; fixed prefix length
        c, p = vint[v, V_COST], vint[v, V_PROFILE]
        far = vint[v, V_MAX_DIST] < NO_LIMIT  # a distance limit to keep
        end = vint[v, V_END]
        prev = vint[v, V_START]
        depart = vint[v, V_DEPART]
        own, own_trip = True, -1  # (a vehicle that never reloads: checked above)
        for i in range(n + 1):
            if i > 0:
                w = routes[v, i - 1]
                prev = loc[w]
                depart = es[v, i - 1] + _svc(v, w, vint, service, n_stops)
            if blink > 0.0 and np.random.random() < blink:
                continue
            if i < fixed:  # nothing goes before or between the entries of the fixed prefix
                continue
            if reloading and tid[v, i] != own_trip:  # (one load check per trip)
                own_trip = tid[v, i]
                own = own_trip >= 1 and _fits(tload[v, own_trip], demand[u], vcap[v])
            places = vreload.shape[1] if new_trip and (i == n or routes[v, i] >= n_stops) else 0
            for r in range(-1, places):
                if r < 0:
                    if not own:
                        continue
                    x, here, t, delta, extra_d = -1, prev, depart, 0, 0
                else:
                    if not vreload[v, r]:
                        continue
                    x = n_stops + r
                    lx = loc[x]
                    begin = max(tw_lo[x], depart + travel[p, prev, lx])
                    if begin > tw_hi[x]:
                        continue
                    here, t = lx, begin + vint[v, V_RELOAD_SVC]
                    delta, extra_d = cost[c, prev, lx], dist[p, prev, lx] if far else 0
                nxt = loc[routes[v, i]] if i < n else end
                delta += cost[c, here, lu] + _arc(cost, c, lu, nxt)
                if n > 0:
                    delta -= _arc(cost, c, prev, nxt)
                else:  # an idle vehicle: its fixed cost; it made no trip from start to end
                    delta += vint[v, V_FIXED]
                delta += changed
                if best_v >= 0 and _no_better(
                    delta, best_delta, n, lengths[best_v], (v, i, x), (best_v, best_i, best_x)
                ):
                    continue  # (the rest only refuses or adds cost: the arcs' cost first)
                start = max(tw_lo[u], t + travel[p, here, lu])
                if start > tw_hi[u]:
                    continue  # (street matrices need not obey the triangle inequality: go on)
                if i < n:
                    if start + service[u] + travel[p, lu, nxt] > ls[v, i]:
                        continue
                elif start + service[u] + _arc(travel, p, lu, nxt) > vint[v, V_END_BY]:
                    continue
                if rides:  # a ride over its limit on travel and service alone (no wait)
                    to_u = travel[p, here, lu]
                    if x >= 0:
                        if to_u > max_ride[u]:
                            continue
                    elif rdone[v, i] + to_u > max_ride[u] or (
                        i < n
                        and routes[v, i] < n_stops
                        and to_u + service[u] + travel[p, lu, nxt] - travel[p, here, nxt]
                        > rfree[v, i]
                    ):
                        continue
                if far:  # (distance is read only under a limit: the matrices are large)
                    extra_d += dist[p, here, lu] + _arc(dist, p, lu, nxt)
                    if n > 0:
                        extra_d -= _arc(dist, p, prev, nxt)
                    if rdist[v] + extra_d > vint[v, V_MAX_DIST]:
                        continue
                if start > late_at[u]:
                    delta += late_cost[u] * (start - late_at[u])
                    if best_v >= 0 and _no_better(
                        delta, best_delta, n, lengths[best_v], (v, i, x), (best_v, best_i, best_x)
                    ):
                        continue
                # What costs O(route) waits (below) once a best position is known.
                if best_v >= 0 and n_deferred < deferred.shape[0]:
                    deferred[n_deferred, 0], deferred[n_deferred, 1] = v, i
                    deferred[n_deferred, 2], deferred[n_deferred, 3] = x, delta
                    deferred[n_deferred, 4] = start
                    n_deferred += 1
                    continue
                full = _full_delta(
                    u, v, i, x, delta, start, (best_v, best_i, best_x, best_delta), rs, prob
                )
                if full != _REFUSED:
                    best_v, best_i, best_x, best_delta = v, i, x, full
    # The deferred positions, the cheapest first, while one may still beat the best: the
    # O(route) parts only add cost, so one that cannot beat it on its arcs never will.
    while n_deferred > 0:
        pick = 0
        for j in range(1, n_deferred):
            if not _no_better(
                deferred[j, 3], deferred[pick, 3], lengths[deferred[j, 0]],
                lengths[deferred[pick, 0]], (deferred[j, 0], deferred[j, 1], deferred[j, 2]),
                (deferred[pick, 0], deferred[pick, 1], deferred[pick, 2]),
            ):  # fmt: skip
                pick = j
        v, i, x = deferred[pick, 0], deferred[pick, 1], deferred[pick, 2]
        delta, start = deferred[pick, 3], deferred[pick, 4]
        if _no_better(
            delta, best_delta, lengths[v], lengths[best_v], (v, i, x), (best_v, best_i, best_x)
        ):
            break
        n_deferred -= 1
        deferred[pick, :] = deferred[n_deferred, :]
        full = _full_delta(u, v, i, x, delta, start, (best_v, best_i, best_x, best_delta), rs, prob)
        if full != _REFUSED:
            best_v, best_i, best_x, best_delta = v, i, x, full
    return best_v, best_i, best_x, best_delta


@njit(cache=True)
def _full_delta(
    u: int,
    v: int,
    i: int,
    x: int,
    delta: int,
    start: int,
    best: tuple[int, int, int, int],
    rs: tuple,
    prob: tuple,
) -> int:
    """``delta`` of stop ``u`` at position ``i`` of route ``v`` (after reload entry ``x``;
    -1: none), starting service at ``start``, with what costs O(route) added, each part
    adding cost (never less) before the next: the later visits' lateness, the balance
    rule's price, then the duration and ride limits; :data:`_REFUSED` if the route then
    breaks a limit, or the cost cannot beat ``best`` ``(vehicle, position, reload entry,
    added cost)``, vehicle -1: none yet."""
    lengths, late_after, bounds, rstops = rs[1], rs[9], rs[11], rs[12]
    service, loc, balance = prob[6], prob[2], prob[15]
    n = lengths[v]
    best_v, best_i, best_x, best_delta = best
    best_n = lengths[best_v] if best_v >= 0 else 0
    if late_after[v, i] > 0:
        delta += _later_lateness(v, i, start + service[u], loc[u], rs, prob)
        if best_v >= 0 and _no_better(
            delta, best_delta, n, best_n, (v, i, x), (best_v, best_i, best_x)
        ):
            return _REFUSED
    if balance[0] > 0:  # beyond the balance bounds: at the rule's price
        over_s = _shown_span(v, i, x, u, rs, prob) - bounds[0]
        over_n = rstops[v] + 1 - bounds[1]
        delta += max(0, over_s) * balance[1] + max(0, over_n) * balance[2]
        if best_v >= 0 and _no_better(
            delta, best_delta, n, best_n, (v, i, x), (best_v, best_i, best_x)
        ):
            return _REFUSED
    if _has_span_limit(v, prob[0]) and not _spans_ok(v, i, x, u, rs, prob):
        return _REFUSED
    if prob[18][0] > 0 and not _insertion_rides_ok(v, i, x, u, rs, prob):
        return _REFUSED
    return delta


@njit(cache=True)
def _tidy(v: int, rs: tuple, prob: tuple) -> None:
    """Drop route ``v``'s reloads that begin an empty trip (followed by another reload or
    by the end, or first on a route that starts loaded), outside its fixed prefix; no stop
    left: no route."""
    routes, lengths = rs[0], rs[1]
    n_stops = prob[13].shape[0]
    loaded = prob[0][v, V_START_EMPTY] == 0
    n = lengths[v]
    out, stops = 0, 0
    for k in range(n):
        w = routes[v, k]
        if w >= n_stops and k >= prob[19][v]:
            after = routes[v, k + 1] if k + 1 < n else -1
            if after < 0 or after >= n_stops or (loaded and out == 0):
                continue
        else:
            stops += 1
        routes[v, out] = w
        out += 1
    lengths[v] = out if stops > 0 else 0


@njit(cache=True)
def _trip_load(v: int, k: int, step: int, rs: tuple, prob: tuple, into: np.ndarray) -> int:
    """Add the demand of the stops of route ``v`` from position ``k`` on, going ``step``
    (+1 / -1) up to the next reload or the route's end, into ``into``; returns how many.
    """
    routes, lengths, demand, n_stops = rs[0], rs[1], prob[9], prob[13].shape[0]
    count = 0
    while 0 <= k < lengths[v] and routes[v, k] < n_stops:
        into += demand[routes[v, k]]
        count += 1
        k += step
    return count


@njit(cache=True)
def _merge_trips(v: int, lo: int, hi: int, rs: tuple, prob: tuple) -> None:
    """Drop route ``v``'s reloads at positions ``lo .. hi`` (those beside and inside a
    removed string, outside the fixed prefix) whose two trips now fit one load together:
    the ruin joins trips, the recreate opens new ones where they pay."""
    routes, lengths, vcap, n_stops = rs[0], rs[1], prob[1], prob[13].shape[0]
    load = np.zeros(vcap.shape[1], dtype=np.int64)
    for k in range(min(hi, lengths[v] - 1), max(lo, prob[19][v]) - 1, -1):
        if routes[v, k] < n_stops:
            continue
        load[:] = 0
        before = _trip_load(v, k - 1, -1, rs, prob, load)
        if before == 0 or _trip_load(v, k + 1, 1, rs, prob, load) == 0:
            continue  # (an empty trip: _tidy's)
        if prob[0][v, V_START_EMPTY] == 1 and k - before - 1 < 0:
            continue  # (stops before any load: the route breaks other rules)
        if not _fits_alone(load, vcap[v]):
            continue
        for q in range(k, lengths[v] - 1):
            routes[v, q] = routes[v, q + 1]
        lengths[v] -= 1


@njit(cache=True)
def _ruin(
    rs: tuple,
    prob: tuple,
    neighbours: np.ndarray,
    touched: np.ndarray,
    loose: np.ndarray,
    n_loose: int,
    avg_removed: float,
    max_string: int,
) -> int:
    """Remove strings of consecutive stops from routes near a random stop (SISR's ruin).

    The removed stops are appended to ``loose``; ruined routes are marked in ``touched``.
    Reloads within a string stay, unless their trip is left empty (:func:`_tidy`) or it
    fits one load with the trip before it (:func:`_merge_trips`, without ride limits). Strings
    lie after the routes' fixed prefixes.
    Returns the new count of loose stops.
    """
    routes, lengths, route_of, pos_of, prefix = rs[0], rs[1], rs[7], rs[8], prob[19]
    n_stops = route_of.shape[0]
    assigned = n_stops - n_loose
    used = 0
    for v in range(lengths.shape[0]):
        assigned -= min(prefix[v], lengths[v])  # (an overestimate with reloads: harmless)
        if lengths[v] > prefix[v]:
            used += 1
    if assigned <= 0 or used == 0:
        return n_loose
    l_max = min(float(max_string), assigned / used)
    k_max = 4.0 * avg_removed / (1.0 + l_max) - 1.0
    k = int(np.random.random() * k_max) + 1
    first = np.random.randint(n_stops)
    ruined = 0
    for j in range(neighbours.shape[1]):
        if ruined >= k:
            break
        c = neighbours[first, j]
        v = route_of[c]
        if v < 0 or touched[v] or pos_of[c] < prefix[v]:
            continue
        n = lengths[v]
        free = n - prefix[v]
        size = min(int(np.random.random() * min(l_max, float(free))) + 1, free)
        lo = max(prefix[v], pos_of[c] - size + 1)
        hi = min(pos_of[c], n - size)
        begin = lo + int(np.random.random() * (hi - lo + 1))
        out, kept = begin, 0
        for i in range(begin, n):
            w = routes[v, i]
            if i < begin + size and w < n_stops:  # a stop of the string: loose
                loose[n_loose] = w
                n_loose += 1
                route_of[w] = -1
            else:  # reloads stay (until their trip is empty, or it merges)
                if i < begin + size:
                    kept += 1
                routes[v, out] = w
                out += 1
        lengths[v] = out
        if prob[0][v, V_MAX_LOADS] > 0:
            if prob[18][0] == 0:  # (merged trips lengthen rides: not under ride limits)
                _merge_trips(v, begin - 1, begin + kept, rs, prob)
            _tidy(v, rs, prob)
        touched[v] = True
        ruined += 1
    return n_loose


@njit(cache=True)
def _ruin_smallest_route(
    rs: tuple, prob: tuple, touched: np.ndarray, loose: np.ndarray, n_loose: int
) -> int:
    """Remove every stop of the used route with the fewest stops (the first such by
    index; reloads go with them), after its fixed prefix, and bar its vehicle from the
    recreate that follows (``rs[19]``). Appends to ``loose``, marks ``touched``; returns the
    new count of loose stops (unchanged when no route has stops to give)."""
    routes, lengths, route_of, rstops, prefix = rs[0], rs[1], rs[7], rs[12], prob[19]
    n_stops = route_of.shape[0]
    pick = -1
    for v in range(lengths.shape[0]):
        if lengths[v] > prefix[v] and (pick < 0 or rstops[v] < rstops[pick]):
            pick = v
    if pick < 0:
        return n_loose
    for i in range(prefix[pick], lengths[pick]):
        w = routes[pick, i]
        if w < n_stops:
            loose[n_loose] = w
            n_loose += 1
            route_of[w] = -1
    lengths[pick] = prefix[pick]
    touched[pick] = True
    rs[19][0] = pick
    return n_loose


@njit(cache=True)
def _recreate_order(loose: np.ndarray, n_loose: int, prob: tuple) -> np.ndarray:
    """SISR's insertion orders: random (4/11), largest demand first (4/11), farthest from
    the (first vehicle's) start first (2/11), closest first (1/11)."""
    vint, loc, cost, demand = prob[0], prob[2], prob[3], prob[9]
    keys = np.empty(n_loose, dtype=np.float64)
    mode = np.random.random() * 11.0
    home = vint[0, V_START]
    for j in range(n_loose):
        u = loose[j]
        if mode < 4.0:
            keys[j] = np.random.random()
        elif mode < 8.0:
            keys[j] = -float(demand[u].sum())
        elif mode < 10.0:
            keys[j] = -float(cost[0, home, loc[u]])
        else:
            keys[j] = float(cost[0, home, loc[u]])
    return np.argsort(keys, kind="mergesort")


@njit(cache=True)
def _serves_only_allowed(v: int, routes: np.ndarray, lengths: np.ndarray, prob: tuple) -> bool:
    """Whether every stop route ``v`` serves after its fixed prefix is one vehicle ``v`` may
    serve (``allowed``, the skills): a start plan's route is checked once, the steps'
    insertions check it themselves (:func:`_best_insertion`)."""
    allowed, n_stops = prob[12], prob[13].shape[0]
    for i in range(prob[19][v], lengths[v]):
        w = routes[v, i]
        if w < n_stops and not allowed[w, v]:
            return False
    return True


@njit(cache=True)
def _route_state(routes: np.ndarray, lengths: np.ndarray, prob: tuple) -> tuple:
    """The derived data ``rs`` of ``routes`` (filled by :func:`_update`, route by route)."""
    n_veh, width, n_stops, dims = (
        routes.shape[0], routes.shape[1], prob[13].shape[0], prob[9].shape[1],
    )  # fmt: skip
    return (
        routes,
        lengths,
        np.zeros((n_veh, width), dtype=np.int64),  # es
        np.zeros((n_veh, width), dtype=np.int64),  # ls
        np.zeros((n_veh, dims), dtype=np.int64),  # rload
        np.zeros(n_veh, dtype=np.int64),  # rdist
        np.zeros(n_veh, dtype=np.int64),  # rcost
        np.full(n_stops, -1, dtype=np.int64),  # route_of
        np.zeros(n_stops, dtype=np.int64),  # pos_of
        np.zeros((n_veh, width), dtype=np.int64),  # late_after
        np.zeros(n_veh, dtype=np.int64),  # rspan
        np.full(2, NO_LIMIT, dtype=np.int64),  # bounds
        np.zeros(n_veh, dtype=np.int64),  # rstops
        np.zeros(n_veh, dtype=np.int64),  # rloads
        np.zeros((n_veh, width), dtype=np.int64),  # tid
        np.zeros((n_veh, width + 1, dims), dtype=np.int64),  # tload
        np.zeros(width + 1, dtype=np.int64),  # scratch
        np.zeros((n_veh, width + 1), dtype=np.int64),  # rdone
        np.full((n_veh, width + 1), NO_LIMIT, dtype=np.int64),  # rfree
        np.full(1, -1, dtype=np.int64),  # barred: the vehicle the recreate skips (-1: none)
        np.zeros((_DEFERRED, 5), dtype=np.int64),  # deferred: (v, i, x, delta, start)
    )


@njit(cache=True)
def insertion_costs(
    routes: np.ndarray, lengths: np.ndarray, stops: np.ndarray, prob: tuple
) -> np.ndarray:
    """Added cost of each of ``stops`` at its cheapest feasible position in the plan as it
    is (nothing else moved; -1: no feasible position). ``routes`` is left unchanged."""
    rs = _route_state(routes.copy(), lengths.copy(), prob)
    for v in range(routes.shape[0]):
        _update(v, rs, prob, True)
    if prob[15][0] > 0:
        _set_bounds(rs, prob)
    class_seen = np.zeros(int(prob[0][:, V_CLASS].max()) + 1, dtype=np.bool_)
    out = np.full(stops.shape[0], -1, dtype=np.int64)
    for j in range(stops.shape[0]):
        v, _, _, delta = _best_insertion(stops[j], 0.0, rs, prob, class_seen)
        if v >= 0:
            out[j] = delta
    return out


@njit(cache=True, nogil=True)
def run(
    routes: np.ndarray,
    lengths: np.ndarray,
    best_routes: np.ndarray,
    best_lengths: np.ndarray,
    state: np.ndarray,
    iterations: int,
    temp_from: float,
    temp_to: float,
    seed: int,
    prob: tuple,
    avg_removed: float,
    max_string: int,
    blink: float,
    route_out: float,
) -> int:
    """Run ``iterations`` ruin-and-recreate steps from ``routes`` (changed in place).

    ``prob`` is the problem tuple (see above). ``state`` holds ``[current cost, best cost,
    accepted, improved, balance part of the start cost]`` and is updated; the best plan
    seen is kept in ``best_routes``/``best_lengths``. The temperature falls geometrically from
    ``temp_from`` to ``temp_to`` over the call. With probability ``route_out`` a step's ruin
    is :func:`_ruin_smallest_route` instead of strings. Start routes that break a rule (a skill
    included) are emptied
    first, down to their fixed prefix (the caller's best plan too, then). Returns the
    number of steps whose ruin left a route late (skipped; possible on matrices without the
    triangle inequality).
    """
    np.random.seed(seed)
    vint, penalty, neighbours = prob[0], prob[13], prob[14]
    n_veh, n_stops = routes.shape[0], penalty.shape[0]
    rs = _route_state(routes, lengths, prob)
    rcost, route_of = rs[6], rs[7]
    saved = routes.copy()
    saved_len = lengths.copy()
    class_seen = np.zeros(int(vint[:, V_CLASS].max()) + 1, dtype=np.bool_)
    touched = np.zeros(n_veh, dtype=np.bool_)
    loose = np.empty(n_stops, dtype=np.int64)
    emptied = False
    for v in range(n_veh):
        if not _serves_only_allowed(v, routes, lengths, prob) or not _update(v, rs, prob, True):
            # A start route that breaks a rule (e.g. a span bound it was not planned for,
            # or a stop its volunteer lacks the skill for) is emptied: its stops become
            # loose and are reinserted by the first step.
            for i in range(prob[19][v], lengths[v]):
                if routes[v, i] < n_stops:
                    route_of[routes[v, i]] = -1
            lengths[v] = prob[19][v]
            _update(v, rs, prob, True)
            emptied = True
    if emptied:
        saved_len[:] = lengths
        best_lengths[:] = lengths
        best_routes[:, :] = routes
    current = rcost.sum() + _balance_cost(rs, prob)
    state[4] = current - rcost.sum()
    for u in range(n_stops):
        if route_of[u] < 0:
            current += penalty[u]
    state[0] = current
    skipped = 0
    ratio = temp_to / temp_from if temp_from > 0 else 1.0
    for it in range(iterations):
        temp = temp_from * ratio ** (it / max(iterations, 1))
        n_loose = 0
        for u in range(n_stops):
            if route_of[u] < 0:
                loose[n_loose] = u
                n_loose += 1
        touched[:] = False
        if prob[15][0] > 0:
            _set_bounds(rs, prob)
        rs[19][0] = -1
        if route_out > 0.0 and np.random.random() < route_out:
            n_loose = _ruin_smallest_route(rs, prob, touched, loose, n_loose)
        else:
            n_loose = _ruin(rs, prob, neighbours, touched, loose, n_loose, avg_removed, max_string)
        feasible = True
        for v in range(n_veh):
            if touched[v] and not _update(v, rs, prob, True):
                feasible = False
        if not feasible:
            skipped += 1
        else:
            order = _recreate_order(loose, n_loose, prob)
            for j in range(n_loose):
                u = loose[order[j]]
                v, i, x, _ = _best_insertion(u, blink, rs, prob, class_seen)
                if v < 0:
                    continue
                step = 1 if x < 0 else 2
                for q in range(lengths[v] + step - 1, i + step - 1, -1):
                    routes[v, q] = routes[v, q - step]
                if x >= 0:
                    routes[v, i] = x
                routes[v, i + step - 1] = u
                lengths[v] += step
                touched[v] = True
                _update(v, rs, prob, False)
            candidate = rcost.sum() + _balance_cost(rs, prob)
            for j in range(n_loose):
                if route_of[loose[j]] < 0:
                    candidate += penalty[loose[j]]
            if candidate < current - temp * np.log(np.random.random() + 1e-300):
                current = candidate
                state[2] += 1
                for v in range(n_veh):
                    if touched[v]:
                        saved_len[v] = lengths[v]
                        saved[v, : lengths[v]] = routes[v, : lengths[v]]
                if current < state[1]:
                    state[1] = current
                    state[3] += 1
                    best_lengths[:] = lengths
                    best_routes[:, :] = routes
                continue
        # Rejected (or skipped): restore the touched routes and the loose stops.
        for j in range(n_loose):
            route_of[loose[j]] = -1
        for v in range(n_veh):
            if touched[v]:
                lengths[v] = saved_len[v]
                routes[v, : lengths[v]] = saved[v, : lengths[v]]
                _update(v, rs, prob, False)
    state[0] = current
    return skipped
