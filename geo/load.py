"""Load street graphs per travel profile from an OSM file or an online query.

The source is parsed once for all requested profiles; each profile's prepared graph is
cached on disk (see :mod:`geo.cache`) so later loads skip parsing entirely.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from geo.cache import cache_path, hierarchy_path, load_cached, save_cached
from geo.ch import remember_file
from geo.errors import MapSourceError
from geo.graph import StreetGraph
from geo.memory import ensure_fits
from geo.online import BBoxQuery, OnlineQuery, PlaceQuery, PointQuery, fetch
from geo.osm import OsmData, read_osm_file, source_kind
from geo.profiles import TravelProfile, get_profile

log = logging.getLogger("doorstep.geo")

Source = str | Path | OnlineQuery | tuple[float, ...]

#: Told each finished phase of a load: ``(phase, seconds)``; phases are ``read``,
#: ``build <profile>``, ``save <profile>`` and ``cached <profile>``.
PhaseHook = Callable[[str, float], None]


def _no_phase(phase: str, seconds: float) -> None:
    """Default phase hook: the log only."""
    log.debug("phase %s: %.2f s", phase, seconds)


def _as_source(source: Source) -> Path | OnlineQuery:
    if isinstance(source, PlaceQuery | BBoxQuery | PointQuery):
        return source
    if isinstance(source, Path):
        return source
    if isinstance(source, tuple):
        if len(source) == 4:
            return BBoxQuery(*map(float, source))
        if len(source) == 3:
            return PointQuery(*map(float, source))
        raise MapSourceError(
            "a tuple source is (west, south, east, north) or (lon, lat, radius_m)",
            record=f"source {source!r}",
        )
    if isinstance(source, str):
        path = Path(source).expanduser()
        looks_like_file = "/" in source or "\\" in source or path.exists()
        try:
            source_kind(path)
            looks_like_file = True
        except MapSourceError:
            pass
        return path if looks_like_file else PlaceQuery(source)
    raise MapSourceError(f"unsupported map source type {type(source).__name__}", record="source")


def load_graphs(
    source: Source,
    profiles: Sequence[str | TravelProfile] = ("walk",),
    *,
    cache: bool = True,
    cache_dir: Path | None = None,
    on_phase: PhaseHook = _no_phase,
) -> dict[str, StreetGraph]:
    """Street graphs of several travel profiles from one source, parsed at most once.

    Parameters
    ----------
    source
        Path to ``.osm`` / ``.osm.bz2`` / ``.osm.gz`` / ``.osm.pbf``; or, online only, a
        place name, a :class:`~geo.online.PlaceQuery`, :class:`~geo.online.BBoxQuery`
        (or ``(west, south, east, north)`` degrees) or :class:`~geo.online.PointQuery`
        (or ``(lon, lat, radius_m)``).
    profiles
        Profile names (see :data:`geo.PROFILES`) or :class:`~geo.TravelProfile` objects.
    cache
        Read and write prepared graphs on disk (files only).
    cache_dir
        Cache folder (default ``DOORSTEP_CACHE`` or ``~/.cache/doorstep``).
    on_phase
        Called with ``(phase, seconds)`` as each phase ends (for progress displays).

    Returns
    -------
    ``{profile name: StreetGraph}`` in the order asked.

    Raises
    ------
    MapSourceError
        Unreadable source, or a map whose build would not fit in memory (checked right
        after reading, before building; see :mod:`geo.memory`).
    """
    resolved = [get_profile(p) for p in profiles]
    src = _as_source(source)
    t0 = time.perf_counter()
    graphs: dict[str, StreetGraph] = {}
    missing: list[TravelProfile] = []
    if isinstance(src, Path):
        if not src.is_file():
            raise MapSourceError("no such file", record=f"file '{src}'")
        source_kind(src)
        for prof in resolved:
            t1 = time.perf_counter()
            hit = load_cached(cache_path(src, prof, cache_dir)) if cache else None
            if hit is not None:
                on_phase(f"cached {prof.name}", time.perf_counter() - t1)
                graphs[prof.name] = hit
                remember_file(hit, hierarchy_path(cache_path(src, prof, cache_dir)))
            else:
                missing.append(prof)
    else:
        missing = list(resolved)
    if missing:
        from geo.build import build_graph  # with scipy's sparse graphs: only to build

        t1 = time.perf_counter()
        data: OsmData = read_osm_file(src) if isinstance(src, Path) else fetch(src)
        on_phase("read", time.perf_counter() - t1)
        ensure_fits(data, len(missing))
        for prof in missing:
            t1 = time.perf_counter()
            graph = build_graph(data, prof)
            graphs[prof.name] = graph
            on_phase(f"build {prof.name}", time.perf_counter() - t1)
            if cache and isinstance(src, Path):
                t1 = time.perf_counter()
                where = cache_path(src, prof, cache_dir)
                save_cached(where, graph)
                remember_file(graph, hierarchy_path(where))
                on_phase(f"save {prof.name}", time.perf_counter() - t1)
    log.info(
        "load %s: %s (%d from cache) in %.2f s",
        src,
        ", ".join(f"{p.name} {graphs[p.name].n_nodes} nodes" for p in resolved),
        len(resolved) - len(missing),
        time.perf_counter() - t0,
    )
    return {p.name: graphs[p.name] for p in resolved}


def load_graph(
    source: Source,
    profile: str | TravelProfile = "walk",
    *,
    cache: bool = True,
    cache_dir: Path | None = None,
    on_phase: PhaseHook = _no_phase,
) -> StreetGraph:
    """Street graph of one travel profile; see :func:`load_graphs`."""
    prof = get_profile(profile)
    graphs = load_graphs(source, (prof,), cache=cache, cache_dir=cache_dir, on_phase=on_phase)
    return graphs[prof.name]
