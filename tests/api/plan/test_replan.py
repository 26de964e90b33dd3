"""The live day: re-plans at a time T keep what is done, serve nothing twice, and name
every household not served; each event kind; the change cost against a cold re-plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
import time
from collections import Counter
from typing import Any

import numpy as np
import pytest

from api.demo.data import DEMO_DATE
from api.outputs.document import deliveries
from api.plan.budget import MIN_SEARCH_S, WRITTEN_TAIL
from api.plan.events import Event, EventKind, EventsError
from api.plan.ledger import Household, Ledger, format_clock, parse_clock
from api.plan.outcomes import missed_households
from api.plan.replan import DONE_FIELDS, Replanned, _current_runs, _warm_routes, replan_day
from api.plan.request import PlanRequest
from api.plan.rules import TOP_PRIORITY
from api.plan.run import run_plan
from api.plan.travel import StreetTravel
from geo.addresses import AddressIndex
from geo.closures import street_links
from solver.check import route_violations
from solver.schedule import timed_route

#: Searches end at this many improving solutions, long before the time limit.
EFFORT = 20


@pytest.fixture(scope="module")
def day(small_ledger: Ledger, travel: StreetTravel, addresses: AddressIndex) -> dict[str, Any]:
    """The small ledger planned with an effort bound, and its plan.json."""
    request = PlanRequest(small_ledger, DEMO_DATE, time_limit=120.0, effort=EFFORT)
    run = run_plan(request, travel=travel, addresses=addresses)
    return {"request": request, "doc": run.document}


def _at(doc: dict[str, Any], share: float) -> int:
    """A time ``share`` of the way through the plan's deliveries (s)."""
    starts = sorted(
        parse_clock(s["service_start"][:5]) for r in doc["routes"] for s in deliveries(r)
    )
    return starts[int(share * (len(starts) - 1))]


def _replan(
    day: dict[str, Any],
    events: list[Event],
    at: int,
    travel: StreetTravel,
    addresses: AddressIndex,
    **kw: Any,
) -> Replanned:
    return replan_day(
        day["request"], day["doc"], events, at, travel=travel, addresses=addresses, **kw
    )


def _done(doc: dict[str, Any], at: int) -> dict[str, list[str]]:
    """Per volunteer, the deliveries of ``doc`` starting before ``at`` (stop ids, in order)."""
    return {
        r["volunteer_id"]: [
            s["stop_id"] for s in deliveries(r) if parse_clock(s["service_start"][:5]) < at
        ]
        for r in doc["routes"]
    }


def _served(doc: dict[str, Any]) -> Counter[str]:
    return Counter(h for r in doc["routes"] for s in deliveries(r) for h in s["household_ids"])


def _assert_promise(
    day: dict[str, Any], new: dict[str, Any], at: int, cancelled: frozenset[str] = frozenset()
) -> None:
    """Done deliveries stay first on their runs in order; no household twice; every
    household of the current plan is served or named (unless cancelled)."""
    done = _done(day["doc"], at)
    runs = {r["volunteer_id"]: [s["stop_id"] for s in deliveries(r)] for r in new["routes"]}
    for vid, ids in done.items():
        if ids:
            assert runs[vid][: len(ids)] == ids
    served = _served(new)
    assert max(served.values()) == 1
    named = {u["household_id"] for u in new["unassigned"]}
    before = set(_served(day["doc"])) | {u["household_id"] for u in day["doc"]["unassigned"]}
    assert before - cancelled <= set(served) | named


def test_the_done_prefix_is_never_changed_over_random_events(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """Random event sequences at random times: the done prefix stays (an unavailable
    volunteer's: what was planned before the event), nothing is served twice, every
    household is served or named."""
    doc = day["doc"]
    volunteers = [r["volunteer_id"] for r in doc["routes"]]
    households = sorted(_served(doc))
    rng = random.Random(7)
    for _ in range(4):
        at = _at(doc, rng.uniform(0.2, 0.7))
        events = []
        cancelled = set()
        for _ in range(3):
            kind = rng.choice(["unavailable", "cancel", "urgent", "failed", "delayed"])
            when = at - rng.randint(0, 1800)
            if kind == "unavailable":
                events.append(Event(when, EventKind.VOLUNTEER_UNAVAILABLE, rng.choice(volunteers)))
            elif kind == "cancel":
                h = rng.choice(households)
                cancelled.add(h)
                events.append(Event(when, EventKind.HOUSEHOLD_CANCELLED, h))
            elif kind == "urgent":
                events.append(Event(when, EventKind.HOUSEHOLD_URGENT, rng.choice(households)))
            elif kind == "failed":
                events.append(
                    Event(when, EventKind.STOP_FAILED, rng.choice(households), outcome="no_answer")
                )
            else:
                events.append(
                    Event(when, EventKind.VOLUNTEER_DELAYED, rng.choice(volunteers), minutes=20)
                )
        failed = {e.id for e in events if e.kind is EventKind.STOP_FAILED}
        new = _replan(day, events, at, travel, addresses).document
        gone: dict[str, int] = {}  # an unavailable volunteer did what was planned before
        for e in events:
            if e.kind is EventKind.VOLUNTEER_UNAVAILABLE:
                gone[e.id] = min(e.at, gone.get(e.id, at))
        done = {vid: _done(doc, gone.get(vid, at))[vid] for vid in volunteers}
        runs = {r["volunteer_id"]: [s["stop_id"] for s in deliveries(r)] for r in new["routes"]}
        for vid, ids in done.items():
            kept = [s for s in ids if not any(h in failed for h in _households(doc, s))]
            assert runs.get(vid, [])[: len(kept)] == kept
        assert max(_served(new).values()) == 1
        named = {u["household_id"] for u in new["unassigned"]}
        assert set(households) - cancelled <= set(_served(new)) | named | (
            cancelled & set(_served(new))
        )


def _households(doc: dict[str, Any], stop_id: str) -> list[str]:
    return [
        h
        for r in doc["routes"]
        for s in deliveries(r)
        if s["stop_id"] == stop_id
        for h in s["household_ids"]
    ]


def test_a_dropped_volunteer_s_households_are_reassigned_or_named(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """A volunteer unavailable from T keeps what they did and serves nothing after; their
    other households are on another run or named with a reason."""
    doc = day["doc"]
    at = _at(doc, 0.4)
    route = max(doc["routes"], key=lambda r: len(deliveries(r)))
    vid = route["volunteer_id"]
    new = _replan(
        day, [Event(at, EventKind.VOLUNTEER_UNAVAILABLE, vid)], at, travel, addresses
    ).document
    done = _done(doc, at)[vid]
    mine = [r for r in new["routes"] if r["volunteer_id"] == vid]
    assert [s["stop_id"] for r in mine for s in deliveries(r)] == done
    later = {h for s in deliveries(route) if s["stop_id"] not in done for h in s["household_ids"]}
    assert later
    served = _served(new)
    named = {u["household_id"]: u["reason"] for u in new["unassigned"]}
    assert later <= set(served) | set(named)
    _assert_promise(day, new, at)
    assert vid in new["replan"]["diff"] and set(new["replan"]["diff"][vid]["removed"]) == later


def test_a_volunteer_unavailable_before_t_did_not_make_the_visits_planned_after(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """A volunteer unavailable earlier than the re-plan time keeps only the visits planned
    before the event; those planned between it and T go to another run or are named, and
    none is recorded as delivered (they were kept on the volunteer as done)."""
    doc = day["doc"]
    route = max(doc["routes"], key=lambda r: len(deliveries(r)))
    vid = route["volunteer_id"]
    visits = deliveries(route)
    starts = [parse_clock(s["service_start"][:5]) for s in visits]
    gone, at = starts[2], starts[5]
    before = [s["stop_id"] for s, t in zip(visits, starts, strict=True) if t < gone]
    between = {
        h for s, t in zip(visits, starts, strict=True) if gone <= t < at for h in s["household_ids"]
    }
    assert before and between
    new = _replan(
        day, [Event(gone, EventKind.VOLUNTEER_UNAVAILABLE, vid)], at, travel, addresses
    ).document
    mine = [s["stop_id"] for r in new["routes"] if r["volunteer_id"] == vid for s in deliveries(r)]
    assert mine == before
    others = {
        h
        for r in new["routes"]
        if r["volunteer_id"] != vid
        for s in deliveries(r)
        for h in s["household_ids"]
    }
    named = {u["household_id"] for u in new["unassigned"]}
    assert between <= others | named
    outcome = {r["household_id"]: r["outcome"] for r in new["outcomes"]["households"]}
    assert not {h for h in between if outcome[h] == "delivered"}
    assert max(_served(new).values()) == 1


def test_each_event_kind_changes_what_it_says(
    day: dict[str, Any], small_ledger: Ledger, travel: StreetTravel, addresses: AddressIndex
) -> None:
    """Cancelled: no longer served; urgent: served first among its volunteer's rest;
    stop_done: in the prefix though planned after T; stop_failed: served again after T or
    named; household_added: served or named; volunteer_added: may take households;
    delayed (not started): leaves no earlier than T + delay."""
    doc = day["doc"]
    at = _at(doc, 0.3)
    after = [
        (r["volunteer_id"], s)
        for r in doc["routes"]
        for s in deliveries(r)
        if parse_clock(s["service_start"][:5]) >= at
    ]
    before = [
        (r["volunteer_id"], s)
        for r in doc["routes"]
        for s in deliveries(r)
        if parse_clock(s["service_start"][:5]) < at
    ]
    cancel = after[0][1]["household_ids"][0]
    done_early = after[-1]
    failed = before[0][1]["household_ids"][0]
    template = next(h for h in small_ledger.households if h.household_id == cancel)
    new_household = Household(
        **{
            **{f: getattr(template, f) for f in template.__dataclass_fields__},
            "household_id": "NEW1",
        }
    )
    events = [
        Event(at, EventKind.HOUSEHOLD_CANCELLED, cancel),
        Event(at, EventKind.STOP_DONE, done_early[1]["stop_id"]),
        Event(at, EventKind.STOP_FAILED, failed, outcome="no_answer"),
        Event(at, EventKind.HOUSEHOLD_ADDED, "NEW1", household=new_household),
    ]
    new = _replan(day, events, at, travel, addresses).document
    served = _served(new)
    named = {u["household_id"] for u in new["unassigned"]}
    assert cancel not in served
    assert "NEW1" in served or "NEW1" in named
    assert failed in served or failed in named
    if failed in served:
        start = next(
            s["service_start"]
            for r in new["routes"]
            for s in deliveries(r)
            if failed in s["household_ids"]
        )
        assert parse_clock(start[:5]) >= at - 60
    run = next(r for r in new["routes"] if r["volunteer_id"] == done_early[0])
    assert (
        done_early[1]["stop_id"]
        in [s["stop_id"] for s in deliveries(run)][: len(_done(doc, at)[done_early[0]]) + 1]
    )
    assert [e["event"] for e in new["replan"]["events"]] == [str(e.kind) for e in events]


def test_a_closure_by_an_unknown_way_id_names_the_record_and_field(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """street_closed by the id of a way that is no street of the map: INVALID_EVENTS naming
    the events file, line and field, never silently ignored."""
    event = Event(36000, EventKind.STREET_CLOSED, "w1", way_id=1, record="events.csv line 2")
    with pytest.raises(EventsError) as caught:
        _replan(day, [event], 37800, travel, addresses)
    [detail] = caught.value.details
    assert (detail.record, detail.field) == ("events.csv line 2", "way_id")
    assert "OSM way 1 " in str(detail.problem)


@pytest.mark.parametrize("by", ["points", "way_id"])
def test_a_closed_street_changes_only_the_legs_along_it(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex, by: str
) -> None:
    """street_closed between two doors served one after the other whose walk passes along
    a street of neither door, or of an OSM way that street runs along: the re-plan's
    matrices equal the open ones except legs that took longer or lost their path; the
    closure is recorded; the plan keeps its promise; the runs are drawn on the closed
    streets."""
    doc = day["doc"]
    at = _at(doc, 0.1)
    route = max(doc["routes"], key=lambda r: len(deliveries(r)))
    mode = route["mode"]
    graph = travel.graphs[mode]
    for a, b in itertools.pairwise(deliveries(route)[2:]):
        snapped = travel._snap(mode, [(a["lon"], a["lat"]), (b["lon"], b["lat"])])
        ends = [
            (float(x), float(y)) for x, y in zip(snapped.snap_lon, snapped.snap_lat, strict=True)
        ]
        own = {int(snapped.link[0]), int(snapped.link[1])}
        between = [int(k) for k in street_links(graph, *ends) if int(k) not in own]
        if between:  # doors on different streets: the walk between them passes along one
            break
    if by == "points":
        event = Event(at, EventKind.STREET_CLOSED, "roadworks", point=ends[0], point2=ends[1])
    else:  # a street piece passed from end to end between the two doors
        link = between[len(between) // 2]
        way = int(graph.link_way[graph.link_way_ptr[link]])
        event = Event(at, EventKind.STREET_CLOSED, "roadworks", way_id=way)
    new = _replan(day, [event], at, travel, addresses)
    info = new.document["replan"]["closures"]
    assert info[0]["id"] == "roadworks" and info[0]["links_closed"] > 0
    points = list(new.result.locations.points)
    for m, closed in new.result.matrices.items():
        open_ = travel.matrices(m, points)
        changed = closed.durations != open_.durations
        assert ((closed.durations > open_.durations) | (closed.durations == -1))[changed].all()
        if m == mode:
            assert changed.any()
            assert changed.sum() < changed.size // 4
    _assert_promise(day, new.document, at)
    closed = new.result.matrices[mode].durations
    longer = np.argwhere((closed != travel.matrices(mode, points).durations) & (closed >= 0))
    i, j = (int(k) for k in longer[0])
    drawn = new.travel.geometry(mode, points, [i, j])["features"][0]["geometry"]
    assert drawn != travel.geometry(mode, points, [i, j])["features"][0]["geometry"]
    for vid in (r["volunteer_id"] for r in new.document["routes"] if r["mode"] == mode):
        for leg in new.result.geometry[vid]["features"]:
            if leg["properties"]["kind"] == "leg":
                order = [leg["properties"]["from"], leg["properties"]["to"]]
                again = new.travel.geometry(mode, points, order)["features"][0]["geometry"]
                assert leg["geometry"] == again, vid


def test_done_visits_keep_their_times_and_eta_windows(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """Visits done before T by the schedule, and one reported done (stop_done) before its
    planned time, keep the times, legs and ETA window of the plan re-planned, and their runs
    their departure; none of their households is told a new ETA."""
    doc = day["doc"]
    at = _at(doc, 0.3)
    route = max(doc["routes"], key=lambda r: len(deliveries(r)))
    early = next(s for s in deliveries(route) if parse_clock(s["service_start"][:5]) >= at)
    events = [Event(at, EventKind.STOP_DONE, early["stop_id"])]
    new = _replan(day, events, at, travel, addresses)
    after = {s["stop_id"]: s for r in new.document["routes"] for s in deliveries(r)}
    done = [
        (r, s)
        for r in doc["routes"]
        for s in deliveries(r)
        if parse_clock(s["service_start"][:5]) < at or s is early
    ]
    assert len(done) > 1
    for _, s in done:
        assert {k: after[s["stop_id"]][k] for k in DONE_FIELDS} == {k: s[k] for k in DONE_FIELDS}
        assert not set(s["household_ids"]) & set(new.changed)
    starts = {r["volunteer_id"]: r["start"]["departure"] for r in new.document["routes"]}
    for r, _ in done:
        assert starts[r["volunteer_id"]] == r["start"]["departure"]
    _assert_promise(day, new.document, at)


def _failed_household(
    doc: dict[str, Any], at: int, among: set[str] | None = None
) -> tuple[str, int]:
    """A household (of ``among``, if given) whose delivery started before ``at``, and that
    start (s)."""
    for r in doc["routes"]:
        for s in deliveries(r):
            start = parse_clock(s["service_start"][:5])
            alone = len(s["household_ids"]) == 1
            if start < at and alone and (among is None or s["household_ids"][0] in among):
                return s["household_ids"][0], start
    raise AssertionError("no delivery before T")


def _outcome(doc: dict[str, Any], household: str) -> dict[str, Any]:
    return next(r for r in doc["outcomes"]["households"] if r["household_id"] == household)


def test_a_door_not_answered_is_retried_after_the_delay(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """no_answer early in the day: the household is served again, no earlier than the retry
    delay after the failure, and its outcome says retry."""
    doc = day["doc"]
    at = _at(doc, 0.3)
    household, start = _failed_household(doc, at)
    event = Event(start, EventKind.STOP_FAILED, household, outcome="no_answer")
    new = _replan(day, [event], at, travel, addresses).document
    row = _outcome(new, household)
    delay = 60 * day["request"].rules.retry_delay_minutes
    if row["outcome"] == "retry":
        assert parse_clock(row["at"]) >= start + delay
        assert _served(new)[household] == 1
    else:  # no run could take it in its window: escalated and named
        assert row["outcome"] == "escalated" and household in new["outcomes"]["escalated"]
    assert row["failed_at"] == format_clock(start)[:5] and row["no_answers"] == 1


def test_the_warm_start_after_a_door_not_answered_leaves_the_retry_to_the_search(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """The warm start of a re-plan after a door not answered is the current plan without
    that household (the search places the retry), and every run of it checks: kept where
    it was, its run would wait there for the retry and could break (then be planned
    again, or, when OR-Tools takes the warm start, the whole warm start refused)."""
    doc = day["doc"]
    at = _at(doc, 0.3)
    household, start = _failed_household(doc, at)
    event = Event(start, EventKind.STOP_FAILED, household, outcome="no_answer")
    new = _replan(day, [event], at, travel, addresses)
    problem = new.result.problem
    retry = _outcome(new.document, household)
    assert retry["outcome"] in ("retry", "escalated")
    warm = _warm_routes(problem, _current_runs(doc), {household})
    index = problem.stop_index()
    names = {n for r in warm for n in r}
    stops = {s.stop_id for s in new.result.selection.stops if household in s.household_ids}
    assert not stops & names
    for k, order in enumerate(warm):
        if order:
            entries = [problem.entry(k, n, index) for n in order]
            timed = timed_route(problem, k, [e for e in entries if e is not None])
            assert not route_violations(problem, timed), (problem.vehicles[k].id, order)


def test_a_door_not_answered_with_no_retry_left_is_escalated(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """A second no_answer (retries = 1), or one too late for the window: not served
    again, escalated to a phone check, and unattended."""
    doc = day["doc"]
    at = _at(doc, 0.3)
    household, start = _failed_household(doc, at)
    events = [
        Event(start, EventKind.STOP_FAILED, household, outcome="no_answer"),
        Event(start + 60, EventKind.STOP_FAILED, household),
    ]
    new = _replan(day, events, at, travel, addresses).document
    row = _outcome(new, household)
    assert row["outcome"] == "escalated" and row["no_answers"] == 2 and row["unattended"]
    assert household not in _served(new)
    assert household in new["outcomes"]["escalated"]
    assert household in new["outcomes"]["unattended"]


def test_refused_and_not_found_are_reported_not_retried(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """refused and not_found are not served again; not found leaves the household
    unattended, a refusal (someone answered) does not."""
    doc = day["doc"]
    at = _at(doc, 0.5)
    singles = [
        (s["household_ids"][0], parse_clock(s["service_start"][:5]))
        for r in doc["routes"]
        for s in deliveries(r)
        if parse_clock(s["service_start"][:5]) < at and len(s["household_ids"]) == 1
    ]
    (refused, t1), (lost, t2) = singles[:2]
    events = [
        Event(t1, EventKind.STOP_FAILED, refused, outcome="refused"),
        Event(t2, EventKind.STOP_FAILED, lost, outcome="not_found"),
    ]
    new = _replan(day, events, at, travel, addresses).document
    assert refused not in _served(new) and lost not in _served(new)
    assert _outcome(new, refused)["outcome"] == "refused"
    assert not _outcome(new, refused)["unattended"]
    assert _outcome(new, lost)["outcome"] == "not_found" and _outcome(new, lost)["unattended"]


def test_households_planned_after_the_unattended_time_are_flagged(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """unattended_by at T: every household not delivered by then is flagged; done ones are
    not; with the default (18:00) the same day flags none."""
    doc = day["doc"]
    at = _at(doc, 0.4)
    strict = dataclasses.replace(
        day["request"], rules=dataclasses.replace(day["request"].rules, unattended_by=at)
    )
    new = replan_day(strict, doc, [], at, travel=travel, addresses=addresses).document
    flagged = set(new["outcomes"]["unattended"])
    delivered = {
        r["household_id"] for r in new["outcomes"]["households"] if r["outcome"] == "delivered"
    }
    assert delivered and not flagged & delivered
    planned_late = {
        r["household_id"]
        for r in new["outcomes"]["households"]
        if r["outcome"] == "planned" and parse_clock(r["at"]) > at
    }
    assert planned_late and planned_late <= flagged
    calm = _replan(day, [], at, travel, addresses).document
    assert calm["outcomes"]["unattended"] == [u["household_id"] for u in doc["unassigned"]]


def test_tomorrow_takes_the_missed_households_first(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """The next day's plan with --previous a re-plan's record: each household left
    unattended gets the top priority; the others keep theirs."""
    doc = day["doc"]
    at = _at(doc, 0.3)
    request = day["request"]
    tomorrow_date = request.date + dt.timedelta(days=1)
    daily = {  # meals are due every day: the household has a stop tomorrow too
        h.household_id
        for h in request.ledger.households
        if "meals" in h.needs and h.observation_end >= tomorrow_date
    }
    household, start = _failed_household(doc, at, daily)
    events = [
        Event(start, EventKind.STOP_FAILED, household, outcome="no_answer"),
        Event(start + 60, EventKind.STOP_FAILED, household, outcome="no_answer"),
    ]
    record = _replan(day, events, at, travel, addresses).document
    missed = missed_households(record)
    assert household in missed
    tomorrow = dataclasses.replace(request, date=tomorrow_date, previous=record)
    result = run_plan(tomorrow, travel=travel, addresses=addresses).result
    carrying = {s.stop_id: set(s.household_ids) & missed for s in result.selection.stops}
    for stop in result.problem.stops:
        if stop.id in carrying:
            assert (stop.priority == TOP_PRIORITY) == bool(carrying[stop.id])
    assert any(household in hs for hs in carrying.values())


def test_a_plan_without_outcomes_gives_its_unassigned_first() -> None:
    """A plain plan.json as --previous: its unassigned households are the missed ones."""
    doc = {"routes": [], "unassigned": [{"household_id": "H9", "reason": "UNREACHABLE"}]}
    assert missed_households(doc) == frozenset({"H9"})
    assert missed_households(None) == frozenset()


def test_the_change_cost_moves_fewer_households_than_a_cold_replan(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """Same events, same effort: the warm re-plan with the change cost moves exactly the
    households the absent volunteer still had to serve, and no more than a cold one
    (counts, not time)."""
    doc = day["doc"]
    at = _at(doc, 0.2)
    vid = max(doc["routes"], key=lambda r: len(deliveries(r)))["volunteer_id"]
    events = [Event(at, EventKind.VOLUNTEER_UNAVAILABLE, vid)]
    warm = _replan(day, events, at, travel, addresses).document["replan"]["households_moved"]
    cold = _replan(day, events, at, travel, addresses, change_cost=0).document["replan"][
        "households_moved"
    ]
    left = [
        s
        for r in doc["routes"]
        if r["volunteer_id"] == vid
        for s in deliveries(r)
        if parse_clock(s["service_start"][:5]) >= at
    ]
    forced = sum(len(s["household_ids"]) for s in left)
    assert forced and warm == forced and warm <= cold, (warm, forced, cold)


def test_with_no_event_the_plan_stays(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """No event: the warm re-plan keeps every household with its volunteer."""
    doc = day["doc"]
    at = _at(doc, 0.4)
    new = _replan(day, [], at, travel, addresses).document
    assert new["replan"]["households_moved"] == 0
    _assert_promise(day, new, at)


def test_a_delay_not_applied_is_a_warning_told_in_each_language(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """A delay of a volunteer already under way is a DELAY_UNDER_WAY warning naming them, its
    sentence in English in plan.json and on the summary page in each language."""
    from api.i18n import Lang
    from api.outputs.summary_html import summary_html
    from api.service.plan_schemas import ReplanOut

    doc = day["doc"]
    at = _at(doc, 0.5)
    vid = next(v for v, done in _done(doc, at).items() if done)
    events = [Event(at, EventKind.VOLUNTEER_DELAYED, vid, minutes=20)]
    new = _replan(day, events, at, travel, addresses).document
    english = f"{vid}: a delay of a volunteer already under way is not applied"
    assert new["replan"]["warnings"] == [
        {"code": "DELAY_UNDER_WAY", "volunteer_id": vid, "message": english}
    ]
    assert ReplanOut.model_validate(new["replan"]).warnings[0].code == "DELAY_UNDER_WAY"
    assert english in summary_html(new, {}, Lang("en"))
    chinese = summary_html(new, {}, Lang("zh_CN"))
    assert f"{vid}：志愿者已经出发，其延误未被采用" in chinese and english not in chinese


def test_the_time_limit_counts_from_the_start_of_the_command(
    day: dict[str, Any], travel: StreetTravel, addresses: AddressIndex
) -> None:
    """A re-plan whose request began long ago (a ``doorstep replan`` process reading its
    files and map) counts its limit from then, as a plan does: with the limit used up, the
    search has only its floor and the re-plan says so (``TIME_LIMIT_SHORT``), with the
    time before the search and, for outputs written after it, the written tail kept; no
    household is lost for it."""
    at = _at(day["doc"], 0.3)
    began = time.monotonic() - 30.0
    request = dataclasses.replace(day["request"], time_limit=2.0, effort=None, started=began)
    late = {**day, "request": request}
    doc = _replan(late, [], at, travel, addresses, written=True).document
    [warning] = [w for w in doc["warnings"] if w["code"] == "TIME_LIMIT_SHORT"]
    assert warning["limit_s"] == 2.0
    assert warning["before_search_s"] >= 30.0
    stops = doc["summary"]["stops"]
    assert warning["after_search_s"] == pytest.approx(WRITTEN_TAIL.seconds(stops), abs=0.01)
    assert warning["search_s"] == MIN_SEARCH_S
    assert _served(doc).keys() | {u["household_id"] for u in doc["unassigned"]} >= set(
        _served(day["doc"])
    )
    fresh = _replan(day, [], at, travel, addresses).document
    assert not [w for w in fresh["warnings"] if w["code"] == "TIME_LIMIT_SHORT"]
