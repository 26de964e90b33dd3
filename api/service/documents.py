"""The JSON documents of jobs and batches (``JobOut``, ``BatchOut`` of
:mod:`api.service.schemas`), built from store records; times as ISO 8601 UTC."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from api.errors import ErrorBody
from api.i18n import Lang
from api.service.batches import BatchState, CommunityState
from api.service.db import FINAL, NO_PLAN_KINDS, SOLVE_KINDS, JobRecord


def iso_time(t: float | None) -> str | None:
    """Unix seconds as ``YYYY-MM-DDTHH:MM:SSZ`` (``None`` stays ``None``)."""
    if t is None:
        return None
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def manifest_link(base: str, volunteer_id: str) -> str:
    """The link of a volunteer's manifest under ``base``, the id percent-encoded."""
    return f"{base}/manifests/{quote(volunteer_id, safe='')}.html"


def artifact_links(base: str, volunteer_ids: tuple[str, ...]) -> dict[str, Any]:
    """Links of a finished plan's artifacts under ``base``: plan, routes, one manifest per
    volunteer."""
    return {
        "plan": f"{base}/plan",
        "routes": f"{base}/routes.geojson",
        "manifests": {v: manifest_link(base, v) for v in volunteer_ids},
    }


def _error(error: dict[str, Any] | None, language: Lang) -> dict[str, Any] | None:
    """A stored error as the caller reads it: told in ``language`` where its sentences
    are kept as catalog messages (errors stored before keep their English)."""
    return ErrorBody.from_dict(error).in_language(language).to_dict() if error else None


def job_out(job: JobRecord, language: Lang | None = None) -> dict[str, Any]:
    """The ``JobOut`` document of a job, its error in ``language`` (English by default)."""
    base = f"/v1/jobs/{job.id}"
    links: dict[str, Any] = {"self": base}
    if job.status == "done" and job.kind in SOLVE_KINDS:
        links["solution"] = f"{base}/solution"
    elif job.status == "done" and job.kind not in NO_PLAN_KINDS:
        links.update(artifact_links(base, job.volunteer_ids))
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "map": job.map_name,
        "date": job.plan_date,
        "households": job.households,
        "time_limit_s": job.time_limit_s,
        "created_at": iso_time(job.created_at),
        "started_at": iso_time(job.started_at),
        "finished_at": iso_time(job.finished_at),
        "attempts": job.attempts,
        "progress": {
            "stage": job.progress_stage,
            "message": job.progress_message,
            "fraction": job.progress_fraction,
        },
        "best_cost": job.best_cost,
        "error": _error(job.error, language or Lang()),
        "links": links,
        "community": job.community,
        "purged_at": iso_time(job.purged_at),
        "day_id": job.day_id,
        "version": job.version,
    }


def community_fraction(c: CommunityState) -> float:
    """Share of a community's work done, 0 to 1 (1 once it is final)."""
    return 1.0 if c.status in FINAL else max(0.0, min(1.0, c.fraction))


def community_out(batch_id: str, c: CommunityState, language: Lang | None = None) -> dict[str, Any]:
    """One entry of ``BatchOut.communities``, its error in ``language`` (English by
    default)."""
    links: dict[str, Any] = {}
    if c.job_id is not None:
        links["job"] = f"/v1/jobs/{c.job_id}"
    if c.status == "done":
        own = f"/v1/batches/{batch_id}/communities/{c.community_id}"
        links.update(artifact_links(own, c.volunteer_ids))
    return {
        "community_id": c.community_id,
        "status": c.status,
        "job_id": c.job_id,
        "tries": c.tries,
        "attempts": c.attempts,
        "failure": c.result.failure or None if c.result is not None else None,
        "error": _error(c.error, language or Lang()),
        "progress": {"stage": c.stage, "message": c.message, "fraction": community_fraction(c)},
        "result": asdict(c.result) if c.result is not None else None,
        "links": links,
    }


def batch_out(batch: BatchState, language: Lang | None = None) -> dict[str, Any]:
    """The ``BatchOut`` document of a batch, its communities' errors in ``language``."""
    counts = dict.fromkeys(("queued", "running", "done", "failed", "cancelled"), 0)
    for c in batch.communities:
        counts[c.status] += 1
    n = len(batch.communities)
    fraction = sum(community_fraction(c) for c in batch.communities) / n if n else 1.0
    return {
        "id": batch.id,
        "status": batch.status,
        "created_at": iso_time(batch.created_at),
        "finished_at": iso_time(batch.finished_at),
        "cancel_requested": batch.cancel_requested,
        "progress": {"communities": n, **counts, "fraction": round(fraction, 4)},
        "summary": batch.summary(),
        "communities": [community_out(batch.id, c, language) for c in batch.communities],
        "links": {"self": f"/v1/batches/{batch.id}"},
    }
