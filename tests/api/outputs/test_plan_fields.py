"""plan.json's fields the pages are drawn from: phones only where a call is asked, idle
volunteers, unserved households' address and phone, depots, and the map's streets."""

from __future__ import annotations

import csv

from api.outputs.dropoff import asks_for_call
from api.outputs.trips import deliveries
from tests.api.outputs.conftest import WrittenDay


def test_a_line_carries_the_phone_only_when_its_note_asks_for_a_call(
    beijing_day: WrittenDay,
) -> None:
    """Every served door whose note asks for a call has its phone; no other door has one."""
    lines = [ln for r in beijing_day.doc["routes"] for s in deliveries(r) for ln in s["lines"]]
    asked = [ln for ln in lines if asks_for_call(beijing_day.notes[ln["household_id"]])]
    assert asked and len(asked) < len(lines)
    for ln in lines:
        expected = beijing_day.phones[ln["household_id"]] if ln in asked else None
        assert ln.get("phone") == expected


def test_idle_volunteers_unserved_contacts_and_depots_are_listed(
    beijing_day: WrittenDay,
) -> None:
    """Volunteers without a run are named with their shift; every unserved household has its
    ledger address and phone; the depots are listed; streets around the plan were taken."""
    doc = beijing_day.doc
    called = {r["volunteer_id"] for r in doc["routes"]}
    ledger = beijing_day.result.ledger
    idle = {v["volunteer_id"] for v in doc["idle_volunteers"]}
    assert idle == {v.volunteer_id for v in ledger.volunteers} - called and idle
    by_id = {h.household_id: h for h in ledger.households}
    for u in doc["unassigned"]:
        assert u["address"] == by_id[u["household_id"]].address
        assert u["phone"] == by_id[u["household_id"]].phone
    h902 = next(u for u in doc["unassigned"] if u["household_id"] == "H902")
    assert h902["reason"] == "DEMAND_EXCEEDS_CAPACITY" and h902["lon"] is not None
    assert [d["depot_id"] for d in doc["depots"]] == [d.depot_id for d in ledger.depots]
    assert len(beijing_day.result.streets) > 100


def test_the_text_to_a_household_never_contradicts_its_own_note(beijing_day: WrittenDay) -> None:
    """A household with its own drop-off note is told it is left as asked (its note, no ring);
    one without is told the default."""
    for locale, ring in (("en", "rings"), ("zh_CN", "按门铃后")):
        path = beijing_day.out[locale] / "notifications.csv"
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows
        for row in rows:
            note = beijing_day.notes[row["household_id"]]
            if note:
                assert row["message"].endswith(note) and ring not in row["message"]
            else:
                assert ring in row["message"]
