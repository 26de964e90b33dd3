"""Solve requests shared by the solve tests."""

from __future__ import annotations

from typing import Any

#: A VROOM input written in the shape of VROOM's API documentation: two vehicles with
#: capacity and shift, jobs with deliveries, service, setup, windows, skills and priority,
#: one job too heavy for either vehicle, and car durations and distances.
VROOM_EXAMPLE: dict[str, Any] = {
    "vehicles": [
        {
            "id": 1,
            "profile": "car",
            "start_index": 0,
            "end_index": 0,
            "capacity": [6],
            "skills": [1],
            "time_window": [0, 10000],
            "description": "van",
        },
        {"id": 2, "start_index": 0, "capacity": [6], "time_window": [0, 10000]},
    ],
    "jobs": [
        {"id": 101, "location_index": 1, "delivery": [2], "service": 300, "setup": 60},
        {"id": 102, "location_index": 2, "delivery": [3], "time_windows": [[1000, 4000]]},
        {"id": 103, "location_index": 3, "amount": [1], "skills": [1], "priority": 50},
        {"id": 104, "location_index": 4, "delivery": [9], "description": "too heavy"},
    ],
    "matrices": {
        "car": {
            "durations": [
                [0, 600, 900, 1200, 700],
                [600, 0, 400, 800, 900],
                [900, 400, 0, 500, 1100],
                [1200, 800, 500, 0, 1300],
                [700, 900, 1100, 1300, 0],
            ],
            "distances": [
                [0, 5000, 7000, 9000, 6000],
                [5000, 0, 3000, 6000, 7000],
                [7000, 3000, 0, 4000, 9000],
                [9000, 6000, 4000, 0, 10000],
                [6000, 7000, 9000, 10000, 0],
            ],
        }
    },
}
