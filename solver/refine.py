"""Refinement of a plan by ruin and recreate (SISR), after the OR-Tools search.

OR-Tools' guided local search stalls on tight time windows (Solomon R1/RC1: 3-5 % above
VROOM at 10 s). This stage takes its plan and runs slack induction by string removals
(compiled, :mod:`solver._sisr`) until the deadline, on exactly the objective the OR-Tools
model minimises (arc costs, fixed costs, lateness past soft deadlines, penalties of
unserved stops), and returns the best plan seen. It applies to problems whose constraints
it models exactly; :func:`unsupported` names what keeps a problem out (then the OR-Tools
plan stands unchanged). Every plan still goes through the independent checker downstream.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from solver import _sisr, balance, objective
from solver.model import Problem, Profile, Stop, Vehicle, routes_with_prefixes
from solver.schedule import end_window, reload_hours, start_window

#: Largest problem refined: the kernel keeps all-pairs tables over the stops (neighbours,
#: and per profile and cost structure the matrices over the locations in use).
MAX_STOPS = 2000
#: Steps per kernel call under an iteration count.
_STEP = 200
#: Steps of the first kernel call under a deadline (it measures the step rate): few, so
#: that a short budget is not overrun (200 steps of the demo day's 161-stop re-plan took
#: 1.6 s on a loaded machine, against a 1.3 s limit).
_FIRST_STEP = 20
#: Seconds per later kernel call (between clock and progress checks).
_CHUNK_SECONDS = 0.05
#: Seconds of kernel calls after the first that time the pace of a refinement's steps
#: (:func:`steps_ahead`).
_PACE_SECONDS = 2 * _CHUNK_SECONDS
#: The annealing's last temperature is its first over this.
_COOLING = 100.0
#: Most the temperature rises on plans of long routes (:attr:`RefineConfig.long_route`).
_MAX_HEAT = 3.0
#: Stand-in travel time of a missing path: later than any window.
_NEVER = 10**12
#: Steps (of each walk) between exchanges of a two-thread refinement: the walk with the
#: dearest best plan goes on from the cheapest. 0: never (the cheapest at the end).
_SHARE_STEPS = 1000
#: Offset of the second thread's seeds from the main thread's.
_SECOND_SALT = 2**30


@dataclass(frozen=True, slots=True)
class RefineConfig:
    """Parameters of the ruin-and-recreate refinement.

    Attributes
    ----------
    avg_removed
        Mean number of stops removed per iteration.
    max_string
        Longest string of consecutive stops removed from one route.
    blink
        Probability of skipping a position while reinserting.
    temperature
        Initial annealing temperature as a multiple of the plan's mean arc cost; it falls
        geometrically to 1/100 of that by the deadline.
    long_route
        Stops per route (mean over the start plan's routes) beyond which the temperature
        rises in proportion, up to :data:`_MAX_HEAT` times: on plans of few long routes
        (Solomon type 2) arcs are short beside what a change of route structure costs,
        and a search that cold stayed on too few routes (RC208: 3 routes, 7 % above a
        4-route plan).
    route_out
        Probability that a step's ruin takes the route with the fewest stops whole and
        bars its vehicle from that step's reinsertion, instead of strings: a move
        between route structures (which volunteer serves which streets) that strings
        reach only over many dearer steps. On the 300-household day at 5 s it lowered
        the mean cost by 0.3 % in process (180 seeds of the search alone) and by 0.7 %
        as ``doorstep plan`` runs it (30 plans side by side; benchmarks/README.md).
    walks
        Walks of a two-thread refinement (even; each thread steps its half in turn), when
        each thread may expect at least ``four_walks_from`` times the square of the stop
        count in steps (at the pace of the kernel calls after the first,
        :func:`steps_ahead`, or from the step count); else two, one per thread. The walk
        with the dearest best plan goes on from the cheapest every :data:`_SHARE_STEPS`
        of its steps, so four walks keep three lines of search besides the best one, where
        two keep one.
    four_walks_from
        See ``walks``. In process, two threads from empty routes (benchmarks/README.md):
        on the 300-household day (161 stops) four walks lowered the mean cost at about 40,
        70 and 100 steps per stop per thread (-0.5 %, -0.6 % and -0.5 %, over 30, 30 and
        96 seeds); on the 1,000-household day (504 stops) they raised it at about 20 and
        40 (+1.2 % and +0.5 %, 16 and 6 seeds) and were even at about 150. Per stop alone
        no threshold fits both days; over the square of the stops, 0.2 does: four walks
        from 32 steps per stop on the first day, from 100 on the second.
    """

    avg_removed: float = 10.0
    max_string: int = 10
    blink: float = 0.01
    temperature: float = 1.0
    long_route: float = 8.0
    route_out: float = 0.02
    walks: int = 4
    four_walks_from: float = 0.2


def unsupported(problem: Problem) -> str | None:
    """Why ``problem`` cannot be refined (``None``: it can)."""
    if not problem.stops:
        return "no stops"
    if len(problem.stops) > MAX_STOPS:
        return f"more than {MAX_STOPS} stops"
    if problem.objective.span_cost:
        return "span cost"
    if any(len(s.windows) > 1 for s in problem.stops):
        return "several time windows on a stop"
    return None


@dataclass(frozen=True)
class Arrays:
    """The problem as the kernel's arrays (all integers; ``-1`` location: open end).

    ``vint`` rows are vehicles, columns ``_sisr.V_*``; ``cost``/``travel``/``dist`` are
    stacked location matrices indexed by ``V_COST``/``V_PROFILE``; per stop: ``loc``,
    ``service``, ``tw_lo``, ``tw_hi``, ``demand`` (stops x dimensions), ``late_at`` and
    ``late_cost`` (soft deadline and cost per second late; no deadline: never late),
    ``penalty``;
    ``allowed`` is stops x vehicles; ``neighbours`` lists, per stop, every stop by
    increasing arc cost from it (itself first); ``balance`` is the balance rule's factor x
    1000 and its prices (:func:`solver.balance.prices`; zeros: no rule).

    Trips: the per-stop arrays ``loc``, ``service``, ``tw_lo``, ``tw_hi``, ``demand``,
    ``late_at``, ``late_cost`` and ``max_ride`` (s; no limit: ``_NEVER``) go on with one
    entry per load place (:attr:`places`, kernel entry ``len(stops) + r``: its location,
    its depot's hours, no demand, no lateness, no ride limit); ``vreload`` is vehicles x
    load places (where each may load); ``flags`` is ``[1 if any ride limit]``.

    Re-plans: ``prefix`` is, per vehicle, the number of entries its route begins with that
    stay as they are (:attr:`solver.model.Vehicle.prefix`); ``change`` is stops x vehicles,
    the cost of serving a stop with that vehicle (its ``change_cost`` when the vehicle is
    not its ``reference``, else 0).
    """

    vint: np.ndarray
    vcap: np.ndarray
    loc: np.ndarray
    cost: np.ndarray
    travel: np.ndarray
    dist: np.ndarray
    service: np.ndarray
    tw_lo: np.ndarray
    tw_hi: np.ndarray
    demand: np.ndarray
    late_at: np.ndarray
    late_cost: np.ndarray
    allowed: np.ndarray
    penalty: np.ndarray
    neighbours: np.ndarray
    balance: np.ndarray
    max_ride: np.ndarray
    vreload: np.ndarray
    flags: np.ndarray
    prefix: np.ndarray
    change: np.ndarray
    places: tuple[int, ...]

    def kernel(self) -> tuple[np.ndarray, ...]:
        """The kernel's problem tuple ``prob`` (order as in :mod:`solver._sisr`)."""
        return (
            self.vint, self.vcap, self.loc, self.cost, self.travel, self.dist, self.service,
            self.tw_lo, self.tw_hi, self.demand, self.late_at, self.late_cost, self.allowed,
            self.penalty, self.neighbours, self.balance, self.max_ride, self.vreload, self.flags,
            self.prefix, self.change,
        )  # fmt: skip

    def entries(self, problem: Problem, order: Sequence[int]) -> list[int]:
        """A visiting order (reload codes of ``problem``) as the kernel's entries."""
        n = len(problem.stops)
        index = {place: n + r for r, place in enumerate(self.places)}
        return [i if i < n else index[i - n] for i in order]

    def order(self, problem: Problem, entries: Sequence[int]) -> list[int]:
        """The kernel's entries as a visiting order (reload codes of ``problem``)."""
        n = len(problem.stops)
        return [e if e < n else problem.reload_code(self.places[e - n]) for e in entries]


def _route_arrays(
    problem: Problem, a: Arrays, routes: Sequence[Sequence[int]]
) -> tuple[np.ndarray, np.ndarray]:
    """Routes as the kernel holds them: a vehicles x entries table and the lengths.

    A route holds each stop at most once and, with load places, at most one reload before
    each stop and one first (every trip serves a stop): ``2 x stops + 2`` entries.
    """
    n_vehicles, n_stops = len(problem.vehicles), len(problem.stops)
    width = n_stops + 1 + (n_stops + 1 if a.places else 0)
    table = np.zeros((n_vehicles, width), dtype=np.int64)
    lengths = np.zeros(n_vehicles, dtype=np.int64)
    for k, r in enumerate(routes):
        table[k, : len(r)] = a.entries(problem, r)
        lengths[k] = len(r)
    return table, lengths


def arrays(problem: Problem, *, span_bound: int | None = None) -> Arrays:
    """Pack ``problem`` for the kernel (see :class:`Arrays`); ``span_bound`` as in
    :func:`refine`."""
    vehicles, stops = problem.vehicles, problem.stops
    keys = sorted({objective.cost_key(problem, v) for v in vehicles})
    cost_index = {k: i for i, k in enumerate(keys)}
    # The kernel sees only the locations in use (stops and route ends), renumbered.
    ends = {v.end for v in vehicles if v.end is not None}
    loads = sorted({p for v in vehicles for p in v.load_places})
    places = sorted({s.location for s in stops} | {v.start for v in vehicles} | ends | set(loads))
    place = {loc: k for k, loc in enumerate(places)}
    used = np.asarray(places, dtype=np.int64)
    cut = np.ix_(used, used)
    profiles = problem.profiles
    cost_list, bound = [], 1
    for p, per_s, per_m in keys:
        # The penalty scale is set from the whole matrix, as in the OR-Tools model.
        whole = per_s * profiles[p].durations.astype(np.int64)
        whole += per_m * profiles[p].distances.astype(np.int64)
        finite = whole[profiles[p].durations >= 0]
        bound = max(bound, int(finite.max()) if finite.size else 0)
        cost_list.append(np.where(profiles[p].durations[cut] >= 0, whole[cut], 2 * bound + 1))
    travel = np.stack(
        [np.where(pr.durations[cut] >= 0, pr.durations[cut], _NEVER) for pr in profiles]
    )
    dist = np.stack(
        [np.where(pr.durations[cut] >= 0, pr.distances[cut], _NEVER) for pr in profiles]
    )
    horizon = max(v.shift[1] for v in vehicles)
    compatible = objective.compatible_vehicles(problem)
    allowed = np.zeros((len(stops), len(vehicles)), dtype=np.bool_)
    for i, ks in enumerate(compatible):
        allowed[i, ks] = True
    bonus = (
        objective.vehicle_fixed_bonus(problem, bound) if problem.objective.minimise_vehicles else 0
    )
    vint = np.zeros((len(vehicles), _sisr.V_FIELDS), dtype=np.int64)
    vreload = np.zeros((len(vehicles), len(loads)), dtype=np.bool_)
    change = (
        np.asarray(objective.change_costs(problem), dtype=np.int64)
        .reshape(len(vehicles), len(stops))
        .T.copy()
    )
    classes: dict[tuple[object, ...], int] = {}
    for k, v in enumerate(vehicles):
        row = vint[k]
        row[_sisr.V_START] = place[v.start]
        row[_sisr.V_END] = -1 if v.end is None else place[v.end]
        row[_sisr.V_COST] = cost_index[objective.cost_key(problem, v)]
        row[_sisr.V_PROFILE] = v.profile
        row[_sisr.V_FIXED] = v.fixed_cost + bonus
        row[_sisr.V_DEPART] = start_window(problem, v)[0]
        row[_sisr.V_END_BY] = end_window(problem, v)[1]
        row[_sisr.V_MAX_DIST] = _sisr.NO_LIMIT if v.max_distance is None else v.max_distance
        row[_sisr.V_MAX_SPAN] = _sisr.NO_LIMIT if v.max_duration is None else v.max_duration
        row[_sisr.V_SHOWN_SPAN] = _sisr.NO_LIMIT if span_bound is None else span_bound
        row[_sisr.V_DEPART_BY] = start_window(problem, v)[1]
        row[_sisr.V_MAX_STOPS] = len(stops) if v.max_stops is None else v.max_stops
        row[_sisr.V_RELOAD_SVC] = v.reload_service
        row[_sisr.V_MAX_LOADS] = _max_loads(v, len(stops))
        row[_sisr.V_START_EMPTY] = 0 if v.start_loaded else 1
        vreload[k, [loads.index(p) for p in v.load_places]] = True
        fields = [x for f, x in enumerate(row.tolist()) if f != _sisr.V_CLASS]
        signature = (
            *fields,
            v.capacity,
            allowed[:, k].tobytes(),
            vreload[k].tobytes(),
            v.prefix,
            change[:, k].tobytes(),
        )
        row[_sisr.V_CLASS] = classes.setdefault(signature, len(classes))
    loc = np.asarray([place[s.location] for s in stops], dtype=np.int64)
    c0 = cost_list[0][np.ix_(loc, loc)].astype(np.float64)
    np.fill_diagonal(c0, -1.0)
    hours = [reload_hours(problem, p) for p in loads]
    lo = [s.windows[0][0] if s.windows else 0 for s in stops]
    hi = [min(s.windows[0][1], horizon) if s.windows else horizon for s in stops]
    ride = [_NEVER if s.max_ride is None else s.max_ride for s in stops]
    r = len(loads)
    return Arrays(
        vint=vint,
        vcap=np.asarray([v.capacity for v in vehicles], dtype=np.int64).reshape(
            len(vehicles), len(problem.dimensions)
        ),
        loc=np.asarray([*loc.tolist(), *(place[p] for p in loads)], dtype=np.int64),
        cost=np.stack(cost_list).astype(np.int64),
        travel=travel.astype(np.int64),
        dist=dist.astype(np.int64),
        service=np.asarray([*(s.service for s in stops), *[0] * r], dtype=np.int64),
        tw_lo=np.asarray([*lo, *(h[0][0] if h else 0 for h in hours)], dtype=np.int64),
        tw_hi=np.asarray(
            [*hi, *(min(h[0][1], horizon) if h else horizon for h in hours)], dtype=np.int64
        ),
        demand=np.asarray(
            [*(s.demand for s in stops), *[(0,) * len(problem.dimensions)] * r], dtype=np.int64
        ).reshape(len(stops) + r, len(problem.dimensions)),
        late_at=np.asarray(
            [*(_NEVER if s.deadline is None else s.deadline for s in stops), *[_NEVER] * r],
            dtype=np.int64,
        ),
        late_cost=np.asarray(
            [*(0 if s.deadline is None else s.lateness_cost for s in stops), *[0] * r],
            dtype=np.int64,
        ),
        allowed=allowed,
        penalty=np.asarray(objective.penalties(problem, bound), dtype=np.int64),
        neighbours=np.argsort(c0, axis=1, kind="stable").astype(np.int64),
        balance=np.asarray(balance.prices(problem, bound), dtype=np.int64),
        max_ride=np.asarray([*ride, *[_NEVER] * r], dtype=np.int64),
        vreload=vreload,
        flags=np.asarray([1 if any(s.max_ride is not None for s in stops) else 0], np.int64),
        prefix=np.asarray([len(v.prefix) for v in vehicles], dtype=np.int64),
        change=change,
        places=tuple(loads),
    )


def _max_loads(v: Vehicle, n_stops: int) -> int:
    """Most reloads the kernel lets ``v`` make (0: never; each trip serves a stop)."""
    if not v.reloads:
        return 0
    return n_stops + 1 if v.max_loads is None else v.max_loads


@dataclass(frozen=True, slots=True)
class RefineResult:
    """The best plan found and what it took (``skipped``: steps whose ruin left a route
    late, possible on matrices without the triangle inequality; those steps change nothing;
    ``settled``: the number of stops served (by the cheapest walk's best plan, the one
    returned) stopped rising before the last quarter of the steps, so the time ran out on
    the cost, not on placing stops; ``walks``: the walks the threads stepped at the end,
    :attr:`RefineConfig.walks`).
    """

    routes: list[list[int]]
    objective: int
    start_objective: int
    iterations: int
    skipped: int
    accepted: int
    improved: int
    seconds: float
    settled: bool = True
    second_steps: int = 0
    walks: int = 1


@dataclass(frozen=True, slots=True, eq=False)
class _Walk:
    """One thread's search: its current plan, its best plan (kernel tables and lengths),
    its ``state`` (as :func:`solver._sisr.run` keeps it) and the problem's arrays it
    reads (``prob``)."""

    cur: np.ndarray
    lengths: np.ndarray
    best: np.ndarray
    best_len: np.ndarray
    state: np.ndarray
    prob: tuple[np.ndarray, ...]

    def copy(self, *, same_thread: bool = False) -> _Walk:
        """A walk of its own from this one's plans (counts of accepted and improved
        steps from zero), on a copy of the problem's arrays unless it runs on this walk's
        thread: two threads reading the same arrays each stepped 6-7 % slower than on
        copies of their own (the compiled code counts references to an array in the
        array's own header, which both threads then write)."""
        state = self.state.copy()
        state[2:4] = 0
        return _Walk(
            self.cur.copy(),
            self.lengths.copy(),
            self.best.copy(),
            self.best_len.copy(),
            state,
            self.prob if same_thread else tuple(x.copy() for x in self.prob),
        )

    def go_on_from(self, other: _Walk) -> None:
        """Make ``other``'s best plan this walk's current and best plan."""
        self.cur[:], self.lengths[:] = other.best, other.best_len
        self.best[:], self.best_len[:] = other.best, other.best_len
        self.state[0] = self.state[1] = other.state[1]


def refine(
    problem: Problem,
    routes: Sequence[Sequence[int]],
    *,
    deadline: float,
    iterations: int | None = None,
    seed: int = 0,
    config: RefineConfig | None = None,
    on_progress: Callable[[float, int], None] | None = None,
    span_bound: int | None = None,
    min_iterations: int = 0,
    threads: int = 1,
) -> RefineResult:
    """Improve ``routes`` (stop positions per vehicle) until ``deadline``.

    ``deadline`` is a ``time.monotonic()`` instant. With ``iterations`` the run stops after
    that many steps at the latest and the temperature follows the step count, so a run
    that ends by its step count is a function of ``(problem, routes, seed, iterations)``.
    ``on_progress`` gets ``(time.monotonic(), objective)`` when the best plan improves.
    ``span_bound`` is an extra limit (s) on every route's duration as the plan's schedule
    has it (the balance bound, reported on that schedule). Routes of ``routes`` that break
    a rule (such as a span bound they were not planned for, or a stop whose skill the
    vehicle lacks) are emptied and their stops
    reinserted by the first step. ``min_iterations`` steps run even past the deadline (1:
    a plan built from empty ``routes`` by the first reinsertion). The caller checks
    :func:`unsupported` first.

    ``threads=2`` runs a second search on another thread (the kernel releases the
    interpreter's lock) from the same start plan, with its own seeds, chunk by chunk
    beside the main one (same step counts and temperatures); every
    :data:`_SHARE_STEPS` steps the dearer goes on from the cheaper best plan, and the
    cheaper one is returned. When each thread may expect enough steps per stop, each
    thread steps two walks in turn instead of one (:attr:`RefineConfig.walks`). The
    exchanges fall at step counts, and under a step count that choice follows it, so a
    run that ends by its step count stays a function of its inputs. A second thread that
    fails, or under a deadline has not finished its chunk by then, is dropped: the main
    thread's plans stand.
    """
    cfg = config or RefineConfig()
    t0 = time.monotonic()
    a = arrays(problem, span_bound=span_bound)
    n_veh, n = len(problem.vehicles), len(problem.stops)
    cur, lengths = _route_arrays(problem, a, routes_with_prefixes(problem, routes))
    best, best_len = cur.copy(), lengths.copy()
    state = np.zeros(5, dtype=np.int64)  # current, best, accepted, improved, start balance
    walk = _Walk(cur, lengths, best, best_len, state, a.kernel())

    skipped = 0
    second: _Second | None = None  # (the two-thread search, once the first plan is built)

    def run(w: _Walk, count: int, t_from: float, t_to: float, index: int) -> int:
        return int(
            _sisr.run(
                w.cur, w.lengths, w.best, w.best_len, w.state, count, t_from, t_to,
                (seed * 1_000_003 + index) % 2**31, w.prob, cfg.avg_removed, cfg.max_string,
                cfg.blink, cfg.route_out,
            )
        )  # fmt: skip

    def chunk(count: int, t_from: float, t_to: float, index: int) -> None:
        nonlocal skipped
        skipped += run(walk if second is None else second.mine(), count, t_from, t_to, index)

    # Zero steps: the kernel evaluates the start plan.
    state[1] = np.iinfo(np.int64).max
    chunk(0, 1.0, 1.0, 0)
    start_objective = int(state[0])
    state[1] = state[0]
    built = _build_first(chunk, lengths, a, min_iterations)
    if built:
        t0, min_iterations = time.monotonic(), 0
        iterations = None if iterations is None else max(0, iterations - built)
    used = int((lengths > 0).sum())
    arcs = max(1, int(lengths.sum()) + used)
    loose = _unserved(n, cur, lengths)
    served_cost = int(state[0]) - int(a.penalty[loose].sum()) - state[4]
    t_start = start_temperature(cfg, max(served_cost, 1), arcs, n - len(loose), used)
    t_end = t_start / _COOLING
    done, index, reported = 0, 1 + built, start_objective
    rate = 0.0
    served, last_gain = _served_by_best(n, [walk]), 0
    if threads > 1:
        second = _Second(walk, run)
    decided = second is None  # whether each thread steps one walk or more
    first: tuple[int, float] | None = None  # (steps, instant) at the first kernel call's end
    while True:
        now = time.monotonic()
        if (now >= deadline and done >= min_iterations) or (
            iterations is not None and done >= iterations
        ):
            break
        if second is not None and not decided:
            ahead = steps_ahead(iterations, done, first, now, deadline)
            if ahead is not None:
                decided = True
                if ahead >= cfg.four_walks_from * n * n:
                    second.widen(cfg.walks)
        if now >= deadline:  # only the steps owed to min_iterations, at the final temperature
            count, frac_a, frac_b = min_iterations - done, 1.0, 1.0
        elif iterations is not None:
            count = min(_STEP, iterations - done)
            frac_a, frac_b = done / iterations, (done + count) / iterations
        else:
            total, elapsed = deadline - t0, now - t0
            count = (
                _FIRST_STEP if not done else max(1, int(rate * min(_CHUNK_SECONDS, deadline - now)))
            )
            frac_a = elapsed / total
            frac_b = min(1.0, frac_a + (count / rate if rate else 0.0) / total)
        temps = (t_start * (t_end / t_start) ** frac_a, t_start * (t_end / t_start) ** frac_b)
        if second is not None:
            second.begin(count, *temps, index + _SECOND_SALT)
        chunk(count, *temps, index)
        if second is not None and not second.end(None if iterations is not None else deadline):
            walk, second = second.on_main_thread(), None
        done += count
        index += 1
        if first is None:
            first = (done, time.monotonic())
        if second is not None and _SHARE_STEPS:
            every = _SHARE_STEPS * second.pairs  # (steps of each walk)
            if done // every > (done - count) // every:
                second.share()
        rate = done / max(time.monotonic() - t0, 1e-9)
        now_served = _served_by_best(n, [walk] if second is None else second.walks)
        if now_served > served:
            served, last_gain = now_served, done
        lowest = int(walk.state[1]) if second is None else second.lowest()
        if on_progress is not None and lowest < reported:
            reported = lowest
            on_progress(time.monotonic(), int(reported))
    out = walk if second is None else second.close()
    walks = [walk] if second is None else second.walks
    return RefineResult(
        routes=[a.order(problem, out.best[k, : out.best_len[k]].tolist()) for k in range(n_veh)],
        objective=int(out.state[1]),
        start_objective=start_objective,
        iterations=done + built,
        skipped=skipped,
        accepted=sum(int(w.state[2]) for w in walks),
        improved=sum(int(w.state[3]) for w in walks),
        seconds=time.monotonic() - t0,
        settled=done > 0 and last_gain <= 0.75 * done,
        second_steps=0 if second is None else second.steps,
        walks=len(walks),
    )


class _Second:
    """The second thread of a two-thread refinement (see :func:`refine`) and the walks the
    two threads step: walk ``2k`` on the main thread, ``2k + 1`` on the second, one pair
    per chunk, the pairs in turn (one pair until :meth:`widen`)."""

    def __init__(self, main: _Walk, run: Callable[[_Walk, int, float, float, int], int]):
        self.walks, self.run = [main, main.copy()], run
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refine-second")
        self.pending: Future[int] | None = None
        self.steps = 0
        self.turn = 0  # chunks run so far: the pair of the next is ``turn % pairs``

    @property
    def pairs(self) -> int:
        """Walks per thread."""
        return len(self.walks) // 2

    def widen(self, walks: int) -> None:
        """Step ``walks`` walks (an odd count rounded down) from now on, the new ones
        copies of the first pair's plans, each on the problem arrays of the thread it runs
        on."""
        while len(self.walks) < walks - walks % 2:
            self.walks.append(self.walks[len(self.walks) % 2].copy(same_thread=True))

    def mine(self) -> _Walk:
        """The main thread's walk of this chunk."""
        return self.walks[2 * (self.turn % self.pairs)]

    def begin(self, count: int, t_from: float, t_to: float, index: int) -> None:
        """Start ``count`` steps of this chunk's second walk on its thread."""
        walk = self.walks[2 * (self.turn % self.pairs) + 1]
        self.pending = self.pool.submit(self.run, walk, count, t_from, t_to, index)
        self.steps += count

    def end(self, deadline: float | None) -> bool:
        """Wait for the chunk begun (until :data:`_CHUNK_SECONDS` past ``deadline``, a
        ``time.monotonic()`` instant; ``None``: until it ends); ``False``, and the thread
        dropped, when it failed or was late."""
        assert self.pending is not None
        self.turn += 1
        wait = None if deadline is None else max(0.0, deadline + _CHUNK_SECONDS - time.monotonic())
        try:
            self.pending.result(timeout=wait)
        except Exception:  # a failed or late second thread only loses the race
            self.pool.shutdown(wait=False, cancel_futures=True)
            return False
        return True

    def on_main_thread(self) -> _Walk:
        """The main thread's walk with the cheapest best plan (the first on a tie): what
        goes on once the second thread is dropped (its walks may still be changing)."""
        return _cheapest(self.walks[::2])

    def share(self) -> None:
        """The walk with the dearest best plan (the last on a tie) goes on from the one
        with the cheapest (the first on a tie: with two walks of one cost, the main one's)."""
        dearest = max(range(len(self.walks)), key=lambda k: (int(self.walks[k].state[1]), k))
        self.walks[dearest].go_on_from(_cheapest(self.walks))

    def lowest(self) -> int:
        """The cheapest of the walks' best plans' objectives."""
        return int(_cheapest(self.walks).state[1])

    def close(self) -> _Walk:
        """End the thread; the walk with the cheapest best plan (the first on a tie)."""
        self.pool.shutdown(wait=False)
        return _cheapest(self.walks)


def _served_by_best(n: int, walks: Sequence[_Walk]) -> int:
    """Stops (of ``n``) served by the cheapest of the walks' best plans (the plan a
    refinement ending now returns), so that ``settled`` follows that plan, not the first
    walk's alone."""
    top = _cheapest(walks)
    return n - len(_unserved(n, top.best, top.best_len))


def _cheapest(walks: Sequence[_Walk]) -> _Walk:
    """The walk with the cheapest best plan, the first such in ``walks``."""
    return min(walks, key=lambda w: int(w.state[1]))


def steps_ahead(
    iterations: int | None, done: int, first: tuple[int, float] | None, now: float, deadline: float
) -> float | None:
    """Steps each thread may still expect after ``done``: the rest of ``iterations``;
    under a deadline, at the pace of the kernel calls after the first (``first``: steps
    and ``time.monotonic()`` instant at its end) over at least :data:`_PACE_SECONDS`,
    ``None`` until then. The first call's steps, just after a plan is built, run slower:
    on the 300-household day at 5 s as ``doorstep plan`` runs it, 2,400-3,830 steps a
    second over its 20 steps against 4,000-5,270 over the search: at that pace each
    thread expected 7,600-13,400 steps (four walks then from 12,075) and made
    13,800-21,400, and two walks were chosen in 2 of 10 plans and in 8 of 11 of a copy
    printing the estimate. The one call after it (0.03 s) still read 11,963 once where
    0.1 s read 14,148 (benchmarks/README.md)."""
    if iterations is not None:
        return float(iterations - done)
    if first is None or now - first[1] < _PACE_SECONDS:
        return None
    return (done - first[0]) / (now - first[1]) * max(0.0, deadline - now)


def start_temperature(cfg: RefineConfig, cost: int, arcs: int, served: int, used: int) -> float:
    """The annealing's first temperature for a start plan of ``cost`` over ``arcs`` arcs,
    ``served`` stops on ``used`` routes: ``cfg.temperature`` mean arc costs, times the
    stops per route beyond ``cfg.long_route`` (at most :data:`_MAX_HEAT` times)."""
    heat = min(_MAX_HEAT, max(1.0, served / max(used, 1) / cfg.long_route))
    return cfg.temperature * heat * cost / max(arcs, 1)


def _build_first(
    chunk: Callable[[int, float, float, int], None],
    lengths: np.ndarray,
    a: Arrays,
    min_iterations: int,
) -> int:
    """When the start plan serves no stop beyond the fixed prefixes and a step is owed
    (``min_iterations``), run that step now: its reinsertion builds the plan (every stop at
    its cheapest place, in the step's order), and the kernel evaluates the plan built, so
    that the annealing temperature is scaled on that plan's arcs (on an empty plan it would
    be 1, a descent). Returns the steps run (0 or 1)."""
    if not min_iterations or (lengths > a.prefix).any():
        return 0
    chunk(1, 0.0, 0.0, 1)
    chunk(0, 1.0, 1.0, 2)  # the plan built, evaluated: its cost and balance part
    return 1


def worth_placing(
    problem: Problem, routes: Sequence[Sequence[int]], stops: Sequence[int]
) -> list[bool]:
    """For each of ``stops`` (unserved), whether it fits into ``routes`` (stop positions per
    vehicle) as they stand, nothing else moved, for less than its penalty: a search that
    had settled would have placed it. The caller checks :func:`unsupported` first."""
    a = arrays(problem)
    cur, lengths = _route_arrays(problem, a, routes)
    kept = np.asarray(stops, dtype=np.int64)
    costs = _sisr.insertion_costs(cur, lengths, kept, a.kernel())
    return [bool(0 <= c < a.penalty[i]) for c, i in zip(costs.tolist(), kept.tolist(), strict=True)]


#: Set once the kernel is loaded in this process; the thread loading it in the background.
_LOADED = threading.Event()
_LOADER: list[threading.Thread] = []
_LOADER_LOCK = threading.Lock()


def load_in_background() -> None:
    """Start loading the kernel on a background thread (once per process), so that a
    process's start-up work (reading inputs, building matrices, the OR-Tools search) and
    the kernel's load overlap instead of adding up."""
    with _LOADER_LOCK:
        if _LOADED.is_set() or _LOADER:
            return
        _LOADER.append(threading.Thread(target=warm_up, name="kernel-load", daemon=True))
        _LOADER[0].start()


def ready(timeout: float | None) -> bool:
    """Whether the kernel is loaded, waiting up to ``timeout`` s for it (``None``: until
    it is); starts the load if nobody has."""
    load_in_background()
    return _LOADED.wait(timeout)


def warm_up() -> float:
    """Load (or, the first time on a machine, compile) the kernel; returns the seconds taken.

    Compiled code is cached on disk by numba, so after the first call on a machine this
    takes a fraction of a second per process. :func:`solver.solve` calls it before it
    splits its budget, so the load counts against the time limit, not against the search.
    """
    t0 = time.monotonic()
    if not _sisr.run.signatures:
        dist = np.asarray([[0, 10, 10], [10, 0, 10], [10, 10, 0]], dtype=np.int64)
        toy = Problem(
            stops=(Stop(id="a", location=1), Stop(id="b", location=2)),
            vehicles=(Vehicle(id="v", start=0, end=0),),
            profiles=(Profile(name="toy", durations=dist, distances=dist),),
        )
        refine(toy, [[0, 1]], deadline=time.monotonic() + 60, iterations=1)
        worth_placing(toy, [[0]], [1])
    _LOADED.set()
    return time.monotonic() - t0


def _unserved(n: int, routes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    served = np.zeros(n, dtype=np.bool_)
    for k in range(routes.shape[0]):
        entries = routes[k, : lengths[k]]
        served[entries[entries < n]] = True
    return np.flatnonzero(~served)
