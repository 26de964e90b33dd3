"""Generated test problems: stops scattered on a plane around a few depots (test data only)."""

from __future__ import annotations

import numpy as np

from solver import Depot, Problem, Profile, Stop, Vehicle

HOUR = 3600


def plane_problem(
    n: int,
    vehicles: int,
    *,
    seed: int = 0,
    capacity: int = 60,
    depots: int = 2,
    skilled: frozenset[int] = frozenset(),
) -> Problem:
    """``n`` stops (60% in neighbourhood clumps) on a 10 km square, ``vehicles`` vans.

    Travel: straight-line metres x 1.3, at 4 m/s; demand 1-5 kg; a third of the stops have
    a one-hour window; shifts 08:00-12:00 from alternate depots. Vehicles whose index is
    in ``skilled`` have the skill ``medicine``; every tenth stop needs it when any has.
    """
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 10_000, size=(max(1, n // 40), 2))
    points = []
    for _ in range(n):
        if rng.random() < 0.6:
            xy = centres[rng.integers(len(centres))] + rng.normal(0, 500, 2)
            points.append(np.clip(xy, 0, 10_000))
        else:
            points.append(rng.uniform(0, 10_000, 2))
    xy = np.vstack([rng.uniform(2_000, 8_000, size=(depots, 2)), np.asarray(points)])
    gap = xy[:, None, :] - xy[None, :, :]
    metres = np.rint(np.hypot(gap[..., 0], gap[..., 1]) * 1.3).astype(np.int64)
    seconds = metres // 4
    stops = []
    for i in range(n):
        window: tuple[tuple[int, int], ...] = ()
        if rng.random() < 0.3:
            lo = int(rng.integers(8 * HOUR, 10 * HOUR))
            window = ((lo, lo + HOUR),)
        needs = frozenset({"medicine"}) if skilled and i % 10 == 0 else frozenset()
        stops.append(
            Stop(
                f"s{i}",
                depots + i,
                demand=(int(rng.integers(1, 6)),),
                service=120,
                windows=window,
                priority=int(rng.integers(0, 2)),
                skills=needs,
            )
        )
    fleet = [
        Vehicle(
            f"v{k}",
            k % depots,
            k % depots,
            capacity=(capacity,),
            shift=(8 * HOUR, 12 * HOUR),
            skills=frozenset({"medicine"}) if k in skilled else frozenset(),
        )
        for k in range(vehicles)
    ]
    return Problem(
        stops=tuple(stops),
        vehicles=tuple(fleet),
        profiles=(Profile("drive", seconds, metres),),
        depots=tuple(Depot(f"d{j}", j, (7 * HOUR, 20 * HOUR)) for j in range(depots)),
        dimensions=("kg",),
        skills=frozenset({"medicine"}),
    )
