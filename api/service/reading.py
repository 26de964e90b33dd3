"""Reads of personal data: a plan, its routes, a volunteer's manifest, each through the
reader's scope (another community's job is ``NOT_FOUND``), refused once purged
(``PURGED``), and written to the audit (:mod:`api.service.audit`). A plan's routes carry
their volunteer links here (:mod:`api.service.volunteer_links`)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from api.errors import ServiceError
from api.i18n import N_, Message
from api.service.db import JobRecord
from api.service.state import Service
from api.service.volunteer_links import LinkClaim, sign, verify


def readable_job(service: Service, job_id: str, community: str | None) -> JobRecord:
    """Job ``job_id`` as a reader of ``community`` (``None``: city-wide) may read it:
    ``NOT_FOUND`` when it is another community's, ``PURGED`` when its personal data are
    gone."""
    job = service.store.get(job_id, community=community)
    if job.purged_at is not None:
        raise ServiceError(
            "PURGED",
            Message(
                N_(
                    "job %(job)s's personal data were purged after DOORSTEP_RETAIN_DAYS; "
                    "its figures remain in the job and its batch"
                ),
                job=job_id,
            ),
        )
    return job


def link_claim(service: Service, job: JobRecord, volunteer_id: str) -> LinkClaim:
    """The claim of the volunteer link of ``volunteer_id`` in done job ``job``: its plan
    version, expiring ``DOORSTEP_LINK_HOURS`` after the plan was done."""
    hours = service.settings.link_hours
    expires = int((job.finished_at or time.time()) + hours * 3600.0)
    return LinkClaim(job.id, job.links_version, volunteer_id, expires)


def manifest_url(service: Service, job: JobRecord, volunteer_id: str, base_url: str) -> str:
    """The volunteer link of ``volunteer_id`` in ``job`` under the server's public address
    (``DOORSTEP_PUBLIC_URL``), else under ``base_url`` (the address the request came to)."""
    token = sign(service.link_secret, link_claim(service, job, volunteer_id))
    base = service.settings.public_url or base_url
    return f"{base.rstrip('/')}/v1/links/{quote(token, safe='')}"


def with_manifest_urls(
    service: Service, job: JobRecord, plan: dict[str, Any], base_url: str
) -> dict[str, Any]:
    """``plan`` with each route's ``manifest_url`` (routes of volunteers with a manifest)."""
    for route in plan.get("routes", []):
        vid = route.get("volunteer_id")
        if isinstance(vid, str) and vid in job.volunteer_ids:
            route["manifest_url"] = manifest_url(service, job, vid, base_url)
    return plan


def read_plan(
    service: Service, job_id: str, *, actor: str, community: str | None, base_url: str
) -> str:
    """The ``plan.json`` text of a done job with its volunteer links (audited)."""
    job = readable_job(service, job_id, community)
    plan = with_manifest_urls(service, job, json.loads(service.store.plan(job_id)), base_url)
    service.audit.record(actor, "plan", job_id=job.id, community=job.community)
    return json.dumps(plan, ensure_ascii=False)


def read_routes(service: Service, job_id: str, *, actor: str, community: str | None) -> str:
    """The ``routes.geojson`` text of a done job (audited)."""
    job = readable_job(service, job_id, community)
    text = service.store.routes(job_id)
    service.audit.record(actor, "routes", job_id=job.id, community=job.community)
    return text


def read_manifest(
    service: Service, job_id: str, volunteer_id: str, *, actor: str, community: str | None
) -> str:
    """The HTML manifest of one volunteer of a done job (audited)."""
    job = readable_job(service, job_id, community)
    html = service.store.manifest(job_id, volunteer_id)
    service.audit.record(
        actor, "manifest", job_id=job.id, community=job.community, volunteer_id=volunteer_id
    )
    return html


def _revoked(why: Message) -> ServiceError:
    said = Message(N_("this link was withdrawn: %(why)s; ask the dispatcher"), why=why)
    return ServiceError("LINK_REVOKED", said)


def read_link(service: Service, token: str) -> str:
    """The manifest a volunteer link opens (audited as the link): ``NOT_FOUND`` for a
    malformed or tampered token, ``LINK_EXPIRED`` past its expiry, ``LINK_REVOKED`` when
    its plan was replaced, its links revoked or its data purged."""
    claim = verify(service.link_secret, token, time.time())
    job = service.store.get(claim.job_id)
    if job.purged_at is not None:
        raise _revoked(Message(N_("the plan's personal data were purged")))
    if job.status != "done":
        raise _revoked(Message(N_("the plan is %(status)s"), status=job.status))
    if job.links_version != claim.version:
        raise _revoked(Message(N_("the plan's links were renewed")))
    if service.store.newer_plan(job) is not None:
        raise _revoked(Message(N_("a newer plan of the same day replaced it")))
    html = service.store.manifest(job.id, claim.volunteer_id)
    service.audit.record(
        claim.actor,
        "manifest",
        job_id=job.id,
        community=job.community,
        volunteer_id=claim.volunteer_id,
    )
    return html
