"""plan.json's fields the pages are drawn from: phones only where a call is asked, idle
volunteers, unserved households' address and phone, depots, and the map's streets."""

from __future__ import annotations

import csv
import json

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


def test_every_field_of_plan_json_is_in_its_typed_schema(beijing_day: WrittenDay) -> None:
    """plan.json of a day with unserved, not-due and idle volunteers reads into the typed
    OpenAPI schema and writes back unchanged: no field a client would silently drop."""
    from api.service.plan_schemas import PlanOut

    doc = json.loads(json.dumps(beijing_day.doc))
    back = PlanOut.model_validate(doc).model_dump(mode="json", exclude_unset=True)
    assert doc["unassigned"] and doc["idle_volunteers"] and doc["depots"]
    assert back == doc


def test_a_load_nobody_carries_is_told_in_kilograms_in_each_language(
    beijing_day: WrittenDay,
) -> None:
    """The household too heavy for everyone is told in kg in plan.json's English sentence,
    on the English and the Chinese summary page; its facts keep the grams."""
    h902 = next(u for u in beijing_day.doc["unassigned"] if u["household_id"] == "H902")
    facts = h902["facts"]
    assert facts["case"] == "too_heavy" and facts["unit"] == "g" and facts["need"].isdigit()
    need, largest = (f"{int(facts[k]) / 1000:g} kg" for k in ("need", "largest"))
    assert h902["message"] == (
        f"It needs {need} but the largest volunteer who may take it carries {largest}."
    )
    english = (beijing_day.out["en"] / "summary.html").read_text(encoding="utf-8")
    chinese = (beijing_day.out["zh_CN"] / "summary.html").read_text(encoding="utf-8")
    assert h902["message"] in english and f"{facts['need']} g" not in english
    assert f"需要 {need}，但可承担的志愿者最多只能携带 {largest}。" in chinese
    assert "It needs" not in chinese


def test_re_plan_warnings_are_told_from_their_code_in_each_language() -> None:
    """A re-plan warning keeps its code and fields with its English sentence; each
    language tells it from the code and fields (the sentence itself when the code is new)."""
    from api.i18n import Lang
    from api.outputs.labels import replan_warning, replan_warning_text

    w = replan_warning("DONE_VISIT_NOT_IN_DAY", volunteer_id="V1", stop_id="S7")
    assert w == {
        "code": "DONE_VISIT_NOT_IN_DAY",
        "volunteer_id": "V1",
        "stop_id": "S7",
        "message": "V1: done visit 'S7' is not a stop of the day any more",
    }
    assert replan_warning_text(w, Lang("en")) == w["message"]
    assert replan_warning_text(w, Lang("zh_CN")) == "V1：已完成的到访 'S7' 已不再是当天的站点"
    unknown = {"code": "LATER", "message": "a sentence of a later version"}
    assert replan_warning_text(unknown, Lang("zh_CN")) == "a sentence of a later version"


def test_only_a_load_in_grams_gets_the_catalog_s_sentence() -> None:
    """plan.json's sentence of a household too heavy for everyone is the catalog's, in kg;
    a sentence whose facts count no grams stays the plan's own."""
    from api.outputs.labels import unassigned_message

    facts = {"case": "too_heavy", "need": "12500", "unit": "g", "largest": "10000"}
    said = unassigned_message("DEMAND_EXCEEDS_CAPACITY", "It needs 12500 g ...", facts)
    assert said == "It needs 12.5 kg but the largest volunteer who may take it carries 10 kg."
    late = {"case": "late_arrival", "windows": "09:00-10:00", "arrival": "10:30"}
    assert unassigned_message("TIME_WINDOW_UNREACHABLE", "own sentence", late) == "own sentence"
