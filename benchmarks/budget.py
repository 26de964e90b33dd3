"""Time budget and portfolio of ``solver.solve``: ``python -m benchmarks.budget``.

For each (instance, time limit, workers) it prints one line: wall-clock seconds of the
whole ``solve`` call (model building included, file reading excluded), their ratio to the
limit, the cost in the file's customary convention, routes, unassigned customers, the
checker's verdict and the 1-minute load average. Two workers use both cores: run it under
the team's heavy lock (``flock /tmp/doorstep-heavy.lock python -m benchmarks.budget``).

``--command`` runs ``doorstep solve FILE --json`` in a fresh process per run instead (as a
user runs it: interpreter, imports and worker start included in the process's wall time),
the worker counts one after the other per instance and round, on ``--instances`` (globs
under the data directory) at ``--limits``; each line adds the process's wall seconds and
any line it wrote to standard error, and a summary closes the run: per worker count, runs
with every customer served and checked, the mean cost against the first worker count's on
the same instance and round, and the process's wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from api.instances import read_instance
from api.settings import data_dir
from benchmarks import machine
from solver import check
from solver.solve import solve

#: (instance file under the data directory, time limits in seconds)
DEFAULT_RUNS = (
    ("homberger/r1_2_1.txt", (2.0, 5.0)),
    ("homberger/rc1_10_1.txt", (2.0, 5.0)),
    ("homberger/c1_10_1.txt", (2.0, 5.0)),
    ("solomon/R101.txt", (5.0,)),
    ("solomon/RC105.txt", (5.0,)),
    ("solomon/R205.txt", (5.0,)),
    ("solomon/RC208.txt", (5.0,)),
)


def run_one(path: Path, limit: float, workers: int, seed: int = 0) -> str:
    """Solve ``path`` once and describe the run in one line."""
    inst = read_instance(path)
    t0 = time.monotonic()
    sol = solve(inst.problem, time_limit=limit, seed=seed, workers=workers)
    wall = time.monotonic() - t0
    ok = check(inst.problem, sol).ok
    return (
        f"{path.stem} n={len(inst.problem.stops)} limit={limit} workers={workers} "
        f"wall={wall:.3f} ratio={wall / limit:.3f} cost={inst.customary_cost(sol.cost)} "
        f"routes={len(sol.routes)} unassigned={len(sol.unassigned)} ok={ok} "
        f"build={sol.stats.phases['build']} diagnose={sol.stats.phases['diagnose']} "
        f"load1={os.getloadavg()[0]:.2f}"
    )


def run_command(path: Path, limit: float, workers: int, seed: int = 0) -> dict[str, object]:
    """Run ``doorstep solve`` on ``path`` in a fresh process; its ``--json`` object with the
    process's wall seconds (``wall``), exit status (``status``) and standard error lines
    (``stderr``) added."""
    command = [
        machine.doorstep_script(), "solve", str(path), "--time-limit", f"{limit:g}",
        "--workers", str(workers), "--seed", str(seed), "--json",
    ]  # fmt: skip
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    out: dict[str, object] = json.loads(done.stdout) if done.stdout.strip() else {}
    out.update(
        wall=round(wall, 3),
        status=done.returncode,
        stderr=[line for line in done.stderr.splitlines() if line.strip()],
    )
    return out


def command_summary(runs: Sequence[dict[str, object]], workers: Sequence[int]) -> list[str]:
    """Per worker count: runs all served and checked, mean cost / the first worker count's
    (same instance, limit and round), process wall seconds min / median / max, runs that
    wrote to standard error."""
    base = {(r["instance"], r["limit"], r["round"]): r for r in runs if r["workers"] == workers[0]}
    lines = []
    for w in workers:
        mine = [r for r in runs if r["workers"] == w]
        good = [r for r in mine if r.get("feasible") and not r.get("unassigned")]
        ratios = [
            float(r["cost"]) / float(b["cost"])  # type: ignore[arg-type]
            for r in good
            if (b := base.get((r["instance"], r["limit"], r["round"]))) is not None
            and b.get("feasible")
            and not b.get("unassigned")
        ]
        walls = sorted(float(r["wall"]) for r in mine)  # type: ignore[arg-type]
        lines.append(
            f"workers={w} runs={len(mine)} all_served_and_checked={len(good)} "
            f"cost_vs_workers_{workers[0]}="
            + (
                f"{statistics.mean(ratios):.4f} ({min(ratios):.4f}-{max(ratios):.4f})"
                if ratios
                else "-"
            )
            + f" wall_s={walls[0]:.2f}/{statistics.median(walls):.2f}/{walls[-1]:.2f}"
            f" stderr_runs={sum(1 for r in mine if r['stderr'])}"
        )
    return lines


def command_runs(
    paths: Sequence[Path], limits: Sequence[float], workers: Sequence[int], rounds: int
) -> list[dict[str, object]]:
    """:func:`run_command` over rounds, instances, limits and worker counts in that order
    (each printed as a JSON line as it ends), tagged with them and the load average."""
    runs: list[dict[str, object]] = []
    for k in range(rounds):
        for path in paths:
            for limit in limits:
                for w in workers:
                    run = run_command(path, limit, w)
                    run.pop("routes", None)
                    run.update(instance=path.stem, limit=limit, workers=w, round=k)
                    run["load1"] = round(os.getloadavg()[0], 2)
                    runs.append(run)
                    print(json.dumps(run), flush=True)
    return runs


def main() -> None:
    """Run the default set (workers 1 and 2), or ``--command`` runs, one line per run."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--command", action="store_true", help="run `doorstep solve` processes")
    p.add_argument("--instances", nargs="+", default=["solomon/R1??.txt"])
    p.add_argument("--limits", type=float, nargs="+", default=[1.0])
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--out", type=Path, help="--command: write the runs here (JSON lines)")
    args = p.parse_args()
    print(f"start load={os.getloadavg()}", flush=True)
    if not args.command:
        for name, limits in DEFAULT_RUNS:
            for limit in limits:
                for w in args.workers:
                    print(run_one(data_dir() / name, limit, w), flush=True)
        return
    paths = sorted({f for pattern in args.instances for f in data_dir().glob(pattern)})
    runs = command_runs(paths, args.limits, args.workers, args.rounds)
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in runs), encoding="utf-8")
    for line in command_summary(runs, args.workers):
        print(line, flush=True)


if __name__ == "__main__":
    main()
