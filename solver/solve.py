"""``solve``: the public entry of the routing core.

It runs the OR-Tools search (``solver._ortools``), builds the timed routes from the
visiting orders (``solver.schedule``), names a reason for every stop left unserved
(``solver.diagnose``) and returns a :class:`~solver.solution.Solution`. ``solver._ortools``
is imported by :func:`start_up` (unless asked not to) or else by the first search that
builds an OR-Tools model: such a process whose problems the refinement plans alone (days
with trips) never loads OR-Tools.

Time and determinism
--------------------
``time_limit`` is a wall-clock budget for the whole call (model building, search,
schedule and diagnosis). Within it the search is single-threaded and deterministic: the
same problem, ``seed`` and options explore the same sequence of solutions. Under a pure time
limit the result can still differ between runs, because *where* along that sequence the
clock stops depends on the machine's speed and load. ``effort`` bounds the search by the
number of improving solutions instead; when that bound is reached before the clock, the
plan is a pure function of ``(problem, seed, effort)``, on any machine.

``workers=2`` runs a portfolio: a second, differently configured search in a separate
process, and keeps the cheaper plan (ties go to the first worker). A search that is the
refinement alone (a problem with trips, :func:`_kernel_only`) runs its second search as a
second thread of the refinement in this process instead (:func:`solver.refine.refine`
with ``threads=2``: no process to start, the threads' walks exchange their best plans
every :data:`solver.refine._SHARE_STEPS` steps, deterministic under ``effort``). Both searches
need a core each: on a machine busy with other work the main search loses time to the
second and the plan can come out worse than with one worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Literal

from solver import balance, refine, trips
from solver.diagnose import diagnose, short_of_time
from solver.model import Problem, routes_with_prefixes
from solver.objective import priority_rank
from solver.schedule import plan_cost, timed_route
from solver.search import RESTORE_SECONDS, SearchConfig, SearchResult
from solver.solution import Solution, SolveStats

#: Seconds kept back from the budget for building routes, diagnosis and process exits.
_RESERVE = 0.05
#: Further seconds kept back per stop where OR-Tools may search: it looks at the clock
#: between heuristic and local-search steps, which on 1000 stops end up to ~0.25 s after
#: its limit (measured). A search the refinement runs alone looks every 0.05 s and keeps
#: none (on a 504-stop day that is 504 x 0.25 ms = 0.13 s more search).
_RESERVE_PER_STOP = 0.00025
#: Refinement iterations per unit of ``effort`` (deterministic mode).
_REFINE_PER_EFFORT = 100
#: Share of the time limit kept back as a safety margin, so overshoot stays well below 10%.
_MARGIN = 0.03


def _default_configs(problem: Problem) -> list[SearchConfig]:
    """The portfolio, best single configuration first (chosen by measurement).

    The second member starts from another first solution (local cheapest insertion) and
    runs the same guided local search, so the two explore different valleys. Measured
    alone, single-threaded at 5 s (R101, RC105, R205, RC208, X-n101-k25, X-n129-k18,
    X-n157-k13): it beat the first member on 4 of 7, while iterated local search (ruin and
    recreate) lost all 7 by 1-21 %.
    """
    tight = any(s.windows for s in problem.stops)
    first = SearchConfig(first_solution="PARALLEL_CHEAPEST_INSERTION" if tight else "SAVINGS")
    second = SearchConfig(first_solution="LOCAL_CHEAPEST_INSERTION")
    return [first, second]


def _run(
    problem: Problem,
    config: SearchConfig,
    deadline: float,
    seed: int,
    plain: bool,
    initial: list[list[int]] | None,
    effort: int | None,
    span_bound: int | None,
    on_progress: Callable[[float, int], None] | None = None,
    origin: float | None = None,
    threads: int = 1,
) -> SearchResult:
    """One portfolio member: the OR-Tools search, then the refinement where it applies.

    OR-Tools gets ``config.refine_after`` of the time (its first solution may take longer);
    the refinement (:func:`_refined`) improves that plan until ``deadline``. With
    ``effort``, OR-Tools stops at its effort bound (the clock only as a backstop). A
    problem with trips goes to the refinement at once: from a warm start
    (:func:`_warm_start_as_is`), else, without change costs, from the plan its first
    reinsertion builds (:data:`_BUILT_BY_REFINEMENT`); where OR-Tools searches, a problem
    with trips starts from :func:`solver.trips.first_routes`. Also the body of a worker
    process: ``deadline`` is a ``time.monotonic()`` instant of the parent (on Linux that
    clock is system-wide, so a worker's start-up counts against the budget).
    ``threads`` is the refinement's (:func:`solver.refine.refine`).
    """
    begin = time.monotonic() if origin is None else origin
    refining = not plain and _refines(problem, config)
    if _kernel_only(problem, config, initial, plain) and initial is None:
        result = _BUILT_BY_REFINEMENT
    elif _kernel_only(problem, config, initial, plain):
        assert initial is not None
        result = _warm_start_as_is(initial)
    elif refining and _warm_replan_short(problem, config, initial, deadline, effort):
        assert initial is not None
        result = _warm_start_as_is(initial, status=_REPLAN_WARM)
    else:
        if initial is None and trips.has_trips(problem) and not plain:
            initial = routes_with_prefixes(problem, trips.first_routes(problem))
        run = _RunArgs(deadline, seed, initial, effort, span_bound, begin)
        result = _or_tools_share(problem, config, run, plain, on_progress)
    priced = result.found and result.objective != _UNPRICED
    if not refining or (priced and time.monotonic() >= deadline):
        return result
    # Without a plan, or with an effort bound (a plan that depends on the inputs alone),
    # wait for the kernel; else only until the deadline, then the plan so far stands.
    wait = None if not result.found or effort is not None else deadline - time.monotonic()
    if not refine.ready(max(0.0, wait) if wait is not None else None):
        return dataclasses.replace(result, status=result.status + "; kernel not loaded in time")
    t0 = time.perf_counter()
    better = _refined(
        problem,
        # No OR-Tools plan in its share of the time (large problems, short budgets): start
        # from nothing; the first reinsertion builds a plan, even past the deadline (a few
        # milliseconds), so that the search never ends without one. A warm start with
        # trips gets that first step too: a route of it that breaks a rule is rebuilt.
        result.routes if result.found else [[] for _ in problem.vehicles],
        config,
        deadline=deadline,
        seed=seed,
        effort=effort,
        span_bound=span_bound,
        on_progress=on_progress,
        origin=begin,
        min_iterations=0 if priced else 1,
        threads=threads,
    )
    seconds = time.perf_counter() - t0
    if priced and better.objective >= better.start_objective:
        return dataclasses.replace(  # on the refinement's objective, as every member's
            result,
            objective=better.start_objective,
            search_seconds=result.search_seconds + seconds,
            cut_short=not better.settled,
        )
    status = (
        result.status
        if result.found or result is _BUILT_BY_REFINEMENT
        else "OR-Tools found no plan in its share"
    )
    return dataclasses.replace(
        result,
        routes=better.routes,
        found=True,
        objective=better.objective,
        status=status + f"; refined by ruin and recreate ({_steps(better)})",
        search_seconds=result.search_seconds + seconds,
        cut_short=not better.settled,
    )


def _steps(result: refine.RefineResult) -> str:
    """The refinement's steps as its status says them."""
    second = f", {result.second_steps} on a second thread" if result.second_steps else ""
    walks = f", {result.walks} walks" if result.walks > 2 else ""
    return f"{result.iterations} steps{second}{walks}"


#: Status of a re-plan's warm start refined without OR-Tools (:func:`_warm_replan_short`).
_REPLAN_WARM = "the warm start of a re-plan, refined without OR-Tools"


def _warm_replan_short(
    problem: Problem,
    config: SearchConfig,
    initial: list[list[int]] | None,
    deadline: float,
    effort: int | None,
) -> bool:
    """Whether a re-plan (fixed prefixes) with a warm start goes to the refinement alone:
    OR-Tools' share of the time would end before the least time it takes to build its
    model and read a warm start back (:data:`solver.search.RESTORE_SECONDS`; the demo
    day's re-plan, 161 stops: 1.4-3.4 s to build, measured), so it would spend the budget
    rebuilding the plan it was given. Not under an effort bound (its searches end by their
    bounds, not by the clock). (With trips, every warm start goes there:
    :func:`_warm_start_as_is`.)"""
    share = config.refine_after * (deadline - time.monotonic())
    return (
        effort is None
        and initial is not None
        and any(v.prefix for v in problem.vehicles)
        and share < RESTORE_SECONDS
        and refine.ready(0)
    )


def _kernel_only(
    problem: Problem,
    config: SearchConfig,
    initial: list[list[int]] | None,
    plain: bool = False,
) -> bool:
    """Whether :func:`_run` leaves the whole search to the refinement, without OR-Tools:
    a problem with trips the refinement models, from a warm start
    (:func:`_warm_start_as_is`) or, without change costs, from the plan its first
    reinsertion builds (:data:`_BUILT_BY_REFINEMENT`)."""
    return (
        not plain
        and _refines(problem, config)
        and trips.has_trips(problem)
        and (initial is not None or not _has_change_costs(problem))
    )


def _has_change_costs(problem: Problem) -> bool:
    """Whether a stop costs more served by another vehicle than its reference (a
    continuity plan, a re-plan): such a problem without a warm start keeps
    :func:`solver.trips.first_routes`, which gives each vehicle its own stops first. On the
    14-day continuity benchmark (250 s change cost, 10 s per plan) the first plan built by
    the refinement cost +10.9 % and +12.9 % travel over the plans without continuity (days
    2-14, two runs); from ``first_routes``, +8.9 % (one run), at 81.7-81.9 % of
    household-days with the usual volunteer in all three."""
    return any(s.change_cost for s in problem.stops)


#: A problem with trips and no warm start, where the refinement applies: no OR-Tools
#: share, the refinement's first reinsertion builds the plan from empty routes (each stop
#: at its cheapest place, a reload and the stop that needs it as one insertion). Measured
#: against the trip-aware first plan (:func:`solver.trips.first_routes`) on the
#: 300-household day of ``benchmarks.day_cli`` after 100 / 300 / 1,000 steps: 15,629 /
#: 14,125 / 12,974 against 24,990 / 17,169 / 14,341.
_BUILT_BY_REFINEMENT = SearchResult(
    routes=[],
    found=False,
    objective=0,
    status="the first plan with trips built by the refinement, without OR-Tools",
    build_seconds=0.0,
    search_seconds=0.0,
)


#: Objective of a plan nobody has priced yet (a warm start before the refinement): above
#: every priced plan, so that any other portfolio member's plan wins over it.
_UNPRICED = 2**62


def _warm_start_as_is(
    initial: list[list[int]], status: str = "the warm start with trips, refined without OR-Tools"
) -> SearchResult:
    """A warm start, unpriced, as the plan the refinement starts from without OR-Tools
    (``status``: how the plan came about): every warm start with trips, and a re-plan's
    when OR-Tools' share is too short (:func:`_warm_replan_short`).

    OR-Tools inserts one node at a time, so it never adds a reload together with the stop
    that needs it: from such a warm start it spent its share building its model (~2 s of
    wall time on the 300-household day of ``benchmarks.day_cli`` on a loaded machine) and
    kept the warm start unimproved, while the refinement places a reload and its first
    stop as one insertion (measured side by side: 16,652 against 179,977 at 3 s, 12,746
    against 13,732 at 10 s).
    """
    return SearchResult(
        routes=[list(r) for r in initial],
        found=True,
        objective=_UNPRICED,
        status=status,
        build_seconds=0.0,
        search_seconds=0.0,
    )


def _or_tools_share(
    problem: Problem,
    config: SearchConfig,
    run: _RunArgs,
    plain: bool,
    on_progress: Callable[[float, int], None] | None,
) -> SearchResult:
    """The OR-Tools search of :func:`_run`: until ``run.deadline``, or its
    ``config.refine_after`` share when the refinement follows and its kernel is loaded.
    OR-Tools is imported first (a process's first model, when :func:`start_up` did not
    load it), so that its import never shortens OR-Tools' share."""
    from solver import _ortools

    split = run.deadline
    if not plain and _refines(problem, config):
        # The compiled kernel loads while OR-Tools searches. Not loaded yet (a process's
        # first search): OR-Tools keeps the whole time rather than wait for it.
        refine.load_in_background()
        if run.effort is None and refine.ready(0):  # with effort, its bound ends OR-Tools
            now = time.monotonic()
            split = now + config.refine_after * (run.deadline - now)
    return _ortools.search(
        problem,
        config=config,
        deadline=split,
        seed=run.seed,
        plain=plain,
        initial_routes=run.initial,
        solution_limit=run.effort,
        span_bound=run.span_bound,
        on_progress=on_progress,
        clock_origin=run.origin,
    )


def _refines(problem: Problem, config: SearchConfig) -> bool:
    """Whether searches with ``config`` end with the refinement on ``problem``."""
    return config.refine_after < 1 and refine.unsupported(problem) is None


def _refined(
    problem: Problem,
    routes: Sequence[Sequence[int]],
    config: SearchConfig,
    *,
    deadline: float,
    seed: int,
    effort: int | None,
    span_bound: int | None,
    on_progress: Callable[[float, int], None] | None,
    origin: float,
    min_iterations: int = 0,
    threads: int = 1,
) -> refine.RefineResult:
    """:func:`solver.refine.refine` as the search runs it: until ``deadline``, or with
    ``effort`` for ``effort`` x :data:`_REFINE_PER_EFFORT` steps (still within the
    deadline), so that the plan stays a function of the inputs; progress times from
    ``origin``; on ``threads`` threads."""
    return refine.refine(
        problem,
        routes,
        deadline=deadline,
        iterations=None if effort is None else effort * _REFINE_PER_EFFORT,
        seed=seed,
        config=refine.RefineConfig(temperature=config.refine_temperature),
        on_progress=None if on_progress is None else (lambda t, v: on_progress(t - origin, v)),
        span_bound=span_bound,
        min_iterations=min_iterations,
        threads=threads,
    )


#: The worker processes of portfolios (and their count), started once per process and
#: reused by every solve.
_POOL: tuple[ProcessPoolExecutor, int] | None = None
_POOL_LOCK = threading.Lock()
#: Worker pools this process has made.
_POOLS_STARTED = 0


def _worker_context() -> multiprocessing.context.ForkServerContext:
    """The forkserver context, its server preloading this module and OR-Tools (which this
    module imports only when a search builds a model).

    The server imports once (~0.5 s measured); workers fork from it ready. The preload list
    takes effect when the server starts.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "solver._ortools"])
    return ctx


def worker_pool(size: int = 1) -> ProcessPoolExecutor:
    """The process's pool of portfolio workers (at least ``size`` processes).

    Created on first use and kept for the life of the process, so a service or a batch pays
    a worker's start-up (interpreter, OR-Tools, the compiled kernel) once, not per solve.
    A pool broken by a dead worker is replaced. Call it early (e.g. while maps load) to
    have the workers ready before the first solve.
    """
    global _POOL, _POOLS_STARTED
    with _POOL_LOCK:
        if _POOL is None or _broken(_POOL[0]) or _POOL[1] < size:
            if _POOL is not None:
                _POOL[0].shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(max_workers=size, mp_context=_worker_context())
            _POOL = (pool, size)
            _POOLS_STARTED += 1
        return _POOL[0]


def start_up(workers: int = 1, *, or_tools: bool = True) -> None:
    """Prepare this process for solving, off the clock of any solve: the kernel starts
    loading on a background thread, OR-Tools is imported (unless ``or_tools`` is false:
    then the first search that builds a model imports it, on its clock) and, with
    ``workers`` > 1, the worker pool starts its processes on another thread
    (:func:`_start_workers`). Command lines and services call it first thing."""
    refine.load_in_background()
    if or_tools:
        from solver import _ortools  # noqa: F401  (imported for its load)
    if workers > 1:
        threading.Thread(target=_start_workers, args=(workers - 1,), daemon=True).start()


def _start_workers(size: int) -> None:
    """Make the pool start its ``size`` worker processes now (a pool starts them only when
    work is first handed to it): their start-up (forkserver, OR-Tools, the kernel) then
    runs while the process reads its inputs, not during the first search, and a command
    that ends does not wait for a worker still starting (measured on ``doorstep solve
    R101.txt --time-limit 1 --workers 2``: the shut-down waited 1.4 s for it)."""
    pool = worker_pool(size)
    try:
        for started in [pool.submit(abs, 0) for _ in range(size)]:
            started.result()
    except Exception:  # a pool that cannot start leaves the portfolio to the main search
        return


def shut_down() -> bool:
    """End the worker pool's processes now and wait (at most :data:`_WORKER_END_S` each)
    until they are gone, so that a command can leave at once: its exit need not wait for
    a worker still finishing a member nobody waits for, and no worker writes to the
    standard streams it shares after the command has left. The pool's own thread is waited
    for too (as long): until it ends it holds the pool's queues, whose named semaphores
    the command's ``os._exit`` would leave to multiprocessing's resource tracker, which
    reported them as leaked on the command's standard error (1-5 of them, in up to a
    third of ``doorstep solve --workers 2`` calls, benchmarks/README.md). A worker a
    courier is still starting is waited for and ended with the others. The pool's
    forkserver is killed. Returns whether there was a pool to end.
    """
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            return False
        pool, _ = _POOL
        _POOL = None
    # A courier's submit starting a worker holds the pool's lock: the workers and the
    # pool's thread are listed once it is done. Listed before, a worker forked after the
    # list was missed, lived on once its forkserver was killed and held the command's
    # standard streams open (a caller reading them never saw them end), and the semaphores
    # of the pool's queues were reported as leaked.
    with getattr(pool, "_shutdown_lock", None) or contextlib.nullcontext():
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(_WORKER_END_S)
    if manager is not None:
        manager.join(_WORKER_END_S)
    _end_forkserver()
    return True


def _end_forkserver() -> None:
    """Kill the forkserver of the worker pools, if one runs. Ended by its parent's exit,
    it would tear its interpreter down first (OR-Tools and numba preloaded: ~0.6 s
    measured), holding the command's standard streams, so a caller reading them waited
    that long after the command had left. Killed, it ends at once; multiprocessing starts
    a new one when a pool needs it."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        server._stop()  # type: ignore[union-attr]  # closes its pipe, reaps it, resets


#: Longest wait for a terminated worker process to end (s).
_WORKER_END_S = 2.0


def _broken(pool: ProcessPoolExecutor) -> bool:
    """Whether a worker of ``pool`` died (the pool then refuses work)."""
    return bool(getattr(pool, "_broken", False))


@dataclasses.dataclass(frozen=True, slots=True)
class _Remote:
    """A member's plan from a worker, and when (``time.monotonic()``) the worker began it."""

    result: SearchResult
    began: float


def _member(problem: Problem, config: SearchConfig, run: _RunArgs) -> _Remote:
    """Body of a worker: :func:`_run`, stamped with the instant it began (a worker that
    begins after the deadline returns at once, so that it never holds up an exit)."""
    began = time.monotonic()
    if began >= run.deadline:
        raise TimeoutError("the member began after the deadline")
    result = _run(
        problem,
        config,
        run.deadline,
        run.seed,
        False,
        run.initial,
        run.effort,
        run.span_bound,
        origin=run.origin,
    )
    return _Remote(result, began)


@dataclasses.dataclass(frozen=True, slots=True)
class _RunArgs:
    """What a worker's member shares with the main search (see :func:`_run`)."""

    deadline: float
    seed: int
    initial: list[list[int]] | None
    effort: int | None
    span_bound: int | None
    origin: float


def _courier(
    size: int, wait_until: float, problem: Problem, config: SearchConfig, run: _RunArgs
) -> Future[_Remote]:
    """Hand one member to the worker pool on a daemon thread, which waits for its plan until
    ``wait_until``; the returned future gets the plan or the failure.

    A daemon thread, so that a worker pool still starting (a forkserver importing OR-Tools
    on a busy machine) never holds up the process's exit.
    """
    out: Future[_Remote] = Future()

    def deliver() -> None:
        try:
            future = worker_pool(size).submit(_member, problem, config, run)
            try:
                out.set_result(future.result(timeout=max(0.0, wait_until - time.monotonic())))
            finally:
                future.cancel()  # a member still queued at the deadline never runs
        except BaseException as exc:  # any failure only loses the race
            out.set_exception(exc)

    threading.Thread(target=deliver, name="portfolio-courier", daemon=True).start()
    return out


def _portfolio(
    problem: Problem,
    configs: Sequence[SearchConfig],
    *,
    deadline: float,
    grace: float,
    seed: int,
    initial: list[list[int]] | None,
    effort: int | None,
    span_bound: int | None,
    on_progress: Callable[[float, int], None] | None,
    origin: float,
) -> tuple[SearchResult, float | None]:
    """Run the first config here and the others in the worker pool; keep the best.

    The first member's plan always stands unless another member's is cheaper: a member
    that fails, starts too late or has not answered ``grace`` seconds after ``deadline``
    only loses the race. Handing the others to the pool happens on courier threads, so
    the worker processes' start-up is never on this search's clock. A first member that
    is the refinement alone (:func:`_kernel_only`) takes the second member's place with
    a second thread of its own refinement, in this process. Returns the best result and
    the seconds from the call's start to the first worker's start (``None``: no worker
    began in time).
    """
    threads = 2 if len(configs) > 1 and _kernel_only(problem, configs[0], initial) else 1
    others = list(configs[threads:])
    couriers = [
        _courier(
            len(others),
            deadline + grace,
            problem,
            cfg,
            _RunArgs(deadline, seed + k, initial, effort, span_bound, origin),
        )
        for k, cfg in enumerate(others, start=threads)
    ]
    best = _run(
        problem,
        configs[0],
        deadline,
        seed,
        False,
        initial,
        effort,
        span_bound,
        on_progress=on_progress,
        origin=origin,
        threads=threads,
    )
    began: float | None = None
    for courier in couriers:
        try:
            remote = courier.result(timeout=max(0.0, deadline + grace - time.monotonic()))
        except Exception:  # a worker that failed, started late or overran only loses
            continue
        began = remote.began - origin if began is None else min(began, remote.began - origin)
        other = remote.result
        if other.found and (not best.found or other.objective < best.objective):
            best = other
    return best, began


def solve(
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 1,
    initial_routes: Sequence[Sequence[str]] | None = None,
    method: Literal["default", "plain"] = "default",
    on_progress: Callable[[float, int], None] | None = None,
    effort: int | None = None,
    configs: Sequence[SearchConfig] | None = None,
) -> Solution:
    """Plan routes for ``problem`` within ``time_limit`` seconds of wall-clock time.

    Parameters
    ----------
    problem
        The validated problem (integer seconds, metres, demand vectors).
    time_limit
        Wall-clock budget in seconds for the whole call, model building included.
    seed
        Search seed: 0 keeps the problem's stop order, other values shuffle the model's
        node order (another trajectory, same rules). See the module notes on determinism.
    workers
        1: one search. 2 or more: a portfolio of differently configured searches in
        separate processes; the cheapest plan wins. On a search that is the refinement
        alone (a problem with trips) the second is a second thread of the refinement in
        this process (see the module notes); further ones are processes.
    initial_routes
        Warm start: stop ids per vehicle, in vehicle order (shorter lists leave the
        remaining vehicles empty); a reload visit's ``stop_id`` marks a reload there.
        Infeasible warm starts are ignored.
    method
        ``"default"``: the tuned model. ``"plain"``: the textbook model (Python callbacks
        per arc, no disjunctions, path-cheapest-arc and guided local search), kept as a
        benchmark floor; it may find no plan, then every stop comes back unassigned
        (``TIME_LIMIT`` where the fleet may take it) and ``stats.status`` says so.
    on_progress
        Called ``(seconds since the call began, best objective so far)`` at each
        improvement of the main search.
    effort
        Stop after this many improving solutions (a deterministic effort bound); the time
        limit still applies.
    configs
        The portfolio to run instead of the tuned default (first member here, the next
        ``workers - 1`` in worker processes); used to measure search variants.

    Returns
    -------
    Solution
        Routes, unassigned stops with reasons, cost and statistics.
    """
    origin = time.monotonic()
    if time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if method not in ("default", "plain"):
        raise ValueError(f"method must be 'default' or 'plain', got {method!r}")
    initial = _initial_positions(problem, initial_routes)
    plain = method == "plain"
    if initial is not None:  # every search starts where the fixed prefixes say
        initial = routes_with_prefixes(problem, initial)
    portfolio = [] if plain else _portfolio_of(problem, configs)
    # (no stops: nothing for a second member to find, and no worker to start and end)
    members = portfolio[: max(1, workers) if problem.stops else 1]
    reserve = _reserve(problem, members, initial, plain)
    deadline = origin + time_limit * (1 - _MARGIN) - reserve

    worker_start: float | None = None
    if plain:
        from solver import _ortools  # loaded by the first search that builds a model

        result = _ortools.search(
            problem,
            config=SearchConfig(),
            deadline=deadline,
            seed=seed,
            plain=True,
            initial_routes=initial,
            solution_limit=effort,
            on_progress=on_progress,
            clock_origin=origin,
        )
    else:
        # The refinement carries the balance rule in its objective; problems it does not
        # model get a bounded re-solve after a first plan (solver.balance).
        rebalance = problem.objective.balance_factor is not None and not _refines(
            problem, members[0]
        )
        first_deadline = origin + (deadline - origin) * 0.6 if rebalance else deadline
        result, worker_start = _portfolio(
            problem,
            members,
            deadline=first_deadline,
            grace=reserve,
            seed=seed,
            initial=initial,
            effort=effort,
            span_bound=None,
            on_progress=on_progress,
            origin=origin,
        )
        if rebalance and result.found:
            result = _rebalanced(
                problem,
                result,
                configs=members,
                deadline=deadline,
                grace=reserve,
                seed=seed,
                effort=effort,
                on_progress=on_progress,
                origin=origin,
            )
    return _solution(
        problem,
        result,
        origin=origin,
        workers=1 if plain else workers,
        time_limit=time_limit,
        worker_start=worker_start if workers > 1 else None,
    )


def _reserve(
    problem: Problem,
    members: Sequence[SearchConfig],
    initial: list[list[int]] | None,
    plain: bool,
) -> float:
    """Seconds :func:`solve` keeps back from its search: :data:`_RESERVE`, and
    :data:`_RESERVE_PER_STOP` per stop where OR-Tools may search (it may end late)."""
    if plain or not all(_kernel_only(problem, c, initial) for c in members):
        return _RESERVE + _RESERVE_PER_STOP * len(problem.stops)
    return _RESERVE


def _portfolio_of(problem: Problem, configs: Sequence[SearchConfig] | None) -> list[SearchConfig]:
    """The searches :func:`solve` may run: ``configs``, else the tuned default."""
    if configs is not None and not configs:
        raise ValueError("configs must name at least one search configuration")
    return list(configs) if configs is not None else _default_configs(problem)


def _served(routes: Sequence[Sequence[int]]) -> list[int]:
    return [i for r in routes for i in r]


def _rebalanced(
    problem: Problem,
    result: SearchResult,
    *,
    configs: Sequence[SearchConfig],
    deadline: float,
    grace: float,
    seed: int,
    effort: int | None,
    on_progress: Callable[[float, int], None] | None,
    origin: float,
) -> SearchResult:
    """OR-Tools alone: re-solve with every route within the balance rule's duration and
    stop count from ``result``'s plan, if it breaks them (:func:`solver.balance.bounds`).

    The tighter plan is kept only if it serves as many stops in every priority group;
    otherwise the first plan stands and its status says the rule was not met.
    """
    limits = balance.bounds(
        problem, [timed_route(problem, k, r) for k, r in enumerate(result.routes) if r]
    )
    if limits is None:
        return result
    span, stops = limits
    tighter, _ = _portfolio(
        balance.capped(problem, stops),
        configs,
        deadline=deadline,
        grace=grace,
        seed=seed,
        initial=None,
        effort=effort,
        span_bound=span,
        on_progress=on_progress,
        origin=origin,
    )
    if tighter.found and priority_rank(problem, _served(tighter.routes)) >= priority_rank(
        problem, _served(result.routes)
    ):
        return tighter
    return dataclasses.replace(
        result,
        status=result.status + f"; balance ({span} s, {stops} stops) not met without dropping",
        search_seconds=result.search_seconds + tighter.search_seconds,
    )


def _initial_positions(
    problem: Problem, initial_routes: Sequence[Sequence[str]] | None
) -> list[list[int]] | None:
    if initial_routes is None:
        return None
    index = problem.stop_index()
    if len(initial_routes) > len(problem.vehicles):
        raise ValueError(
            f"initial_routes has {len(initial_routes)} routes for {len(problem.vehicles)} vehicles"
        )
    out: list[list[int]] = []
    seen: set[str] = set()
    for k, route in enumerate(initial_routes):
        positions = []
        for stop_id in route:
            entry = problem.entry(k, stop_id, index)
            if entry is None:
                raise ValueError(f"initial_routes names unknown stop {stop_id!r}")
            if stop_id in seen and stop_id in index:
                raise ValueError(f"initial_routes names stop {stop_id!r} twice")
            seen.add(stop_id)
            positions.append(entry)
        out.append(positions)
    out.extend([] for _ in range(len(problem.vehicles) - len(out)))
    return out


def _solution(
    problem: Problem,
    result: SearchResult,
    *,
    origin: float,
    workers: int,
    time_limit: float,
    worker_start: float | None = None,
) -> Solution:
    """The timed plan of ``result``, its unserved stops diagnosed, and its statistics
    (``worker_start``: seconds from the call's start to the first worker's start)."""
    if result.found and trips.has_trips(problem):
        orders = trips.without_needless_reloads(problem, trips.repaired(problem, result.routes))
        result = dataclasses.replace(result, routes=orders)
    if not result.found:  # no plan: the fixed prefixes still stand (everything else unserved)
        result = dataclasses.replace(
            result, routes=[problem.prefix_entries(k) for k in range(len(problem.vehicles))]
        )
    routes = [timed_route(problem, k, stops) for k, stops in enumerate(result.routes) if stops]
    served = {i for r in result.routes for i in r}
    missing = [i for i in range(len(problem.stops)) if i not in served]
    t0 = time.monotonic()
    unassigned = short_of_time(
        problem,
        diagnose(problem, missing, routes),
        result.routes if result.found else None,
        settled=not result.cut_short,
        time_limit=time_limit,
        deadline=origin + time_limit * (1 - _MARGIN),
    )
    status = result.status if result.found else f"no solution found ({result.status})"
    diagnose_seconds = time.monotonic() - t0
    stats = SolveStats(
        phases={
            "build": round(result.build_seconds, 4),
            "search": round(result.search_seconds, 4),
            "diagnose": round(diagnose_seconds, 4),
            "total": round(time.monotonic() - origin, 4),
            **({} if worker_start is None else {"worker_start": round(worker_start, 4)}),
        },
        status=status,
        objective=result.objective,
        workers=workers,
    )
    return Solution(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        cost=plan_cost(problem, routes),
        stats=stats,
    )
