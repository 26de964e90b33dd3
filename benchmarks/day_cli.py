"""A day planned as a user plans it: ``python -m benchmarks.day_cli``.

For generated neighbourhoods (the generator of :mod:`benchmarks.day`: the demo ledger on the
Helsinki buildings, one volunteer per 15 households, mixed modes) every (size, budget,
seed) runs ``doorstep plan`` in a fresh process, the street map already in the disk cache
(one unrecorded plan per size fills it), and is timed on the wall clock from the process
start to its exit. The plan's ``plan.json`` gives the cost, the households served and
whether the balance rule is met. ``--time-limit`` counts from the process start, as the
user's clock does. Per row: ``cpu_s`` the process's user + system CPU seconds (what the
machine's load does not change), ``start_s`` from the process start to the plan's start
(interpreter, imports, ledger; ``plan.json``'s ``seconds.start``), ``stages_s`` what
``plan.json`` accounts for after it (map, selection, snapping, matrices, solve, check,
geometry); the rest of the wall time is outputs, printing and exit. The meta file also
has ``doorstep plan --help`` timed once per code after the first warm plans (interpreter
and CLI imports, bytecode cached as the plans have it). Rows go to a CSV
as measured (``solver_status``: the plan's search, with its steps and walks); the table
gives, per size and budget,
min / median / max over the seeds of the wall time and of the cost over the median cost
of the longest budget.

``--against DIR`` runs a second checkout's ``doorstep`` (``DIR/.venv/bin/doorstep``) on the
same ledgers, alternating with this one run by run, so that two codes are timed side by
side in one run; the ``code`` column names each row's checkout. ``--compiled`` runs every
``doorstep`` with its Python bytecode compiled once into the run's temporary folder
(``PYTHONPYCACHEPREFIX``, filled by the unrecorded first plan), as an installed package
has it; without it the processes inherit the environment (where
``PYTHONDONTWRITEBYTECODE`` is set, each process compiles the project's sources again).

``--from-csv A.csv [B.csv ...]`` runs nothing and prints the table of those runs' rows
together; ``--pool LABEL=CODE,CODE`` counts the rows of those codes (checkouts whose
search is the same) as one code named ``LABEL``. The last column gives how far chance
alone moves a row's median ratio: its 90 % bootstrap interval (the row's costs and the
longest budget's, each drawn again with replacement, 2,000 times, from a fixed seed), so
a goal row is read against the spread of its own seeds.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from benchmarks import machine
from benchmarks.day import RESULTS, _mixed_subset, _volunteers

_Code = TypeVar("_Code")

FIELDS = [
    "code",
    "households",
    "stops",
    "budget_s",
    "seed",
    "wall_s",
    "cpu_s",
    "start_s",
    "map_s",
    "stages_s",
    "solve_s",
    "cost",
    "served_households",
    "unserved_households",
    "balance_met",
    "longest_over_mean",
    "most_stops_over_mean",
    "solver_status",
]


def _environment(pycache: Path | None) -> dict[str, str]:
    """The environment of each ``doorstep`` process: this one's, or with bytecode written
    to and read from ``pycache`` (``--compiled``)."""
    env = dict(os.environ)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _ledger(folder: Path, households: int) -> tuple[Path, Path, Path]:
    """The generated ledger of ``households`` (seed 7, as ``benchmarks.day``)."""
    from api.demo.data import generate, helsinki_map
    from geo.addresses import load_buildings

    paths = generate(
        folder / f"ledger-{households}",
        buildings=load_buildings(helsinki_map()),
        households=households,
        volunteers=max(_volunteers(households), 20),
        seed=7,
    )
    _mixed_subset(paths[1], _volunteers(households))
    return paths[0], paths[1], paths[2]


def _cpu_of_children() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _plan(
    ledger: tuple[Path, Path, Path],
    out: Path,
    budget: float,
    seed: int,
    workers: int | None,
    *,
    doorstep: str,
    env: dict[str, str],
) -> tuple[float, float, dict[str, object]]:
    """Wall and CPU seconds of one ``doorstep plan`` and its ``plan.json`` summary."""
    from api.demo.data import DEMO_DATE, helsinki_map

    command = [
        doorstep, "plan", "--map", str(helsinki_map()), "--households", str(ledger[0]),
        "--volunteers", str(ledger[1]), "--depots", str(ledger[2]),
        "--date", DEMO_DATE.isoformat(), "--out", str(out),
        "--time-limit", f"{budget:g}", "--seed", str(seed),
        *([] if workers is None else ["--workers", str(workers)]),
    ]  # fmt: skip
    cpu = _cpu_of_children()
    t = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - t
    cpu = _cpu_of_children() - cpu
    if done.returncode not in (0, 3):
        raise RuntimeError(f"doorstep plan failed ({done.returncode}): {done.stderr[-2000:]}")
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    return wall, cpu, doc["summary"]


def _startup(doorstep: str, env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run([doorstep, "plan", "--help"], capture_output=True, check=True, env=env)
    return time.perf_counter() - t


def _median_of(rows: Sequence[dict[str, str]], field: str) -> str:
    """Median of a column over ``rows`` (``-`` when the CSV predates the column)."""
    values = [float(r[field]) for r in rows if r.get(field) not in (None, "")]
    return f"{statistics.median(values):.1f}" if values else "-"


def _after(row: dict[str, str]) -> float:
    """Seconds of a row after what ``plan.json`` accounts for: outputs, printing, exit."""
    start = float(row.get("start_s") or 0.0)
    return float(row["wall_s"]) - start - float(row["stages_s"])


#: Draws of the bootstrap interval of a row's median ratio (``table``).
_DRAWS = 2000


def median_ratio_interval(
    costs: Sequence[int], longest: Sequence[int], draws: int = _DRAWS
) -> tuple[float, float]:
    """5th and 95th percentiles of ``median(costs) / median(longest)`` with both samples
    drawn again with replacement ``draws`` times (a fixed seed: the same rows give the same
    interval)."""
    rng = random.Random(0)
    ratios = sorted(
        statistics.median(rng.choices(costs, k=len(costs)))
        / statistics.median(rng.choices(longest, k=len(longest)))
        for _ in range(draws)
    )
    return ratios[int(0.05 * draws)], ratios[int(0.95 * draws) - 1]


def pooled(rows: Sequence[dict[str, str]], pools: Sequence[str]) -> list[dict[str, str]]:
    """``rows`` with the codes of each pool (``LABEL=CODE,CODE``) renamed ``LABEL``."""
    names: dict[str, str] = {}
    for pool in pools:
        label, sep, codes = pool.partition("=")
        if not sep or not label or not codes:
            raise ValueError(f"--pool {pool!r}: expected LABEL=CODE,CODE")
        names.update((code, label) for code in codes.split(","))
    out = []
    for r in rows:
        code = r.get("code") or ""
        out.append({**r, "code": names.get(code, code)})
    return out


def table(rows: Sequence[dict[str, str]]) -> str:
    """Markdown table: per size and budget (and code, when the rows have several), min /
    median / max over the seeds; the start-up (process start to the plan's start), the CPU
    seconds and the seconds after the plan (outputs, printing, exit) as medians. The cost
    ratio is to the median cost of the size's longest budget over every code's rows; the
    last column is the 90 % bootstrap interval of the median ratio
    (:func:`median_ratio_interval`)."""
    lines = [
        "| households | stops | budget s | seeds | wall s min / med / max "
        "| start-up s | after plan s | CPU s "
        "| cost / median at longest: min / med / max | households unserved (max) "
        "| balance met | med, 90 % bootstrap |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|---|",
    ]
    codes = list(dict.fromkeys(r.get("code") or "" for r in rows))
    if len(codes) > 1:
        lines = [lines[0].replace("| households", "| code | households", 1), "|---" + lines[1]]
    sizes = sorted({int(r["households"]) for r in rows})
    for size in sizes:
        mine = [r for r in rows if int(r["households"]) == size]
        budgets = sorted({float(r["budget_s"]) for r in mine})
        longest = [int(r["cost"]) for r in mine if float(r["budget_s"]) == budgets[-1]]
        ref = statistics.median(longest)
        for b, code in itertools.product(budgets, codes):
            at = [r for r in mine if float(r["budget_s"]) == b and (r.get("code") or "") == code]
            if not at:
                continue
            walls = sorted(float(r["wall_s"]) for r in at)
            costs = [int(r["cost"]) for r in at]
            ratios = sorted(c / ref for c in costs)
            low, high = median_ratio_interval(costs, longest)
            met = sum(r["balance_met"] == "True" for r in at)
            after = statistics.median(_after(r) for r in at)
            lines.append(
                (f"| {code} " if len(codes) > 1 else "")
                + f"| {size} | {at[0]['stops']} | {b:g} | {len(at)} "
                f"| {walls[0]:.1f} / {statistics.median(walls):.1f} / {walls[-1]:.1f} "
                f"| {_median_of(at, 'start_s')} | {after:.1f} | {_median_of(at, 'cpu_s')} "
                f"| {ratios[0]:.4f} / {statistics.median(ratios):.4f} / {ratios[-1]:.4f} "
                f"| {max(int(r['unserved_households']) for r in at)} | {met} of {len(at)} "
                f"| {low:.4f}-{high:.4f} |"
            )
    return "\n".join(lines)


def run_order(
    seeds: int, budgets: Sequence[float], codes: Sequence[_Code]
) -> list[tuple[int, float, _Code]]:
    """The ``(seed, budget, code)`` plans of a size in the order they run: seed by seed,
    every budget in turn and every code at each, so that the host's pace, which drifts
    within a run, falls on every budget and code alike (budget by budget, the longest
    budget, the ratios' reference, ran last, at whatever pace the host had then)."""
    return list(itertools.product(range(seeds), budgets, codes))


def _code_name(checkout: Path | None) -> str:
    """``folder@commit`` of a checkout (this one's: ``None``)."""
    folder = checkout or Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return f"{folder.name}@{done.stdout.strip() or '?'}"


def _row(
    size: int, budget: float, seed: int, wall: float, cpu: float, s: dict[str, object]
) -> dict[str, object]:
    """The CSV row of one plan, from its ``plan.json`` summary ``s``."""
    stages = s["seconds"]
    assert isinstance(stages, dict)
    seconds: dict[str, float] = dict(stages)
    start = seconds.pop("start", 0.0)
    return {
        "households": size,
        "stops": s["stops"],
        "budget_s": budget,
        "seed": seed,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "start_s": start,
        "map_s": seconds.get("map"),
        "stages_s": round(sum(seconds.values()), 3),
        "solve_s": seconds.get("solve"),
        "cost": s["cost"],
        "served_households": s["households_served"],
        "unserved_households": s["households_unassigned"],
        "balance_met": s["balance_met"],
        "longest_over_mean": s["longest_over_mean"],
        "most_stops_over_mean": s["most_stops_over_mean"],
        "solver_status": s["solver_status"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.day_cli", description=__doc__)
    p.add_argument("--sizes", default="300,1000")
    p.add_argument("--budgets", default="1,2,5,10,60")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument(
        "--workers", type=int, help="passed to doorstep plan (default: not passed, its default)"
    )
    p.add_argument("--out", type=Path)
    p.add_argument(
        "--from-csv", type=Path, nargs="+", help="do not run; print the table of these CSVs' rows"
    )
    p.add_argument(
        "--pool",
        action="append",
        default=[],
        metavar="LABEL=CODE,CODE",
        help="with --from-csv: the rows of these codes counted as one code, LABEL",
    )
    p.add_argument("--against", type=Path, help="a second checkout, run alternately with this one")
    p.add_argument("--compiled", action="store_true", help="bytecode compiled once, as installed")
    args = p.parse_args(argv)
    if args.pool and not args.from_csv:
        p.error("--pool reads rows of earlier runs: give them with --from-csv")
    if args.from_csv:
        rows: list[dict[str, str]] = []
        for path in args.from_csv:
            with path.open(newline="") as fh:
                rows.extend(csv.DictReader(fh))
        try:
            rows = pooled(rows, args.pool)
        except ValueError as e:
            p.error(str(e))
        print(table(rows))
        return 0
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    out = args.out or RESULTS / f"day-cli-{stamp}.csv"
    meta = out.with_suffix(".meta.txt")
    command = "python -m benchmarks.day_cli " + " ".join(argv if argv is not None else sys.argv[1:])
    meta.write_text(f"command: {command}\n{machine.text()}\n")
    sizes = [int(s) for s in args.sizes.split(",")]
    budgets = [float(b) for b in args.budgets.split(",")]
    with (
        tempfile.TemporaryDirectory(prefix="doorstep-day-cli-") as tmp,
        out.open("w", newline="") as fh,
    ):
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        folder = Path(tmp)
        env = _environment(folder / "pycache" if args.compiled else None)
        codes = [(_code_name(None), machine.doorstep_script())]
        if args.against is not None:
            codes.append((_code_name(args.against), machine.doorstep_script(args.against)))
        startup: dict[str, float] = {}
        for size in sizes:
            ledger = _ledger(folder, size)
            for _, doorstep in codes:  # fills the map cache (and the bytecode)
                _plan(ledger, folder / "warm", 1.0, 0, args.workers, doorstep=doorstep, env=env)
            # (timed once the bytecode is there: timed first, a code paid for compiling
            # the libraries' bytecode that the next one then read: 3.43 s against 1.80 s)
            startup = startup or {name: _startup(doorstep, env) for name, doorstep in codes}
            for seed, budget, (name, doorstep) in run_order(args.seeds, budgets, codes):
                wall, cpu, s = _plan(
                    ledger, folder / "out", budget, seed, args.workers, doorstep=doorstep, env=env
                )
                writer.writerow({"code": name, **_row(size, budget, seed, wall, cpu, s)})
                fh.flush()
                print(name, size, budget, seed, f"{wall:.2f} s", file=sys.stderr, flush=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with meta.open("a") as fm:
        for name, seconds in startup.items():
            fm.write(f"start-up (doorstep plan --help) of {name}: {seconds:.2f} s\n")
        fm.write(f"finished: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, load average {load}\n")
    with out.open(newline="") as fr:
        print(table(list(csv.DictReader(fr))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
