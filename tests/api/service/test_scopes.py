"""Community scopes over real HTTP, on SQLite and PostgreSQL: every role and scope of key
against every endpoint holding households (jobs, plans, routes, manifests, batches and
their communities, maps), list filtering, 404 for other communities, database keys, and
an audit row for each personal-data read."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.service.db import JobStore
from api.service.keys import KeyStore, fingerprint
from api.service.sample import plan_request
from api.service.volunteer_links import LinkClaim, shared_secret, sign
from tests.api.service.city import SCOPE_CITY_D as CITY_D
from tests.api.service.city import SCOPE_CITY_V as CITY_V
from tests.api.service.city import SCOPE_NORTH_D as NORTH_D
from tests.api.service.city import SCOPE_NORTH_V as NORTH_V
from tests.api.service.city import SCOPE_SOUTH_V as SOUTH_V
from tests.api.service.conftest import City
from tests.api.service.live import (
    ROOT,
    LiveServer,
    expect_error,
    server_env,
    wait_batch,
    wait_status,
)

#: Date of the batch's plans (the jobs plan api.service.sample.DATE).
BATCH_DATE = "2026-11-26"
#: Effort-bounded search: the plan does not depend on the machine's load.
OPTIONS = {"time_limit_s": 30, "seed": 3, "effort": 10}


def community_request(community: str, seed: int) -> dict[str, Any]:
    """A plan request of ``community`` whose household ids start with its name."""
    body = plan_request(3, seed=seed, volunteers=1)
    for h in body["households"]:
        h["household_id"] = f"{community}-{h['household_id']}"
    body["options"] = dict(OPTIONS)
    return {**body, "community": community}


def keys_command(url: str, *args: str) -> str:
    """Run ``doorstep keys ARGS`` on database ``url``; its standard output."""
    env = server_env(url)
    done = subprocess.run(
        [sys.executable, "-m", "api", "keys", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def _stored_keys(url: str) -> tuple[str, str]:
    """A north viewer key and an expired dispatcher key added to database ``url`` by the
    store ``doorstep keys add`` uses, in this process (the command itself, run as a process
    for the revoked key and the list, starts the search engine: seconds each)."""
    store = JobStore(url)
    try:
        keys = KeyStore(store.engine)
        viewer = keys.add("viewer", "north", days=90.0)
        expired = keys.add("dispatcher", None, days=0.0000001)
    finally:
        store.dispose()
    return viewer, expired


@dataclass(frozen=True)
class World:
    """A server with a done job of ``north`` and of ``south``, and a done batch of both."""

    live: LiveServer
    url: str
    jobs: dict[str, str]
    batch: str
    db_viewer: str
    expired: str
    revoked: str

    def client(self, key: str | None) -> httpx.Client:
        """An HTTP client sending ``key``."""
        return self.live.client(key)


@pytest.fixture(scope="module")
def world(city: City) -> World:
    """Keys of every role and scope (environment and database), a done job per community
    and a done batch of both, on the community tests' server (SQLite, then PostgreSQL)."""
    url = city.url
    live = city.live
    with live.client(CITY_D) as c:
        jobs = {
            name: c.post("/v1/jobs", json=community_request(name, seed)).json()["id"]
            for name, seed in (("north", 11), ("south", 12))
        }
        batch_body = {
            "communities": [
                {"community_id": name, **community_request(name, seed)}
                for name, seed in (("north", 13), ("south", 14))
            ]
        }
        for entry in batch_body["communities"]:
            del entry["community"]
            entry["date"] = BATCH_DATE  # its plans do not replace the jobs' of DATE
        batch = c.post("/v1/batches", json=batch_body).json()["id"]
        # The keys are made while the server plans.
        db_viewer, expired = _stored_keys(url)
        revoked = keys_command(url, "add", "--role", "dispatcher", "--label", "gone").strip()
        keys_command(url, "revoke", fingerprint(revoked))
        for job_id in jobs.values():
            assert wait_status(c, job_id, {"done", "failed"}, 300)["status"] == "done"
        assert wait_batch(c, batch, {"done", "failed"}, 300)["status"] == "done"
    return World(live, url, jobs, batch, db_viewer, expired, revoked)


#: Each key: its community (None: city-wide) and whether it dispatches.
KEYS = {
    CITY_D: (None, True),
    CITY_V: (None, False),
    NORTH_D: ("north", True),
    NORTH_V: ("north", False),
    SOUTH_V: ("south", False),
}


def _keys(world: World) -> dict[str, tuple[str | None, bool]]:
    return {**KEYS, world.db_viewer: ("north", False)}


def _job_paths(job_id: str) -> list[str]:
    base = f"/v1/jobs/{job_id}"
    return [base, f"{base}/plan", f"{base}/routes.geojson", f"{base}/manifests/V1.html"]


def _community_paths(batch_id: str, community: str) -> list[str]:
    base = f"/v1/batches/{batch_id}/communities/{community}"
    return [f"{base}/plan", f"{base}/routes.geojson", f"{base}/manifests/V1.html"]


def test_reads_answer_own_community_and_404_for_others(world: World) -> None:
    """Every key reads its own community's jobs, plans, routes and manifests (job and batch
    community alike) and gets 404 NOT_FOUND for another community's; city keys read all."""
    for key, (scope, _) in _keys(world).items():
        with world.client(key) as c:
            for community in ("north", "south"):
                paths = _job_paths(world.jobs[community])
                paths += _community_paths(world.batch, community)
                for path in paths:
                    res = c.get(path)
                    if scope in (None, community):
                        assert res.status_code == 200, (key, path, res.text)
                    else:
                        expect_error(res, 404, "NOT_FOUND")


def test_lists_and_batches_show_only_the_keys_community(world: World) -> None:
    """Job and batch lists, and a batch itself, hold only the key's community; another
    community's household id appears in no answer to a scoped key."""
    for key, (scope, _) in _keys(world).items():
        with world.client(key) as c:
            listed = c.get("/v1/jobs", params={"limit": 200}).json()["jobs"]
            seen = {j["community"] for j in listed}
            assert seen == ({"north", "south"} if scope is None else {scope}), key
            batches = c.get("/v1/batches").json()["batches"]
            assert [b["id"] for b in batches] == [world.batch]
            batch = c.get(f"/v1/batches/{world.batch}").json()
            names = [x["community_id"] for x in batch["communities"]]
            assert names == (["north", "south"] if scope is None else [scope]), key
            assert batch["summary"]["totals"]["communities"] == len(names)
            if scope is not None:
                other = "south" if scope == "north" else "north"
                for path in _job_paths(world.jobs[scope]) + _community_paths(world.batch, scope):
                    assert f"{other}-H" not in c.get(path).text, (key, path)


def test_writes_stay_in_the_keys_community(world: World) -> None:
    """A community's dispatcher queues only for its community (its own by default), and
    cannot cancel, renew links of, place a household of, or see another's job; viewers write
    nothing."""
    with world.client(NORTH_D) as c:
        expect_error(c.post("/v1/jobs", json=community_request("south", 21)), 403, "FORBIDDEN")
        body = community_request("north", 21)
        del body["community"]
        body["date"] = "2026-11-27"  # cancelled at once; replaces no plan either way
        res = c.post("/v1/jobs", json=body)
        assert res.status_code == 202 and res.json()["community"] == "north"
        c.delete(f"/v1/jobs/{res.json()['id']}")
        south = world.jobs["south"]
        expect_error(c.delete(f"/v1/jobs/{south}"), 404, "NOT_FOUND")
        expect_error(c.delete(f"/v1/jobs/{south}/links"), 404, "NOT_FOUND")
        place = f"/v1/jobs/{south}/households/south-H001/position"
        expect_error(c.post(place, json={"lon": 24.94, "lat": 60.17}), 404, "NOT_FOUND")
        mixed = {"communities": [{"community_id": "south", **plan_request(2, seed=22)}]}
        expect_error(c.post("/v1/batches", json=mixed), 403, "FORBIDDEN")
        expect_error(c.delete(f"/v1/batches/{world.batch}"), 403, "FORBIDDEN")
    for key in (NORTH_V, world.db_viewer, CITY_V):
        with world.client(key) as c:
            res = c.post("/v1/jobs", json=community_request("north", 23))
            expect_error(res, 403, "FORBIDDEN")


def test_database_keys_expire_and_revoke(world: World) -> None:
    """An expired or revoked database key is refused like an unknown one (401); a key's
    hash, never the key, is what the database holds."""
    for key in (world.expired, world.revoked, "no-such-key-at-all"):
        with world.client(key) as c:
            expect_error(c.get("/v1/jobs"), 401, "UNAUTHORIZED")
    listed = keys_command(world.url, "list")
    assert fingerprint(world.db_viewer) in listed and world.db_viewer not in listed
    assert "revoked" in listed and "expired" in listed
    if world.url.startswith("sqlite"):
        raw = Path(world.url.removeprefix("sqlite:///")).read_bytes()
        assert world.db_viewer.encode() not in raw


def test_street_maps_are_open_to_every_key(world: World) -> None:
    """Street maps hold no household: every key lists them and reads their streets."""
    for key in _keys(world):
        with world.client(key) as c:
            assert c.get("/v1/maps").status_code == 200
            assert c.get("/v1/maps/demo/streets.geojson").status_code == 200


def _audit(world: World, **params: Any) -> list[dict[str, Any]]:
    with world.client(CITY_D) as c:
        res = c.get("/v1/audit", params={"limit": 500, **params})
        assert res.status_code == 200, res.text
        entries: list[dict[str, Any]] = res.json()["entries"]
        return entries


def test_each_personal_data_read_is_audited(world: World) -> None:
    """Each plan, routes and manifest read appends one audit row naming the key's
    fingerprint, what and whose; a refused read appends none; only city-wide
    dispatchers read the audit."""
    job = world.jobs["north"]
    actor = f"key:{fingerprint(NORTH_V)}"
    before = _audit(world, actor=actor)
    with world.client(NORTH_V) as c:
        for path in _job_paths(job)[1:]:
            assert c.get(path).status_code == 200
        c.get(f"/v1/jobs/{world.jobs['south']}/plan")  # refused: not audited
        c.get(f"/v1/jobs/{job}")  # no personal data: not audited
    after = _audit(world, actor=actor)
    new = after[: len(after) - len(before)]
    assert [(e["action"], e["job_id"], e["community"]) for e in reversed(new)] == [
        ("plan", job, "north"),
        ("routes", job, "north"),
        ("manifest", job, "north"),
    ]
    assert new[0]["volunteer_id"] == "V1"
    for key in (NORTH_D, CITY_V, NORTH_V):
        with world.client(key) as c:
            expect_error(c.get("/v1/audit"), 403, "FORBIDDEN")


def _link_of(c: httpx.Client, job_id: str) -> str:
    """The manifest_url of V1's route in job ``job_id``'s plan."""
    plan = c.get(f"/v1/jobs/{job_id}/plan").json()
    (route,) = [r for r in plan["routes"] if r["volunteer_id"] == "V1"]
    url: str = route["manifest_url"]
    return url


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_volunteer_link_opens_its_manifest_and_nothing_else(world: World) -> None:
    """A route's manifest_url opens that volunteer's phone-friendly manifest without a key,
    is audited as the link, and is no key for anything else."""
    job = world.jobs["south"]
    with world.client(SOUTH_V) as c:
        url = _link_of(c, job)
        manifest = c.get(f"/v1/jobs/{job}/manifests/V1.html").text
    assert url.startswith(world.live.url + "/v1/links/")
    with httpx.Client(timeout=60) as anonymous:
        res = anonymous.get(url)
        assert res.status_code == 200 and res.text == manifest
        assert res.headers["cache-control"] == "no-store"
        assert 'name="viewport"' in res.text
        expect_error(anonymous.get(f"{world.live.url}/v1/jobs/{job}/plan"), 401, "UNAUTHORIZED")
    with world.client(_token(url)) as as_key:
        expect_error(as_key.get(f"/v1/jobs/{job}/plan"), 401, "UNAUTHORIZED")
    entry = _audit(world, actor=f"link:{job}/V1")[0]
    assert (entry["action"], entry["community"], entry["volunteer_id"]) == (
        "manifest",
        "south",
        "V1",
    )


def _payload(token: str) -> list[Any]:
    body = token.split(".")[0]
    data: list[Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return data


def _encode(payload: list[Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_tampered_foreign_and_expired_links_are_refused(world: World) -> None:
    """A link with a changed signature, another volunteer's or job's name, or a wrong
    secret is 404 NOT_FOUND; a correctly signed one past its expiry is 410 LINK_EXPIRED."""
    with world.client(SOUTH_V) as c:
        token = _token(_link_of(c, world.jobs["south"]))
    body, mac = token.split(".")
    job, version, _, expires = _payload(token)
    store = JobStore(world.url)
    secret = shared_secret(store.engine, "")
    store.dispose()
    forged = [
        f"{body}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}",
        f"{_encode([job, version, 'V2', expires])}.{mac}",
        f"{_encode([world.jobs['north'], version, 'V1', expires])}.{mac}",
        sign("not-the-secret", LinkClaim(job, version, "V1", expires)),
        body,
    ]
    with httpx.Client(base_url=world.live.url, timeout=60) as anonymous:
        for bad in forged:
            expect_error(anonymous.get(f"/v1/links/{bad}"), 404, "NOT_FOUND")
        old = sign(secret, LinkClaim(job, version, "V1", int(time.time()) - 1))
        expect_error(anonymous.get(f"/v1/links/{old}"), 410, "LINK_EXPIRED")
        assert anonymous.get(f"/v1/links/{token}").status_code == 200


def test_replan_and_renewal_revoke_links(world: World) -> None:
    """A newer plan of the same community and day revokes the old plan's links (410
    LINK_REVOKED) and carries working ones; renewing a plan's links revokes them too."""
    with world.client(NORTH_D) as c:
        old = _link_of(c, world.jobs["north"])
        assert httpx.get(old, timeout=60).status_code == 200
        new_job = c.post("/v1/jobs", json=community_request("north", 11)).json()["id"]
        assert wait_status(c, new_job, {"done", "failed"}, 300)["status"] == "done"
        expect_error(httpx.get(old, timeout=60), 410, "LINK_REVOKED")
        new = _link_of(c, new_job)
        assert httpx.get(new, timeout=60).status_code == 200
        assert c.delete(f"/v1/jobs/{new_job}/links").status_code == 200
        expect_error(httpx.get(new, timeout=60), 410, "LINK_REVOKED")
        renewed = _link_of(c, new_job)
        assert renewed != new and httpx.get(renewed, timeout=60).status_code == 200
