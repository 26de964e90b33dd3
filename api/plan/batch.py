"""City-wide batches: every community's plan as one task on a Dask cluster.

A *manifest* CSV lists the communities, one a row::

    community_id,map,households,volunteers,depots,date
    kallio-3,maps/helsinki.osm.pbf,kallio-3/households.csv,kallio-3/volunteers.csv,kallio-3/depots.csv,2026-11-25

Paths are relative to the manifest's folder (absolute paths are kept); ``depots`` may be
empty. Each community is planned by exactly what ``doorstep plan`` runs
(:func:`api.plan.run.run_plan`, the one plan entry), into ``OUT/<community_id>/``, so its
folder holds the same files as a single plan. No command line or HTTP inside: failures come
back as typed exceptions, classified by the one error table (:mod:`api.errors`). A
community that fails never stops the others: its input faults
(missing files, a bad ledger, an unreadable map, a bad date) are reported at once; any
other failure (a crash, a lost worker, a plan the checker rejects) is retried once. The
batch ends with ``OUT/batch.json``: the city summary and one entry per community.

Entry points, each taking a manifest path or a list of :class:`Community` and returning a
:class:`BatchResult` (per-community results and ``summary()``): :func:`plan_batch` on a
given Dask client (the HTTP service's batch job can call it from a background thread,
following :class:`BatchProgress` events), and :func:`run_batch`, which opens the client
itself (a local cluster sized to the machine, or a running scheduler).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from api.errors import classify, exit_status
from api.i18n import DEFAULT, N_, Lang, Message, joined
from api.outputs.document import NOBODY_UNDER_OBSERVATION
from api.plan.budget import TimeCapError
from api.plan.problem import PlanOptions
from api.plan.request import PlanRequest
from api.plan.rules import DayRules
from api.plan.run import PlanRun, run_plan
from api.settings import COMMUNITY_ID as _SAFE_ID
from solver.errors import Detail

#: Columns every manifest must have (others are kept and ignored).
MANIFEST_COLUMNS = ("community_id", "map", "households", "volunteers", "depots", "date")

#: A community id becomes a folder name: letters, digits, ``-``, ``_`` and ``.`` only.


class ManifestError(ValueError):
    """The manifest cannot be used at all; ``details`` lists every fault (line and column)."""

    code = "INVALID_MANIFEST"

    def __init__(self, details: Sequence[Detail]) -> None:
        self.details: tuple[Detail, ...] = tuple(details)
        self.head = Message(N_("%(n)d problem(s) in the manifest:"), n=len(self.details))
        super().__init__(self.head + "\n" + "\n".join(f"- {d}" for d in self.details))


@dataclass(frozen=True, slots=True)
class Community:
    """One row of the manifest, with its paths resolved.

    Attributes
    ----------
    community_id
        Unique id; also the name of its output folder.
    map_file, households, volunteers, depots
        Input files (``depots`` may be ``None``).
    date
        Plan date, or ``None`` when the row's date is malformed (see ``fault``).
    line
        Line of the row in the manifest (the header is line 1; 0 when not from a file).
    fault
        Input fault found while reading the row (the community then fails alone).
    """

    community_id: str
    map_file: Path
    households: Path
    volunteers: Path
    depots: Path | None
    date: dt.date | None
    line: int = 0
    fault: str = ""


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """How every community of a batch is planned.

    Attributes
    ----------
    time_limit
        Seconds for each community's whole plan (map, matrices, search, checker,
        outputs), as ``doorstep plan --time-limit``.
    seed
        Search seed of every community.
    effort
        Improving-solution bound of each search (see :func:`solver.solve`); with it, a
        community's plan is the same in a batch as planned alone (when the time limit is
        not reached first).
    balance
        No run longer than this times the mean (``None``: off), as ``doorstep plan``.
    fewest
        Call out as few volunteers as possible.
    retries
        How many times a failure that is not the community's input is retried.
    community_limit
        Seconds one community may take in all (map, matrices, search, checker, outputs;
        ``None``: no cap). Its search gets at most what is left; a community still running
        past it stops at its next stage and fails alone as ``timeout`` (not retried),
        nothing written.
    rules
        The day rules of every community (``--rules``, docs/INPUTS.md).
    locale
        Language of every community's written pages and texts (a locale of
        :data:`api.i18n.LOCALES`), as ``doorstep plan --lang``.
    """

    time_limit: float = 10.0
    seed: int = 0
    effort: int | None = None
    balance: float | None = 2.0
    fewest: bool = False
    retries: int = 1
    community_limit: float | None = None
    rules: DayRules = field(default_factory=DayRules)
    locale: str = DEFAULT


@dataclass(frozen=True, slots=True)
class CommunityResult:
    """How one community's plan went.

    Attributes
    ----------
    community_id
        The community.
    ok
        A plan was written to its folder (possibly with unserved households).
    exit_code
        ``doorstep plan``'s exit status, when it ran to an end.
    failure
        ``""`` when ok; ``"input"`` (files, ledger, date), ``"map"``, ``"defect"`` (invalid
        routing problem or a plan the checker rejected), ``"crash"`` (an exception or a
        lost worker) or ``"timeout"`` (past the batch's ``community_limit``).
    error
        The error in words.
    attempts
        How many times it was tried.
    retryable
        Whether the failure may pass on a second try (not the community's input).
    households_served, households_unassigned
        Households on a run / under observation but not served.
    unassigned_by_reason
        Unserved households per reason code.
    volunteers_called, volunteers_available
        Volunteers with a run / listed.
    distance_m
        Metres of all runs.
    seconds
        Wall-clock seconds of the last attempt.
    """

    community_id: str
    ok: bool
    exit_code: int | None = None
    failure: str = ""
    error: str = ""
    attempts: int = 1
    retryable: bool = False
    households_served: int = 0
    households_unassigned: int = 0
    unassigned_by_reason: dict[str, int] = field(default_factory=dict)
    volunteers_called: int = 0
    volunteers_available: int = 0
    distance_m: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """One finished community (or a retry started) while the batch runs."""

    done: int
    total: int
    failed: int
    result: CommunityResult
    retrying: bool = False


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Every community's result, in manifest order, and where they were written."""

    out: Path
    communities: tuple[CommunityResult, ...]
    seconds: float

    def summary(self) -> dict[str, Any]:
        """The city summary: totals over the planned communities and the failures by name
        (:func:`city_summary`)."""
        return city_summary(self.communities, self.seconds)

    def document(self) -> dict[str, Any]:
        """``batch.json``: the summary and every community's result."""
        return {**self.summary(), "communities": [asdict(c) for c in self.communities]}


def city_summary(communities: Sequence[CommunityResult], seconds: float) -> dict[str, Any]:
    """The city summary of a batch, for ``batch.json``, the terminal and the HTTP service.

    Parameters
    ----------
    communities
        Every community's result (planned or failed), in batch order.
    seconds
        Wall-clock seconds of the whole batch.

    Returns
    -------
    dict
        ``{"totals": {...}, "failed": [...]}``: households served / unassigned (by
        reason), volunteers called and available, kilometres, over the planned
        communities only; every failed community with its failure class and error.
    """
    planned = [c for c in communities if c.ok]
    reasons: Counter[str] = Counter()
    for c in planned:
        reasons.update(c.unassigned_by_reason)
    failed = [c for c in communities if not c.ok]
    return {
        "totals": {
            "communities": len(communities),
            "planned": len(planned),
            "failed": len(failed),
            "households_served": sum(c.households_served for c in planned),
            "households_unassigned": sum(c.households_unassigned for c in planned),
            "unassigned_by_reason": dict(sorted(reasons.items())),
            "volunteers_called": sum(c.volunteers_called for c in planned),
            "volunteers_available": sum(c.volunteers_available for c in planned),
            "distance_km": round(sum(c.distance_m for c in planned) / 1000, 3),
            "seconds": round(seconds, 3),
        },
        "failed": [
            {
                "community_id": c.community_id,
                "failure": c.failure,
                "error": c.error,
                "attempts": c.attempts,
            }
            for c in failed
        ],
    }


def community_result_of(
    community_id: str,
    plan: dict[str, Any],
    *,
    exit_code: int | None = None,
    attempts: int = 1,
    seconds: float = 0.0,
) -> CommunityResult:
    """The result of a community planned into ``plan`` (its ``plan.json`` document).

    Parameters
    ----------
    community_id
        The community.
    plan
        Its ``plan.json`` (docs/OUTPUTS.md).
    exit_code
        ``doorstep plan``'s exit status, when the plan came from it.
    attempts
        How many times it was tried.
    seconds
        Wall-clock seconds of the attempt that planned it.
    """
    summary = plan["summary"]
    reasons = Counter(u["reason"] for u in plan["unassigned"])
    return CommunityResult(
        community_id=community_id,
        ok=True,
        exit_code=exit_code,
        attempts=attempts,
        households_served=int(summary["households_served"]),
        households_unassigned=int(summary["households_unassigned"]),
        unassigned_by_reason=dict(sorted(reasons.items())),
        volunteers_called=int(summary["volunteers_called"]),
        volunteers_available=int(summary["volunteers_available"]),
        distance_m=int(summary["distance_m"]),
        seconds=round(seconds, 3),
    )


#: Exit statuses of a written plan, as ``doorstep plan``: every household served, some
#: not, nobody under observation on the date.
EXIT_OK = 0
EXIT_UNSERVED = 3
EXIT_NOBODY = 8

#: Failure class of each ``doorstep plan`` exit status (docs/SCALE.md); others: ``crash``.
_FAILURE_OF_EXIT = {2: "input", 4: "input", 5: "map", 6: "defect", 7: "defect"}


def failure_class(exit_status: int | None) -> tuple[str, bool]:
    """The failure class of a community that failed with this exit status of
    ``doorstep plan`` (the ``exit`` column of ``api.errors.KINDS``), and whether it is
    retried: ``input`` and ``map`` never are, ``defect`` and ``crash`` are."""
    failure = _FAILURE_OF_EXIT.get(exit_status or 1, "crash")
    return failure, failure in ("defect", "crash")


# --------------------------------------------------------------------------- manifest


def read_manifest(path: Path | str) -> list[Community]:
    """Read the manifest; paths become relative to its folder.

    A malformed date, or a path column left empty, makes only that community fail (its
    ``fault``); a missing column, or an id that is empty, repeated or unusable as a
    folder name, makes the whole manifest unusable.

    Raises
    ------
    ManifestError
        Listing every such fault with line and column.
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        said = Message(N_("cannot be read: %(why)s"), why=exc.strerror or str(exc))
        raise ManifestError([Detail(name, "file", said)]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in MANIFEST_COLUMNS if c not in header]
    if missing:
        raise ManifestError(
            [Detail(_line(name, 1), c, Message(N_("required column missing"))) for c in missing]
        )
    base = path.parent
    out: list[Community] = []
    faults: list[Detail] = []
    seen: dict[str, int] = {}
    column = {c: header.index(c) + 1 for c in MANIFEST_COLUMNS}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        cid = row["community_id"]
        record = _line(name, line)
        col = column["community_id"]
        if not cid:
            said = Message(N_("column %(col)d: is empty"), col=col)
            faults.append(Detail(record, "community_id", said))
            continue
        if not _SAFE_ID.match(cid):
            said = Message(
                N_("column %(col)d: %(id)s is not a usable folder name"), col=col, id=repr(cid)
            )
            faults.append(Detail(record, "community_id", said))
            continue
        if cid in seen:
            said = Message(
                N_("column %(col)d: %(id)s repeats line %(line)d"),
                col=col,
                id=repr(cid),
                line=seen[cid],
            )
            faults.append(Detail(record, "community_id", said))
            continue
        seen[cid] = line
        problems: list[Message] = []
        for name_ in ("map", "households", "volunteers"):
            if not row[name_]:
                said = Message(
                    N_("column %(col)d (%(name)s): is empty"), col=column[name_], name=name_
                )
                problems.append(said)
        date: dt.date | None = None
        try:
            date = dt.date.fromisoformat(row["date"])
        except ValueError:
            said = Message(
                N_("column %(col)d (date): %(value)s is not a date YYYY-MM-DD"),
                col=column["date"],
                value=repr(row["date"]),
            )
            problems.append(said)
        out.append(
            Community(
                community_id=cid,
                map_file=base / row["map"],
                households=base / row["households"],
                volunteers=base / row["volunteers"],
                depots=base / row["depots"] if row["depots"] else None,
                date=date,
                line=line,
                fault=joined([_fault(record, p) for p in problems]),
            )
        )
    if faults:
        raise ManifestError(faults)
    return out


def communities_of(source: Path | str | Sequence[Community]) -> list[Community]:
    """The communities of a manifest file, or of a list built by the caller (e.g. a service).

    Raises
    ------
    ManifestError
        When the manifest is unusable, or a given list repeats an id or has one that is
        not a usable folder name.
    """
    if isinstance(source, (str, Path)):
        return read_manifest(source)
    communities = list(source)
    faults = id_faults((f"communities[{k}]", c.community_id) for k, c in enumerate(communities))
    if faults:
        raise ManifestError(faults)
    return communities


def id_faults(ids: Iterable[tuple[str, str]]) -> list[Detail]:
    """Faults of a batch's community ids given as ``(record, community_id)`` pairs: an id
    that is not a usable folder name, or repeats an earlier one (the rules of the
    manifest, also applied by the HTTP service)."""
    faults: list[Detail] = []
    seen: set[str] = set()
    for record, cid in ids:
        if not _SAFE_ID.match(cid):
            said = Message(N_("%(id)s is not a usable folder name"), id=repr(cid))
            faults.append(Detail(record, "community_id", said))
        elif cid in seen:
            faults.append(
                Detail(record, "community_id", Message(N_("%(id)s is repeated"), id=repr(cid)))
            )
        seen.add(cid)
    return faults


# --------------------------------------------------------------------------- one community


def _failed(community: Community, failure: str, error: str, *, retryable: bool) -> CommunityResult:
    return CommunityResult(
        community_id=community.community_id,
        ok=False,
        failure=failure,
        error=error,
        retryable=retryable,
    )


def _line(source: str, line: int) -> Message:
    """The record of a manifest line: ``communities.csv line 3``."""
    return Message(N_("%(source)s line %(line)d"), source=source, line=line)


def _fault(record: str, problem: str) -> Message:
    """A community's fault as one sentence: where, then what."""
    return Message(N_("%(record)s: %(problem)s"), record=record, problem=problem)


def _missing_files(community: Community) -> list[Message]:
    files = [
        ("map", community.map_file),
        ("households", community.households),
        ("volunteers", community.volunteers),
    ]
    if community.depots is not None:
        files.append(("depots", community.depots))
    return [
        Message(N_("%(column)s: no such file %(path)s"), column=col, path=str(p))
        for col, p in files
        if not p.is_file()
    ]


def plan_community(community: Community, out: str, settings: BatchSettings) -> CommunityResult:
    """Plan one community into ``out/<community_id>/`` exactly as ``doorstep plan`` does.

    Runs inside a Dask worker. Input faults, an unreadable map, a defect and a plan past
    the community limit come back as a failed result (classed by the error table); anything
    else raises, and the batch retries it.

    Parameters
    ----------
    community
        The manifest row.
    out
        The batch's output folder (a string, so any worker can use it).
    settings
        Search settings shared by the batch.
    """
    from api.plan.ledger import LedgerError, read_ledger

    t0 = time.monotonic()
    if community.fault:
        return _failed(community, "input", community.fault, retryable=False)
    missing = _missing_files(community)
    if missing:
        record = Message(N_("manifest line %(line)d"), line=community.line)
        return _failed(community, "input", _fault(record, joined(missing)), retryable=False)
    try:
        ledger = read_ledger(community.households, community.volunteers, community.depots)
    except LedgerError as exc:
        return _failed(community, "input", classify(exc).said(), retryable=False)
    assert community.date is not None  # a row without a date has a fault
    spent = time.monotonic() - t0
    request = PlanRequest(
        ledger=ledger,
        date=community.date,
        rules=settings.rules,
        options=PlanOptions(balance_factor=settings.balance, fewest_volunteers=settings.fewest),
        time_limit=settings.time_limit,
        time_cap=None if settings.community_limit is None else settings.community_limit - spent,
        seed=settings.seed,
        effort=settings.effort,
    )
    folder = Path(out) / community.community_id
    try:
        run = run_plan(
            request, map_file=community.map_file, out=folder, language=Lang(settings.locale)
        )
    except TimeCapError as exc:
        said = Message(
            N_(
                "still running after the community limit of %(limit)s s "
                "(stopped at stage '%(stage)s')"
            ),
            limit=f"{settings.community_limit:g}",
            stage=exc.stage,
        )
        return _failed(community, "timeout", said, retryable=False)
    except Exception as exc:  # an error with a code is this community's failure
        body = classify(exc)
        if body.code == "INTERNAL":
            raise  # a crash: the batch retries it
        code = exit_status(body)
        failure, retryable = failure_class(code)
        problem = body.said() if getattr(exc, "details", None) else body.message
        said = Message(N_("%(code)s: %(problem)s"), code=body.code, problem=problem)
        return replace(_failed(community, failure, said, retryable=retryable), exit_code=code)
    code = _plan_status(run)
    return community_result_of(
        community.community_id, run.document, exit_code=code, seconds=time.monotonic() - t0
    )


def _plan_status(run: PlanRun) -> int:
    """``doorstep plan``'s exit status of a written plan: 0, 3, or 8 (nobody under
    observation on the date: a warning, the plan is written)."""
    if any(w["code"] == NOBODY_UNDER_OBSERVATION for w in run.document["warnings"]):
        return EXIT_NOBODY
    return EXIT_OK if run.all_served else EXIT_UNSERVED


# --------------------------------------------------------------------------- the batch

PlanFn = Callable[[Community, str, BatchSettings], CommunityResult]


def plan_batch(
    manifest: Path | str | Sequence[Community],
    out: Path | str,
    settings: BatchSettings | None = None,
    *,
    client: Any,
    progress: Callable[[BatchProgress], None] | None = None,
    plan_fn: PlanFn = plan_community,
) -> BatchResult:
    """Plan every community of ``manifest`` on ``client``, one task each; write ``batch.json``.

    Parameters
    ----------
    manifest
        The manifest CSV (see the module notes), or the communities themselves (their
        paths absolute or relative to the workers' working folder).
    out
        Output folder: ``out/<community_id>/`` per community and ``out/batch.json``.
    settings
        How every community is planned.
    client
        A ``distributed.Client``; its workers must see the input and output paths.
    progress
        Called after each community finishes (and when a retry starts).
    plan_fn
        The task run per community (default :func:`plan_community`; a picklable,
        importable function of the same signature).

    Returns
    -------
    BatchResult
        Results in manifest order.

    Raises
    ------
    ManifestError
        When the manifest itself is unusable (nothing is planned then).
    """
    from api.plan.cluster import _distributed

    dist = _distributed()
    started = time.monotonic()
    settings = settings or BatchSettings()
    communities = communities_of(manifest)
    out_dir = Path(out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:8]

    def submit(c: Community, attempt: int) -> Any:
        key = f"plan-{c.community_id}-{attempt}-{token}"
        return client.submit(plan_fn, c, str(out_dir), settings, key=key, pure=False)

    meta: dict[str, tuple[Community, int]] = {}
    futures = []
    for c in communities:
        f = submit(c, 1)
        meta[f.key] = (c, 1)
        futures.append(f)
    results: dict[str, CommunityResult] = {}
    failed = 0
    queue = dist.as_completed(futures)
    for fut in queue:
        community, attempt = meta.pop(fut.key)
        try:
            res: CommunityResult = fut.result()
        except Exception as exc:  # the task raised, or its worker was lost
            res = _failed(community, "crash", f"{type(exc).__name__}: {exc}", retryable=True)
        fut.release()
        res = replace(res, attempts=attempt)
        if not res.ok and res.retryable and attempt <= settings.retries:
            again = submit(community, attempt + 1)
            meta[again.key] = (community, attempt + 1)
            queue.add(again)
            if progress is not None:
                progress(BatchProgress(len(results), len(communities), failed, res, True))
            continue
        results[community.community_id] = res
        failed += 0 if res.ok else 1
        if progress is not None:
            progress(BatchProgress(len(results), len(communities), failed, res))
    batch = BatchResult(
        out=out_dir,
        communities=tuple(results[c.community_id] for c in communities),
        seconds=time.monotonic() - started,
    )
    (out_dir / "batch.json").write_text(
        json.dumps(batch.document(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return batch


def run_batch(
    manifest: Path | str | Sequence[Community],
    out: Path | str,
    settings: BatchSettings | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    memory_limit: str | int = "auto",
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchResult:
    """:func:`plan_batch` on its own client: a running ``scheduler``, or a local cluster.

    Parameters
    ----------
    scheduler
        ``tcp://HOST:8786`` of a running Dask scheduler; ``None``: a ``LocalCluster`` of
        ``workers`` processes (default one per core), closed at the end.
    """
    from api.plan.cluster import open_client

    communities = communities_of(manifest)  # an unusable manifest fails before any cluster
    with open_client(scheduler, workers=workers, memory_limit=memory_limit) as client:
        return plan_batch(communities, out, settings, client=client, progress=progress)
