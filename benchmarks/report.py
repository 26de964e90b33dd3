"""Markdown summary of quality runs: per set, gaps to BKS, pairwise cost ratios, failures.

Per instance and solver, the costs of all seeds are averaged; an instance counts as solved
by a solver only if every one of its seeds was feasible. Gaps and ratios are taken over
solved instances only (the ``instances`` columns say over how many); failures count runs.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from statistics import mean
from typing import TYPE_CHECKING

from benchmarks.sets import SETS

if TYPE_CHECKING:
    from benchmarks.quality import RunResult


def per_instance(
    results: Sequence[RunResult],
) -> dict[str, dict[str, float | None]]:
    """``{solver: {instance: mean customary cost, or None if any seed failed}}``."""
    runs: dict[tuple[str, str], list[RunResult]] = defaultdict(list)
    for r in results:
        runs[(r.solver, r.instance)].append(r)
    out: dict[str, dict[str, float | None]] = defaultdict(dict)
    for (solver, instance), rs in runs.items():
        ok = all(r.feasible and r.customary_cost is not None for r in rs)
        out[solver][instance] = mean(r.customary_cost or 0.0 for r in rs) if ok else None
    return out


def _cpu_share(rs: Sequence[RunResult]) -> float | None:
    """Mean CPU seconds per wall-clock second (1.0 = a whole core all along)."""
    shares = [r.cpu_seconds / r.seconds for r in rs if r.seconds > 0 and r.cpu_seconds >= 0]
    return mean(shares) if shares else None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _column_gaps(
    set_name: str, solvers: Sequence[str], costs: dict[str, dict[str, float | None]]
) -> list[str]:
    """Lines of a table of mean gaps to each separate BKS column of the set (if any)."""
    columns = SETS[set_name].bks_by_column() if set_name in SETS else {}
    if not columns:
        return []
    head = " | ".join(f"gap to `{c}` (%)" for c in columns)
    lines = ["", f"| solver | {head} |", "|---|" + "---:|" * len(columns)]
    for s in solvers:
        cells = []
        for values in columns.values():
            gaps = [
                100.0 * (c - b) / b
                for i, c in costs[s].items()
                if c is not None and (b := values.get(i.lower()))
            ]
            cells.append(f"{_fmt(mean(gaps) if gaps else None)} over {len(gaps)}")
        lines.append(f"| {s} | {' | '.join(cells)} |")
    return lines


def set_table(results: Sequence[RunResult], solvers: Sequence[str]) -> str:
    """Markdown for the results of one set (any number of seeds, one time limit or more)."""
    set_name = results[0].set
    instances = list(dict.fromkeys(r.instance for r in results))
    seeds = sorted({r.seed for r in results})
    limits = sorted({r.time_limit for r in results})
    costs = per_instance(results)
    bks = {r.instance: r.bks for r in results}
    present = [s for s in solvers if s in costs]
    lines = [
        f"#### {set_name}: {len(instances)} instances, "
        f"{'/'.join(f'{t:g}' for t in limits)} s, {len(seeds)} seed(s)",
        "",
        "| solver | runs | failures | solved instances | mean gap to BKS (%) "
        "| mean routes | mean seconds | CPU share |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in present:
        rs = [r for r in results if r.solver == s]
        solved = {i: c for i, c in costs[s].items() if c is not None}
        gaps = [100.0 * (c - b) / b for i, c in solved.items() if (b := bks.get(i))]
        feasible = [r for r in rs if r.feasible]
        lines.append(
            f"| {s} | {len(rs)} | {sum(not r.feasible for r in rs)} | {len(solved)} "
            f"| {_fmt(mean(gaps) if gaps else None)} "
            f"| {_fmt(mean(r.vehicles for r in feasible) if feasible else None, 1)} "
            f"| {_fmt(mean(r.seconds for r in rs), 2)} | {_fmt(_cpu_share(rs), 2)} |"
        )
    pairs = list(itertools.combinations(present, 2))
    if pairs:
        lines += [
            "",
            "| comparison | instances | mean cost ratio | wins / ties / losses |",
            "|---|---:|---:|---:|",
        ]
        for first, second in pairs:
            both = [
                (ca, cb)
                for i in instances
                if (ca := costs[first].get(i)) is not None
                and (cb := costs[second].get(i)) is not None
            ]
            ratios = [ca / cb for ca, cb in both]
            wins = sum(ca < cb for ca, cb in both)
            ties = sum(ca == cb for ca, cb in both)
            lines.append(
                f"| {first} / {second} | {len(both)} | {_fmt(mean(ratios) if ratios else None, 4)} "
                f"| {wins} / {ties} / {len(both) - wins - ties} |"
            )
    lines += _column_gaps(set_name, present, costs)
    failures = [r for r in results if not r.feasible]
    if failures:
        lines += ["", "Failed runs:", ""]
        lines += [f"- {r.instance} {r.solver} seed {r.seed}: {r.error}" for r in failures[:20]]
        if len(failures) > 20:
            lines.append(f"- ... and {len(failures) - 20} more (see the CSV)")
    if set_name in SETS:
        lines += ["", SETS[set_name].bks_note]
    return "\n".join(lines)


def markdown(results: Sequence[RunResult], solvers: Sequence[str]) -> str:
    """Markdown tables, one block per set, for ``results``; ratios read as row / column.

    A ratio below 1 and more wins than losses mean the first solver of the pair is cheaper.
    """
    by_set: dict[str, list[RunResult]] = defaultdict(list)
    for r in results:
        by_set[r.set].append(r)
    return "\n\n".join(set_table(rs, solvers) for rs in by_set.values())
