"""Errors a caller of the street-graph layer can cause, each naming what is at fault."""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error the ``geo`` package raises on purpose.

    Attributes
    ----------
    code
        Stable machine-readable code (one per subclass).
    record
        What is at fault, e.g. ``"file 'x.osm'"`` or ``"point 3"`` (may be empty).
    field
        The field of that record, e.g. ``"lon"`` (may be empty).
    problem
        What is wrong with it, without the record (the message's last part).
    """

    code = "GEO_ERROR"

    def __init__(self, message: str, *, record: str = "", field: str = "") -> None:
        self.record = record
        self.field = field
        self.problem = message
        prefix = record + (f", field {field!r}" if field else "") + ": " if record else ""
        super().__init__(prefix + message)


class MapSourceError(GeoError, ValueError):
    """The map source cannot be read: missing file, unknown format, corrupt data, offline."""

    code = "MAP_SOURCE"


class EmptyGraphError(GeoError, ValueError):
    """The map holds no street usable by the requested travel profile."""

    code = "EMPTY_GRAPH"


class ProfileError(GeoError, KeyError):
    """An unknown travel profile name, or an invalid profile setting."""

    code = "UNKNOWN_PROFILE"

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PointError(GeoError, ValueError):
    """A point given to snap, matrices or geometry is invalid (names the point and field)."""

    code = "INVALID_POINT"
