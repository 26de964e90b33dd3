"""``doorstep demo``: the whole job on built-in data (Helsinki sample map, generated ledger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.cli_options import Language
from api.cmd_plan import EXIT_UNSERVED, PlanArgs, run_plan
from api.demo_data import DEMO_DATE, generate, helsinki_map
from api.i18n import choose
from api.ledger import read_ledger


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the CLI."""

    @app.command()
    def demo(
        out: Annotated[Path, typer.Option(help="folder for the ledger and every output")] = Path(
            "out/demo"
        ),
        time_limit: Annotated[float, typer.Option(help="seconds for the search")] = 20.0,
        households: Annotated[int, typer.Option(help="households to generate")] = 300,
        volunteers: Annotated[int, typer.Option(help="volunteers to generate")] = 20,
        seed: Annotated[int, typer.Option(help="seed of the generated ledger")] = 7,
        lang: Language = "en",
    ) -> None:
        """Generate a ledger on real Helsinki buildings and plan its day, writing every output."""
        console = Console(stderr=True)
        try:
            locale = choose(lang)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        map_file = helsinki_map()
        paths = generate(out / "ledger", households=households, volunteers=volunteers, seed=seed)
        console.print(
            f"ledger    {households} households, {volunteers} volunteers in {out / 'ledger'}"
        )
        ledger = read_ledger(*paths)
        args = PlanArgs(
            map_file=map_file,
            ledger=ledger,
            date=DEMO_DATE,
            out=out,
            time_limit=time_limit,
            workers=2,
            lang=locale,
        )
        code = run_plan(args, console)
        console.print(f"open {out / 'summary.html'} and {out / 'manifests'}/ in a browser")
        # Households left unserved are part of the demo's story (one address is not on the
        # map on purpose); only real failures give a non-zero status here.
        raise typer.Exit(0 if code == EXIT_UNSERVED else code)
