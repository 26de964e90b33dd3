"""``doorstep plan-batch``: every community of a manifest planned on a Dask cluster.

Exit statuses:

====  =========================================================================
0     every community planned and every household under observation served
3     every community planned; some households are not served (named in each plan)
4     the manifest is unusable (every fault listed with line and column), or the --rules
      file is (every bad key named)
8     some communities failed (named with their errors); the others are written
9     the Dask cluster cannot be started or reached, or Dask is not installed
====  =========================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from api.cli.options import (
    Balance,
    Effort,
    FewestVolunteers,
    Language,
    RulesFile,
    Seed,
    SingleTrip,
    cli_console,
    day_rules,
    language_of,
)
from api.errors import classify
from api.i18n import N_, Lang
from api.plan.batch import BatchProgress, BatchResult, BatchSettings, ManifestError, run_batch
from api.plan.cluster import ClusterError

EXIT_OK = 0
EXIT_UNSERVED = 3
EXIT_MANIFEST = 4
EXIT_FAILED = 8
EXIT_CLUSTER = 9

_FAILED_COLUMNS = (N_("community"), N_("failure"), N_("attempts"), N_("error"))


def print_summary(batch: BatchResult, console: Console, language: Lang | None = None) -> None:
    """The city summary and the failed communities, as tables, in ``language``."""
    lang = language or Lang()
    summary = batch.summary()
    t = summary["totals"]
    table = Table(title=lang.gettext("City summary"), show_header=False)

    def count(n: float) -> str:
        return lang.number(n, 0)

    table.add_row(
        lang.gettext("communities planned"),
        lang.gettext("%(n)s of %(total)s", n=count(t["planned"]), total=count(t["communities"])),
    )
    table.add_row(lang.gettext("households served"), count(t["households_served"]))
    table.add_row(lang.gettext("households not served"), count(t["households_unassigned"]))
    for reason, n in t["unassigned_by_reason"].items():
        table.add_row(f"  {reason}", count(n))
    called = lang.gettext(
        "%(n)s of %(total)s",
        n=count(t["volunteers_called"]),
        total=count(t["volunteers_available"]),
    )
    table.add_row(lang.gettext("volunteers called"), called)
    km = lang.gettext("%(km)s km", km=lang.number(t["distance_km"], 1))
    table.add_row(lang.gettext("distance"), km)
    table.add_row(lang.gettext("wall clock"), lang.gettext("%(s)s s", s=lang.number(t["seconds"])))
    console.print(table)
    if summary["failed"]:
        failed = Table(title=lang.gettext("Communities that failed"))
        for col in _FAILED_COLUMNS:
            failed.add_column(lang.gettext(col))
        for f in summary["failed"]:
            failed.add_row(
                f["community_id"], f["failure"], str(f["attempts"]), lang.text(f["error"])
            )
        console.print(failed)
    console.print(
        lang.gettext("results in %(out)s (batch.json and one folder per community)", out=batch.out),
        highlight=False,
    )


def exit_status(batch: BatchResult) -> int:
    """0 all served, 3 some households unserved, 8 some communities failed."""
    if any(not c.ok for c in batch.communities):
        return EXIT_FAILED
    if any(c.households_unassigned for c in batch.communities):
        return EXIT_UNSERVED
    return EXIT_OK


class _Display:
    """A progress bar over the whole batch, with failures and retries as they happen."""

    def __init__(self, progress: Progress, language: Lang) -> None:
        self.progress = progress
        self.language = language
        self.task: Any = None
        self.served = 0

    def __call__(self, event: BatchProgress) -> None:
        lang = self.language
        if self.task is None:
            self.task = self.progress.add_task(
                lang.gettext("planning"), total=event.total, failed=0, served=0
            )
        r = event.result
        if event.retrying:
            label = lang.gettext("retrying")
            self.progress.console.print(
                Text.assemble(
                    (label, "yellow"), f" {r.community_id} ({r.failure}): {lang.text(r.error)}"
                ),
                highlight=False,
            )
            return
        if not r.ok:
            label = lang.gettext("failed")
            self.progress.console.print(
                Text.assemble(
                    (label, "red"), f" {r.community_id} ({r.failure}): {lang.text(r.error)}"
                ),
                highlight=False,
            )
        self.served += r.households_served
        self.progress.update(
            self.task, completed=event.done, failed=event.failed, served=self.served
        )


def register(app: typer.Typer) -> None:
    """Add the ``plan-batch`` command to the CLI."""

    @app.command("plan-batch")
    def plan_batch_command(
        manifest: Annotated[
            Path,
            typer.Option(
                help="communities.csv: community_id,map,households,volunteers,depots,date"
            ),
        ],
        out: Annotated[
            Path, typer.Option(help="folder for the results (one folder per community)")
        ],
        scheduler: Annotated[
            str | None, typer.Option(help="Dask scheduler tcp://HOST:8786 (default: local cluster)")
        ] = None,
        workers: Annotated[
            int | None, typer.Option(help="local cluster worker processes (default: one per core)")
        ] = None,
        memory_limit: Annotated[str, typer.Option(help="memory per local worker")] = "auto",
        time_limit: Annotated[
            float, typer.Option(help="seconds for each community's whole plan")
        ] = 10.0,
        seed: Seed = 0,
        effort: Effort = None,
        balance: Balance = 2.0,
        fewest_volunteers: FewestVolunteers = False,
        community_limit: Annotated[
            float | None,
            typer.Option(help="seconds one community may take in all; past it, it fails alone"),
        ] = None,
        rules: RulesFile = None,
        single_trip: SingleTrip = False,
        lang: Language = "en",
    ) -> None:
        """Plan every community of MANIFEST on a Dask cluster (see docs/SCALE.md)."""
        console = cli_console()
        language = language_of(lang, console)
        settings = BatchSettings(
            rules=day_rules(rules, single_trip, console, language),
            time_limit=time_limit,
            seed=seed,
            effort=effort,
            balance=balance or None,
            fewest=fewest_volunteers,
            community_limit=community_limit,
            locale=language.locale,
        )
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                language.gettext(
                    "failed %(failed)s  households served %(served)s",
                    failed="{task.fields[failed]}",
                    served="{task.fields[served]:,}",
                )
            ),
            TimeElapsedColumn(),
        )
        try:
            with Progress(*columns, console=console, transient=False) as bar:
                batch = run_batch(
                    manifest,
                    out,
                    settings,
                    scheduler=scheduler,
                    workers=workers,
                    memory_limit=memory_limit,
                    progress=_Display(bar, language),
                )
        except ManifestError as exc:
            console.print(classify(exc).text(language), style="red", highlight=False)
            raise typer.Exit(EXIT_MANIFEST) from None
        except ClusterError as exc:
            label = language.gettext("Dask cluster error:")
            console.print(Text.assemble((label, "red"), " ", str(exc)), highlight=False)
            raise typer.Exit(EXIT_CLUSTER) from None
        print_summary(batch, console, language)
        raise typer.Exit(exit_status(batch))
