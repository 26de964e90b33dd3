"""Benchmark instance files → :class:`solver.Problem`, with each family's cost convention.

Two families are read: Solomon files by this module's own strict parser (the ``vrplib``
package's Solomon reader accepts files this one refuses, e.g. a misspelt ``VEHICLE``
block, and cannot name a fault's line), VRPLIB files through the ``vrplib`` package with
every fault named here:

Solomon VRPTW text files (``solomon/*.txt``, ``homberger/*.txt``; CRLF or LF)
    Name line, ``VEHICLE`` block (``NUMBER  CAPACITY``), ``CUSTOMER`` block with rows
    ``CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME``; the first row
    is the depot. Cost convention: Euclidean distance x10, *truncated* to an integer per
    arc (deci-units), summed; the customary figure is that sum / 10 (one decimal). Travel
    times equal these distances, and ready times, due dates and service times are scaled
    by 10 the same way, so time feasibility is decided in the same integer units. The
    fleet is the file's ``VEHICLE NUMBER``; every vehicle leaves and returns to the depot
    within the depot's ready time and due date. ``DUE DATE`` is the latest *start* of
    service, which is exactly what a :class:`solver.Stop` window means.

VRPLIB CVRP files (``cvrplib-x/*.vrp``, ``EDGE_WEIGHT_TYPE : EUC_2D``)
    Cost convention of CVRPLIB: Euclidean distance rounded to the nearest integer per arc
    (TSPLIB ``nint``), summed. There are no time windows; travel time equals distance and
    the shift is long enough never to bind. Fleet size: the header's ``VEHICLES`` when
    present; otherwise, when the name carries ``-kK`` (X instances), ``K`` is the minimum
    number of routes (for 97 of the 100 X files exactly ⌈total demand / capacity⌉), while
    best-known solutions use up to ``K + 6`` routes (X-n936-k151: 157; X-n101-k25: 26).
    We therefore allow ``K + ⌈K/10⌉ + 1`` vehicles, which admits every published BKS;
    without either, one vehicle per customer.

Generated instances (:func:`generate_vrptw`)
    Random customers in a 10 km square in real units (metres, seconds from midnight);
    cost = metres. Used by ``doorstep solve --generate N``.

Identifiers
    Each stop's id is its number in the file (Solomon ``CUST NO.``; VRPLIB node number of
    ``NODE_COORD_SECTION``, where the depot is usually node 1). Note that CVRPLIB ``.sol``
    files number customers from 1 with the depot as 0, i.e. *node number - 1*;
    :func:`read_vrplib_solution` converts them to node numbers.

Coordinates in these files are abstract planar ``(x, y)``, not WGS-84.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from api.i18n import N_, Message
from solver import Depot, Objective, ObjectiveKind, Problem, Profile, Solution, Stop, Vehicle

FloatArray = npt.NDArray[np.float64]
IntMatrix = npt.NDArray[np.int64]

#: Scale of the Solomon convention: distances and times in tenths.
SOLOMON_SCALE = 10


class InstanceFormatError(ValueError):
    """An instance file is missing or malformed; names the file, line and field.

    Attributes
    ----------
    path
        The file.
    line
        1-based line number, or ``None`` when the fault is not on one line.
    field
        The field or section at fault, e.g. ``"DUE DATE"`` or ``"DEMAND_SECTION"``.
    problem
        A sentence saying what is wrong.
    """

    code = "INVALID_INSTANCE_FILE"

    def __init__(self, path: Path, line: int | None, field: str, problem: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem
        where = f"{path}:{line}" if line is not None else f"{path}"
        #: The whole sentence (from the catalogs: told in the reader's language later).
        self.said = Message(
            N_("%(where)s: field %(field)s: %(problem)s"),
            where=where,
            field=repr(field),
            problem=problem,
        )
        super().__init__(self.said)


def _got(message: str, given: object) -> Message:
    """A fault naming what the file gave instead (as ``repr``)."""
    return Message(message, got=repr(given))


class InstanceKind(StrEnum):
    """Which family (and so which cost convention) an instance belongs to."""

    SOLOMON = "solomon"
    CVRP = "cvrp"
    GENERATED = "generated"


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """A benchmark instance as a solver problem, plus what results need to be printed.

    Attributes
    ----------
    name
        Instance name (from the file, or made up for generated ones).
    kind
        Family, which fixes the cost convention.
    problem
        The problem; location ``i`` is row ``i`` of ``coords``; stop ids are file numbers.
    coords
        ``(n_locations, 2)`` planar ``(x, y)`` coordinates as in the file (not WGS-84).
    node_ids
        File number of each location (depot included), in location order.
    scale
        Internal cost units per customary unit (10 for Solomon, 1 for CVRP).
    """

    name: str
    kind: InstanceKind
    problem: Problem
    coords: FloatArray
    node_ids: tuple[int, ...]
    scale: int

    def customary_cost(self, internal: int) -> float | int:
        """Convert an internal cost (deci-units or rounded units) to the customary figure.

        Solomon instances give a float with one decimal (sum of truncated x10 arcs / 10);
        CVRP and generated instances give the integer sum of rounded arcs (metres for
        generated ones).
        """
        if self.scale == 1:
            return int(internal)
        return round(internal / self.scale, 1)

    def file_routes(self, solution: Solution) -> list[list[int]]:
        """Routes of ``solution`` as lists of customer numbers of the file."""
        return [[int(v.stop_id) for v in r.visits] for r in solution.routes]

    def file_unassigned(self, solution: Solution) -> list[int]:
        """Unassigned customers of ``solution`` as numbers of the file."""
        return [int(u.stop_id) for u in solution.unassigned]

    def route_cost(self, routes: Sequence[Sequence[int]]) -> int:
        """Internal cost of depot-to-depot routes given as customer numbers of the file.

        Parameters
        ----------
        routes
            Each route lists customer numbers; the depot at both ends is implied.

        Returns
        -------
        int
            Sum of the per-arc integer distances of the instance's convention.
        """
        index = {node: i for i, node in enumerate(self.node_ids)}
        dist = self.problem.profiles[0].distances
        depot = self.problem.vehicles[0].start
        total = 0
        for route in routes:
            path = [depot, *(index[c] for c in route), depot]
            total += sum(int(dist[a, b]) for a, b in itertools.pairwise(path))
        return total


# --------------------------------------------------------------------------- distances


def truncated_x10(coords: FloatArray) -> IntMatrix:
    """Solomon convention: ``floor(10 * euclidean)`` per pair, exact for integer coords.

    Parameters
    ----------
    coords
        ``(n, 2)`` planar coordinates.

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` int64 matrix in tenths of the coordinate unit.
    """
    diff = coords[:, None, :] - coords[None, :, :]
    if np.all(coords == np.round(coords)):
        # Integer arithmetic: floor(sqrt(100 * d2)) with the float root corrected by one
        # where it is off, so no pair is truncated the wrong way.
        d2 = 100 * np.sum(np.round(diff).astype(np.int64) ** 2, axis=2)
        root = np.floor(np.sqrt(d2.astype(np.float64))).astype(np.int64)
        root -= (root * root > d2).astype(np.int64)
        root += ((root + 1) * (root + 1) <= d2).astype(np.int64)
        return root
    return np.floor(10.0 * np.hypot(diff[..., 0], diff[..., 1]) + 1e-9).astype(np.int64)


def rounded_euclidean(coords: FloatArray) -> IntMatrix:
    """CVRPLIB (TSPLIB ``nint``) convention: ``floor(euclidean + 0.5)`` per pair.

    Parameters
    ----------
    coords
        ``(n, 2)`` planar coordinates.
    """
    diff = coords[:, None, :] - coords[None, :, :]
    return np.floor(np.hypot(diff[..., 0], diff[..., 1]) + 0.5).astype(np.int64)


# --------------------------------------------------------------------------- helpers


def _read_lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InstanceFormatError(path, None, "path", Message(N_("file not found"))) from None
    except OSError as exc:
        raise InstanceFormatError(
            path, None, "path", Message(N_("cannot be read: %(why)s"), why=str(exc))
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InstanceFormatError(
            path, None, "encoding", Message(N_("not UTF-8 text (%(why)s)"), why=str(exc))
        ) from None
    return text.splitlines()


def _number(path: Path, line: int, field: str, token: str) -> float:
    try:
        value = float(token)
    except ValueError:
        raise InstanceFormatError(
            path, line, field, _got(N_("expected a number, got %(got)s"), token)
        ) from None
    if not math.isfinite(value):
        raise InstanceFormatError(
            path, line, field, _got(N_("expected a finite number, got %(got)s"), token)
        )
    return value


def _integer(path: Path, line: int, field: str, token: str, *, minimum: int = 0) -> int:
    value = _number(path, line, field, token)
    if value != int(value):
        raise InstanceFormatError(
            path, line, field, _got(N_("expected an integer, got %(got)s"), token)
        )
    if value < minimum:
        raise InstanceFormatError(
            path,
            line,
            field,
            Message(
                N_("must be at least %(least)s, got %(value)s"), least=str(minimum), value=token
            ),
        )
    return int(value)


def _scaled(path: Path, line: int, field: str, token: str, scale: int) -> int:
    value = _number(path, line, field, token)
    if value < 0:
        raise InstanceFormatError(
            path, line, field, Message(N_("must not be negative, got %(value)s"), value=token)
        )
    scaled = value * scale
    if abs(scaled - round(scaled)) > 1e-6:
        raise InstanceFormatError(
            path,
            line,
            field,
            Message(
                N_("%(value)s has more decimals than the x%(scale)s convention keeps"),
                value=token,
                scale=str(scale),
            ),
        )
    return round(scaled)


# --------------------------------------------------------------------------- Solomon

_SOLOMON_COLUMNS = (
    "CUST NO.",
    "XCOORD.",
    "YCOORD.",
    "DEMAND",
    "READY TIME",
    "DUE DATE",
    "SERVICE TIME",
)


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


def read_solomon(path: Path | str) -> Instance:
    """Read a Solomon / Homberger VRPTW text file.

    Parameters
    ----------
    path
        The ``.txt`` file.

    Returns
    -------
    Instance
        Problem in deci-units (distance = travel time = ``floor(10 * euclidean)``; windows
        and service x10), one stop per customer with id ``CUST NO.``, fleet = ``VEHICLE
        NUMBER`` identical vehicles based at the depot (first row).

    Raises
    ------
    InstanceFormatError
        If the file is missing or malformed (file, line and field named).
    """
    path = Path(path)
    lines = _read_lines(path)
    numbered = [(i + 1, line.split()) for i, line in enumerate(lines)]
    content = [(no, toks) for no, toks in numbered if toks]
    if not content:
        raise InstanceFormatError(path, None, "NAME", Message(N_("the file is empty")))
    name = " ".join(content[0][1])

    def find(word: str) -> int:
        for k, (_, toks) in enumerate(content):
            if toks[0].upper() == word:
                return k
        raise InstanceFormatError(path, None, word, Message(N_("no %(word)s section"), word=word))

    k_vehicle = find("VEHICLE")
    if k_vehicle + 2 >= len(content):
        raise InstanceFormatError(
            path, content[k_vehicle][0], "VEHICLE", Message(N_("section is cut short"))
        )
    no, toks = content[k_vehicle + 2]
    if len(toks) != 2:
        raise InstanceFormatError(
            path, no, "NUMBER CAPACITY", _got(N_("expected 2 values, got %(got)s"), toks)
        )
    fleet = _integer(path, no, "VEHICLE NUMBER", toks[0], minimum=1)
    capacity = _integer(path, no, "CAPACITY", toks[1])

    k_customer = find("CUSTOMER")
    rows: list[_Row] = []
    seen: dict[int, int] = {}
    for no, toks in content[k_customer + 1 :]:
        if not toks[0].lstrip("+-").replace(".", "", 1).isdigit():
            continue  # the column header line
        if len(toks) != len(_SOLOMON_COLUMNS):
            raise InstanceFormatError(
                path,
                no,
                "CUSTOMER",
                Message(
                    N_("expected %(n)d columns, got %(got)d"),
                    n=len(_SOLOMON_COLUMNS),
                    got=len(toks),
                ),
            )
        number = _integer(path, no, "CUST NO.", toks[0])
        if number in seen:
            raise InstanceFormatError(
                path,
                no,
                "CUST NO.",
                Message(
                    N_("customer %(number)d already given on line %(line)d"),
                    number=number,
                    line=seen[number],
                ),
            )
        seen[number] = no
        row = _Row(
            number=number,
            x=_number(path, no, "XCOORD.", toks[1]),
            y=_number(path, no, "YCOORD.", toks[2]),
            demand=_integer(path, no, "DEMAND", toks[3]),
            ready=_scaled(path, no, "READY TIME", toks[4], SOLOMON_SCALE),
            due=_scaled(path, no, "DUE DATE", toks[5], SOLOMON_SCALE),
            service=_scaled(path, no, "SERVICE TIME", toks[6], SOLOMON_SCALE),
        )
        if row.due < row.ready:
            raise InstanceFormatError(
                path,
                no,
                "DUE DATE",
                Message(
                    N_("due date %(due)s is before ready time %(ready)s"),
                    due=toks[5],
                    ready=toks[4],
                ),
            )
        rows.append(row)
    if len(rows) < 2:
        raise InstanceFormatError(
            path,
            content[k_customer][0],
            "CUSTOMER",
            Message(N_("needs the depot row and customer rows")),
        )
    return _solomon_instance(name, rows, fleet=fleet, capacity=capacity)


def _solomon_instance(name: str, rows: Sequence[_Row], *, fleet: int, capacity: int) -> Instance:
    coords = np.array([(r.x, r.y) for r in rows], dtype=np.float64)
    matrix = truncated_x10(coords)
    depot = rows[0]
    shift = (depot.ready, depot.due)
    stops = tuple(
        Stop(
            id=str(r.number),
            location=i,
            demand=(r.demand,),
            service=r.service,
            windows=((r.ready, r.due),),
        )
        for i, r in enumerate(rows)
        if i > 0
    )
    vehicles = tuple(
        Vehicle(id=f"v{k + 1}", start=0, end=0, capacity=(capacity,), shift=shift)
        for k in range(fleet)
    )
    return _planar_instance(
        name,
        InstanceKind.SOLOMON,
        stops,
        vehicles,
        Profile("euclidean-x10-truncated", matrix, matrix.copy()),
        Depot(id=str(depot.number), location=0, window=shift),
        coords,
        tuple(r.number for r in rows),
    )


def _planar_instance(
    name: str,
    kind: InstanceKind,
    stops: tuple[Stop, ...],
    vehicles: tuple[Vehicle, ...],
    profile: Profile,
    depot: Depot,
    coords: FloatArray,
    node_ids: tuple[int, ...],
) -> Instance:
    """An instance of a benchmark family: one depot, one demand dimension, distance cost
    (deci-units for Solomon, rounded units for CVRP)."""
    problem = Problem(
        stops=stops,
        vehicles=vehicles,
        profiles=(profile,),
        depots=(depot,),
        objective=Objective(kind=ObjectiveKind.DISTANCE),
        dimensions=("demand",),
    )
    scale = SOLOMON_SCALE if kind is InstanceKind.SOLOMON else 1
    return Instance(name, kind, problem, coords, node_ids, scale)


# --------------------------------------------------------------------------- VRPLIB

_HEADER = re.compile(r"^\s*([A-Z_]+)\s*:\s*(.*?)\s*$")
_SUPPORTED_SECTIONS = {"NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION"}


def _fleet_from_name(name: str, customers: int) -> int:
    match = re.search(r"-k(\d+)", name)
    if match is None:
        return customers
    k = int(match.group(1))
    return min(customers, k + math.ceil(k / 10) + 1)


def read_vrplib(path: Path | str, *, fleet: int | None = None) -> Instance:
    """Read a VRPLIB CVRP file with ``EDGE_WEIGHT_TYPE : EUC_2D`` (one depot).

    The ``vrplib`` package parses the file; this layer checks what it parsed (naming the
    file, line and field of each fault) and applies the CVRPLIB cost convention. Nodes are
    numbered ``1..DIMENSION`` in file order (the VRPLIB convention).

    Parameters
    ----------
    path
        The ``.vrp`` file.
    fleet
        Number of vehicles; default from ``VEHICLES``, else from the name's ``-kK`` (see the
        module docstring), else one per customer.

    Returns
    -------
    Instance
        Problem with nint-rounded Euclidean distances (also used as travel times), one
        stop per customer with id = node number, identical vehicles at the depot.

    Raises
    ------
    InstanceFormatError
        If the file is missing or malformed (file, line and field named).
    """
    from vrplib.parse import parse_vrplib

    path = Path(path)
    lines = _read_lines(path)
    where = _VrplibLines.of(lines)
    for section, no in where.sections.items():
        if section not in _SUPPORTED_SECTIONS:
            raise InstanceFormatError(
                path, no, section, Message(N_("this section is not supported"))
            )
    try:
        data = parse_vrplib("\n".join(lines), compute_edge_weights=False)
    except (ValueError, RuntimeError) as exc:
        raise InstanceFormatError(
            path, None, "file", Message(N_("not a VRPLIB file: %(why)s"), why=str(exc))
        ) from None

    def head(key: str) -> tuple[int, str]:
        if key.lower() not in data:
            raise InstanceFormatError(path, None, key, Message(N_("missing from the header")))
        return where.keys.get(key, 0), str(data[key.lower()]).strip('"')

    name = str(data.get("name", path.stem)).strip('"')
    no, kind = head("EDGE_WEIGHT_TYPE")
    if kind != "EUC_2D":
        raise InstanceFormatError(
            path,
            no,
            "EDGE_WEIGHT_TYPE",
            Message(N_("only EUC_2D is read, got %(kind)s"), kind=kind),
        )
    no, value = head("DIMENSION")
    dimension = _integer(path, no, "DIMENSION", value, minimum=2)
    no, value = head("CAPACITY")
    capacity = _integer(path, no, "CAPACITY", value)
    coords = _vrplib_coords(path, data, where, dimension)
    demand = _vrplib_demand(path, data, where, dimension)
    depot = _vrplib_depot(path, data, where, dimension)
    if fleet is None and "vehicles" in data:
        no = where.keys.get("VEHICLES", 0)
        fleet = _integer(path, no, "VEHICLES", str(data["vehicles"]), minimum=1)
    if fleet is None:
        fleet = _fleet_from_name(name, dimension - 1)
    return _cvrp_instance(name, coords, demand, depot, capacity=capacity, fleet=fleet)


@dataclass(frozen=True, slots=True)
class _VrplibLines:
    """Where things stand in a VRPLIB file, to name the line of a fault (1-based numbers):
    each header key, each section's header and its rows."""

    keys: dict[str, int]
    sections: dict[str, int]
    rows: dict[str, list[int]]

    @classmethod
    def of(cls, lines: Sequence[str]) -> _VrplibLines:
        keys: dict[str, int] = {}
        sections: dict[str, int] = {}
        rows: dict[str, list[int]] = {}
        current: str | None = None
        for no, line in enumerate(lines, start=1):
            toks = line.split()
            if not toks:
                continue
            word = toks[0].rstrip(":").upper()
            if word == "EOF":
                break
            if word.endswith("_SECTION"):
                current = word
                sections[word], rows[word] = no, []
            elif current is not None:
                rows[current].append(no)
            elif (match := _HEADER.match(line)) is not None:
                keys[match.group(1)] = no
        return cls(keys, sections, rows)

    def row(self, section: str, k: int) -> int | None:
        """Line of row ``k`` (0-based) of ``section``."""
        found = self.rows.get(section, [])
        return found[k] if k < len(found) else None


def _vrplib_rows(
    path: Path, data: dict[str, Any], where: _VrplibLines, section: str, dimension: int
) -> list[list[Any]]:
    """The rows of a section as parsed (node number dropped), one per node."""
    key = section.removesuffix("_SECTION").lower()
    if key not in data:
        raise InstanceFormatError(path, None, section, Message(N_("section is missing")))
    rows = [list(np.atleast_1d(r)) for r in data[key]]
    if len(rows) != dimension:
        problem = Message(
            N_("has %(rows)d rows, DIMENSION says %(dimension)d"),
            rows=len(rows),
            dimension=dimension,
        )
        raise InstanceFormatError(path, where.row(section, 0), section, problem)
    return rows


def _vrplib_coords(
    path: Path, data: dict[str, Any], where: _VrplibLines, dimension: int
) -> FloatArray:
    section = "NODE_COORD_SECTION"
    coords = np.zeros((dimension, 2), dtype=np.float64)
    for i, row in enumerate(_vrplib_rows(path, data, where, section, dimension)):
        no = where.row(section, i) or 0
        if len(row) != 2:
            raise InstanceFormatError(
                path, no, section, _got(N_("expected 'node x y', got %(got)s"), row)
            )
        coords[i] = (
            _number(path, no, f"{section} x", str(row[0])),
            _number(path, no, f"{section} y", str(row[1])),
        )
    return coords


def _vrplib_demand(
    path: Path, data: dict[str, Any], where: _VrplibLines, dimension: int
) -> list[int]:
    section = "DEMAND_SECTION"
    out = []
    for i, row in enumerate(_vrplib_rows(path, data, where, section, dimension)):
        no = where.row(section, i) or 0
        if len(row) != 1:
            raise InstanceFormatError(
                path, no, section, _got(N_("expected 'node demand', got %(got)s"), row)
            )
        out.append(_integer(path, no, f"{section} demand", str(row[0])))
    return out


def _vrplib_depot(path: Path, data: dict[str, Any], where: _VrplibLines, dimension: int) -> int:
    depots = [int(d) for d in np.atleast_1d(data.get("depot", []))]
    if len(depots) != 1:
        raise InstanceFormatError(
            path,
            None,
            "DEPOT_SECTION",
            Message(N_("exactly one depot is read, found %(n)d"), n=len(depots)),
        )
    if not 0 <= depots[0] < dimension:
        no = where.row("DEPOT_SECTION", 0)
        raise InstanceFormatError(
            path, no, "DEPOT_SECTION", Message(N_("unknown node %(node)d"), node=depots[0] + 1)
        )
    return depots[0]


def _cvrp_instance(
    name: str,
    coords: FloatArray,
    demand: Sequence[int],
    depot: int,
    *,
    capacity: int,
    fleet: int,
) -> Instance:
    """A CVRP instance under the CVRPLIB convention (nint-rounded Euclidean arcs)."""
    dimension = len(coords)
    node_ids = tuple(range(1, dimension + 1))
    matrix = rounded_euclidean(coords)
    # No time limits in CVRP: a shift no route can exceed (every arc at its longest).
    horizon = int(matrix.max()) * (dimension + 1) + 1
    stops = tuple(
        Stop(id=str(node_ids[i]), location=i, demand=(demand[i],))
        for i in range(dimension)
        if i != depot
    )
    vehicles = tuple(
        Vehicle(id=f"v{k + 1}", start=depot, end=depot, capacity=(capacity,), shift=(0, horizon))
        for k in range(fleet)
    )
    return _planar_instance(
        name,
        InstanceKind.CVRP,
        stops,
        vehicles,
        Profile("euclidean-nint", matrix, matrix.copy()),
        Depot(id=str(node_ids[depot]), location=depot, window=(0, horizon)),
        coords,
        node_ids,
    )


def read_vrplib_solution(path: Path | str) -> tuple[list[list[int]], int | None]:
    """Read a CVRPLIB ``.sol`` file.

    Parameters
    ----------
    path
        The ``.sol`` file (``Route #k: c c c`` lines and a ``Cost N`` line).

    Returns
    -------
    tuple
        Routes as VRPLIB *node numbers* (the ``.sol`` numbers + 1, i.e. depot node 1 is 0
        in the ``.sol`` file) and the stated cost, or ``None`` when absent.
    """
    path = Path(path)
    routes: list[list[int]] = []
    cost: int | None = None
    for i, line in enumerate(_read_lines(path)):
        no = i + 1
        if line.lower().startswith("route"):
            _, _, rest = line.partition(":")
            routes.append([_integer(path, no, "Route", tok, minimum=1) + 1 for tok in rest.split()])
        elif line.lower().startswith("cost"):
            toks = line.split()
            if len(toks) != 2:
                raise InstanceFormatError(
                    path, no, "Cost", _got(N_("expected 'Cost N', got %(got)s"), line)
                )
            cost = _integer(path, no, "Cost", toks[1])
    return routes, cost


# --------------------------------------------------------------------------- dispatch


def read_instance(path: Path | str) -> Instance:
    """Read a Solomon ``.txt`` or VRPLIB ``.vrp`` file, telling them apart by content.

    Parameters
    ----------
    path
        The file.

    Raises
    ------
    InstanceFormatError
        If the file is missing, of an unknown kind, or malformed.
    """
    path = Path(path)
    if path.suffix.lower() == ".vrp":
        return read_vrplib(path)
    lines = _read_lines(path)
    for line in lines:
        if line.strip():
            if _HEADER.match(line):
                return read_vrplib(path)
            break
    return read_solomon(path)


# --------------------------------------------------------------------------- generated

#: Generated instances: straight-line travel at 7 m/s (about 25 km/h in town).
GENERATED_SPEED = 7.0


def generate_vrptw(n: int, *, seed: int = 0) -> Instance:
    """A random VRPTW with ``n`` customers in a 10 km x 10 km town, in real units.

    Customers are scattered over the square, half in a few clusters; the depot is in the
    middle and open 08:00-18:00. Demands 1-30 kg, vans of 200 kg, fleet
    ``max(3, ⌈n / 8⌉)``; service 5 min; each customer has one delivery window of 30-120
    min that a van can reach from the depot and return from before closing. Distances are
    straight-line metres rounded per arc (synthetic data: no street graph), travel times
    those metres at :data:`GENERATED_SPEED`, rounded to seconds. Cost = metres.

    Every 100th customer is made impossible on purpose, so that the output shows how an
    unserved customer is reported: alternately one needing 250 kg (more than any van
    carries) and one in a corner whose window closes at 08:05, before anyone gets there.

    Parameters
    ----------
    n
        Number of customers (at least 1).
    seed
        Random seed; the same seed gives the same instance.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    side, opens, closes, service = 10_000.0, 8 * 3600, 18 * 3600, 300
    centres = rng.uniform(0.15 * side, 0.85 * side, size=(max(1, n // 25), 2))
    points: list[tuple[float, float]] = [(side / 2, side / 2)]
    for _ in range(n):
        if rng.random() < 0.5:
            xy = centres[rng.integers(len(centres))] + rng.normal(0, 0.06 * side, 2)
        else:
            xy = rng.uniform(0, side, 2)
        x, y = np.round(np.clip(xy, 0, side))
        points.append((float(x), float(y)))
    for c in range(200, n + 1, 200):
        points[c] = (0.0, side)  # the far corner for the impossible-window customers
    coords = np.array(points, dtype=np.float64)
    distances = rounded_euclidean(coords)
    durations = np.rint(distances / GENERATED_SPEED).astype(np.int64)

    stops = []
    for c in range(1, n + 1):
        reach = int(durations[0, c])
        width = int(rng.integers(30, 121)) * 60
        latest = closes - reach - service - width
        ready = int(rng.integers(opens + reach, max(opens + reach, latest) + 1))
        demand = int(rng.integers(1, 31))
        if c % 100 == 0 and (c // 100) % 2 == 1:
            demand = 250
        elif c % 100 == 0:
            ready, width = opens, 5 * 60
        stops.append(
            Stop(
                id=str(c),
                location=c,
                demand=(demand,),
                service=service,
                windows=((ready, ready + width),),
            )
        )
    vehicles = tuple(
        Vehicle(id=f"van{k + 1}", start=0, end=0, capacity=(200,), shift=(opens, closes))
        for k in range(max(3, math.ceil(n / 8)))
    )
    problem = Problem(
        stops=tuple(stops),
        vehicles=vehicles,
        profiles=(Profile("straight-line", durations, distances),),
        depots=(Depot(id="0", location=0, window=(opens, closes)),),
        objective=Objective(kind=ObjectiveKind.DISTANCE),
        dimensions=("kg",),
    )
    return Instance(
        name=f"generated-{n}-seed{seed}",
        kind=InstanceKind.GENERATED,
        problem=problem,
        coords=coords,
        node_ids=tuple(range(n + 1)),
        scale=1,
    )
