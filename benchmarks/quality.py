"""Solution quality side by side: ``python -m benchmarks.quality --set solomon ...``.

Every solver gets the same :class:`solver.Problem` (the same integer matrices, windows,
service times, capacities and fleet), minimises total distance, runs on one core with the
same wall-clock budget, and every answer goes through our independent checker
(:func:`solver.check.check`). A run is *feasible* only if the checker accepts it and every
stop is served; anything else (an exception, an unserved stop, a violation) is a failure.

Runs of different instances may go in parallel (``--workers``); they then share the
machine, which slows each a little. Each finished run is appended to the CSV at once, so
an interrupted run keeps what it measured. The markdown summary is printed at the end and
can be rebuilt from CSVs with ``--from-csv``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.instances import Instance
from benchmarks import machine, peers
from benchmarks.report import markdown
from benchmarks.sets import SETS, InstanceSet

#: Where result CSVs go by default.
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Task:
    """One run to do: a solver on one instance with one seed."""

    set_name: str
    path: str
    solver: str
    seed: int
    time_limit: float


@dataclass(frozen=True, slots=True)
class RunResult:
    """One finished run, as written to the CSV.

    Attributes
    ----------
    cost
        Total cost in the instance's integer convention (tenths for Solomon-format sets,
        nint units for X); ``None`` when the solver raised.
    customary_cost
        ``cost`` in the customary unit (Solomon: /10), comparable with ``bks``.
    bks
        Best-known cost in customary units (``None`` when unknown).
    gap_pct
        ``100 * (customary_cost - bks) / bks`` for feasible runs.
    vehicles
        Routes used.
    unassigned
        Stops the solver left unserved.
    violations
        Number of violations the checker found.
    feasible
        Checker accepted and every stop served.
    seconds
        Wall-clock seconds of the solver call (model building included).
    cpu_seconds
        CPU seconds this process spent in the call; ``cpu_seconds / seconds`` well below 1
        means the run did not get a whole core (a loaded machine).
    error
        Exception text, or the first checker violation, when the run failed.
    """

    set: str
    instance: str
    locations: int
    solver: str
    seed: int
    time_limit: float
    cost: int | None
    customary_cost: float | None
    bks: float | None
    gap_pct: float | None
    vehicles: int
    unassigned: int
    violations: int
    feasible: bool
    seconds: float
    cpu_seconds: float
    error: str


FIELDS = [f.name for f in dataclasses.fields(RunResult)]


@functools.lru_cache(maxsize=4)
def _instance(set_name: str, path: str) -> Instance:
    return SETS[set_name].read(Path(path))


@functools.lru_cache(maxsize=4)
def _bks(set_name: str) -> dict[str, float]:
    return SETS[set_name].bks()


def run_one(task: Task) -> RunResult:
    """Run ``task``, check the answer, and return the measured row (never raises)."""
    from solver.check import check

    path = Path(task.path)
    instance = _instance(task.set_name, task.path)
    bks = _bks(task.set_name).get(path.stem.lower())
    base = RunResult(
        set=task.set_name,
        instance=path.stem,
        locations=instance.problem.n_locations,
        solver=task.solver,
        seed=task.seed,
        time_limit=task.time_limit,
        cost=None,
        customary_cost=None,
        bks=bks,
        gap_pct=None,
        vehicles=0,
        unassigned=len(instance.problem.stops),
        violations=0,
        feasible=False,
        seconds=0.0,
        cpu_seconds=0.0,
        error="",
    )
    try:
        # Off the clock: imports and compiled code a running process has loaded already.
        peers.prepare(task.solver)
        solve = peers.get(task.solver)
    except Exception as exc:  # a peer that cannot load is a failed run
        return dataclasses.replace(base, error=f"{type(exc).__name__}: {exc}"[:300])
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        solution = solve(instance.problem, time_limit=task.time_limit, seed=task.seed)
    except Exception as exc:  # a peer's crash is a failed run, not a harness crash
        return dataclasses.replace(
            base,
            seconds=round(time.perf_counter() - t0, 3),
            cpu_seconds=round(time.process_time() - c0, 3),
            error=f"{type(exc).__name__}: {exc}"[:300],
        )
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    report = check(instance.problem, solution)
    feasible = bool(report.ok) and not solution.unassigned
    customary = solution.cost / instance.scale
    gap = 100.0 * (customary - bks) / bks if bks and feasible else None
    error = ""
    if not report.ok:
        error = f"checker: {report.violations[0]}"[:300]
    elif solution.unassigned:
        error = f"{len(solution.unassigned)} stop(s) unserved"
    return dataclasses.replace(
        base,
        cost=solution.cost,
        customary_cost=round(customary, 4),
        gap_pct=round(gap, 4) if gap is not None else None,
        vehicles=len(solution.routes),
        unassigned=len(solution.unassigned),
        violations=len(report.violations),
        feasible=feasible,
        seconds=round(seconds, 3),
        cpu_seconds=round(cpu_seconds, 3),
        error=error,
    )


def tasks_for(
    iset: InstanceSet,
    files: Sequence[Path],
    solvers: Sequence[str],
    *,
    seeds: int,
    time_limit: float,
) -> list[Task]:
    """Every (instance, seed, solver) run, instance by instance."""
    return [
        Task(iset.name, str(path), solver, seed, time_limit)
        for path in files
        for seed in range(seeds)
        for solver in solvers
    ]


def _run_all(tasks: Sequence[Task], workers: int) -> Iterable[tuple[int, RunResult]]:
    """Yield ``(task position, result)`` as runs finish."""
    if workers <= 1:
        for i, task in enumerate(tasks):
            yield i, run_one(task)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures: dict[Future[RunResult], int] = {
            pool.submit(run_one, t): i for i, t in enumerate(tasks)
        }
        for future in as_completed(futures):
            yield futures[future], future.result()


def _csv_value(value: object) -> object:
    return "" if value is None else value


def _key(set_name: str, instance: str, solver: str, seed: int) -> tuple[str, str, str, int]:
    return (set_name, instance, solver, seed)


def run(
    tasks: Sequence[Task],
    out: Path,
    *,
    workers: int = 1,
    quiet: bool = False,
    resume: bool = False,
) -> list[RunResult]:
    """Run ``tasks`` (``workers`` at a time), appending each result to the CSV ``out``.

    With ``resume``, rows already in ``out`` (same set, instance, solver and seed) are kept
    and their tasks skipped, so an interrupted run can be continued.

    Returns
    -------
    list[RunResult]
        The results in ``tasks`` order (kept rows included).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    done: dict[tuple[str, str, str, int], RunResult] = {}
    if resume and out.exists():
        done = {_key(r.set, r.instance, r.solver, r.seed): r for r in read_csv([out])}
    results: dict[int, RunResult] = {}
    todo: list[tuple[int, Task]] = []
    for i, t in enumerate(tasks):
        kept = done.get(_key(t.set_name, Path(t.path).stem, t.solver, t.seed))
        if kept is not None:
            results[i] = kept
        else:
            todo.append((i, t))
    appending = resume and out.exists() and bool(done)
    with out.open("a" if appending else "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        if not appending:
            writer.writeheader()
            for kept in (results[i] for i in sorted(results)):
                writer.writerow({k: _csv_value(v) for k, v in dataclasses.asdict(kept).items()})
        for position, result in _run_all([t for _, t in todo], workers):
            index = todo[position][0]
            row = {k: _csv_value(v) for k, v in dataclasses.asdict(result).items()}
            writer.writerow(row)
            fh.flush()
            results[index] = result
            if not quiet:
                state = "ok" if result.feasible else f"FAILED ({result.error})"
                print(
                    f"[{len(results)}/{len(tasks)}] {result.instance} {result.solver} "
                    f"seed {result.seed}: cost {result.customary_cost} "
                    f"({result.vehicles} routes) in {result.seconds:.1f} s {state}",
                    file=sys.stderr,
                    flush=True,
                )
    return [results[i] for i in sorted(results)]


def read_csv(paths: Iterable[Path]) -> list[RunResult]:
    """Read results back from CSVs written by :func:`run`."""
    out: list[RunResult] = []
    for path in paths:
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):

                def num(name: str, row: dict[str, str] = row) -> float | None:
                    return float(row[name]) if row[name] != "" else None

                cost = num("cost")
                out.append(
                    RunResult(
                        set=row["set"],
                        instance=row["instance"],
                        locations=int(row["locations"]),
                        solver=row["solver"],
                        seed=int(row["seed"]),
                        time_limit=float(row["time_limit"]),
                        cost=int(cost) if cost is not None else None,
                        customary_cost=num("customary_cost"),
                        bks=num("bks"),
                        gap_pct=num("gap_pct"),
                        vehicles=int(row["vehicles"]),
                        unassigned=int(row["unassigned"]),
                        violations=int(row["violations"]),
                        feasible=row["feasible"] == "True",
                        seconds=float(row["seconds"]),
                        cpu_seconds=float(row.get("cpu_seconds") or "nan"),
                        error=row["error"],
                    )
                )
    return out


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.quality",
        description="Run solvers side by side on a standard set and compare their costs.",
    )
    p.add_argument("--set", choices=sorted(SETS), help="instance set")
    p.add_argument("--time-limit", type=float, default=10.0, help="seconds per run")
    p.add_argument("--seeds", type=int, default=1, help="seeds per instance and solver")
    p.add_argument(
        "--solvers",
        default="doorstep,pyvrp,vroom",
        help=f"comma-separated, from {','.join(peers.MODULES)}; the first is compared "
        "with the others",
    )
    p.add_argument("--instances", help="glob on instance names, e.g. 'r1*'")
    p.add_argument(
        "--max-n",
        type=int,
        help="only instances with at most N locations (also filters --from-csv)",
    )
    p.add_argument("--workers", type=int, default=1, help="runs in parallel (1 core each)")
    p.add_argument("--out", type=Path, help="CSV to write (default: benchmarks/results/...)")
    p.add_argument(
        "--from-csv",
        type=Path,
        nargs="+",
        help="do not run; print the table of these result CSVs",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep the runs already in --out and do only the missing ones",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.from_csv:
        results = read_csv(args.from_csv)
        if args.max_n is not None:
            results = [r for r in results if r.locations <= args.max_n]
        solvers = list(dict.fromkeys(r.solver for r in results))
        print(markdown(results, solvers))
        return 0
    if args.set is None:
        _parser().error("--set is required unless --from-csv is given")
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in solvers if not peers.known(s)]
    if unknown:
        _parser().error(f"unknown solver(s) {unknown}; choose from {sorted(peers.MODULES)}")
    iset = SETS[args.set]
    files = iset.files(instances=args.instances, max_n=args.max_n)
    if not files:
        print(f"no instance of set {iset.name!r} matches", file=sys.stderr)
        return 2
    # One core per run: keep numeric libraries from starting thread pools of their own.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    tl = f"{args.time_limit:g}"
    out = args.out or RESULTS / f"{iset.name}-{tl}s-{args.seeds}seed-{stamp}.csv"
    tasks = tasks_for(iset, files, solvers, seeds=args.seeds, time_limit=args.time_limit)
    print(
        f"{len(files)} instance(s) x {args.seeds} seed(s) x {len(solvers)} solver(s) "
        f"at {tl} s, {args.workers} worker(s) -> {out}",
        file=sys.stderr,
    )
    meta = out.with_suffix(".meta.txt")
    command = "python -m benchmarks.quality " + " ".join(argv if argv is not None else sys.argv[1:])
    meta.parent.mkdir(parents=True, exist_ok=True)
    with meta.open("a" if args.resume and meta.exists() else "w") as fh:
        fh.write(f"command: {command}\n{machine.text()}\n")
    results = run(tasks, out, workers=args.workers, quiet=args.quiet, resume=args.resume)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with meta.open("a") as fh:
        fh.write(f"finished: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, load average {load}\n")
    print(markdown(results, solvers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
