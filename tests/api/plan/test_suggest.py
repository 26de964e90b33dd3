"""``--suggest-volunteers``: today's volunteers asked for more first, then new ones, checked."""

from __future__ import annotations

from dataclasses import replace

from api.demo.data import DEMO_DATE
from api.plan.request import PlanRequest
from api.plan.run import run_plan
from api.plan.travel import StreetTravel
from geo.addresses import Building
from tests.api.plan.day_plans import cluster_ledger, plan, walker

D = DEMO_DATE


def test_more_trips_asked_of_todays_volunteers_before_new_ones(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """Two walkers allowed one 6 kg trip each leave households out; the suggestion asks them
    to go out again, adds nobody, and the day planned with those asks serves everyone."""
    one_trip = (walker("v1", cap=6.0, max_trips=1), walker("v2", cap=6.0, max_trips=1))
    lg = cluster_ledger(buildings, 20, one_trip)
    # The effort bound ends every search long before the limit: the machine's load never
    # decides; the limit still covers the whole call, re-plans included.
    request = PlanRequest(lg, D, time_limit=120.0, effort=30, geometry=False, suggest=True)
    run = run_plan(request, travel=travel)
    assert {i.reason for i in run.result.issues} == {"FLEET_EXHAUSTED"}
    sug = run.suggestion
    assert sug is not None and sug.served_all and sug.rounds == 1
    assert not sug.volunteers and sug.extend
    assert all(e.after.max_trips is None and e.trips > 1 for e in sug.extend)
    doc = run.document["suggestion"]
    assert not doc["groups"] and [e["volunteer_id"] for e in doc["extend"]]
    assert all("go out" in e["text"] for e in doc["extend"])
    asked = {e.after.volunteer_id: e.after for e in sug.extend}
    team = tuple(asked.get(v.volunteer_id, v) for v in lg.volunteers)
    again = plan(replace(lg, volunteers=team), D, travel=travel, effort=30, geometry=False)
    assert not again.issues


def test_new_volunteer_only_for_what_asks_cannot_fix_and_never_for_addresses(
    buildings: tuple[Building, ...], travel: StreetTravel
) -> None:
    """Medicine with nobody skilled on duty needs a new volunteer with the skill; an address
    not on the map is named apart, never claimed as served by volunteers."""
    lg = cluster_ledger(buildings, 6, (walker("v1"),))
    medicine = replace(lg.households[0], needs=frozenset({"meals", "medicine"}))
    lost = replace(lg.households[1], household_id="lost", lon=None, lat=None)
    lost = replace(lost, address="Olematon katu 99, Helsinki")
    lg = replace(lg, households=(medicine, lost, *lg.households[1:]))
    request = PlanRequest(lg, D, time_limit=120.0, effort=30, geometry=False, suggest=True)
    run = run_plan(request, travel=travel)
    reasons = {i.household_id: i.reason for i in run.result.issues}
    assert reasons == {"h00": "NO_COMPATIBLE_VEHICLE", "lost": "ADDRESS_UNRESOLVED"}
    sug = run.suggestion
    assert sug is not None and sug.served_all and sug.others == 1
    assert [v.skills for v in sug.volunteers] == [frozenset({"medicine"})]
    message = run.document["suggestion"]["message"]
    assert "every household volunteers can help" in message
    assert "1 other household(s) need another fix" in message
