"""``doorstep solve``: solve a benchmark instance file or a generated one, check, print.

The plan is always checked by the independent checker (:func:`solver.check.check`) and
the verdict is printed with it. Costs are printed in the instance family's customary
convention (see :mod:`api.instances`).
"""

from __future__ import annotations

import json
import time
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.cli.options import Effort, Language, cli_console, language_of
from api.i18n import N_, Lang
from api.instances import Instance, InstanceFormatError, InstanceKind, generate_vrptw, read_instance
from api.outputs.labels import why_sentence
from solver import ProblemValidationError, Solution, check
from solver.check import CheckReport
from solver.diagnose import clock


class ExitCode(IntEnum):
    """Exit statuses of ``doorstep solve``."""

    OK = 0
    PLAN_REJECTED = 1
    USAGE = 2
    FILE_UNREADABLE = 3
    FILE_MALFORMED = 4
    INVALID_PROBLEM = 5


_HELP = """Solve a Solomon (.txt) or VRPLIB CVRP (.vrp) instance, or a generated one.

The plan is checked by the independent checker. Costs use the file family's convention: Solomon = sum of Euclidean x10 truncated per arc, divided by 10 (one decimal); CVRPLIB = sum of Euclidean rounded per arc (integer). Customer ids are the file's own numbers.

With --json, exactly one JSON object is printed: {"instance", "cost", "routes": \\[\\[ids]], "unassigned": \\[ids], "feasible", "seconds"}; feasible is true when the checker accepts the plan and no customer is unassigned.

Exit status:
0 = a plan was printed and the checker accepted it (customers may be unassigned, see "feasible");
1 = a plan was printed but the checker rejected it (a defect; violations on stderr);
2 = wrong usage (for example both PATH and --generate, or neither);
3 = the instance file is missing or cannot be read;
4 = the instance file is malformed (the message names file, line and field);
5 = the instance does not make a valid problem (record and field named).
"""  # noqa: E501


_CONVENTION = {
    InstanceKind.SOLOMON: N_("Euclidean x10 truncated per arc, / 10"),
    InstanceKind.GENERATED: N_("metres, straight line rounded per arc"),
    InstanceKind.CVRP: N_("Euclidean rounded per arc"),
}

#: The columns of the routes table.
_ROUTE_COLUMNS = (
    ("#", "right"),
    (N_("vehicle"), "left"),
    (N_("stops"), "right"),
    (N_("load"), "right"),
    (N_("distance"), "right"),
    (N_("out-back"), "right"),
    (N_("customers in visiting order"), "left"),
)


def _fail(code: ExitCode, message: str, language: Lang) -> typer.Exit:
    typer.echo(language.gettext("doorstep solve: %(problem)s", problem=message), err=True)
    return typer.Exit(int(code))


def _load(path: Path | None, generate: int | None, seed: int, language: Lang) -> Instance:
    if (path is None) == (generate is None):
        said = language.gettext("give either an instance PATH or --generate N, not both")
        raise _fail(ExitCode.USAGE, said, language)
    try:
        if generate is not None:
            if generate < 1:
                said = language.gettext(
                    "--generate needs at least 1 customer, got %(n)d", n=generate
                )
                raise _fail(ExitCode.USAGE, said, language)
            return generate_vrptw(generate, seed=seed)
        assert path is not None
        return read_instance(path)
    except InstanceFormatError as exc:
        code = ExitCode.FILE_UNREADABLE if exc.field in ("path", "encoding") else None
        raise _fail(code or ExitCode.FILE_MALFORMED, language.text(exc.said), language) from None
    except ProblemValidationError as exc:
        raise _fail(ExitCode.INVALID_PROBLEM, f"{path}: {exc}", language) from None


def result_json(
    instance: Instance, solution: Solution, report: CheckReport, seconds: float
) -> dict[str, Any]:
    """The ``--json`` object of one solve (see the command's help for the fields)."""
    return {
        "instance": instance.name,
        "cost": instance.customary_cost(solution.cost),
        "routes": instance.file_routes(solution),
        "unassigned": instance.file_unassigned(solution),
        "feasible": report.ok and not solution.unassigned,
        "seconds": round(seconds, 3),
    }


def _distance(instance: Instance, internal: int) -> str:
    if instance.kind is InstanceKind.GENERATED:
        return f"{internal / 1000:.1f} km"
    return str(instance.customary_cost(internal))


def _times(instance: Instance, start: int, end: int) -> str:
    if instance.kind is InstanceKind.GENERATED:
        return f"{clock(start - start % 60)}-{clock(end - end % 60)}"
    return f"{instance.customary_cost(start)} - {instance.customary_cost(end)}"


def _styled(text: str, part: str, style: str) -> Text:
    """``text`` with ``part`` in ``style`` (the console reads no markup)."""
    out = Text(text)
    out.highlight_words([part], style)
    return out


def _print_table(
    console: Console,
    instance: Instance,
    solution: Solution,
    report: CheckReport,
    seconds: float,
    language: Lang,
) -> None:
    lang = language
    p = instance.problem
    served = sum(len(r.visits) for r in solution.routes)
    vehicles = p.vehicle_index()
    head = lang.gettext(
        "%(name)s (%(kind)s): %(customers)d customers, %(vehicles)d vehicles of capacity "
        "%(capacity)d %(unit)s",
        name=instance.name,
        kind=instance.kind.value,
        customers=len(p.stops),
        vehicles=len(p.vehicles),
        capacity=p.vehicles[0].capacity[0],
        unit=p.dimensions[0],
    )
    console.print(_styled(head, instance.name, "bold"))
    if instance.kind is InstanceKind.GENERATED:
        console.print(
            lang.gettext(
                "Random customers in a 10 km x 10 km town (straight-line travel at 25 km/h), "
                "each with a delivery window; every 100th is impossible on purpose, to show "
                "how unserved customers are reported."
            )
        )
    table = Table(title=lang.gettext("Routes"), show_lines=False)
    for name, justify in _ROUTE_COLUMNS:
        table.add_column(lang.gettext(name), justify=justify)  # type: ignore[arg-type]
    for k, (route, ids) in enumerate(
        zip(solution.routes, instance.file_routes(solution), strict=True), 1
    ):
        capacity = p.vehicles[vehicles[route.vehicle_id]].capacity[0]
        table.add_row(
            str(k),
            route.vehicle_id,
            str(len(route.visits)),
            f"{route.load[0]}/{capacity}",
            _distance(instance, route.distance),
            _times(instance, route.start_time, route.end_time),
            " ".join(map(str, ids)),
        )
    console.print(table)
    if solution.unassigned:
        missing = Table(title=lang.gettext("Customers not served"))
        missing.add_column(lang.gettext("customer"), justify="right")
        missing.add_column(lang.gettext("reason"))
        missing.add_column(lang.gettext("why"))
        for u in solution.unassigned:
            missing.add_row(
                u.stop_id,
                u.reason.value,
                why_sentence(u.reason.value, u.message, dict(u.facts), lang),
            )
        console.print(missing)
    console.print(
        lang.gettext(
            "Served %(served)d of %(customers)d customers on %(routes)d routes; %(unserved)d "
            "not served.",
            served=served,
            customers=len(p.stops),
            routes=len(solution.routes),
            unserved=len(solution.unassigned),
        )
    )
    cost = instance.customary_cost(solution.cost)
    convention = lang.gettext(_CONVENTION[instance.kind])
    if instance.kind is InstanceKind.GENERATED:
        said = lang.gettext(
            "Cost: %(cost)s = %(km)s (total distance; %(convention)s)",
            cost=cost,
            km=_distance(instance, solution.cost),
            convention=convention,
        )
    else:
        said = lang.gettext(
            "Cost: %(cost)s (total distance; %(convention)s)", cost=cost, convention=convention
        )
    console.print(said)
    if report.ok:
        accepted = lang.gettext("plan accepted")
        said = lang.gettext("Checker: %(verdict)s (every rule recomputed)", verdict=accepted)
        console.print(_styled(said, accepted, "green"))
    else:
        rejected = lang.gettext("plan REJECTED")
        said = lang.gettext(
            "Checker: %(verdict)s, %(n)d violation(s)", verdict=rejected, n=len(report.violations)
        )
        console.print(_styled(said, rejected, "red"))
        for v in report.violations[:20]:
            console.print(f"  - {v}")
    console.print(lang.gettext("Solved in %(s)s s.", s=lang.number(seconds, 2)))


def solve_command(
    path: Annotated[
        Path | None,
        typer.Argument(help="Solomon .txt or VRPLIB .vrp instance file.", show_default=False),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock limit of the search, seconds.")
    ] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed (search and --generate).")] = 0,
    effort: Effort = None,
    workers: Annotated[int, typer.Option(help="Parallel searches (use the cores).")] = 1,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    generate: Annotated[
        int | None,
        typer.Option(
            "--generate", metavar="N", help="Solve a random VRPTW with N customers instead."
        ),
    ] = None,
    lang: Language = "en",
) -> None:
    """Solve an instance and print the checked plan."""
    from solver.solve import solve

    language = language_of(lang, cli_console())
    instance = _load(path, generate, seed, language)
    if time_limit <= 0:
        said = language.gettext("--time-limit must be positive, got %(s)s", s=str(time_limit))
        raise _fail(ExitCode.USAGE, said, language)
    began = time.perf_counter()
    solution = solve(
        instance.problem, time_limit=time_limit, seed=seed, workers=workers, effort=effort
    )
    seconds = time.perf_counter() - began
    report = check(instance.problem, solution)
    if json_out:
        typer.echo(json.dumps(result_json(instance, solution, report, seconds)))
    else:
        _print_table(cli_console(stderr=False), instance, solution, report, seconds, language)
    if not report.ok:
        if json_out:
            for v in report.violations:
                typer.echo(language.gettext("checker: %(violation)s", violation=v), err=True)
        raise typer.Exit(int(ExitCode.PLAN_REJECTED))


def register(app: typer.Typer) -> None:
    """Add ``solve`` to the ``doorstep`` command."""
    app.command("solve", help=_HELP)(solve_command)
