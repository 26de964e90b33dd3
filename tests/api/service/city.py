"""The keys of the community tests (``test_scopes``, ``test_day_http``), which share one
server per database (see ``conftest.city``): each server started costs seconds of CPU
(imports, the maps, the solver process).

The two modules keep out of each other's way: their keys differ, and their plans are of
different dates (a plan replaces the links of an earlier plan of its community and date
only)."""

from __future__ import annotations

SCOPE_CITY_D = "scope-city-dispatcher"
SCOPE_CITY_V = "scope-city-viewer"
SCOPE_NORTH_D = "scope-north-dispatcher"
SCOPE_NORTH_V = "scope-north-viewer"
SCOPE_SOUTH_V = "scope-south-viewer"
DAY_CITY_D = "day-city-dispatcher"
DAY_CITY_V = "day-city-viewer"
DAY_NORTH_D = "day-north-dispatcher"
DAY_NORTH_V = "day-north-viewer"
DAY_SOUTH_D = "day-south-dispatcher"

#: ``DOORSTEP_API_KEYS`` of the shared server: every role and scope, for each module.
ENV_KEYS = ",".join(
    [
        f"{SCOPE_CITY_D}:dispatcher",
        f"{SCOPE_CITY_V}:viewer",
        f"{SCOPE_NORTH_D}:dispatcher:north",
        f"{SCOPE_NORTH_V}:viewer:north",
        f"{SCOPE_SOUTH_V}:viewer:south",
        f"{DAY_CITY_D}:dispatcher",
        f"{DAY_CITY_V}:viewer",
        f"{DAY_NORTH_D}:dispatcher:north",
        f"{DAY_NORTH_V}:viewer:north",
        f"{DAY_SOUTH_D}:dispatcher:south",
    ]
)
