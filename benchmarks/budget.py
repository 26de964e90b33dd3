"""Time budget and portfolio of ``solver.solve``: ``python -m benchmarks.budget``.

For each (instance, time limit, workers) it prints one line: wall-clock seconds of the
whole ``solve`` call (model building included, file reading excluded), their ratio to the
limit, the cost in the file's customary convention, routes, unassigned customers, the
checker's verdict and the 1-minute load average. Two workers use both cores: run it under
the team's heavy lock (``flock /tmp/doorstep-heavy.lock python -m benchmarks.budget``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from api.instances import read_instance
from api.settings import data_dir
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


def main() -> None:
    """Run the default set (workers 1 and 2) and print one line per run."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = p.parse_args()
    print(f"start load={os.getloadavg()}", flush=True)
    for name, limits in DEFAULT_RUNS:
        for limit in limits:
            for w in args.workers:
                print(run_one(data_dir() / name, limit, w), flush=True)


if __name__ == "__main__":
    main()
