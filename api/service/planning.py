"""One plan request -> the same documents the CLI writes, through the one plan entry.

FastAPI-free: the HTTP request body (``{"map", "date", "households", "volunteers",
"depots", "options", "rules"}``, records with the CSV column names) becomes a ledger
(:func:`api.plan.ledger.ledger_from_json`) and a :class:`api.plan.request.PlanRequest`,
goes through :func:`api.plan.run.run_plan` over the map loaded once, and comes back as
``plan.json`` (:func:`api.outputs.document.plan_document`), ``routes.geojson`` and one HTML
manifest per volunteer, exactly as ``doorstep plan`` writes them. A re-plan job goes
through :func:`api.plan.replan.replan_day` as ``doorstep replan`` does
(:func:`replan_documents`), a validation through :func:`api.plan.validate.validate_document`
as ``doorstep check`` does (:func:`validation_report`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api.errors import ServiceError
from api.i18n import N_, Lang, Message, choose
from api.outputs.geojson import routes_geojson
from api.outputs.manifest import manifest_html
from api.outputs.svg import Streets
from api.plan.events import events_from_json
from api.plan.ledger import MODES, Ledger, ReadOptions, ledger_from_json, parse_clock
from api.plan.problem import PlanOptions
from api.plan.progress import Progress
from api.plan.replan import replan_day
from api.plan.request import PlanRequest
from api.plan.result import PlanResult
from api.plan.rules import DayRules
from api.plan.rules_file import rules_from_mapping
from api.plan.run import run_plan
from api.plan.travel import StreetTravel, load_street_travel
from api.plan.validate import validate_document
from api.settings import sheet_tiles
from geo.crs import parse_coord_system
from solver.errors import Detail

#: Share of a job's progress reached when each stage starts (the search takes the middle).
_STAGE_START = {
    "addresses": 0.02,
    "graph": 0.03,
    "matrix": 0.05,
    "solve": 0.10,
    "check": 0.92,
    "geometry": 0.95,
}
_SOLVE_SHARE = 0.80
#: Key of a stored plan request asking for volunteer suggestions (``POST /v1/suggest``).
SUGGEST = "suggest"
#: Key of a stored re-plan's plan, events and time (``POST /v1/jobs/{id}/replan``).
REPLAN = "replan"
#: Key of a stored validation's plan (``POST /v1/plans:validate``).
VALIDATE = "validate"


@dataclass(frozen=True, slots=True)
class JobProgress:
    """Progress of a running plan: stage, sentence, share done (0-1), best cost so far."""

    stage: str
    message: str
    fraction: float
    best_cost: int | None


@dataclass(frozen=True, slots=True)
class PlanDocuments:
    """What one plan produced: ``plan.json``, ``routes.geojson``, HTML manifest per volunteer."""

    plan: dict[str, Any]
    routes: dict[str, Any]
    manifests: dict[str, str]


class MapTravel:
    """The street graphs of one map for every travel mode, loaded once, with its addresses.

    Parameters
    ----------
    name
        The map's name in requests.
    path
        Its OSM file.
    """

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.travel: StreetTravel = load_street_travel(str(path), MODES)
        self._addresses: Any = None

    def addresses(self) -> Any:
        """The map's offline address index (built on first use)."""
        if self._addresses is None:
            from geo.cn_addresses import load_cn_address_index

            self._addresses = load_cn_address_index(self.path)
        return self._addresses

    def warm_up(self) -> None:
        """Run one tiny matrix per mode, so the first request pays no compilation."""
        g = next(iter(self.travel.graphs.values()))
        points = [(float(g.lon[0]), float(g.lat[0])), (float(g.lon[-1]), float(g.lat[-1]))]
        for mode in self.travel.modes():
            self.travel.matrices(mode, points)


def ledger_of(request: Mapping[str, Any]) -> Ledger:
    """The ledger of a request body (raises the ledger's typed error on bad records)."""
    return ledger_from_json(
        {
            "households": request.get("households", []),
            "volunteers": request.get("volunteers", []),
            "depots": request.get("depots", []),
            "coord_system": request.get("coord_system"),
        }
    )


def rules_of(request: Mapping[str, Any]) -> DayRules:
    """The day rules of a request body: its ``rules`` object over the defaults (raises
    ``RulesError``, code ``INVALID_RULES``, naming every bad key and value)."""
    return rules_from_mapping(request.get("rules") or {})


def manifest_language(options: Mapping[str, Any]) -> Lang:
    """The language of a request's manifests (``options.lang``; English when absent)."""
    try:
        return Lang(choose(options.get("lang") or "en"))
    except ValueError as exc:
        said = exc.args[0]  # the catalog's sentence, kept to be told in the reader's language
        raise ServiceError(
            "INVALID_REQUEST", said, [Detail("request", "options.lang", said)]
        ) from None


def plan_date(request: Mapping[str, Any]) -> dt.date:
    """The plan date of a request (``INVALID_REQUEST`` when not ``YYYY-MM-DD``)."""
    text = str(request.get("date", ""))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(
            "INVALID_REQUEST",
            Message(N_("the plan date must be YYYY-MM-DD")),
            [
                Detail(
                    "request",
                    "date",
                    Message(N_("not a date YYYY-MM-DD: %(text)s"), text=repr(text)),
                )
            ],
        ) from None


def loaded_map(request: Mapping[str, Any], maps: Mapping[str, MapTravel]) -> MapTravel:
    """The loaded map a request names (``UNKNOWN_MAP`` when this server has none such)."""
    name = str(request.get("map", "demo"))
    if name not in maps:
        raise ServiceError(
            "UNKNOWN_MAP",
            Message(
                N_("no map named %(name)s; this server has %(maps)s"),
                name=repr(name),
                maps=", ".join(sorted(maps)) or "-",
            ),
            [Detail("request", "map", Message(N_("unknown map %(name)s"), name=repr(name)))],
        )
    return maps[name]


def plan_request_of(request: Mapping[str, Any]) -> PlanRequest:
    """The :class:`PlanRequest` of a request body: ledger, date, rules and search options
    (raises the ledger's, the rules' or ``INVALID_REQUEST`` errors)."""
    date = plan_date(request)
    ledger = ledger_of(request)
    rules = rules_of(request)
    opts: Mapping[str, Any] = request.get("options") or {}
    balance = opts.get("balance", 2.0)
    return PlanRequest(
        ledger=ledger,
        date=date,
        rules=rules,
        options=PlanOptions(
            balance_factor=None if not balance else float(balance),
            fewest_volunteers=bool(opts.get("fewest_volunteers", False)),
        ),
        time_limit=float(opts.get("time_limit_s", 2.0)),
        seed=int(opts.get("seed", 0)),
        effort=None if opts.get("effort") is None else int(opts["effort"]),
        previous=opts.get("previous") or None,
        suggest=bool(request.get(SUGGEST, False)),
    )


def _addresses_for(plan: PlanRequest, loaded: MapTravel) -> Any:
    """The map's address index when some household of ``plan`` has no coordinates."""
    return loaded.addresses() if any(h.lon is None for h in plan.ledger.households) else None


def _reporter(
    time_limit: float, on_progress: Callable[[JobProgress], None] | None
) -> Callable[[Progress], None]:
    """A pipeline progress callback reporting :class:`JobProgress` to ``on_progress``."""
    began = time.monotonic()

    def say(event: Progress) -> None:
        if on_progress is None:
            return
        fraction = _STAGE_START.get(event.stage, 0.05)
        best = event.figures.get("best_cost")
        if event.stage == "solve":
            spent = time.monotonic() - began
            fraction += _SOLVE_SHARE * min(1.0, spent / max(time_limit, 0.1))
        on_progress(
            JobProgress(event.stage, event.message, fraction, None if best is None else int(best))
        )

    return say


def _documents(doc: dict[str, Any], result: PlanResult, language: Lang) -> PlanDocuments:
    """``plan.json``, ``routes.geojson`` and the manifests of a checked plan."""
    streets = Streets.of(result.streets)  # indexed once for every sheet's map
    return PlanDocuments(
        plan=doc,
        routes=routes_geojson(doc, result.geometry),
        manifests={
            r["volunteer_id"]: manifest_html(
                doc,
                r,
                result.geometry.get(r["volunteer_id"]),
                language,
                streets=streets,
                tiles=sheet_tiles(),
            )
            for r in doc["routes"]
        },
    )


def plan_documents(
    request: Mapping[str, Any],
    maps: Mapping[str, MapTravel],
    *,
    on_progress: Callable[[JobProgress], None] | None = None,
) -> PlanDocuments:
    """Plan one request over the loaded maps.

    Parameters
    ----------
    request
        The request body as JSON data (see ``docs/API.md``).
    maps
        Loaded maps by name.
    on_progress
        Called with each :class:`JobProgress`.

    Raises
    ------
    ServiceError
        ``UNKNOWN_MAP`` or ``INVALID_REQUEST``; the ledger, solver and geo errors pass
        through with their own codes (see :mod:`api.errors`).
    """
    loaded = loaded_map(request, maps)
    plan = plan_request_of(request)
    language = manifest_language(request.get("options") or {})
    run = run_plan(
        plan,
        travel=loaded.travel,
        addresses=_addresses_for(plan, loaded),
        progress=_reporter(plan.time_limit, on_progress),
    )
    return _documents(run.document, run.result, language)


def replan_documents(
    request: Mapping[str, Any],
    maps: Mapping[str, MapTravel],
    *,
    on_progress: Callable[[JobProgress], None] | None = None,
) -> PlanDocuments:
    """Re-plan a stored day at a time (a ``replan`` job): its request carries, under
    :data:`REPLAN`, the plan it replaces (``plan``), the day's events (``events``, the
    fields of ``events.csv``) and the time (``at``, ``HH:MM``); the new ``plan.json`` has
    ``replan`` (:func:`api.plan.replan.replan_day`), its runs traced along the streets.

    Raises
    ------
    EventsError
        ``INVALID_EVENTS``: an event that cannot be applied at that time.
    """
    loaded = loaded_map(request, maps)
    plan = plan_request_of(request)
    language = manifest_language(request.get("options") or {})
    what: Mapping[str, Any] = request[REPLAN]
    options = ReadOptions(parse_coord_system(str(request.get("coord_system") or "wgs84")))
    events = events_from_json(list(what.get("events", [])), options)
    say = _reporter(plan.time_limit, on_progress)
    new = replan_day(
        plan,
        what["plan"],
        events,
        parse_clock(str(what["at"])),
        travel=loaded.travel,
        addresses=_addresses_for(plan, loaded),
        progress=say,
    )
    return _documents(new.document, new.result, language)


def validation_report(request: Mapping[str, Any], maps: Mapping[str, MapTravel]) -> dict[str, Any]:
    """Every broken rule of the plan a ``validate`` job carries (under :data:`VALIDATE`) on
    the day of its request, without solving: ``{"ok", "violations": [{"code", "record",
    "message"}]}`` as ``doorstep check`` prints it."""
    loaded = loaded_map(request, maps)
    plan = plan_request_of(request)
    found = validate_document(
        plan, request[VALIDATE], travel=loaded.travel, addresses=_addresses_for(plan, loaded)
    )
    return {"ok": not found, "violations": [v.document() for v in found]}


def load_maps(paths: Mapping[str, Path], *, warm: bool = True) -> dict[str, MapTravel]:
    """Load every map's street graphs (every mode) once; optionally warm them up."""
    out = {name: MapTravel(name, path) for name, path in paths.items()}
    if warm:
        for m in out.values():
            m.warm_up()
    return out


def volunteer_modes() -> Sequence[str]:
    """The travel modes every map is loaded for."""
    return MODES
