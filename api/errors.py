"""The one error contract of Doorstep, for HTTP and the command line alike.

Every error a user can cause leaves by one shape::

    {"code": "INVALID_LEDGER", "message": "...",
     "details": [{"record": "households item 3 (household_id 'H3')", "field": "lat",
                  "problem": "latitude out of range: 91.0"}]}

with a stable ``code`` that fixes its HTTP status and the CLI's exit status. This module is
the single home of that mapping (:data:`KINDS`). Exceptions carry their code as a class
attribute ``code`` (``solver.ProblemValidationError``, ``geo``'s errors, the ledger's
``LedgerError``, the pipeline's ``PlanCheckError``, :class:`ServiceError` for request
errors); :func:`classify` turns any exception into an :class:`ErrorBody`, and anything
without a known code is an ``INTERNAL`` error whose message reveals nothing of the inside.
The table is printed in ``docs/API.md``. (:class:`solver.errors.Detail` is imported
where it is used: the solver package loads OR-Tools and numba, which the commands that
only report errors, such as ``keys``, do not need.)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from api.i18n import N_, Lang, Message, restored, stored

if TYPE_CHECKING:
    from solver.errors import Detail


@dataclass(frozen=True, slots=True)
class ErrorKind:
    """One stable error code: its HTTP status, CLI exit status and meaning.

    Attributes
    ----------
    code
        Stable machine-readable code.
    http_status
        Status of an HTTP response carrying it (``None``: never an HTTP response, e.g.
        recorded on a failed job only, or a command-line matter).
    exit_status
        Exit status of a ``doorstep`` command failing with it (``None``: HTTP only).
    meaning
        One sentence for the documentation.
    """

    code: str
    http_status: int | None
    exit_status: int | None
    meaning: str


_KINDS = (
    ErrorKind(
        "INVALID_REQUEST",
        422,
        2,
        "The request (body, path, query) or the command-line usage is malformed; "
        "details name each field.",
    ),
    ErrorKind(
        "INVALID_LEDGER",
        422,
        4,
        "Household, volunteer or depot records are invalid; every bad record and field is "
        "listed at once.",
    ),
    ErrorKind(
        "INVALID_RULES",
        422,
        4,
        "The day rules (a --rules file or a request's rules object) cannot be used: every "
        "unknown key and bad value is named with its file and key.",
    ),
    ErrorKind(
        "INVALID_EVENTS",
        422,
        4,
        "The day's events (events.csv or a request's events) cannot be used, or cannot be "
        "applied at the re-plan time; every bad row and field is named at once.",
    ),
    ErrorKind(
        "INVALID_MANIFEST",
        422,
        4,
        "A batch's list of communities cannot be used (a community id empty, repeated or not "
        "a folder name; a manifest column missing); every fault is listed at once.",
    ),
    ErrorKind(
        "UNKNOWN_MAP",
        422,
        5,
        "The request names a map this server does not serve (see GET /v1/maps).",
    ),
    ErrorKind(
        "MAP_SOURCE",
        503,
        5,
        "The street map cannot be read (missing file, unknown format, corrupt data).",
    ),
    ErrorKind("EMPTY_GRAPH", 422, 5, "The map holds no street usable by a requested travel mode."),
    ErrorKind("UNKNOWN_PROFILE", 422, 5, "An unknown travel mode or profile setting."),
    ErrorKind(
        "INVALID_POINT",
        422,
        5,
        "A point given to the street layer is invalid (names the point and field).",
    ),
    ErrorKind(
        "INVALID_PROBLEM",
        422,
        6,
        "The routing problem built from valid records is still invalid (record and field named).",
    ),
    ErrorKind(
        "PLAN_REJECTED",
        500,
        7,
        "The independent checker rejected a plan: a defect, never the caller's fault.",
    ),
    ErrorKind(
        "PLAN_TOO_LARGE",
        413,
        4,
        "Too many households or too long a search for a synchronous plan (use POST /v1/jobs), "
        "a job, or a batch community; too many communities in a batch; or street matrices "
        "needing more memory than DOORSTEP_MATRIX_MAX_BYTES (the figure is named).",
    ),
    ErrorKind(
        "PAYLOAD_TOO_LARGE", 413, None, "The request body is larger than the server accepts."
    ),
    ErrorKind(
        "UNAUTHORIZED",
        401,
        None,
        "No API key, or an unknown, expired or revoked one (send Authorization: Bearer KEY).",
    ),
    ErrorKind(
        "FORBIDDEN",
        403,
        None,
        "The API key's role or scope may not do this (viewers only read; a community's key "
        "acts for its community only; some reads need a city-wide key).",
    ),
    ErrorKind("NOT_FOUND", 404, None, "No such job, batch, community, volunteer, map or path."),
    ErrorKind("METHOD_NOT_ALLOWED", 405, None, "The path exists but not with this HTTP method."),
    ErrorKind(
        "PURGED",
        410,
        None,
        "The job's personal data were purged after DOORSTEP_RETAIN_DAYS; its figures remain.",
    ),
    ErrorKind(
        "LINK_EXPIRED",
        410,
        None,
        "The volunteer link is past its expiry (DOORSTEP_LINK_HOURS after its plan was done).",
    ),
    ErrorKind(
        "LINK_REVOKED",
        410,
        None,
        "The volunteer link was withdrawn: its plan was replaced by a newer one of the same "
        "community and day, its links were renewed, or its data were purged.",
    ),
    ErrorKind(
        "JOB_NOT_DONE",
        409,
        None,
        "The job (or batch community) has no plan (yet): it is queued, running, failed or "
        "cancelled.",
    ),
    ErrorKind(
        "JOB_FINISHED",
        409,
        None,
        "The job or batch already ended (done or failed) and cannot be cancelled.",
    ),
    ErrorKind(
        "BUSY",
        503,
        None,
        "A synchronous plan did not finish in time; it goes on as the job named in the message.",
    ),
    ErrorKind(
        "NOT_READY", 503, None, "The service is starting or lost its database or solver processes."
    ),
    ErrorKind(
        "INVALID_SETTING",
        None,
        2,
        "A DOORSTEP_* setting of the server is malformed (names the variable); "
        "`doorstep serve` does not start.",
    ),
    ErrorKind(
        "INTERRUPTED",
        None,
        None,
        "Recorded on a failed job: the server stopped while solving it too many times.",
    ),
    ErrorKind(
        "JOB_STALLED",
        503,
        None,
        "A job's solver process stopped reporting for longer than the job's search time "
        "plus DOORSTEP_JOB_WATCHDOG_S; the process was ended and replaced.",
    ),
    ErrorKind("INTERNAL", 500, 1, "An unexpected error (a defect); the server log has the trace."),
)

#: Every error code, by code.
KINDS: dict[str, ErrorKind] = {k.code: k for k in _KINDS}


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The error shape ``{"code", "message", "details"}`` of HTTP responses and the CLI."""

    code: str
    message: str
    details: tuple[Detail, ...] = field(default=())

    @property
    def kind(self) -> ErrorKind:
        """The :class:`ErrorKind` of this code."""
        return KINDS[self.code]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this error."""
        return {
            "code": self.code,
            "message": self.message,
            "details": [
                {"record": d.record, "field": d.field, "problem": d.problem} for d in self.details
            ],
        }

    def to_stored(self) -> dict[str, Any]:
        """The JSON object of this error as a store keeps it: :meth:`to_dict` plus
        ``said``, its message and each detail's record and problem as catalog messages
        with their values (:func:`api.i18n.stored`), so :meth:`from_dict` rebuilds an
        error that can be told in the reader's language."""
        said = {
            "message": stored(self.message),
            "details": [
                {"record": stored(d.record), "problem": stored(d.problem)} for d in self.details
            ],
        }
        return {**self.to_dict(), "said": said}

    def in_language(self, language: Lang) -> ErrorBody:
        """This error with its message, records and problems in ``language`` (those built
        from the catalogs; code and field names stay as they are, for machines)."""
        from solver.errors import Detail  # where used: see the module notes

        details = tuple(
            Detail(language.text(d.record), d.field, language.text(d.problem)) for d in self.details
        )
        return ErrorBody(self.code, language.text(self.message), details)

    def said(self) -> str:
        """The error for people, its message then one line per detail, as a catalog
        sentence: told in any language later (:meth:`api.i18n.Lang.text`), English as a
        ``str``."""
        text: str = self.message
        for d in self.details:
            line = Message(
                N_("- %(record)s, field %(field)s: %(problem)s"),
                record=d.record,
                field=repr(d.field),
                problem=d.problem,
            )
            text = Message(N_("%(first)s\n%(then)s"), first=text, then=line)
        return text

    def text(self, language: Lang) -> str:
        """The error for people: its message, then one line per detail, in ``language``."""
        return language.text(self.said())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorBody:
        """Rebuild an error from its JSON object (e.g. one stored with a failed job): its
        sentences as catalog messages where :meth:`to_stored` kept them, else (an error
        stored before, or its English changed since) the English stored."""
        from solver.errors import Detail  # where used: see the module notes

        said = data.get("said")
        said = said if isinstance(said, dict) else {}
        kept = said.get("details")
        kept = kept if isinstance(kept, list) else []
        details = []
        for i, d in enumerate(data.get("details", [])):
            told = kept[i] if i < len(kept) and isinstance(kept[i], dict) else {}
            record, problem = str(d.get("record", "")), str(d.get("problem", ""))
            details.append(
                Detail(
                    restored(told.get("record"), record),
                    str(d.get("field", "")),
                    restored(told.get("problem"), problem),
                )
            )
        code = str(data.get("code", "INTERNAL"))
        message = restored(said.get("message"), str(data.get("message", "")))
        return cls(code if code in KINDS else "INTERNAL", message, tuple(details))


class ServiceError(Exception):
    """An error of a request itself (auth, limits, unknown job...), with its stable code.

    Parameters
    ----------
    code
        One of :data:`KINDS`.
    message
        A sentence for the caller (never containing a secret).
    details
        Record/field/problem triples, if any.
    """

    def __init__(self, code: str, message: str, details: Iterable[Detail] = ()) -> None:
        if code not in KINDS:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.message = message
        self.details: tuple[Detail, ...] = tuple(details)
        super().__init__(message)


def _details_of(exc: BaseException) -> tuple[Detail, ...]:
    from solver.errors import Detail  # where used: see the module notes

    details = getattr(exc, "details", None)
    if isinstance(details, Sequence) and all(isinstance(d, Detail) for d in details):
        return tuple(details)
    record = getattr(exc, "record", "")
    if isinstance(record, str) and record:
        field_ = getattr(exc, "field", "")
        return (Detail(record, field_ if isinstance(field_, str) else "", _told(exc)),)
    return ()


def _told(exc: BaseException) -> str:
    """The sentence of an error naming its ``record`` (and ``field``) and its ``problem``
    (the street layer's errors): from the catalogs, so it can be told in any language
    (the problem as the error gives it); else the error's own text."""
    record, field_, problem = (getattr(exc, k, None) for k in ("record", "field", "problem"))
    if not (isinstance(record, str) and record and isinstance(problem, str)):
        return str(exc)
    if isinstance(field_, str) and field_:
        return Message(
            N_("%(record)s, field %(field)s: %(problem)s"),
            record=record,
            field=repr(field_),
            problem=problem,
        )
    return Message(N_("%(record)s: %(problem)s"), record=record, problem=problem)


def classify(exc: BaseException) -> ErrorBody:
    """The :class:`ErrorBody` of any exception.

    An exception whose class declares a known ``code`` keeps it (with its message and its
    ``details`` or ``record``/``field``); anything else is ``INTERNAL`` with a generic
    message, so no internal text leaks to a caller.
    """
    from solver.errors import ProblemValidationError  # where used: see the module notes

    if isinstance(exc, ServiceError):
        return ErrorBody(exc.code, exc.message, exc.details)
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code in KINDS and code != "INTERNAL":
        head = getattr(exc, "head", None)
        if isinstance(head, Message):
            message: str = head
        elif isinstance(exc, ProblemValidationError):
            message = Message(N_("%(n)d problem(s) in the input:"), n=len(exc.details))
        elif isinstance(said := _told(exc), Message):
            message = said
        else:
            message = str(exc).split("\n", 1)[0] if _details_of(exc) else str(exc)
        return ErrorBody(code, message, _details_of(exc))
    return ErrorBody("INTERNAL", Message(N_("unexpected error; the server log has the details")))


def as_service_error(exc: BaseException) -> BaseException:
    """``exc`` as a :class:`ServiceError` when it has a known code (else ``exc`` itself),
    so web frameworks answer it as a plain error response."""
    body = classify(exc)
    if body.code == "INTERNAL":
        return exc
    return ServiceError(body.code, body.message, body.details)


def http_status(body: ErrorBody) -> int:
    """HTTP status of an error (500 for codes that are never HTTP responses)."""
    return body.kind.http_status or 500


def exit_status(body: ErrorBody) -> int:
    """CLI exit status of an error (1 for codes that have none of their own)."""
    return body.kind.exit_status or 1


def report_cli_error(
    exc: BaseException, *, stream: TextIO | None = None, language: Lang | None = None
) -> int:
    """Write the error shape of ``exc`` as one JSON line (the last line a failing
    ``doorstep`` command writes on stderr; message and problems in ``language``, English by
    default) and return the command's exit status."""
    body = classify(exc).in_language(language or Lang())
    print(json.dumps(body.to_dict(), ensure_ascii=False), file=stream or sys.stderr)
    return exit_status(body)
