"""Travel profiles: which OSM ways a mode may use, in which direction, and how fast.

A :class:`TravelProfile` is plain configuration; :data:`PROFILES` holds the four built-in
ones (``walk``, ``bike``, ``ebike``, ``drive``). Build a variant with
:func:`dataclasses.replace`, e.g. ``replace(PROFILES["walk"], default_kmh=4.0)``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from geo.errors import ProfileError

_YES = frozenset({"yes", "true", "1"})
_REVERSE = frozenset({"-1", "reverse"})
_NO = frozenset({"no", "false", "0"})
_MPH = 1.609344


@dataclass(frozen=True, slots=True)
class WayRule:
    """What a profile makes of one OSM way: directions allowed and speed (m/s)."""

    forward: bool
    backward: bool
    speed_mps: float
    local: bool = False


@dataclass(frozen=True, slots=True)
class TravelProfile:
    """How one travel mode uses the street network.

    Attributes
    ----------
    name
        Profile name, e.g. ``"walk"``.
    speeds_kmh
        ``highway=*`` class -> travel speed in km/h. A class absent here is not usable.
    respect_oneway
        Whether ``oneway=*`` (and implied one-way: roundabouts, motorways) applies.
    use_maxspeed
        Whether a parseable ``maxspeed`` tag (km/h, or ``mph``) overrides the class speed,
        times ``maxspeed_factor`` and capped at ``max_kmh``.
    maxspeed_factor
        Share of the posted limit actually achieved on average (dimensionless).
    max_kmh
        Upper bound of any speed in km/h.
    mode_keys
        Access keys of this mode, most specific first (e.g. ``("foot",)``); the first one
        present on a way, else ``access``, decides access.
    denied
        Access values that forbid the way.
    local_access
        Access values that make a way *local*: usable only as the first or last part of a
        leg, to leave or reach a stop's own compound, never as a through shortcut
        (deliveries go into gated compounds; nobody crosses one on the way elsewhere).
    local_tags
        ``(key, values)`` pairs that make a way local whatever its access (``service=private``).
    explicit_only
        Classes usable only when a mode key says ``yes``/``designated``/``permissive``.
    oneway_exempt
        ``(key, values)`` pairs that exempt this mode from a way's one-way rule.
    excluded
        ``(key, values)`` pairs that exclude a way whatever its class (e.g. ``area=yes``).
    door_kmh
        Walking speed from the street to the door and back, in km/h.
    """

    name: str
    speeds_kmh: Mapping[str, float]
    respect_oneway: bool
    use_maxspeed: bool = False
    maxspeed_factor: float = 1.0
    max_kmh: float = 130.0
    mode_keys: tuple[str, ...] = ()
    denied: frozenset[str] = frozenset({"no"})
    local_access: frozenset[str] = frozenset({"private", "destination", "delivery"})
    local_tags: tuple[tuple[str, frozenset[str]], ...] = (("service", frozenset({"private"})),)
    explicit_only: frozenset[str] = frozenset()
    oneway_exempt: tuple[tuple[str, frozenset[str]], ...] = ()
    excluded: tuple[tuple[str, frozenset[str]], ...] = (("area", frozenset({"yes"})),)
    door_kmh: float = 4.5
    _frozen_speeds: tuple[tuple[str, float], ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.speeds_kmh:
            raise ProfileError(f"profile {self.name!r} allows no road class")
        for cls, kmh in self.speeds_kmh.items():
            if not kmh > 0:
                raise ProfileError(
                    f"speed of class {cls!r} must be positive, got {kmh}",
                    record=f"profile {self.name!r}",
                    field="speeds_kmh",
                )
        if not self.door_kmh > 0:
            raise ProfileError(
                "must be positive", record=f"profile {self.name!r}", field="door_kmh"
            )
        object.__setattr__(self, "speeds_kmh", MappingProxyType(dict(self.speeds_kmh)))
        object.__setattr__(self, "_frozen_speeds", tuple(sorted(self.speeds_kmh.items())))

    @property
    def door_mps(self) -> float:
        """Walking speed from street to door, in m/s."""
        return self.door_kmh / 3.6

    def fingerprint(self) -> str:
        """Short stable hash of every setting (part of the graph cache key)."""
        parts = (
            self.name,
            self._frozen_speeds,
            self.respect_oneway,
            self.use_maxspeed,
            self.maxspeed_factor,
            self.max_kmh,
            self.mode_keys,
            sorted(self.denied),
            sorted(self.local_access),
            [(k, sorted(v)) for k, v in self.local_tags],
            sorted(self.explicit_only),
            [(k, sorted(v)) for k, v in self.oneway_exempt],
            [(k, sorted(v)) for k, v in self.excluded],
            self.door_kmh,  # stored in the prepared graph
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    def rule(self, tags: Mapping[str, str]) -> WayRule | None:
        """Directions and speed of a way with OSM ``tags`` for this profile, or ``None``.

        ``forward`` is the way's node order.
        """
        highway = tags.get("highway")
        if highway is None or highway not in self.speeds_kmh:
            return None
        for key, values in self.excluded:
            if tags.get(key) in values:
                return None
        access = next((tags[k] for k in self.mode_keys if k in tags), None)
        if access is None:
            if highway in self.explicit_only:
                return None
            access = tags.get("access")
        elif highway in self.explicit_only and access not in {"yes", "designated", "permissive"}:
            return None
        if access in self.denied:
            return None
        local = access in self.local_access or any(tags.get(k) in v for k, v in self.local_tags)
        kmh = self.speeds_kmh[highway]
        if self.use_maxspeed:
            posted = parse_maxspeed(tags.get("maxspeed"))
            if posted is not None:
                kmh = posted * self.maxspeed_factor
        kmh = min(kmh, self.max_kmh)
        forward, backward = True, True
        if self.respect_oneway and not any(tags.get(k) in v for k, v in self.oneway_exempt):
            forward, backward = oneway_directions(tags)
        return WayRule(forward=forward, backward=backward, speed_mps=kmh / 3.6, local=local)


def oneway_directions(tags: Mapping[str, str]) -> tuple[bool, bool]:
    """``(forward, backward)`` allowed by a way's one-way tags (implied ones included)."""
    value = tags.get("oneway")
    if value in _YES:
        return True, False
    if value in _REVERSE:
        return False, True
    if value in _NO:
        return True, True
    if tags.get("junction") in {"roundabout", "circular"} or tags.get("highway") == "motorway":
        return True, False
    return True, True


_SPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed(value: str | None) -> float | None:
    """Posted speed in km/h from a ``maxspeed`` value, or ``None`` if not numeric.

    Handles ``"50"``, ``"30 mph"``, ``"50;70"`` (the lowest); zone codes such as
    ``"RU:urban"`` and ``"none"`` give ``None`` (the class fallback applies).
    """
    if not value:
        return None
    speeds = []
    for part in value.split(";"):
        m = _SPEED.match(part)
        if m:
            kmh = float(m.group(1)) * (_MPH if m.group(2) == "mph" else 1.0)
            if kmh > 0:
                speeds.append(kmh)
    return min(speeds) if speeds else None


_ROADS = ("primary", "secondary", "tertiary", "unclassified", "residential")
_LINKS = ("primary_link", "secondary_link", "tertiary_link")

WALK = TravelProfile(
    name="walk",
    speeds_kmh={
        **dict.fromkeys(
            (*_ROADS, *_LINKS, "trunk", "trunk_link", "living_street", "service", "road"),
            4.5,
        ),
        **dict.fromkeys(("footway", "path", "pedestrian", "track", "cycleway", "corridor"), 4.5),
        "steps": 2.5,
    },
    respect_oneway=False,
    mode_keys=("foot",),
    explicit_only=frozenset({"cycleway"}),
)

_BIKE_CLASSES = (*_ROADS, *_LINKS, "living_street", "service", "road", "cycleway", "path", "track")


def _bike(name: str, kmh: float) -> TravelProfile:
    return TravelProfile(
        name=name,
        speeds_kmh={
            **dict.fromkeys(_BIKE_CLASSES, kmh),
            "track": min(kmh, 12.0),
            "footway": 5.0,  # pushing the bike
            "pedestrian": 5.0,
        },
        respect_oneway=True,
        mode_keys=("bicycle", "vehicle"),
        oneway_exempt=(
            ("oneway:bicycle", frozenset({"no"})),
            ("cycleway", frozenset({"opposite", "opposite_lane", "opposite_track"})),
        ),
    )


BIKE = _bike("bike", 15.0)
EBIKE = _bike("ebike", 20.0)

DRIVE = TravelProfile(
    name="drive",
    speeds_kmh={
        "motorway": 90.0,
        "motorway_link": 50.0,
        "trunk": 70.0,
        "trunk_link": 40.0,
        "primary": 50.0,
        "primary_link": 40.0,
        "secondary": 45.0,
        "secondary_link": 35.0,
        "tertiary": 40.0,
        "tertiary_link": 30.0,
        "unclassified": 30.0,
        "residential": 25.0,
        "road": 25.0,
        "living_street": 10.0,
        "service": 15.0,  # residential compounds, alleys, drives
    },
    respect_oneway=True,
    use_maxspeed=True,
    maxspeed_factor=0.85,
    mode_keys=("motorcar", "motor_vehicle", "vehicle"),
    excluded=(
        ("area", frozenset({"yes"})),
        ("service", frozenset({"emergency_access"})),
    ),
)

PROFILES: Mapping[str, TravelProfile] = MappingProxyType(
    {p.name: p for p in (WALK, BIKE, EBIKE, DRIVE)}
)


def get_profile(profile: str | TravelProfile) -> TravelProfile:
    """The profile named ``profile`` (or ``profile`` itself); :class:`ProfileError` if unknown."""
    if isinstance(profile, TravelProfile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ProfileError(
            f"unknown travel profile {profile!r}; choose one of {', '.join(PROFILES)}"
        ) from None
