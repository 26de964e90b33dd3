"""The one time budget of a plan call: shares, floors, skips and the hard cap."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from api.plan.budget import (
    CHECKED_TAIL,
    MAX_PACE,
    MIN_SEARCH_S,
    WRITTEN_TAIL,
    Budget,
    Tail,
    TimeCapError,
    command_pace,
)


def _spent(limit: float, seconds: float, cap: float | None = None) -> Budget:
    """A budget of ``limit`` s whose call began ``seconds`` ago."""
    return Budget(limit, cap, started=time.monotonic() - seconds)


def test_search_takes_what_is_left() -> None:
    """A fresh 100 s budget without a tail gives the search all of it (the solver keeps
    its own margin), two searches half of it each."""
    budget = _spent(100.0, 0.0)
    assert budget.search_seconds() == pytest.approx(100.0, abs=0.5)
    assert budget.search_seconds(parts=2) == pytest.approx(50.0, abs=0.5)


def test_search_floor_when_the_map_used_the_limit() -> None:
    """A budget already spent still gives the main search its floor; nothing is negative."""
    budget = _spent(10.0, 12.0)
    assert budget.left() == 0.0
    assert budget.search_seconds() == MIN_SEARCH_S


def test_a_plan_of_no_stops_is_no_short_search() -> None:
    """With the limit used up, a plan of no stops still gets the floor but is not kept as
    a short search (nothing is searched, no limit-too-short warning); one of unknown or
    some stops is."""
    budget = _spent(10.0, 12.0)
    assert budget.search_seconds(stops=0) == MIN_SEARCH_S
    assert budget.short == []
    assert budget.search_seconds(stops=3) == MIN_SEARCH_S
    assert budget.search_seconds() == MIN_SEARCH_S
    assert len(budget.short) == 2


def test_the_search_leaves_the_tail_for_the_work_after_it() -> None:
    """The tail of a plan's stops is kept out of the search: 0.5 s + 10 ms per stop of a
    100 s budget leave 500 stops' search 94.5 s; a part keeps the tail."""
    budget = Budget(100.0, tail=Tail(base_s=0.5, per_stop_s=0.01))
    assert budget.search_seconds(stops=500) == pytest.approx(94.5, abs=0.5)
    assert budget.search_seconds(stops=0) == pytest.approx(99.5, abs=0.5)
    assert budget.part(0.5).tail == budget.tail


def test_a_tail_longer_than_what_is_left_leaves_the_floor() -> None:
    """A large plan whose outputs would take longer than what is left still searches for
    the floor, never a negative time."""
    budget = Budget(5.0, started=time.monotonic() - 3.0, tail=Tail(per_stop_s=0.01))
    assert budget.search_seconds(stops=1000) == MIN_SEARCH_S


def test_a_written_plan_keeps_more_than_a_returned_one() -> None:
    """Writing the files, printing and leaving take longer than the checker, geometry and
    document alone, and both grow with the stops."""
    for stops in (0, 161, 504):
        assert WRITTEN_TAIL.seconds(stops) > CHECKED_TAIL.seconds(stops) > 0
    assert WRITTEN_TAIL.seconds(504) > WRITTEN_TAIL.seconds(161)


def test_a_paced_tail_is_its_cpu_seconds_at_the_pace() -> None:
    """With CPU figures and a known pace the tail is CPU seconds times the pace; without
    either, the wall-clock estimate."""
    tail = Tail(base_s=0.6, cpu_base_s=0.1, cpu_per_stop_s=0.001)
    assert tail.seconds(100, pace=2.0) == pytest.approx(0.4)
    assert tail.seconds(100, pace=1.0) == pytest.approx(0.2)
    assert tail.seconds(100) == 0.6
    assert Tail(base_s=0.6).seconds(100, pace=2.0) == 0.6
    assert WRITTEN_TAIL.seconds(504, pace=1.2) > WRITTEN_TAIL.seconds(161, pace=1.2)


#: A command's process: CPU spent, then a wait; the pace after each, a thread's pace, then
#: (its start moved 100 s back) the pace of a slow command and a written plan's search.
_COMMAND = """
import json, threading, time
from api.plan import budget
budget.command_is_process()
t = time.thread_time()
while time.thread_time() - t < 0.2:
    pass
busy = budget.command_pace()
time.sleep(0.5)
waited = budget.command_pace()
seen = []
thread = threading.Thread(target=lambda: seen.append(budget.command_pace()))
thread.start()
thread.join()
start, pid = budget._COMMAND_IS_PROCESS[0]
budget._COMMAND_IS_PROCESS[0] = (start - 100.0, pid)
slow = budget.command_pace()
plan = budget.Budget(200.0, started=budget.command_started(), tail=budget.WRITTEN_TAIL)
search = plan.search_seconds(stops=161)
left = plan.left()
print(json.dumps([busy, waited, seen, slow, search, left]))
"""


def test_a_command_keeps_its_tail_at_the_pace_it_has_run_at() -> None:
    """In a command's own process the pace is wall per CPU second of its main thread (at
    least 1, growing with waits, at most MAX_PACE), and a plan's search leaves the tail at
    that pace (at MAX_PACE 0.3 s longer than the wall-clock estimate); a thread of it,
    or a process not a command (this test runner), has none."""
    assert command_pace() is None
    done = subprocess.run(
        [sys.executable, "-c", _COMMAND], capture_output=True, text=True, check=True, timeout=300
    )
    busy, waited, seen, slow, search, left = json.loads(done.stdout)
    assert 1.0 <= busy <= waited <= MAX_PACE
    assert waited > busy or busy == MAX_PACE
    assert seen == [None]
    assert slow == MAX_PACE
    paced = WRITTEN_TAIL.seconds(161, MAX_PACE)
    assert paced - WRITTEN_TAIL.seconds(161) > 0.3
    assert search == pytest.approx(left - paced, abs=0.05)


def test_the_hard_cap_bounds_what_is_left() -> None:
    """With a cap shorter than the limit, what is left is counted to the cap."""
    assert _spent(60.0, 1.0, cap=5.0).left() == pytest.approx(4.0, abs=0.5)


def test_a_part_is_a_share_of_what_is_left() -> None:
    """A part of half the budget has half of what was left, counted from now."""
    part = _spent(100.0, 50.0).part(0.5)
    assert part.limit == pytest.approx(25.0, abs=0.5)
    assert part.spent() < 1.0


def test_check_raises_past_the_cap_naming_the_stage() -> None:
    """Past the cap, the next stage stops with TimeCapError naming it; under it, nothing."""
    _spent(10.0, 0.0, cap=5.0).check("graph")
    with pytest.raises(TimeCapError, match="time cap of 5 s exceeded") as info:
        _spent(10.0, 6.0, cap=5.0).check("graph")
    assert info.value.stage == "graph" and info.value.code == "TIME_CAP_EXCEEDED"


def test_a_search_given_its_floor_is_kept_with_the_call_figures() -> None:
    """A search the limit cannot hold (1 s limit, 1.5 s gone, a 0.6 s tail) gets the floor
    and is kept: the limit, what went before, the tail, the floor and the shortest whole
    limit that holds them (3 s); a search given its share is not kept."""
    budget = Budget(1.0, started=time.monotonic() - 1.5, tail=Tail(base_s=0.6))
    assert budget.search_seconds() == MIN_SEARCH_S
    [short] = budget.short
    assert short.limit_s == 1.0
    assert short.before_s == pytest.approx(1.5, abs=0.3)
    assert short.after_s == 0.6
    assert short.search_s == MIN_SEARCH_S
    assert short.enough_s() == 3
    roomy = Budget(100.0, tail=Tail(base_s=0.6))
    assert roomy.search_seconds() > MIN_SEARCH_S
    assert roomy.short == []


def test_a_part_keeps_its_short_search_with_the_whole_call() -> None:
    """A part too small for the floor (a plan before its suggestions) is kept with the
    call's limit and the call's seconds gone, in the call's budget."""
    budget = Budget(2.0, started=time.monotonic() - 1.0)
    part = budget.part(0.3)
    assert part.search_seconds() == MIN_SEARCH_S
    [short] = budget.short
    assert short.limit_s == 2.0
    assert short.before_s == pytest.approx(1.0, abs=0.3)
