"""``doorstep map``: inspect a street map and compute travel matrices from the shell.

``doorstep map info FILE`` prints nodes, edges, components and bbox per travel profile.
``doorstep map matrix FILE --profile walk --points pts.csv --out m.npz`` snaps the points
of ``pts.csv`` (header with ``lon,lat``; WGS-84 degrees) and writes ``durations`` (s) and
``distances`` (m) as N x N int64 arrays (``-1`` where unreachable) plus ``snap_m``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from api.settings import cache_dir

map_app = typer.Typer(help="Street maps: graph summary and travel matrices.", no_args_is_help=True)

#: Exit status for input the user can fix (bad file, bad CSV row, unknown profile).
EXIT_INPUT = 2


class CsvPointError(ValueError):
    """A row of the points CSV is invalid; the message names the line and column."""


def read_points(path: Path) -> list[tuple[float, float]]:
    """``(lon, lat)`` points of a CSV with a header naming ``lon`` and ``lat`` columns."""
    if not path.is_file():
        raise CsvPointError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise CsvPointError(f"{path}: empty file, expected a header with lon,lat")
        names = [h.strip().lower() for h in header]
        for col in ("lon", "lat"):
            if col not in names:
                raise CsvPointError(f"{path}, line 1: header has no {col!r} column ({header})")
        ilon, ilat = names.index("lon"), names.index("lat")
        points: list[tuple[float, float]] = []
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            values = []
            for col, idx, limit in (("lon", ilon, 180.0), ("lat", ilat, 90.0)):
                raw = row[idx].strip() if idx < len(row) else ""
                try:
                    v = float(raw)
                except ValueError:
                    raise CsvPointError(
                        f"{path}, line {line}, column {col!r}: not a number: {raw!r}"
                    ) from None
                if not math.isfinite(v) or abs(v) > limit:
                    raise CsvPointError(
                        f"{path}, line {line}, column {col!r}: {v} is outside ±{limit:g} degrees"
                    )
                values.append(v)
            points.append((values[0], values[1]))
    if not points:
        raise CsvPointError(f"{path}: no points")
    return points


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_INPUT)


def _say_phase(phase: str, seconds: float) -> None:
    """Progress on stderr: each finished phase of a map load with its time."""
    typer.echo(f"{phase}: {seconds:.2f} s", err=True)


@map_app.command("info")
def info(
    file: Annotated[Path, typer.Argument(help="OSM file: .osm, .osm.bz2 or .osm.pbf")],
    profile: Annotated[
        list[str] | None, typer.Option("--profile", "-p", help="Profiles (default: all)")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore the graph cache")] = False,
) -> None:
    """Nodes, edges, components and bbox (lon/lat) of each travel profile's graph."""
    from geo import PROFILES, GeoError, load_graphs

    names = profile or list(PROFILES)
    try:
        graphs = load_graphs(
            file, names, cache=not no_cache, cache_dir=cache_dir(), on_phase=_say_phase
        )
    except GeoError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{file.name}  (© OpenStreetMap contributors)")
    typer.echo(
        f"{'profile':8} {'nodes':>8} {'edges':>8} {'links':>8} {'components':>11}  "
        "bbox (west, south, east, north)"
    )
    for name, g in graphs.items():
        bbox = ", ".join(f"{v:.5f}" for v in g.bbox)
        typer.echo(
            f"{name:8} {g.n_nodes:8d} {g.n_edges:8d} {g.n_links:8d} {g.n_components:11d}  {bbox}"
        )
    typer.echo("components: strongly connected ones in the raw network; only the largest is kept")


@map_app.command("matrix")
def matrix(
    file: Annotated[Path, typer.Argument(help="OSM file: .osm, .osm.bz2 or .osm.pbf")],
    points: Annotated[Path, typer.Option("--points", help="CSV with a lon,lat header")],
    out: Annotated[Path, typer.Option("--out", help="Output .npz")],
    profile: Annotated[str, typer.Option("--profile", "-p", help="Travel profile")] = "walk",
    max_snap_m: Annotated[
        float, typer.Option("--max-snap-m", help="Farther points are unreachable (m)")
    ] = 300.0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore the graph cache")] = False,
) -> None:
    """Snap points and write durations (s), distances (m) and snap_m to an .npz file."""
    from geo import GeoError, load_graph, snap, travel_matrices

    try:
        pts = read_points(points)
    except CsvPointError as exc:
        raise _fail(str(exc)) from None
    try:
        graph = load_graph(file, profile, cache=not no_cache, cache_dir=cache_dir())
        snapped = snap(graph, pts, max_snap_m=max_snap_m)
        m = travel_matrices(graph, snapped)
    except GeoError as exc:
        raise _fail(str(exc)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, durations=m.durations, distances=m.distances, snap_m=m.snap_m)
    far = int((~m.reachable).sum())
    typer.echo(
        f"{len(pts)} points on {graph.profile} ({graph.n_nodes} nodes): "
        f"{far} unreachable (> {max_snap_m:g} m from a street); wrote {out}"
    )


def register(app: typer.Typer) -> None:
    """Add the ``map`` command group to the ``doorstep`` CLI."""
    app.add_typer(map_app, name="map")
