"""The one owner of a plan's time: a budget made once at the entry and handed down.

``--time-limit`` (``time_limit_s`` over HTTP, ``BatchSettings.time_limit`` in a batch) is
the wall-clock budget of the *whole* call: map and matrices, the searches, the checker,
the street geometry, the suggestions and the outputs. :func:`api.plan.run.run_plan`
makes one :class:`Budget`; every stage asks it for its share, in one place each:

========================  ==============================================================
stage                     share
========================  ==============================================================
map, matrices, checker    take what they take (counted, not bounded)
search                    what is left once the budget's
                          :class:`Tail` is kept for the work after the search (the
                          checker, the street geometry, the plan document and, when
                          written, the files, the printed table and the exit), an
                          estimate growing with the stops (:data:`CHECKED_TAIL`,
                          :data:`WRITTEN_TAIL`); in a command's own process, the
                          tail's CPU seconds times the pace the command has run at
                          so far (:func:`command_pace`)
search floor              at least :data:`MIN_SEARCH_S`, even when the map used it all
                          (kept in :attr:`Budget.short`: the plan warns
                          ``TIME_LIMIT_SHORT``)
suggestions               with ``--suggest-volunteers``, the day's plan gets
                          :data:`PLAN_SHARE_WITH_SUGGESTIONS` of the limit; each re-plan
                          an equal part of the rest (at least :data:`MIN_SEARCH_S`);
                          none starts with less than that left
========================  ==============================================================

The solver keeps its own split of the seconds it is given (OR-Tools, then the
refinement, which carries the balance rule on hours and stops) inside its call, and its
own margin for ending late (3 % and, where OR-Tools searches, a few hundredths of a second
per hundred stops, :mod:`solver.solve`), so the search gets all of what is left: a share
of it on top of that margin kept 10 % of every budget idle (a 10 s call of 504 stops
ended at 8.0 s, 2026-12-05). ``cap`` is
a hard stop on top (a batch community's limit): a plan still running past it stops at its
next stage with :class:`TimeCapError`, before anything is written.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, field

#: Shortest search worth starting (s): the main search gets at least this; optional
#: re-solves (suggestions) are skipped below it.
MIN_SEARCH_S = 0.5
#: Share of the limit the day's plan gets when volunteers are to be suggested after it.
PLAN_SHARE_WITH_SUGGESTIONS = 0.5
#: Least CPU seconds of a command's main thread that say how fast it runs
#: (:func:`command_pace`); below it the pace is not known.
MIN_PACE_CPU_S = 0.05
#: Most a command's pace is taken to be: beyond it the machine is too busy for any
#: estimate, and a tail kept that long would leave the search nothing.
MAX_PACE = 4.0


def process_started() -> float:
    """``time.monotonic()`` at the start of this process, so that a command's budget
    counts the interpreter's start and its imports too.

    Read from the kernel's start time of the process (``/proc/self/stat``, ticks since
    boot, against ``CLOCK_BOOTTIME``; 10 ms resolution); where that cannot be read, now.
    """
    now = time.monotonic()
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of proc(5), counted after the command name
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return now
    return now - min(max(age, 0.0), 3600.0)


#: The process start and the process's id, once the console script has said the command
#: is the whole process (a process forked from it is not the command's).
_COMMAND_IS_PROCESS: list[tuple[float, int]] = []


def command_is_process() -> None:
    """Say that this process runs one command from its start (the ``doorstep`` console
    script): from then on :func:`command_started` is the process's start."""
    if not _COMMAND_IS_PROCESS:
        _COMMAND_IS_PROCESS.append((process_started(), os.getpid()))


def command_pace() -> float | None:
    """Wall-clock seconds per CPU second the command's main thread has had since the
    process started (about 1 on an idle machine, 2 when it got half a core), at most
    :data:`MAX_PACE`; ``None`` when not known.

    Known only in a process that runs one command (:func:`command_is_process`), on its
    main thread, after :data:`MIN_PACE_CPU_S` of CPU. It says how much slower than its
    CPU time the work after a search will run on this machine as busy as it has been
    (:meth:`Tail.seconds`). Waits of that thread (files, a pool's workers) count as
    slowness too: they can only lengthen the tail kept.
    """
    if not _COMMAND_IS_PROCESS or _COMMAND_IS_PROCESS[0][1] != os.getpid():
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    cpu = time.thread_time()
    if cpu < MIN_PACE_CPU_S:
        return None
    return min(max((time.monotonic() - _COMMAND_IS_PROCESS[0][0]) / cpu, 1.0), MAX_PACE)


def command_started() -> float:
    """``time.monotonic()`` from which a command's ``--time-limit`` counts.

    The process's start (interpreter and imports included) when the command is the whole
    process (:func:`command_is_process`); otherwise now: a command called inside a
    long-running process (a test runner, a notebook) has no start-up of its own, and that
    process's age is not the command's.
    """
    return _COMMAND_IS_PROCESS[0][0] if _COMMAND_IS_PROCESS else time.monotonic()


@dataclass(frozen=True, slots=True)
class Tail:
    """Wall-clock seconds the work after a search takes, kept out of the search.

    Attributes
    ----------
    base_s
        Seconds whatever the size (s), where the pace is not known.
    per_stop_s
        Seconds more per stop of the plan (s), where the pace is not known.
    cpu_base_s
        CPU seconds whatever the size (s), which the pace turns into wall-clock seconds
        (``None``: the wall-clock figures are kept at any pace).
    cpu_per_stop_s
        CPU seconds more per stop of the plan (s).
    """

    base_s: float = 0.0
    per_stop_s: float = 0.0
    cpu_base_s: float | None = None
    cpu_per_stop_s: float = 0.0

    def seconds(self, stops: int, pace: float | None = None) -> float:
        """Seconds to keep after the search of a plan of ``stops`` stops (s): its CPU
        seconds times ``pace`` (:func:`command_pace`) where both are known, else the
        wall-clock estimate."""
        if pace is not None and self.cpu_base_s is not None:
            return (self.cpu_base_s + self.cpu_per_stop_s * stops) * pace
        return self.base_s + self.per_stop_s * stops


#: After the search of a plan returned, not written (the HTTP service, in-process
#: callers): the checker, each run's street geometry and the plan document. Measured on
#: the 300- and 1,000-household days of ``benchmarks.day_cli`` (161 and 504 stops):
#: about 0.1 and 0.5 s of CPU (benchmarks/README.md, 2026-12-05).
CHECKED_TAIL = Tail(base_s=0.02, per_stop_s=0.001)
#: After the search of a plan written to a folder (``doorstep plan``, a batch's
#: communities): :data:`CHECKED_TAIL` and the files (``plan.json``, GeoJSON, the pages
#: with their street maps, notifications), the printed table and the process's exit.
#: Measured from the search's end to the process's exit at 161 and 504 stops: 0.44-0.61
#: and 0.57-0.96 s with a test suite running beside it (benchmarks/README.md,
#: 2026-12-05, "The search's share of a call"); kept at the slowest of those at 161
#: stops and a tenth above it at 504: 0.61 and 1.06 s, where the pace is not known. In
#: a command's process, 0.1 s + 0.8 ms per stop of CPU times its pace: on an idle
#: machine the same tail took 0.20-0.27 s at a pace of 1.19-1.24 (161 stops) and
#: 0.43-0.52 s at 1.14-1.17 (504 stops); beside two busy processes 0.29-0.55 s at
#: 1.78-2.30 (161 stops) (benchmarks/README.md, "The tail at the command's pace").
WRITTEN_TAIL = Tail(base_s=0.4, per_stop_s=0.0013, cpu_base_s=0.1, cpu_per_stop_s=0.0008)


@dataclass(frozen=True, slots=True)
class ShortSearch:
    """A search that got the floor (:data:`MIN_SEARCH_S`), not a share of the limit:
    what had gone before it and what is kept after it left it less than that.

    Attributes
    ----------
    limit_s
        The call's time limit (s).
    before_s
        Seconds of the call gone when the search began (start-up, map, matrices).
    after_s
        Seconds kept after the search (the budget's :class:`Tail`).
    search_s
        Seconds the search was given (the floor).
    """

    limit_s: float
    before_s: float
    after_s: float
    search_s: float

    def enough_s(self) -> int:
        """The shortest whole-second limit that holds what went before, the floor and
        the tail: the search's time is its own from there."""
        return math.ceil(self.before_s + self.search_s + self.after_s)


class TimeCapError(RuntimeError):
    """The plan ran past its hard cap (:attr:`Budget.cap`); nothing was written.

    ``stage`` names the stage it was stopped at.
    """

    code = "TIME_CAP_EXCEEDED"

    def __init__(self, message: str, stage: str) -> None:
        super().__init__(message)
        self.stage = stage


@dataclass(frozen=True, slots=True)
class Budget:
    """Wall-clock seconds of one plan call, counted from ``started``.

    Attributes
    ----------
    limit
        Seconds the whole call may take (s).
    cap
        Hard cap (s): past it the call stops at its next stage (``None``: no hard cap).
    started
        ``time.monotonic()`` when the call began.
    tail
        Seconds kept after the search for the work that follows it (none by default).
    short
        The searches that got the floor, not a share (:meth:`search_seconds`), of this
        budget and of its :meth:`part` budgets: the call says so
        (:func:`api.outputs.document.time_warnings`).
    whole
        The call's budget of which this is a :meth:`part` (``None``: this is the call's).
    """

    limit: float
    cap: float | None = None
    started: float = field(default_factory=time.monotonic)
    tail: Tail = Tail()
    short: list[ShortSearch] = field(default_factory=list)
    whole: Budget | None = None

    def spent(self) -> float:
        """Seconds since the call began."""
        return time.monotonic() - self.started

    def left(self) -> float:
        """Seconds left under the limit (and the cap), never negative."""
        end = self.limit if self.cap is None else min(self.limit, self.cap)
        return max(end - self.spent(), 0.0)

    def search_seconds(self, *, parts: int = 1, stops: int | None = None) -> float:
        """Seconds for each of ``parts`` searches of a plan of ``stops`` stops (``None``:
        not known, the tail kept as for none): their share of what is left once the tail
        is kept (at least the floor; a search given the floor is kept in :attr:`short`).
        A plan of no stops has nothing to search: the floor it may get is no short
        search (the call does not warn of a limit too short on a day nobody is due). In a
        command's own process the tail is kept at the pace the command has run at so far
        (:func:`command_pace`)."""
        kept = self.tail.seconds(stops or 0, command_pace())
        share = max(self.left() - kept, 0.0) / parts
        if share >= MIN_SEARCH_S:
            return share
        if stops == 0:
            return MIN_SEARCH_S
        call = self.whole or self
        self.short.append(ShortSearch(call.limit, call.spent(), kept, MIN_SEARCH_S))
        return MIN_SEARCH_S

    def part(self, share: float) -> Budget:
        """A budget of ``share`` of what is left, starting now (same hard cap end, same
        tail)."""
        now = time.monotonic()
        cap = None if self.cap is None else max(self.cap - (now - self.started), 0.0)
        return Budget(
            limit=share * self.left(),
            cap=cap,
            started=now,
            tail=self.tail,
            short=self.short,
            whole=self.whole or self,
        )

    def check(self, stage: str) -> None:
        """Raise :class:`TimeCapError` when the hard cap has passed (``stage``: where)."""
        if self.cap is not None and self.spent() > self.cap:
            message = f"time cap of {self.cap:g} s exceeded (at stage '{stage}')"
            raise TimeCapError(message, stage)
