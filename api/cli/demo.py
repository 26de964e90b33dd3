"""``doorstep demo``: the whole job on built-in data (Helsinki sample map, generated ledger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from api.cli.options import (
    Effort,
    Language,
    RulesFile,
    SingleTrip,
    TimeLimit,
    cli_console,
    day_rules,
    language_of,
)
from api.cli.plan import EXIT_UNSERVED, plan_and_print
from api.demo.data import DEMO_DATE, generate, helsinki_map
from api.plan.budget import command_started
from api.plan.ledger import read_ledger
from api.plan.request import PlanRequest


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the CLI."""

    @app.command()
    def demo(
        out: Annotated[Path, typer.Option(help="folder for the ledger and every output")] = Path(
            "out/demo"
        ),
        time_limit: TimeLimit = 20.0,
        households: Annotated[int, typer.Option(help="households to generate")] = 300,
        volunteers: Annotated[int, typer.Option(help="volunteers to generate")] = 20,
        seed: Annotated[int, typer.Option(help="seed of the generated ledger")] = 7,
        effort: Effort = None,
        lang: Language = "en",
        rules: RulesFile = None,
        single_trip: SingleTrip = False,
    ) -> None:
        """Generate a ledger on real Helsinki buildings and plan its day, writing every output."""
        console = cli_console()
        language = language_of(lang, console)
        day = day_rules(rules, single_trip, console, language)
        map_file = helsinki_map()
        paths = generate(out / "ledger", households=households, volunteers=volunteers, seed=seed)
        made = language.gettext(
            "%(households)d households, %(volunteers)d volunteers in %(folder)s",
            households=households,
            volunteers=volunteers,
            folder=out / "ledger",
        )
        stage = language.gettext("ledger")
        console.print(Text.assemble((f"{stage:<9}", "dim"), " ", made), highlight=False)
        request = PlanRequest(
            ledger=read_ledger(*paths),
            date=DEMO_DATE,
            rules=day,
            time_limit=time_limit,
            workers=2,
            effort=effort,
            started=command_started(),  # --time-limit counts the whole command
        )
        code = plan_and_print(request, map_file, out, console, language)
        console.print(
            language.gettext(
                "open %(summary)s and %(manifests)s/ in a browser",
                summary=out / "summary.html",
                manifests=out / "manifests",
            ),
            highlight=False,
        )
        # Households left unserved are part of the demo's story (one address is not on the
        # map on purpose); only real failures give a non-zero status here.
        raise typer.Exit(0 if code == EXIT_UNSERVED else code)
