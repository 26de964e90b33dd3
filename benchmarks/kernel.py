"""Time per step of the refinement kernel on the generated days: ``python -m benchmarks.kernel``.

The day problems of :mod:`benchmarks.day_cli` (the demo ledger generator on the Helsinki
buildings, seed 7, one volunteer per 15 households, mixed modes) are built once through
the plan pipeline's own stages (:func:`api.plan.pipeline.prepare_day`) and saved; each
checkout then runs the refinement (one thread, or two with ``--threads 2``) from empty
routes for ``--steps`` steps per seed in a process of its own (the kernel loaded first,
its load not timed) and prints the wall-clock milliseconds per step and the best cost.
``--against DIR`` runs a second checkout's interpreter (``DIR/.venv/bin/python``) on the
same saved problems, alternating with this one seed by seed, so two kernels are timed
side by side in one run. A run that ends by its step count is a function of its inputs,
so two kernels that make the same moves give the same costs: the ``cost`` column shows it.

Usage::

    python -m benchmarks.kernel --sizes 300,1000 --steps 2000 --seeds 0,1 --threads 2 \
        --against ../main
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.day_cli import _ledger

#: Runs one checkout's kernel on a saved problem: prints "<ms per step> <best cost>".
_CHILD = """
import pickle, sys, time
from solver import refine
refine.warm_up()
problem = pickle.loads(open(sys.argv[1], "rb").read())
steps, seed, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
empty = [[] for _ in problem.vehicles]
far = time.monotonic() + 3600.0
refine.refine(problem, empty, deadline=far, iterations=2, seed=seed, min_iterations=1)
t = time.perf_counter()
out = refine.refine(
    problem, empty, deadline=far, iterations=steps, seed=seed, min_iterations=1, threads=threads
)
print(1000.0 * (time.perf_counter() - t) / steps, out.objective)
"""


def day_problem(households: int, folder: Path) -> Path:
    """The routing problem of the generated day of ``households``, pickled into ``folder``."""
    from api.demo.data import DEMO_DATE, helsinki_map
    from api.plan.ledger import read_ledger
    from api.plan.pipeline import prepare_day
    from api.plan.request import PlanRequest
    from api.plan.travel import open_map

    request = PlanRequest(read_ledger(*_ledger(folder, households)), DEMO_DATE)
    travel, addresses = open_map(helsinki_map(), request.modes())
    day = prepare_day(request, travel, addresses, lambda *_: None, {})
    path = folder / f"problem-{households}.pkl"
    path.write_bytes(pickle.dumps(day.problem))
    return path


def step_time(
    python: str, checkout: Path, problem: Path, steps: int, seed: int, threads: int = 1
) -> tuple[float, int]:
    """Milliseconds per step (of the wall clock; each thread makes ``steps`` steps) and
    best objective of ``checkout``'s kernel on ``problem``."""
    done = subprocess.run(
        [python, "-c", _CHILD, str(problem), str(steps), str(seed), str(threads)],
        cwd=checkout, capture_output=True, text=True, check=True,
    )  # fmt: skip
    ms, objective = done.stdout.split()
    return float(ms), int(objective)


def main(argv: Sequence[str] | None = None) -> int:
    """Print one row per (size, seed, checkout) and the median per size and checkout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,1000", help="households per day, comma-separated")
    parser.add_argument("--steps", type=int, default=2000, help="refinement steps per run")
    parser.add_argument("--seeds", default="0,1", help="seeds, comma-separated")
    parser.add_argument("--against", type=Path, help="a second checkout, run alternately")
    parser.add_argument(
        "--threads", type=int, default=1, help="refinement threads (2: as a plan runs it)"
    )
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent.parent
    codes = [("this", sys.executable, here)]
    if args.against is not None:
        other = args.against.resolve()
        codes.append((str(args.against), str(other / ".venv" / "bin" / "python"), other))
    print("households stops code seed ms_per_step cost")
    with tempfile.TemporaryDirectory(prefix="doorstep-kernel-") as tmp:
        for households in (int(s) for s in args.sizes.split(",")):
            path = day_problem(households, Path(tmp))
            stops = len(pickle.loads(path.read_bytes()).stops)
            times: dict[str, list[float]] = {name: [] for name, _, _ in codes}
            for seed in (int(s) for s in args.seeds.split(",")):
                for name, python, checkout in codes:
                    ms, cost = step_time(python, checkout, path, args.steps, seed, args.threads)
                    times[name].append(ms)
                    print(households, stops, name, seed, f"{ms:.3f}", cost, flush=True)
            for name, values in times.items():
                median = statistics.median(values)
                print(f"# {households} households, {name}: median {median:.3f} ms per step")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
