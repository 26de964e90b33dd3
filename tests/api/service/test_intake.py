"""Request intake: map, size limits per entry, date and ledger are checked before queueing."""

from __future__ import annotations

from typing import Any

import pytest

from api.errors import ServiceError
from api.service import schemas
from api.service.intake import check_batch, check_request, size_faults
from api.service.sample import plan_request
from api.settings import ServiceSettings

SETTINGS = ServiceSettings(
    sync_max_households=5,
    sync_max_seconds=2.0,
    job_max_households=8,
    job_max_seconds=30.0,
    batch_max_communities=3,
)
MAPS = ("demo",)


def _plan(households: int = 4, **changes: Any) -> schemas.PlanRequest:
    body = {**plan_request(households, seed=7), **changes}
    return schemas.PlanRequest.model_validate(body)


def _refusal(make: Any) -> ServiceError:
    with pytest.raises(ServiceError) as err:
        make()
    return err.value


def test_a_good_request_comes_back_as_the_job_request() -> None:
    """A request within the limits comes back as plain JSON data of the request fields."""
    body = _plan()
    request = check_request(body, "plan", SETTINGS, MAPS)
    assert request["map"] == "demo" and request["date"] == body.date
    assert len(request["households"]) == 4 and request["options"]["time_limit_s"] == 1.0


def test_unknown_map_names_the_maps_there_are() -> None:
    """A map the server does not have is UNKNOWN_MAP, naming the field and the maps it has."""
    err = _refusal(lambda: check_request(_plan(map="atlantis"), "job", SETTINGS, MAPS))
    assert err.code == "UNKNOWN_MAP" and "demo" in str(err)
    assert err.details[0].field == "map"


def test_limits_depend_on_the_entry() -> None:
    """Six households pass as a job but not as a synchronous plan, which hints at jobs."""
    body = _plan(6)
    assert check_request(body, "job", SETTINGS, MAPS)["households"]
    err = _refusal(lambda: check_request(body, "plan", SETTINGS, MAPS))
    assert err.code == "PLAN_TOO_LARGE" and "POST /v1/jobs" in str(err)
    assert [d.field for d in err.details] == ["households"]


def test_size_faults_name_households_and_search_time() -> None:
    """Over both limits, both fields are named with the entry's limit."""
    faults = size_faults("batch", SETTINGS, items=("households", 9), time_limit_s=60)
    assert [d.field for d in faults] == ["households", "options.time_limit_s"]
    assert "at most 8" in faults[0].problem and "at most 30 s" in faults[1].problem
    assert size_faults("batch", SETTINGS, items=("households", 3), time_limit_s=2) == []


def test_bad_date_and_bad_record_are_refused_before_queueing() -> None:
    """A malformed date is INVALID_REQUEST; a bad ledger record is INVALID_LEDGER naming it."""
    err = _refusal(lambda: check_request(_plan(date="25.11.2026"), "job", SETTINGS, MAPS))
    assert err.code == "INVALID_REQUEST" and err.details[0].field == "date"
    body = plan_request(3, seed=7)
    body["households"][1]["observation_end"] = "soon"
    bad = schemas.PlanRequest.model_validate(body)
    err = _refusal(lambda: check_request(bad, "job", SETTINGS, MAPS))
    assert err.code == "INVALID_LEDGER"
    assert any(d.field == "observation_end" and "H002" in d.record for d in err.details)


def test_bad_rules_are_refused_before_queueing_naming_key_and_value() -> None:
    """A request's rules object with a bad value is INVALID_RULES naming the key and value;
    good rules come back in the job's request."""
    good = check_request(_plan(rules={"meal_window": "10:00-17:00"}), "job", SETTINGS, MAPS)
    assert good["rules"] == {"meal_window": "10:00-17:00"}
    bad = _plan(rules={"meal_window": "10:00-17:00", "reload_minutes": 500})
    err = _refusal(lambda: check_request(bad, "job", SETTINGS, MAPS))
    assert err.code == "INVALID_RULES"
    (detail,) = err.details
    assert (detail.record, detail.field) == ("request rules", "reload_minutes")
    assert "500" in detail.problem


def _batch(*communities: dict[str, Any]) -> schemas.BatchRequest:
    return schemas.BatchRequest.model_validate({"communities": list(communities)})


def test_a_refused_community_fails_alone() -> None:
    """A community over the job limits gets its error; the others get their requests."""
    good = {**plan_request(3, seed=1), "community_id": "a"}
    big = {**plan_request(9, seed=2), "community_id": "b"}
    new = check_batch(_batch(good, big), SETTINGS, MAPS)
    assert [c.community_id for c in new] == ["a", "b"]
    assert new[0].request is not None and new[0].households == 3 and new[0].error is None
    assert new[1].request is None and new[1].error is not None
    assert new[1].error["code"] == "PLAN_TOO_LARGE"


def test_batch_refused_whole_for_count_or_ids() -> None:
    """Too many communities is PLAN_TOO_LARGE; a repeated id is INVALID_MANIFEST."""
    one = plan_request(2, seed=1)
    many = _batch(*({**one, "community_id": f"c{k}"} for k in range(4)))
    assert _refusal(lambda: check_batch(many, SETTINGS, MAPS)).code == "PLAN_TOO_LARGE"
    twice = _batch({**one, "community_id": "c"}, {**one, "community_id": "c"})
    err = _refusal(lambda: check_batch(twice, SETTINGS, MAPS))
    assert err.code == "INVALID_MANIFEST" and "repeated" in err.details[0].problem
