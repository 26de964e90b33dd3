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

from api.cli.options import Language, cli_console, language_of
from api.i18n import N_, Lang, Message
from api.settings import cache_dir

map_app = typer.Typer(help="Street maps: graph summary and travel matrices.", no_args_is_help=True)

#: Exit status for input the user can fix (bad file, bad CSV row, unknown profile).
EXIT_INPUT = 2


class CsvPointError(ValueError):
    """A row of the points CSV is invalid; the message (an :class:`api.i18n.Message`,
    ``args[0]``) names the line and column."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message


def read_points(path: Path) -> list[tuple[float, float]]:
    """``(lon, lat)`` points of a CSV with a header naming ``lon`` and ``lat`` columns."""
    if not path.is_file():
        raise CsvPointError(Message(N_("%(path)s: no such file"), path=str(path)))
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise CsvPointError(
                Message(N_("%(path)s: empty file, expected a header with lon,lat"), path=str(path))
            )
        names = [h.strip().lower() for h in header]
        for col in ("lon", "lat"):
            if col not in names:
                raise CsvPointError(
                    Message(
                        N_("%(path)s, line 1: header has no '%(column)s' column (%(header)s)"),
                        path=str(path),
                        column=col,
                        header=str(header),
                    )
                )
        ilon, ilat = names.index("lon"), names.index("lat")
        points: list[tuple[float, float]] = []
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            values = []
            for col, idx, limit in (("lon", ilon, 180.0), ("lat", ilat, 90.0)):
                raw = row[idx].strip() if idx < len(row) else ""
                where = {"path": str(path), "line": line, "column": col}
                try:
                    v = float(raw)
                except ValueError:
                    said = N_("%(path)s, line %(line)d, column '%(column)s': not a number: %(raw)s")
                    raise CsvPointError(Message(said, **where, raw=repr(raw))) from None
                if not math.isfinite(v) or abs(v) > limit:
                    said = N_(
                        "%(path)s, line %(line)d, column '%(column)s': %(value)s is outside "
                        "±%(limit)s degrees"
                    )
                    raise CsvPointError(Message(said, **where, value=str(v), limit=f"{limit:g}"))
                values.append(v)
            points.append((values[0], values[1]))
    if not points:
        raise CsvPointError(Message(N_("%(path)s: no points"), path=str(path)))
    return points


#: Each phase of a map load (``geo.load_graphs``' ``on_phase``: ``read``, ``cached walk``,
#: ``build walk``, ``save walk``) in words, the profile its field.
_PHASES = {
    "read": N_("read"),
    "cached": N_("cached %(profile)s"),
    "build": N_("build %(profile)s"),
    "save": N_("save %(profile)s"),
}


def _fail(message: str, language: Lang) -> typer.Exit:
    typer.echo(language.gettext("error: %(problem)s", problem=language.text(message)), err=True)
    return typer.Exit(EXIT_INPUT)


def phase_text(phase: str, seconds: float, language: Lang) -> str:
    """A finished phase of a map load with its time, in ``language`` (``build walk: 1.20 s``)."""
    verb, _, profile = phase.partition(" ")
    named = language.gettext(_PHASES[verb], profile=profile) if verb in _PHASES else phase
    return language.gettext(
        "%(phase)s: %(seconds)s s", phase=named, seconds=language.number(seconds, 2)
    )


#: The columns of ``map info`` before the bounding box.
_INFO_COLUMNS = (N_("profile"), N_("nodes"), N_("edges"), N_("links"), N_("components"))


@map_app.command("info")
def info(
    file: Annotated[Path, typer.Argument(help="OSM file: .osm, .osm.bz2 or .osm.pbf")],
    profile: Annotated[
        list[str] | None, typer.Option("--profile", "-p", help="Profiles (default: all)")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ignore the graph cache")] = False,
    lang: Language = "en",
) -> None:
    """Nodes, edges, components and bbox (lon/lat) of each travel profile's graph."""
    from geo import PROFILES, GeoError, load_graphs

    language = language_of(lang, cli_console())

    def say_phase(phase: str, seconds: float) -> None:
        typer.echo(phase_text(phase, seconds, language), err=True)

    names = profile or list(PROFILES)
    try:
        graphs = load_graphs(
            file, names, cache=not no_cache, cache_dir=cache_dir(), on_phase=say_phase
        )
    except GeoError as exc:
        raise _fail(str(exc), language) from None
    credit = language.gettext("© OpenStreetMap contributors")
    typer.echo(f"{file.name}  ({credit})")
    head = [language.gettext(h) for h in _INFO_COLUMNS]
    typer.echo(
        f"{head[0]:8} {head[1]:>8} {head[2]:>8} {head[3]:>8} {head[4]:>11}  "
        + language.gettext("bbox (west, south, east, north)")
    )
    for name, g in graphs.items():
        bbox = ", ".join(f"{v:.5f}" for v in g.bbox)
        typer.echo(
            f"{name:8} {g.n_nodes:8d} {g.n_edges:8d} {g.n_links:8d} {g.n_components:11d}  {bbox}"
        )
    typer.echo(
        language.gettext(
            "components: strongly connected ones in the raw network; only the largest is kept"
        )
    )


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
    lang: Language = "en",
) -> None:
    """Snap points and write durations (s), distances (m) and snap_m to an .npz file."""
    from geo import GeoError, load_graph, snap, travel_matrices

    language = language_of(lang, cli_console())
    try:
        pts = read_points(points)
    except CsvPointError as exc:
        raise _fail(exc.message, language) from None
    try:
        graph = load_graph(file, profile, cache=not no_cache, cache_dir=cache_dir())
        snapped = snap(graph, pts, max_snap_m=max_snap_m)
        m = travel_matrices(graph, snapped)
    except GeoError as exc:
        raise _fail(str(exc), language) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, durations=m.durations, distances=m.distances, snap_m=m.snap_m)
    far = int((~m.reachable).sum())
    limit = f"{max_snap_m:g}"
    said = language.gettext(
        "%(n)d points on %(profile)s (%(nodes)d nodes): %(far)d unreachable (> %(max)s m from "
        "a street); wrote %(out)s",
        n=len(pts),
        profile=graph.profile,
        nodes=graph.n_nodes,
        far=far,
        max=limit,
        out=out,
    )
    typer.echo(said)


def register(app: typer.Typer) -> None:
    """Add the ``map`` command group to the ``doorstep`` CLI."""
    app.add_typer(map_app, name="map")
