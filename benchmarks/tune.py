"""Quick search-tuning loop: ``python -m benchmarks.tune --variants base,nb20 ...``.

Runs named variants of Doorstep's single-core search (``doorstep@SPEC`` solvers, see
:mod:`benchmarks.peers.doorstep_peer`) and VROOM side by side on a subset of a standard set,
through the quality harness (:func:`benchmarks.quality.run`: same matrices, same checker,
one core per run, ``--workers`` runs at a time), and prints per variant the mean cost ratio
to VROOM *measured in the same run*, overall and per instance family, with wins / ties /
losses and the CPU share the runs got. The default subset is where Doorstep loses most
(every R1 and RC1 instance of Solomon) plus one instance of each other family.

Every variant row of the CSV names its spec, so a study can be re-read with ``--from-csv``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean

from benchmarks import machine
from benchmarks.quality import RESULTS, RunResult, Task, read_csv, run
from benchmarks.report import per_instance
from benchmarks.sets import SETS

#: Named variants of the single-core search: name -> spec (``doorstep@SPEC``).
VARIANTS: dict[str, str] = {
    "base": "",
    "nb10": "neighbors_ratio=0.1;min_neighbors=10",
    "nb20": "neighbors_ratio=0.2;min_neighbors=10",
    "nb40": "neighbors_ratio=0.4;min_neighbors=10",
    "lam05": "gls_lambda=0.05",
    "lam20": "gls_lambda=0.2",
    "lam30": "gls_lambda=0.3",
    "lci": "first_solution=LOCAL_CHEAPEST_INSERTION",
    "savings": "first_solution=SAVINGS",
    "christofides": "first_solution=CHRISTOFIDES",
    "bandit": "bandit=true",
    "reset": "reset_penalties=true",
    "penops": "penalties_in_operators=true",
    "ils": "metaheuristic=ils",
    "no-inactive": (
        "-make_inactive;-make_chain_inactive;-swap_active;-swap_active_chain;"
        "-shortest_path_swap_active"
    ),
    "fast": (
        "neighbors_ratio=0.2;min_neighbors=10;-make_inactive;-make_chain_inactive;"
        "-swap_active;-swap_active_chain;-shortest_path_swap_active"
    ),
    "ils-nb20": "metaheuristic=ils;neighbors_ratio=0.2;min_neighbors=10",
    "gls-tabu": "metaheuristic=gls+tabu",
    "gls-sa": "metaheuristic=gls+sa",
    "tabu": "metaheuristic=tabu",
    "ils-lci-nb20": (
        "metaheuristic=ils;ils_recreate=LOCAL_CHEAPEST_INSERTION;neighbors_ratio=0.2;"
        "min_neighbors=10"
    ),
    "lns": (
        "+global_cheapest_insertion_close_nodes_lns;+local_cheapest_insertion_close_nodes_lns;"
        "+global_cheapest_insertion_expensive_chain_lns;"
        "+local_cheapest_insertion_expensive_chain_lns"
    ),
    "vc05": "vehicle_cost=0.5",
    "vc1": "vehicle_cost=1",
    "vc2": "vehicle_cost=2",
    "vc1-s30": "vehicle_cost=1;vehicle_cost_share=0.3",
    "vc1-s70": "vehicle_cost=1;vehicle_cost_share=0.7",
    "vc1-lam20": "vehicle_cost=1;gls_lambda=0.2",
    "no-lns": "-global_cheapest_insertion_path_lns;-local_cheapest_insertion_path_lns",
    "plus-ops": "+extended_swap_active;+relocate_and_make_active;+cross_exchange",
}

#: Default Solomon subset: every R1 and RC1 instance, and one of each other family.
SUBSET = ("r1*", "rc1*", "c103", "c204", "r205", "rc208")


def _family(instance: str) -> str:
    match = re.match(r"([a-z]+\d)", instance.lower())
    return match.group(1).upper() if match else instance


def solver_name(variant: str) -> str:
    """Harness solver name of ``variant`` (a name of :data:`VARIANTS`, or ``@SPEC``)."""
    spec = variant[1:] if variant.startswith("@") else VARIANTS[variant]
    return "doorstep@" + spec


def summary(results: Sequence[RunResult], reference: str = "vroom") -> str:
    """Markdown: per solver, mean cost ratio to ``reference`` overall and per family."""
    costs = per_instance(results)
    ref = costs.get(reference, {})
    instances = list(dict.fromkeys(r.instance for r in results))
    families = list(dict.fromkeys(_family(i) for i in instances))
    names = {spec: name for name, spec in VARIANTS.items()}
    head = " | ".join(families)
    lines = [
        f"| variant | spec | vs {reference} | {head} | W / T / L | failures | CPU share |",
        "|---|---|---:|" + "---:|" * len(families) + "---:|---:|---:|",
    ]
    for solver in dict.fromkeys(r.solver for r in results):
        if solver == reference:
            continue
        rs = [r for r in results if r.solver == solver]
        pairs = {
            i: c / b
            for i, c in costs[solver].items()
            if c is not None and (b := ref.get(i)) is not None
        }
        cells = []
        for fam in families:
            values = [x for i, x in pairs.items() if _family(i) == fam]
            cells.append(f"{mean(values):.4f}" if values else "-")
        wins = sum(x < 1 for x in pairs.values())
        ties = sum(x == 1 for x in pairs.values())
        share = [r.cpu_seconds / r.seconds for r in rs if r.seconds > 0]
        spec = solver.removeprefix("doorstep@") if solver.startswith("doorstep@") else solver
        lines.append(
            f"| {names.get(spec, '-' if solver.startswith('doorstep@') else solver)} "
            f"| `{spec or '(default)'}` "
            f"| {mean(pairs.values()):.4f} | {' | '.join(cells)} "
            f"| {wins} / {ties} / {len(pairs) - wins - ties} "
            f"| {sum(not r.feasible for r in rs)} | {mean(share):.2f} |"
            if pairs
            else f"| {solver} | | - | | | {len(rs)} | |"
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.tune",
        description="Compare variants of the single-core search with VROOM on a subset.",
    )
    p.add_argument(
        "--variants",
        default="base",
        help=f"comma-separated names from {','.join(VARIANTS)}, or @SPEC for an ad-hoc one",
    )
    p.add_argument("--set", default="solomon", choices=sorted(SETS))
    p.add_argument(
        "--instances",
        default=",".join(SUBSET),
        help="comma-separated globs on instance names (default: the R1/RC1-heavy subset)",
    )
    p.add_argument("--time-limit", type=float, default=10.0)
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--workers", type=int, default=2, help="runs in parallel (1 core each)")
    p.add_argument("--reference", default="vroom", help="peer run alongside (or 'none')")
    p.add_argument("--out", type=Path, help="CSV (default: benchmarks/results/tune/...)")
    p.add_argument("--from-csv", type=Path, nargs="+", help="only print these runs' table")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.from_csv:
        print(summary(read_csv(args.from_csv), args.reference))
        return 0
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if not v.startswith("@") and v not in VARIANTS]
    if unknown:
        _parser().error(f"unknown variant(s) {unknown}; define them in VARIANTS or use @SPEC")
    solvers = [solver_name(v) for v in variants]
    if args.reference != "none":
        solvers.insert(0, args.reference)
    iset = SETS[args.set]
    files: list[Path] = []
    for glob in args.instances.split(","):
        files += [f for f in iset.files(instances=glob.strip()) if f not in files]
    if not files:
        print("no instance matches", file=sys.stderr)
        return 2
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    tasks = [
        Task(iset.name, str(f), s, seed, args.time_limit)
        for f in files
        for seed in range(args.seeds)
        for s in solvers
    ]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    out = args.out or RESULTS / "tune" / f"{iset.name}-{args.time_limit:g}s-{stamp}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.tune " + " ".join(argv if argv is not None else sys.argv[1:])
    meta = out.with_suffix(".meta.txt")
    meta.write_text(f"command: {command}\n{machine.text()}\n")
    print(f"{len(files)} instance(s), {len(solvers)} solver(s) -> {out}", file=sys.stderr)
    results = run(tasks, out, workers=args.workers, quiet=True)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with meta.open("a") as fh:
        fh.write(f"finished: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, load average {load}\n")
    print(summary(results, args.reference))
    return 0


if __name__ == "__main__":
    sys.exit(main())
