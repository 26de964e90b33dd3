"""Run-to-run spread of two quality runs: ``python -m benchmarks.spread A.csv B.csv``.

For every solver and instance that both runs solved, the relative cost difference
``|a - b| / b`` is taken (seed-averaged costs); the table gives its mean and maximum per
solver, and every pairwise mean cost ratio as measured in each run, so that a reader can
see how far a headline figure moves when nothing but the run changes.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from statistics import mean

from benchmarks.quality import RunResult, read_csv
from benchmarks.report import per_instance


def _pair_ratio(costs: dict[str, dict[str, float | None]], a: str, b: str) -> float | None:
    ratios = [
        ca / cb
        for i, ca in costs[a].items()
        if ca is not None and (cb := costs[b].get(i)) is not None
    ]
    return mean(ratios) if ratios else None


def spread_table(first: Sequence[RunResult], second: Sequence[RunResult]) -> str:
    """Markdown comparing two runs of the same instances and solvers."""
    ca, cb = per_instance(first), per_instance(second)
    solvers = [s for s in dict.fromkeys(r.solver for r in first) if s in cb]
    lines = [
        "| solver | instances | mean abs. cost change (%) | max abs. cost change (%) |",
        "|---|---:|---:|---:|",
    ]
    for s in solvers:
        diffs = [
            100.0 * abs(x - y) / y
            for i, x in ca[s].items()
            if x is not None and (y := cb[s].get(i)) is not None
        ]
        if diffs:
            lines.append(f"| {s} | {len(diffs)} | {mean(diffs):.2f} | {max(diffs):.2f} |")
    lines += ["", "| comparison | ratio, run 1 | ratio, run 2 |", "|---|---:|---:|"]
    for one, two in itertools.combinations(solvers, 2):
        r1, r2 = _pair_ratio(ca, one, two), _pair_ratio(cb, one, two)
        f1 = "-" if r1 is None else f"{r1:.4f}"
        f2 = "-" if r2 is None else f"{r2:.4f}"
        lines.append(f"| {one} / {two} | {f1} | {f2} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.spread", description=__doc__)
    p.add_argument("first", type=Path, help="CSV of the first run")
    p.add_argument("second", type=Path, help="CSV of the repeat")
    args = p.parse_args(argv)
    print(spread_table(read_csv([args.first]), read_csv([args.second])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
